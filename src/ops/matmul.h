// Gemm and MatMul.
//   Gemm:   Y = alpha * A' * B' + beta * C,  A' = transA ? A^T : A (M x K), B' (K x N),
//           C unidirectionally broadcast to (M, N); optional from opset 11.
//   MatMul: numpy matmul: 1-D operands are promoted (and the added dim removed), leading
//           (batch) dims broadcast.
#pragma once

#include "ops/op_def.h"

namespace calibra {

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.f, beta = 1.f;
};
Result<GemmParams> resolve_gemm(const Node& n, const Shape& a, const Shape& b);

struct MatMulParams {
  Shape batch;          // broadcast batch dims of the output
  Shape a_batch, b_batch;  // each operand's batch dims, left-padded with 1s to batch.size()
  int64_t m = 0, n = 0, k = 0;
  Shape out;
};
Result<MatMulParams> resolve_matmul(const Node& n, const Shape& a, const Shape& b);

Status infer_gemm(InferCtx& c);
Status infer_matmul(InferCtx& c);

}  // namespace calibra
