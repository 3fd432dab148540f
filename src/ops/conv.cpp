#include "ops/conv.h"

namespace calibra {

namespace {
Status check_fused_inputs(const Node& n, const InferCtx& c, const Shape& out) {
  for (const PostOp& p : n.post_ops)
    if (p.kind == PostOp::Kind::kSum) {
      if (!c.has(static_cast<size_t>(p.input_index)) || c.src[static_cast<size_t>(p.input_index)].shape != out)
        return Status::internal(n.describe() + ": fused residual input does not match the output shape");
    }
  return Status::ok();
}
}  // namespace

Result<ConvParams> resolve_conv(const Node& n, const Shape& x, const Shape& w) {
  if (w.size() != x.size())
    return bad_node(n, "weight " + shape_str(w) + " and input " + shape_str(x) + " ranks differ");
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  auto ks = n.attr_ints("kernel_shape");
  if (!ks.empty() && ks != kernel)
    return bad_node(n, "kernel_shape attribute does not match the weight shape " + shape_str(w));
  ConvParams p;
  CALIBRA_ASSIGN_OR_RETURN(p.win, resolve_window(n, x, kernel, false));
  p.group = n.attr_int("group", 1);
  p.in_channels = x[1];
  p.out_channels = w[0];
  if (p.group <= 0 || x[1] % p.group != 0 || w[0] % p.group != 0)
    return bad_node(n, "group " + std::to_string(p.group) + " does not divide channels (input " +
                           std::to_string(x[1]) + ", output " + std::to_string(w[0]) + ")");
  if (w[1] * p.group != x[1])
    return bad_node(n, "weight " + shape_str(w) + " expects " + std::to_string(w[1] * p.group) +
                           " input channels but the input " + shape_str(x) + " has " + std::to_string(x[1]));
  return p;
}

Result<ConvParams> resolve_conv_transpose(const Node& n, const Shape& x, const Shape& w) {
  if (w.size() != x.size() || x.size() < 3)
    return bad_node(n, "weight " + shape_str(w) + " and input " + shape_str(x) + " do not fit");
  ConvParams p;
  Window& win = p.win;
  win.nsp = x.size() - 2;
  win.kernel.assign(w.begin() + 2, w.end());
  auto ks = n.attr_ints("kernel_shape");
  if (!ks.empty() && ks != win.kernel)
    return bad_node(n, "kernel_shape attribute does not match the weight shape " + shape_str(w));
  const size_t nsp = win.nsp;
  win.strides = n.attr_ints("strides", std::vector<int64_t>(nsp, 1));
  win.dilations = n.attr_ints("dilations", std::vector<int64_t>(nsp, 1));
  auto pads = n.attr_ints("pads", std::vector<int64_t>(2 * nsp, 0));
  p.output_padding = n.attr_ints("output_padding", std::vector<int64_t>(nsp, 0));
  auto output_shape = n.attr_ints("output_shape");
  if (output_shape.size() == nsp + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (win.strides.size() != nsp || win.dilations.size() != nsp || pads.size() != 2 * nsp ||
      p.output_padding.size() != nsp || (!output_shape.empty() && output_shape.size() != nsp))
    return bad_node(n, "strides/dilations/pads/output_padding/output_shape do not match the spatial rank");
  p.group = n.attr_int("group", 1);
  if (p.group <= 0 || x[1] != w[0] || x[1] % p.group != 0)
    return bad_node(n, "input channels " + std::to_string(x[1]) + " do not match weight " + shape_str(w) +
                           " with group " + std::to_string(p.group));
  p.in_channels = x[1];
  p.out_channels = w[1] * p.group;
  std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  win.in.assign(x.begin() + 2, x.end());
  win.out.resize(nsp);
  win.pad_begin.resize(nsp);
  win.pad_end.resize(nsp);
  for (size_t i = 0; i < nsp; ++i) {
    if (win.strides[i] <= 0 || win.dilations[i] <= 0 || win.kernel[i] <= 0)
      return bad_node(n, "kernel, strides and dilations must be positive");
    const int64_t dk = (win.kernel[i] - 1) * win.dilations[i] + 1;
    const int64_t full = win.strides[i] * (win.in[i] - 1) + p.output_padding[i] + dk;
    bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!output_shape.empty() || same) {
      int64_t target = !output_shape.empty() ? output_shape[i] : win.in[i] * win.strides[i];
      // A negative total (output_shape larger than the natural size) pads the end: the
      // extra positions get only the bias. Halves use floor division, as ONNX's reference.
      const int64_t total = full - target;
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      if (auto_pad == "SAME_UPPER") {
        win.pad_begin[i] = half;
        win.pad_end[i] = total - half;
      } else {
        win.pad_begin[i] = total - half;
        win.pad_end[i] = half;
      }
      win.out[i] = full - win.pad_begin[i] - win.pad_end[i];
    } else {
      if (auto_pad == "VALID") {
        win.pad_begin[i] = win.pad_end[i] = 0;
      } else {
        win.pad_begin[i] = pads[i];
        win.pad_end[i] = pads[i + nsp];
      }
      win.out[i] = full - win.pad_begin[i] - win.pad_end[i];
    }
    if (win.out[i] <= 0) return bad_node(n, "computed output size is not positive");
  }
  return p;
}

Status infer_conv(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs inputs X and W");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv(c.node, c.src[0].shape, c.src[1].shape));
  if (c.has(2) && (c.src[2].shape != Shape{p.out_channels}))
    return bad_node(c.node, "bias shape " + shape_str(c.src[2].shape) + " must be [" +
                                std::to_string(p.out_channels) + "]");
  Shape out{c.src[0].shape[0], p.out_channels};
  out.insert(out.end(), p.win.out.begin(), p.win.out.end());
  CALIBRA_TRY(check_fused_inputs(c.node, c, out));
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_conv_transpose(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs inputs X and W");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv_transpose(c.node, c.src[0].shape, c.src[1].shape));
  if (c.has(2) && (c.src[2].shape != Shape{p.out_channels}))
    return bad_node(c.node, "bias shape must be [" + std::to_string(p.out_channels) + "]");
  Shape out{c.src[0].shape[0], p.out_channels};
  out.insert(out.end(), p.win.out.begin(), p.win.out.end());
  CALIBRA_TRY(check_fused_inputs(c.node, c, out));
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

}  // namespace calibra
