#include "ops/reduce.h"

namespace calibra {

Result<ReduceParams> resolve_reduce(const Node& n, const Shape& x) {
  ReduceParams p;
  const int64_t r = static_cast<int64_t>(x.size());
  auto axes = n.attr_ints("axes");
  p.reduce.assign(x.size(), axes.empty());
  for (int64_t a : axes) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t k, normalize_axis(n, a, r));
    p.reduce[static_cast<size_t>(k)] = true;
  }
  const bool keep = n.attr_int("keepdims", 1) != 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!p.reduce[i]) p.out.push_back(x[i]);
    else if (keep) p.out.push_back(1);
  }
  return p;
}

Status infer_reduce(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  if (c.src.size() > 1 && c.has(1)) return unsupported_node(c.node, "axes as an input (opset 18) is not supported");
  CALIBRA_ASSIGN_OR_RETURN(ReduceParams p, resolve_reduce(c.node, c.src[0].shape));
  c.set(0, c.src[0].dtype, p.out);
  return Status::ok();
}

Result<SoftmaxParams> resolve_softmax(const Node& n, const Shape& x) {
  SoftmaxParams p;
  p.log = n.op_type == "LogSoftmax";
  const int64_t r = static_cast<int64_t>(x.size());
  if (n.opset < 13) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", 1), std::max<int64_t>(r, 1)));
    for (int64_t i = 0; i < r; ++i) (i < axis ? p.outer : p.axis_len) *= x[static_cast<size_t>(i)];
  } else {
    CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", -1), r));
    for (int64_t i = 0; i < r; ++i) {
      int64_t d = x[static_cast<size_t>(i)];
      if (i < axis) p.outer *= d;
      else if (i == axis) p.axis_len = d;
      else p.inner *= d;
    }
  }
  return p;
}

Status infer_softmax(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  if (!dtype_is_float(c.src[0].dtype)) return bad_node(c.node, "input must be a float tensor");
  CALIBRA_ASSIGN_OR_RETURN(SoftmaxParams p, resolve_softmax(c.node, c.src[0].shape));
  (void)p;
  c.set(0, c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

}  // namespace calibra
