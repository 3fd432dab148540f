// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
//
// Windows follow window.h (ceil_mode from opset 10, dilations for MaxPool from opset 10).
// AveragePool divides by the window's element count inside the input (count_include_pad=0)
// or inside input + explicit pads (count_include_pad=1); positions past the explicit pads
// that ceil_mode adds are never counted. MaxPool's optional Indices output holds flat
// (N, C, spatial) row-major indices (storage_order=0) or column-major spatial (=1).
#pragma once

#include "ops/window.h"

namespace calibra {

struct PoolParams {
  Window win;
  bool is_max = true;
  bool global = false;
  bool count_include_pad = false;
  int64_t storage_order = 0;
};

Result<PoolParams> resolve_pool(const Node& n, const Shape& x);
Status infer_pool(InferCtx& c);

}  // namespace calibra
