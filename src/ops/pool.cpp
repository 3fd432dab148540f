#include "ops/pool.h"

namespace calibra {

Result<PoolParams> resolve_pool(const Node& n, const Shape& x) {
  PoolParams p;
  p.is_max = n.op_type == "MaxPool" || n.op_type == "GlobalMaxPool";
  p.global = n.op_type == "GlobalAveragePool" || n.op_type == "GlobalMaxPool";
  if (x.size() < 3) return bad_node(n, "input must be N x C x spatial..., got " + shape_str(x));
  std::vector<int64_t> kernel;
  if (p.global) {
    kernel.assign(x.begin() + 2, x.end());
    Node plain;  // globals have no window attributes
    plain.op_type = n.op_type;
    plain.name = n.name;
    CALIBRA_ASSIGN_OR_RETURN(p.win, resolve_window(plain, x, kernel, false));
    return p;
  }
  kernel = n.attr_ints("kernel_shape");
  if (kernel.empty()) return bad_node(n, "kernel_shape attribute is required");
  if (!p.is_max && n.has_attr("dilations")) {
    for (int64_t d : n.attr_ints("dilations"))
      if (d != 1) return unsupported_node(n, "AveragePool with dilations (opset 19) is not supported");
  }
  CALIBRA_ASSIGN_OR_RETURN(p.win, resolve_window(n, x, kernel, true));
  p.count_include_pad = n.attr_int("count_include_pad", 0) != 0;
  p.storage_order = n.attr_int("storage_order", 0);
  return p;
}

Status infer_pool(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs input X");
  CALIBRA_ASSIGN_OR_RETURN(PoolParams p, resolve_pool(c.node, c.src[0].shape));
  Shape out{c.src[0].shape[0], c.src[0].shape[1]};
  out.insert(out.end(), p.win.out.begin(), p.win.out.end());
  c.set(0, c.src[0].dtype, out);
  if (c.dst.size() > 1) {
    if (!p.is_max || p.global) return bad_node(c.node, "only MaxPool has a second output");
    c.set(1, DType::kI64, out);
  }
  return Status::ok();
}

}  // namespace calibra
