// Reference kernels: plain, obviously correct loops over row-major tensors. They are the
// ground truth that oneDNN kernels are tested against, the fallback for anything oneDNN
// does not cover, and what constant folding runs. Float math accumulates in double.
#pragma once

#include <memory>

#include "ops/op_def.h"

namespace calibra::ref {

using Factory = Result<std::unique_ptr<Kernel>>;

Factory conv(const KernelArgs& a);
Factory conv_transpose(const KernelArgs& a);
Factory pool(const KernelArgs& a);
Factory batchnorm(const KernelArgs& a);
Factory lrn(const KernelArgs& a);
Factory unary(const KernelArgs& a);
Factory binary(const KernelArgs& a);
Factory variadic(const KernelArgs& a);
Factory prelu(const KernelArgs& a);
Factory gemm(const KernelArgs& a);
Factory matmul(const KernelArgs& a);
Factory copy(const KernelArgs& a);  // Identity, Reshape, Flatten, Squeeze, Unsqueeze
Factory dropout(const KernelArgs& a);
Factory shape(const KernelArgs& a);
Factory cast(const KernelArgs& a);
Factory constant_of_shape(const KernelArgs& a);
Factory transpose(const KernelArgs& a);
Factory concat(const KernelArgs& a);
Factory split(const KernelArgs& a);
Factory slice(const KernelArgs& a);
Factory gather(const KernelArgs& a);
Factory expand(const KernelArgs& a);
Factory pad(const KernelArgs& a);
Factory depth_to_space(const KernelArgs& a);
Factory space_to_depth(const KernelArgs& a);
Factory resize(const KernelArgs& a);
Factory reduce(const KernelArgs& a);
Factory softmax(const KernelArgs& a);
Factory quantize(const KernelArgs& a);
Factory dequantize(const KernelArgs& a);
// INT8 forms, for nodes with Node::quant set (kernels/ref/quantized.cpp). Pooling and
// Concat need no separate form: with equal input/output parameters they move integers.
Factory qconv(const KernelArgs& a);
Factory qgemm(const KernelArgs& a);  // Gemm and MatMul
Factory qadd(const KernelArgs& a);

// Applies a node's fused post-ops to `n` float outputs in place (activation, residual sum).
void apply_post_ops(const Node& node, float* dst, int64_t n, const ExecCtx& ctx);

// Generic N-d permutation copy of row-major data with element size `esize`.
void permute_copy(const void* src, void* dst, const Shape& src_shape, const std::vector<int64_t>& perm,
                  size_t esize);

}  // namespace calibra::ref
