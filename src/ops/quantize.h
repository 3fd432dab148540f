// QuantizeLinear and DequantizeLinear (opset 10: per tensor; opset 13: per axis).
//   Q:  y = saturate(round_half_even(x / scale) + zero_point), y in uint8 (default) or int8
//   DQ: y = (x - zero_point) * scale
// The scale and zero point must be constants (they are in every exported model).
#pragma once

#include "ir/quant.h"
#include "ops/op_def.h"

namespace calibra {

// Reads scale (input 1) and zero point (input 2) of a Q/DQ node.
Result<QuantParam> qdq_param(const Node& n, std::span<const ValueDesc> src);

Status infer_quantize(InferCtx& c);
Status infer_dequantize(InferCtx& c);

}  // namespace calibra
