// Conv and ConvTranspose: attribute resolution shared by shape rules and kernels.
//
// Conv:  X [N, C, D...], W [M, C/group, k...], B [M]  ->  Y [N, M, out...]  (window.h)
// ConvTranspose: W [C, M/group, k...] -> Y [N, M, out...] with
//   out = s * (in - 1) + output_padding + (k - 1) * d + 1 - pad_begin - pad_end,
//   or pads derived from the output_shape attribute / auto_pad (ONNX spec formulas).
#pragma once

#include "ops/window.h"

namespace calibra {

struct ConvParams {
  Window win;
  int64_t group = 1;
  int64_t in_channels = 0;   // C
  int64_t out_channels = 0;  // M
  std::vector<int64_t> output_padding;  // ConvTranspose only
};

Result<ConvParams> resolve_conv(const Node& n, const Shape& x, const Shape& w);
Result<ConvParams> resolve_conv_transpose(const Node& n, const Shape& x, const Shape& w);

Status infer_conv(InferCtx& c);
Status infer_conv_transpose(InferCtx& c);

}  // namespace calibra
