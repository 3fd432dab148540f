// Resize (opset 10: scales, nearest/linear; opset 11+: roi/scales/sizes with coordinate
// transformation modes). Cubic interpolation is not supported.
//
// For output coordinate x_r along an axis with input length L, resized length R (in * scale,
// not floored, when scales are given; the output size when sizes are given) and
// scale s (given, or R / L when sizes are given), the source coordinate x_o is:
//   half_pixel:          (x_r + 0.5) / s - 0.5
//   pytorch_half_pixel:  R > 1 ? (x_r + 0.5) / s - 0.5 : 0
//   align_corners:       R > 1 ? x_r * (L - 1) / (R - 1) : 0
//   asymmetric:          x_r / s
//   tf_half_pixel_for_nn:(x_r + 0.5) / s
//   tf_crop_and_resize:  R > 1 ? a*(L-1) + x_r*(b-a)*(L-1)/(R-1) : 0.5*(a+b)*(L-1)  (roi [a,b])
// nearest picks round_prefer_floor/round_prefer_ceil/floor/ceil(x_o) clamped to [0, L-1];
// linear interpolates between floor(x_o) and floor(x_o)+1 with x_o clamped to [0, L-1].
#pragma once

#include "ops/op_def.h"

namespace calibra {

struct ResizeParams {
  bool linear = false;  // else nearest
  std::string coord = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  std::vector<double> scales;       // per axis
  std::vector<double> resized_len;  // per axis: in * scale (given scales) or the output size
  std::vector<double> roi_start, roi_end;
  double extrapolation_value = 0;
  Shape out;
};

Result<ResizeParams> resolve_resize(const Node& n, std::span<const ValueDesc> src);
// Source coordinate for output index `x` along `axis` (see the formulas above).
double resize_source_coord(const ResizeParams& p, size_t axis, int64_t x, int64_t in_len);
// Nearest source index (clamped) for output index `x`.
int64_t resize_nearest_index(const ResizeParams& p, size_t axis, int64_t x, int64_t in_len);

Status infer_resize(InferCtx& c);

}  // namespace calibra
