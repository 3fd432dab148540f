#include "ops/window.h"

namespace calibra {

Result<Window> resolve_window(const Node& n, const Shape& x, std::vector<int64_t> kernel,
                              bool allow_ceil_mode) {
  Window w;
  if (x.size() < 3)
    return bad_node(n, "input must be N x C x spatial..., got " + shape_str(x));
  w.nsp = x.size() - 2;
  if (kernel.size() != w.nsp)
    return bad_node(n, "kernel has " + std::to_string(kernel.size()) + " dims but the input has " +
                           std::to_string(w.nsp) + " spatial dims");
  w.kernel = std::move(kernel);
  w.strides = n.attr_ints("strides", std::vector<int64_t>(w.nsp, 1));
  w.dilations = n.attr_ints("dilations", std::vector<int64_t>(w.nsp, 1));
  std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * w.nsp, 0));
  if (w.strides.size() != w.nsp || w.dilations.size() != w.nsp || pads.size() != 2 * w.nsp)
    return bad_node(n, "strides/dilations/pads do not match the " + std::to_string(w.nsp) +
                           " spatial dims");
  w.ceil_mode = allow_ceil_mode && n.attr_int("ceil_mode", 0) != 0;
  std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  w.in.assign(x.begin() + 2, x.end());
  w.out.resize(w.nsp);
  w.pad_begin.resize(w.nsp);
  w.pad_end.resize(w.nsp);
  // Beyond 2^31 no window is real, and the sums below could overflow int64.
  constexpr int64_t kMaxWindow = int64_t(1) << 31;
  for (size_t i = 0; i < w.nsp; ++i) {
    if (w.kernel[i] <= 0 || w.strides[i] <= 0 || w.dilations[i] <= 0)
      return bad_node(n, "kernel, strides and dilations must be positive");
    if (w.kernel[i] > kMaxWindow || w.strides[i] > kMaxWindow || w.dilations[i] > kMaxWindow ||
        pads[i] > kMaxWindow || pads[i + w.nsp] > kMaxWindow || w.in[i] > kMaxWindow)
      return bad_node(n, "kernel, strides, dilations or pads are implausibly large (over 2^31)");
    const int64_t dk = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[i] = (w.in[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * w.strides[i] + dk - w.in[i]);
      int64_t small = total / 2;
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      w.pad_end[i] = total - w.pad_begin[i];
      continue;
    }
    if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end[i] = 0;
    } else if (auto_pad == "NOTSET" || auto_pad.empty()) {
      w.pad_begin[i] = pads[i];
      w.pad_end[i] = pads[i + w.nsp];
      if (w.pad_begin[i] < 0 || w.pad_end[i] < 0) return bad_node(n, "negative pads");
    } else {
      return bad_node(n, "unknown auto_pad '" + auto_pad + "'");
    }
    int64_t span = w.in[i] + w.pad_begin[i] + w.pad_end[i] - dk;
    if (span < 0)
      return bad_node(n, "kernel (" + std::to_string(dk) + " with dilation) is larger than the padded input (" +
                             std::to_string(w.in[i] + w.pad_begin[i] + w.pad_end[i]) + ")");
    w.out[i] = (w.ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] : span / w.strides[i]) + 1;
    // ceil_mode: a window that would start in the end padding is dropped (ONNX's later
    // clarification of MaxPool/AveragePool, and what PyTorch and ONNX Runtime do).
    if (w.ceil_mode && w.out[i] > 1 && (w.out[i] - 1) * w.strides[i] >= w.in[i] + w.pad_begin[i]) --w.out[i];
  }
  return w;
}

}  // namespace calibra
