#include "ops/movement.h"

#include <algorithm>
#include <limits>
#include <set>

namespace calibra {

std::vector<int64_t> transpose_perm(const Node& n, size_t rank) {
  auto perm = n.attr_ints("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  return perm;
}

Status infer_transpose(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  const Shape& x = c.src[0].shape;
  auto perm = transpose_perm(c.node, x.size());
  if (perm.size() != x.size()) return bad_node(c.node, "perm length differs from the input rank");
  std::vector<bool> seen(x.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0) p += static_cast<int64_t>(x.size());
    if (p < 0 || p >= static_cast<int64_t>(x.size()) || seen[static_cast<size_t>(p)])
      return bad_node(c.node, "perm is not a permutation");
    seen[static_cast<size_t>(p)] = true;
    out.push_back(x[static_cast<size_t>(p)]);
  }
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_concat(InferCtx& c) {
  const Node& n = c.node;
  if (c.src.empty()) return bad_node(n, "needs inputs");
  const Shape& x0 = c.src[0].shape;
  int64_t axis_attr = n.opset < 4 ? n.attr_int("axis", 1) : n.attr_int("axis", std::numeric_limits<int64_t>::min());
  if (axis_attr == std::numeric_limits<int64_t>::min()) return bad_node(n, "the axis attribute is required");
  CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, axis_attr, static_cast<int64_t>(x0.size())));
  Shape out = x0;
  out[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < c.src.size(); ++i) {
    if (!c.has(i)) return bad_node(n, "has an empty input name");
    const Shape& s = c.src[i].shape;
    if (s.size() != x0.size() || c.src[i].dtype != c.src[0].dtype)
      return bad_node(n, "input " + std::to_string(i) + " " + shape_str(s) + " does not match " + shape_str(x0));
    for (size_t d = 0; d < s.size(); ++d)
      if (static_cast<int64_t>(d) != axis && s[d] != x0[d])
        return bad_node(n, "input " + std::to_string(i) + " " + shape_str(s) + " differs from " + shape_str(x0) +
                               " outside the concat axis");
    out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Result<SplitParams> resolve_split(const Node& n, std::span<const ValueDesc> src, size_t outputs) {
  SplitParams p;
  const Shape& x = src[0].shape;
  CALIBRA_ASSIGN_OR_RETURN(p.axis, normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.size())));
  int64_t dim = x[static_cast<size_t>(p.axis)];
  if (n.opset < 13) {
    p.sizes = n.attr_ints("split");
    if (p.sizes.empty() && n.opset < 2 && src.size() > 1 && src[1].present()) {
      CALIBRA_ASSIGN_OR_RETURN(p.sizes, read_ints(n, src[1], "split"));
    }
  } else if (src.size() > 1 && src[1].present()) {
    CALIBRA_ASSIGN_OR_RETURN(p.sizes, read_ints(n, src[1], "split"));
  }
  if (p.sizes.empty()) {
    if (outputs == 0 || dim % static_cast<int64_t>(outputs) != 0)
      return bad_node(n, "cannot split dimension " + std::to_string(dim) + " into " + std::to_string(outputs) +
                             " equal parts");
    p.sizes.assign(outputs, dim / static_cast<int64_t>(outputs));
  }
  if (p.sizes.size() != outputs) return bad_node(n, "split has " + std::to_string(p.sizes.size()) +
                                                        " sizes for " + std::to_string(outputs) + " outputs");
  int64_t sum = 0;
  for (int64_t s : p.sizes) {
    if (s < 0) return bad_node(n, "negative split size");
    sum += s;
  }
  if (sum != dim) return bad_node(n, "split sizes add up to " + std::to_string(sum) + ", not " + std::to_string(dim));
  return p;
}

Status infer_split(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  CALIBRA_ASSIGN_OR_RETURN(SplitParams p, resolve_split(c.node, c.src, c.dst.size()));
  for (size_t i = 0; i < c.dst.size(); ++i) {
    Shape s = c.src[0].shape;
    s[static_cast<size_t>(p.axis)] = p.sizes[i];
    c.set(i, c.src[0].dtype, s);
  }
  return Status::ok();
}

Result<SliceParams> resolve_slice(const Node& n, std::span<const ValueDesc> src) {
  const Shape& x = src[0].shape;
  const int64_t r = static_cast<int64_t>(x.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.attr_ints("starts");
    ends = n.attr_ints("ends");
    axes = n.attr_ints("axes");
  } else {
    if (src.size() < 3 || !src[1].present() || !src[2].present()) return bad_node(n, "needs starts and ends");
    CALIBRA_ASSIGN_OR_RETURN(starts, read_ints(n, src[1], "starts"));
    CALIBRA_ASSIGN_OR_RETURN(ends, read_ints(n, src[2], "ends"));
    if (src.size() > 3 && src[3].present()) { CALIBRA_ASSIGN_OR_RETURN(axes, read_ints(n, src[3], "axes")); }
    if (src.size() > 4 && src[4].present()) { CALIBRA_ASSIGN_OR_RETURN(steps, read_ints(n, src[4], "steps")); }
  }
  if (starts.size() != ends.size()) return bad_node(n, "starts and ends differ in length");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return bad_node(n, "starts, ends, axes and steps differ in length");
  SliceParams p;
  p.start.assign(x.size(), 0);
  p.step.assign(x.size(), 1);
  p.out = x;
  std::set<int64_t> seen;
  for (size_t i = 0; i < starts.size(); ++i) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t a, normalize_axis(n, axes[i], r));
    if (!seen.insert(a).second) return bad_node(n, "axis repeated in axes");
    const int64_t dim = x[static_cast<size_t>(a)], step = steps[i];
    if (step == 0) return bad_node(n, "step 0");
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (ends[i] == std::numeric_limits<int64_t>::max()) e = dim;  // "to the end" idiom
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      if (ends[i] == std::numeric_limits<int64_t>::min() || ends[i] < -dim) e = -1;
      count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    p.start[static_cast<size_t>(a)] = s;
    p.step[static_cast<size_t>(a)] = step;
    p.out[static_cast<size_t>(a)] = count;
  }
  return p;
}

Status infer_slice(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  CALIBRA_ASSIGN_OR_RETURN(SliceParams p, resolve_slice(c.node, c.src));
  c.set(0, c.src[0].dtype, p.out);
  return Status::ok();
}

Status infer_gather(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0) || !c.has(1)) return bad_node(n, "needs data and indices");
  if (c.src[1].dtype != DType::kI64 && c.src[1].dtype != DType::kI32)
    return bad_node(n, "indices must be int32 or int64");
  const Shape& x = c.src[0].shape;
  if (x.empty()) return bad_node(n, "data must have rank >= 1");
  CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.size())));
  Shape out(x.begin(), x.begin() + axis);
  out.insert(out.end(), c.src[1].shape.begin(), c.src[1].shape.end());
  out.insert(out.end(), x.begin() + axis + 1, x.end());
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_expand(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0) || !c.has(1)) return bad_node(n, "needs input and shape");
  CALIBRA_ASSIGN_OR_RETURN(auto target, read_ints(n, c.src[1], "the target shape"));
  for (int64_t d : target)
    if (d < 0) return bad_node(n, "negative dimension in the target shape");
  CALIBRA_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(n, c.src[0].shape, target));
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Result<PadParams> resolve_pad(const Node& n, std::span<const ValueDesc> src) {
  PadParams p;
  const size_t r = src[0].shape.size();
  std::vector<int64_t> pads;
  p.mode = n.attr_string("mode", "constant");
  if (n.opset < 11) {
    pads = n.attr_ints(n.opset < 2 ? "paddings" : "pads");
    p.value = n.attr_float("value", 0.f);
  } else {
    if (src.size() < 2 || !src[1].present()) return bad_node(n, "needs pads");
    CALIBRA_ASSIGN_OR_RETURN(pads, read_ints(n, src[1], "pads"));
    if (src.size() > 2 && src[2].present() && src[2].value) {
      CALIBRA_ASSIGN_OR_RETURN(p.value, read_scalar(n, src[2], "constant_value"));
    }
  }
  if (pads.size() != 2 * r)
    return bad_node(n, "pads has " + std::to_string(pads.size()) + " values for rank " + std::to_string(r));
  if (p.mode != "constant" && p.mode != "reflect" && p.mode != "edge")
    return unsupported_node(n, "pad mode '" + p.mode + "' is not supported");
  p.begin.assign(pads.begin(), pads.begin() + static_cast<long>(r));
  p.end.assign(pads.begin() + static_cast<long>(r), pads.end());
  for (size_t i = 0; i < r; ++i) {
    int64_t d = src[0].shape[i];
    if (d + p.begin[i] + p.end[i] < 0) return bad_node(n, "negative pads crop more than the input");
    if (p.mode == "reflect" && (p.begin[i] >= d || p.end[i] >= d) && (p.begin[i] > 0 || p.end[i] > 0))
      return bad_node(n, "reflect padding must be smaller than the dimension");
    if (p.mode == "edge" && d == 0 && (p.begin[i] > 0 || p.end[i] > 0))
      return bad_node(n, "edge padding of an empty dimension");
  }
  return p;
}

Status infer_pad(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  CALIBRA_ASSIGN_OR_RETURN(PadParams p, resolve_pad(c.node, c.src));
  Shape out = c.src[0].shape;
  for (size_t i = 0; i < out.size(); ++i) out[i] += p.begin[i] + p.end[i];
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_depth_to_space(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  const Shape& x = c.src[0].shape;
  int64_t b = n.attr_int("blocksize", 0);
  if (x.size() != 4) return bad_node(n, "input must be 4-D");
  if (b <= 0 || x[1] % (b * b) != 0) return bad_node(n, "channels are not divisible by blocksize^2");
  std::string mode = n.attr_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return bad_node(n, "mode must be DCR or CRD");
  c.set(0, c.src[0].dtype, {x[0], x[1] / (b * b), x[2] * b, x[3] * b});
  return Status::ok();
}

Status infer_space_to_depth(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  const Shape& x = c.src[0].shape;
  int64_t b = n.attr_int("blocksize", 0);
  if (x.size() != 4) return bad_node(n, "input must be 4-D");
  if (b <= 0 || x[2] % b != 0 || x[3] % b != 0) return bad_node(n, "spatial dims are not divisible by blocksize");
  c.set(0, c.src[0].dtype, {x[0], x[1] * b * b, x[2] / b, x[3] / b});
  return Status::ok();
}

}  // namespace calibra
