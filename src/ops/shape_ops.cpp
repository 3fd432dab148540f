#include "ops/shape_ops.h"

#include <algorithm>
#include <set>

namespace calibra {

Status infer_flatten(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  const Shape& x = c.src[0].shape;
  int64_t r = static_cast<int64_t>(x.size());
  int64_t axis = c.node.attr_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) return bad_node(c.node, "axis out of range for " + shape_str(x));
  int64_t a = 1, b = 1;
  for (int64_t i = 0; i < r; ++i) (i < axis ? a : b) *= x[static_cast<size_t>(i)];
  c.set(0, c.src[0].dtype, {a, b});
  return Status::ok();
}

Status infer_reshape(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  std::vector<int64_t> target;
  if (n.opset < 5) {
    target = n.attr_ints("shape");
  } else {
    if (!c.has(1)) return bad_node(n, "needs a shape input");
    CALIBRA_ASSIGN_OR_RETURN(target, read_ints(n, c.src[1], "the target shape"));
  }
  const bool allowzero = n.attr_int("allowzero", 0) != 0;
  const Shape& x = c.src[0].shape;
  Shape out(target.size());
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (infer_at >= 0) return bad_node(n, "more than one -1 in the target shape");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= x.size()) return bad_node(n, "0 in the target shape refers past the input rank");
      d = x[i];
    }
    if (d < 0) return bad_node(n, "invalid dimension " + std::to_string(d) + " in the target shape");
    out[i] = d;
    // Found by fuzz_model (tests/fuzz/reproducers/model): dimensions whose product does not
    // fit in 64 bits overflowed here. No such shape can match the input's element count.
    if (__builtin_mul_overflow(known, d, &known))
      return bad_node(n, "cannot reshape " + shape_str(x) + " to " + shape_str(target) + " (more elements than fit in 64 bits)");
  }
  int64_t total = c.src[0].numel();
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      return bad_node(n, "cannot reshape " + shape_str(x) + " to " + shape_str(target));
    out[static_cast<size_t>(infer_at)] = total / known;
  } else if (known != total) {
    return bad_node(n, "cannot reshape " + shape_str(x) + " (" + std::to_string(total) + " elements) to " +
                           shape_str(out));
  }
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

namespace {
Result<std::vector<int64_t>> axes_of(const InferCtx& c, bool required) {
  const Node& n = c.node;
  if (n.opset < 13) {
    if (required && !n.has_attr("axes")) return std::vector<int64_t>{};
    return n.attr_ints("axes");
  }
  if (!c.has(1)) return std::vector<int64_t>{};
  return read_ints(n, c.src[1], "axes");
}
}  // namespace

Status infer_squeeze(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  const Shape& x = c.src[0].shape;
  CALIBRA_ASSIGN_OR_RETURN(auto axes, axes_of(c, false));
  std::set<int64_t> drop;
  for (int64_t a : axes) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t k, normalize_axis(n, a, static_cast<int64_t>(x.size())));
    if (x[static_cast<size_t>(k)] != 1)
      return bad_node(n, "cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(x[static_cast<size_t>(k)]));
    drop.insert(k);
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) {
    bool d = axes.empty() ? x[i] == 1 : drop.count(static_cast<int64_t>(i)) != 0;
    if (!d) out.push_back(x[i]);
  }
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_unsqueeze(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  const Shape& x = c.src[0].shape;
  CALIBRA_ASSIGN_OR_RETURN(auto axes, axes_of(c, true));
  if (axes.empty()) return bad_node(n, "axes are required");
  int64_t r = static_cast<int64_t>(x.size() + axes.size());
  std::set<int64_t> ins;
  for (int64_t a : axes) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t k, normalize_axis(n, a, r));
    if (!ins.insert(k).second) return bad_node(n, "duplicate axis " + std::to_string(a));
  }
  Shape out;
  size_t j = 0;
  for (int64_t i = 0; i < r; ++i) out.push_back(ins.count(i) ? 1 : x[j++]);
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_identity(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  c.set(0, c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

Status infer_dropout(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  if (n.opset >= 12 && c.has(2)) {
    CALIBRA_ASSIGN_OR_RETURN(double training, read_scalar(n, c.src[2], "training_mode"));
    if (training != 0) return unsupported_node(n, "training_mode=true (random dropout) is not supported");
  }
  if (n.opset < 7 && n.attr_int("is_test", 0) == 0 && n.outputs.size() > 1)
    return unsupported_node(n, "training mode (is_test=0) is not supported");
  c.set(0, c.src[0].dtype, c.src[0].shape);
  if (c.dst.size() > 1) c.set(1, n.opset >= 10 ? DType::kBool : c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

std::pair<int64_t, int64_t> shape_op_range(const Node& n, int64_t rank) {
  int64_t start = n.attr_int("start", 0), end = n.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  return {start, std::max(start, end)};
}

Status infer_shape(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  auto [s, e] = shape_op_range(c.node, static_cast<int64_t>(c.src[0].shape.size()));
  c.set(0, DType::kI64, {e - s});
  return Status::ok();
}

Status infer_cast(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs an input");
  if (!n.has_attr("to")) return bad_node(n, "the 'to' attribute is required");
  DType to = DType::kUndefined;
  {
    // ONNX type numbers (TensorProto.DataType).
    switch (n.attr_int("to", 0)) {
      case 1: to = DType::kF32; break;
      case 2: to = DType::kU8; break;
      case 3: to = DType::kI8; break;
      case 4: to = DType::kU16; break;
      case 5: to = DType::kI16; break;
      case 6: to = DType::kI32; break;
      case 7: to = DType::kI64; break;
      case 8: to = DType::kString; break;
      case 9: to = DType::kBool; break;
      case 10: to = DType::kF16; break;
      case 11: to = DType::kF64; break;
      case 12: to = DType::kU32; break;
      case 13: to = DType::kU64; break;
      case 16: to = DType::kBF16; break;
      default: return unsupported_node(n, "cast to ONNX type " + std::to_string(n.attr_int("to", 0)) + " is not supported");
    }
  }
  if (to == DType::kString || c.src[0].dtype == DType::kString)
    return unsupported_node(n, "casts to or from string are not supported");
  c.set(0, to, c.src[0].shape);
  return Status::ok();
}

Status infer_constant_of_shape(InferCtx& c) {
  const Node& n = c.node;
  if (!c.has(0)) return bad_node(n, "needs a shape input");
  CALIBRA_ASSIGN_OR_RETURN(auto dims, read_ints(n, c.src[0], "the shape"));
  for (int64_t d : dims)
    if (d < 0) return bad_node(n, "negative dimension in " + shape_str(dims));
  DType t = DType::kF32;
  if (const Tensor* v = n.attr_tensor("value")) {
    if (v->numel() != 1) return bad_node(n, "value must have exactly one element");
    t = v->dtype();
  }
  c.set(0, t, dims);
  return Status::ok();
}

Status infer_constant(InferCtx& c) {
  return Status::internal(c.node.describe() + ": Constant nodes are turned into initializers on import");
}

}  // namespace calibra
