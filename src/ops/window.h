// Sliding-window geometry shared by Conv, ConvTranspose and pooling: kernel, strides,
// dilations and pads resolved against a concrete input shape (auto_pad, ceil_mode).
//
//   out = floor_or_ceil((in + pad_begin + pad_end - ((k - 1) * d + 1)) / s) + 1
//   SAME_UPPER / SAME_LOWER: out = ceil(in / s), total pad split with the extra at the
//   end (UPPER) or the beginning (LOWER); VALID: no padding.
#pragma once

#include <vector>

#include "ops/op_def.h"

namespace calibra {

struct Window {
  size_t nsp = 0;  // spatial rank
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end;
  std::vector<int64_t> in, out;  // spatial sizes
  bool ceil_mode = false;
};

// `kernel` comes from the weight shape (Conv) or the kernel_shape attribute (pools).
// `x` is N x C x spatial...
Result<Window> resolve_window(const Node& n, const Shape& x, std::vector<int64_t> kernel,
                              bool allow_ceil_mode);

}  // namespace calibra
