// Element-wise ops: unary activations/math, binary arithmetic with multidirectional
// broadcasting, variadic Sum/Max/Min, PRelu (unidirectional broadcast of the slope).
//
// Opset < 7 Add/Sub/Mul/Div broadcast B into A only when broadcast=1, aligning B's dims at
// `axis` (default: trailing); legacy_operand_shape() maps that onto numpy broadcasting.
#pragma once

#include <optional>

#include "ops/op_def.h"

namespace calibra {

// The activation a unary node computes, with its attributes (nullopt for non-activation ops).
// For Clip (opset >= 11) the min/max inputs must be plan-time constants.
Result<std::optional<Activation>> unary_activation(const Node& n, std::span<const ValueDesc> src);

// Effective shape of binary input `i` for broadcasting, honouring legacy (opset < 7) rules.
Result<Shape> legacy_operand_shape(const Node& n, const Shape& a, const Shape& b, size_t i);

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kPRelu };
BinaryOp binary_op_of(const std::string& op_type);

// PRelu's slope as a shape of X's rank: numpy (right-aligned) when that broadcasts into X,
// else a 1-D slope of X's channel count along axis 1 (older exporters).
Shape prelu_slope_shape(const Shape& x, const Shape& slope);

Status infer_unary(InferCtx& c);
Status infer_binary(InferCtx& c);
Status infer_variadic(InferCtx& c);
Status infer_prelu(InferCtx& c);

}  // namespace calibra
