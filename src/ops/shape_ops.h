// Ops that only reinterpret or describe tensors: Flatten, Reshape, Squeeze, Unsqueeze,
// Identity, Dropout (inference: identity, mask all true), Shape, Cast, ConstantOfShape.
#pragma once

#include "ops/op_def.h"

namespace calibra {

Status infer_flatten(InferCtx& c);
Status infer_reshape(InferCtx& c);
Status infer_squeeze(InferCtx& c);
Status infer_unsqueeze(InferCtx& c);
Status infer_identity(InferCtx& c);
Status infer_dropout(InferCtx& c);
Status infer_shape(InferCtx& c);
Status infer_cast(InferCtx& c);
Status infer_constant_of_shape(InferCtx& c);
Status infer_constant(InferCtx& c);

// Shape's [start, end) slice (opset 15 attributes), clamped.
std::pair<int64_t, int64_t> shape_op_range(const Node& n, int64_t rank);

}  // namespace calibra
