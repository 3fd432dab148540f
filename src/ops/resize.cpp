#include "ops/resize.h"

#include <cmath>

namespace calibra {

Result<ResizeParams> resolve_resize(const Node& n, std::span<const ValueDesc> src) {
  ResizeParams p;
  const Shape& x = src[0].shape;
  const size_t r = x.size();
  std::string mode = n.attr_string("mode", "nearest");
  if (mode == "cubic") return unsupported_node(n, "cubic interpolation is not supported (nearest and linear are)");
  if (mode != "nearest" && mode != "linear") return bad_node(n, "unknown mode '" + mode + "'");
  p.linear = mode == "linear";
  std::vector<int64_t> sizes;
  std::vector<double> scales;
  auto read_floats = [&](const ValueDesc& v, const char* what) -> Result<std::vector<double>> {
    if (!v.value) return unsupported_node(n, std::string(what) + " must be known before running");
    std::vector<double> out;
    const Tensor& t = *v.value;
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (t.dtype() == DType::kF32) out.push_back(t.data_as<float>()[i]);
      else if (t.dtype() == DType::kF64) out.push_back(t.data_as<double>()[i]);
      else return bad_node(n, std::string(what) + " must be float");
    }
    return out;
  };
  if (n.opset < 11) {
    p.coord = "asymmetric";
    p.nearest_mode = "floor";
    if (src.size() < 2 || !src[1].present()) return bad_node(n, "needs scales");
    CALIBRA_ASSIGN_OR_RETURN(scales, read_floats(src[1], "scales"));
  } else {
    p.coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
    p.nearest_mode = n.attr_string("nearest_mode", "round_prefer_floor");
    p.extrapolation_value = n.attr_float("extrapolation_value", 0.f);
    if (src.size() > 1 && src[1].present() && src[1].numel() > 0) {
      CALIBRA_ASSIGN_OR_RETURN(auto roi, read_floats(src[1], "roi"));
      if (roi.size() != 2 * r) return bad_node(n, "roi must have 2 * rank values");
      p.roi_start.assign(roi.begin(), roi.begin() + static_cast<long>(r));
      p.roi_end.assign(roi.begin() + static_cast<long>(r), roi.end());
    }
    if (src.size() > 2 && src[2].present() && src[2].numel() > 0) {
      CALIBRA_ASSIGN_OR_RETURN(scales, read_floats(src[2], "scales"));
    }
    if (src.size() > 3 && src[3].present() && src[3].numel() > 0) {
      CALIBRA_ASSIGN_OR_RETURN(sizes, read_ints(n, src[3], "sizes"));
    }
  }
  if (n.attr_int("antialias", 0) != 0 || n.has_attr("axes") || n.has_attr("keep_aspect_ratio_policy"))
    return unsupported_node(n, "antialias/axes/keep_aspect_ratio_policy (opset 18) are not supported");
  static const char* kCoords[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                  "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  bool known = false;
  for (const char* k : kCoords) known = known || p.coord == k;
  if (!known) return unsupported_node(n, "coordinate_transformation_mode '" + p.coord + "' is not supported");
  if (p.nearest_mode != "round_prefer_floor" && p.nearest_mode != "round_prefer_ceil" &&
      p.nearest_mode != "floor" && p.nearest_mode != "ceil")
    return bad_node(n, "unknown nearest_mode '" + p.nearest_mode + "'");
  if (p.roi_start.empty()) {
    p.roi_start.assign(r, 0.0);
    p.roi_end.assign(r, 1.0);
  }
  p.out = x;
  p.scales.assign(r, 1.0);
  p.resized_len.assign(r, 1.0);
  if (!sizes.empty()) {
    if (!scales.empty()) return bad_node(n, "give either scales or sizes, not both");
    if (sizes.size() != r) return bad_node(n, "sizes must have one value per dimension");
    for (size_t i = 0; i < r; ++i) {
      if (sizes[i] <= 0) return bad_node(n, "sizes must be positive");
      p.out[i] = sizes[i];
      p.scales[i] = x[i] > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(x[i]) : 1.0;
      p.resized_len[i] = static_cast<double>(sizes[i]);
    }
  } else {
    if (scales.size() != r) return bad_node(n, "scales must have one value per dimension (or give sizes)");
    for (size_t i = 0; i < r; ++i) {
      if (!(scales[i] > 0)) return bad_node(n, "scales must be positive");
      p.scales[i] = scales[i];
      double len = static_cast<double>(x[i]);
      if (p.coord == "tf_crop_and_resize") len *= (p.roi_end[i] - p.roi_start[i]);
      p.out[i] = static_cast<int64_t>(std::floor(len * scales[i] + 1e-9));
      p.resized_len[i] = len * scales[i];
    }
  }
  return p;
}

double resize_source_coord(const ResizeParams& p, size_t axis, int64_t x, int64_t in_len) {
  const double s = p.scales[axis];
  const double xr = static_cast<double>(x);
  const double R = p.resized_len[axis];
  if (p.coord == "half_pixel") return (xr + 0.5) / s - 0.5;
  if (p.coord == "pytorch_half_pixel") return R > 1 ? (xr + 0.5) / s - 0.5 : 0.0;
  if (p.coord == "align_corners") return R > 1 ? xr * static_cast<double>(in_len - 1) / (R - 1) : 0.0;
  if (p.coord == "asymmetric") return xr / s;
  if (p.coord == "tf_half_pixel_for_nn") return (xr + 0.5) / s;
  // tf_crop_and_resize
  const double a = p.roi_start[axis], b = p.roi_end[axis], L = static_cast<double>(in_len - 1);
  return R > 1 ? a * L + xr * (b - a) * L / (R - 1) : 0.5 * (a + b) * L;
}

int64_t resize_nearest_index(const ResizeParams& p, size_t axis, int64_t x, int64_t in_len) {
  double xo = resize_source_coord(p, axis, x, in_len);
  double v;
  if (p.nearest_mode == "floor") v = std::floor(xo);
  else if (p.nearest_mode == "ceil") v = std::ceil(xo);
  else if (p.nearest_mode == "round_prefer_ceil") v = std::floor(xo + 0.5);
  else v = (xo - std::floor(xo) == 0.5) ? std::floor(xo) : std::round(xo);  // round_prefer_floor
  int64_t i = static_cast<int64_t>(v);
  return std::clamp<int64_t>(i, 0, in_len - 1);
}

Status infer_resize(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  CALIBRA_ASSIGN_OR_RETURN(ResizeParams p, resolve_resize(c.node, c.src));
  c.set(0, c.src[0].dtype, p.out);
  return Status::ok();
}

}  // namespace calibra
