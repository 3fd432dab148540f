// Reductions and softmax.
//   ReduceMean: mean over `axes` (all when empty), keepdims (default 1).
//   Softmax/LogSoftmax: opset < 13 flattens to 2-D at `axis` (default 1) and normalises
//   over the trailing block; opset >= 13 normalises along `axis` only (default -1).
//   y = exp(x - max) / sum(exp(x - max));  log form: (x - max) - log(sum(exp(x - max))).
#pragma once

#include "ops/op_def.h"

namespace calibra {

struct ReduceParams {
  std::vector<bool> reduce;  // per input axis
  Shape out;                 // with keepdims applied
};
Result<ReduceParams> resolve_reduce(const Node& n, const Shape& x);

// Softmax as (outer, axis, inner) blocks over the row-major input.
struct SoftmaxParams {
  int64_t outer = 1, axis_len = 1, inner = 1;
  bool log = false;
};
Result<SoftmaxParams> resolve_softmax(const Node& n, const Shape& x);

Status infer_reduce(InferCtx& c);
Status infer_softmax(InferCtx& c);

}  // namespace calibra
