#include "ops/elementwise.h"

#include <cmath>
#include <limits>

namespace calibra {

Result<std::optional<Activation>> unary_activation(const Node& n, std::span<const ValueDesc> src) {
  const std::string& t = n.op_type;
  Activation a;
  if (t == "Relu") a.kind = ActKind::kRelu;
  else if (t == "LeakyRelu") { a.kind = ActKind::kLeakyRelu; a.alpha = n.attr_float("alpha", 0.01f); }
  else if (t == "Sigmoid") a.kind = ActKind::kSigmoid;
  else if (t == "HardSigmoid") {
    a.kind = ActKind::kHardSigmoid;
    a.alpha = n.attr_float("alpha", 0.2f);
    a.beta = n.attr_float("beta", 0.5f);
  } else if (t == "HardSwish") a.kind = ActKind::kHardSwish;
  else if (t == "Tanh") a.kind = ActKind::kTanh;
  else if (t == "Elu") { a.kind = ActKind::kElu; a.alpha = n.attr_float("alpha", 1.0f); }
  else if (t == "Exp") a.kind = ActKind::kExp;
  else if (t == "Sqrt") a.kind = ActKind::kSqrt;
  else if (t == "Erf") a.kind = ActKind::kErf;
  else if (t == "Abs") a.kind = ActKind::kAbs;
  else if (t == "Neg") a.kind = ActKind::kNeg;
  else if (t == "Log") a.kind = ActKind::kLog;
  else if (t == "Softplus") a.kind = ActKind::kSoftplus;
  else if (t == "Clip") {
    a.kind = ActKind::kClip;
    a.alpha = -std::numeric_limits<float>::infinity();
    a.beta = std::numeric_limits<float>::infinity();
    if (n.opset < 11) {
      a.alpha = n.attr_float("min", a.alpha);
      a.beta = n.attr_float("max", a.beta);
    } else {
      if (src.size() > 1 && src[1].present()) {
        CALIBRA_ASSIGN_OR_RETURN(double v, read_scalar(n, src[1], "min"));
        a.alpha = static_cast<float>(v);
      }
      if (src.size() > 2 && src[2].present()) {
        CALIBRA_ASSIGN_OR_RETURN(double v, read_scalar(n, src[2], "max"));
        a.beta = static_cast<float>(v);
      }
    }
  } else {
    return std::optional<Activation>();
  }
  return std::optional<Activation>(a);
}

BinaryOp binary_op_of(const std::string& t) {
  if (t == "Add" || t == "Sum") return BinaryOp::kAdd;
  if (t == "Sub") return BinaryOp::kSub;
  if (t == "Mul") return BinaryOp::kMul;
  if (t == "Div") return BinaryOp::kDiv;
  if (t == "Pow") return BinaryOp::kPow;
  if (t == "Max") return BinaryOp::kMax;
  if (t == "Min") return BinaryOp::kMin;
  return BinaryOp::kPRelu;
}

Result<Shape> legacy_operand_shape(const Node& n, const Shape& a, const Shape& b, size_t i) {
  const Shape& s = i == 0 ? a : b;
  if (n.opset >= 7 || i == 0) return s;
  if (n.attr_int("broadcast", 0) == 0) {
    if (a != b) return bad_node(n, "shapes " + shape_str(a) + " and " + shape_str(b) +
                                       " differ and broadcast=0 (opset < 7)");
    return s;
  }
  int64_t axis = n.has_attr("axis") ? n.attr_int("axis", 0)
                                    : static_cast<int64_t>(a.size()) - static_cast<int64_t>(b.size());
  if (axis < 0) axis += static_cast<int64_t>(a.size());
  if (axis < 0 || axis + static_cast<int64_t>(b.size()) > static_cast<int64_t>(a.size()))
    return bad_node(n, "legacy broadcast axis does not fit");
  Shape r(a.size(), 1);
  for (size_t k = 0; k < b.size(); ++k) r[static_cast<size_t>(axis) + k] = b[k];
  return r;
}

Status infer_unary(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  CALIBRA_ASSIGN_OR_RETURN(auto act, unary_activation(c.node, c.src));
  (void)act;
  c.set(0, c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

Status infer_binary(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs two inputs");
  if (c.node.op_type != "Pow" && c.src[0].dtype != c.src[1].dtype)
    return bad_node(c.node, std::string("input types differ (") + dtype_name(c.src[0].dtype) + " and " +
                                dtype_name(c.src[1].dtype) + ")");
  CALIBRA_ASSIGN_OR_RETURN(Shape b, legacy_operand_shape(c.node, c.src[0].shape, c.src[1].shape, 1));
  CALIBRA_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(c.node, c.src[0].shape, b));
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Status infer_variadic(InferCtx& c) {
  if (c.src.empty() || !c.has(0)) return bad_node(c.node, "needs at least one input");
  Shape out = c.src[0].shape;
  for (size_t i = 1; i < c.src.size(); ++i) {
    if (!c.has(i)) return bad_node(c.node, "has an empty input name");
    if (c.src[i].dtype != c.src[0].dtype) return bad_node(c.node, "input types differ");
    if (c.node.opset < 8 && c.src[i].shape != c.src[0].shape)
      return bad_node(c.node, "inputs must have equal shapes before opset 8");
    CALIBRA_ASSIGN_OR_RETURN(out, broadcast_shapes(c.node, out, c.src[i].shape));
  }
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Shape prelu_slope_shape(const Shape& x, const Shape& slope) {
  Shape r(x.size(), 1);
  bool numpy_ok = slope.size() <= x.size();
  for (size_t i = 0; numpy_ok && i < slope.size(); ++i) {
    int64_t s = slope[slope.size() - 1 - i], d = x[x.size() - 1 - i];
    if (s != 1 && s != d) numpy_ok = false;
    else r[x.size() - 1 - i] = s;
  }
  if (numpy_ok) return r;
  r.assign(x.size(), 1);
  if (slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) r[1] = x[1];
  else r.clear();  // not broadcastable
  return r;
}

Status infer_prelu(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs X and slope");
  if (prelu_slope_shape(c.src[0].shape, c.src[1].shape).empty() && !c.src[0].shape.empty())
    return bad_node(c.node, "slope " + shape_str(c.src[1].shape) + " does not broadcast to X " +
                                shape_str(c.src[0].shape));
  if (c.src[1].dtype != c.src[0].dtype) return bad_node(c.node, "slope type differs from X");
  c.set(0, c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

}  // namespace calibra
