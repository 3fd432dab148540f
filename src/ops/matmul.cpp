#include "ops/matmul.h"

namespace calibra {

Result<GemmParams> resolve_gemm(const Node& n, const Shape& a, const Shape& b) {
  GemmParams p;
  if (a.size() != 2 || b.size() != 2)
    return bad_node(n, "A and B must be 2-D, got " + shape_str(a) + " and " + shape_str(b));
  p.trans_a = n.attr_int("transA", 0) != 0;
  p.trans_b = n.attr_int("transB", 0) != 0;
  p.alpha = n.attr_float("alpha", 1.f);
  p.beta = n.attr_float("beta", 1.f);
  p.m = p.trans_a ? a[1] : a[0];
  p.k = p.trans_a ? a[0] : a[1];
  int64_t kb = p.trans_b ? b[1] : b[0];
  p.n = p.trans_b ? b[0] : b[1];
  if (kb != p.k)
    return bad_node(n, "inner dimensions differ: A " + shape_str(a) + (p.trans_a ? "^T" : "") + " and B " +
                           shape_str(b) + (p.trans_b ? "^T" : ""));
  return p;
}

Status infer_gemm(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs A and B");
  CALIBRA_ASSIGN_OR_RETURN(GemmParams p, resolve_gemm(c.node, c.src[0].shape, c.src[1].shape));
  Shape out{p.m, p.n};
  if (c.has(2)) {
    CALIBRA_ASSIGN_OR_RETURN(Shape bc, broadcast_shapes(c.node, out, c.src[2].shape));
    if (bc != out) return bad_node(c.node, "C " + shape_str(c.src[2].shape) + " does not broadcast to " + shape_str(out));
  } else if (c.node.opset < 11) {
    return bad_node(c.node, "C is required before opset 11");
  }
  for (const PostOp& po : c.node.post_ops)
    if (po.kind == PostOp::Kind::kSum && c.src[static_cast<size_t>(po.input_index)].shape != out)
      return Status::internal(c.node.describe() + ": fused residual shape mismatch");
  c.set(0, c.src[0].dtype, out);
  return Status::ok();
}

Result<MatMulParams> resolve_matmul(const Node& n, const Shape& a0, const Shape& b0) {
  if (a0.empty() || b0.empty()) return bad_node(n, "MatMul operands must have rank >= 1");
  Shape a = a0, b = b0;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  MatMulParams p;
  p.m = a[a.size() - 2];
  p.k = a[a.size() - 1];
  p.n = b[b.size() - 1];
  if (b[b.size() - 2] != p.k)
    return bad_node(n, "inner dimensions differ: " + shape_str(a0) + " x " + shape_str(b0));
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  CALIBRA_ASSIGN_OR_RETURN(p.batch, broadcast_shapes(n, ab, bb));
  p.a_batch = Shape(p.batch.size() - ab.size(), 1);
  p.a_batch.insert(p.a_batch.end(), ab.begin(), ab.end());
  p.b_batch = Shape(p.batch.size() - bb.size(), 1);
  p.b_batch.insert(p.b_batch.end(), bb.begin(), bb.end());
  p.out = p.batch;
  if (a0.size() > 1) p.out.push_back(p.m);
  if (b0.size() > 1) p.out.push_back(p.n);
  return p;
}

Status infer_matmul(InferCtx& c) {
  if (!c.has(0) || !c.has(1)) return bad_node(c.node, "needs A and B");
  if (c.src[0].dtype != c.src[1].dtype) return bad_node(c.node, "A and B types differ");
  CALIBRA_ASSIGN_OR_RETURN(MatMulParams p, resolve_matmul(c.node, c.src[0].shape, c.src[1].shape));
  for (const PostOp& po : c.node.post_ops)
    if (po.kind == PostOp::Kind::kSum && c.src[static_cast<size_t>(po.input_index)].shape != p.out)
      return Status::internal(c.node.describe() + ": fused residual shape mismatch");
  c.set(0, c.src[0].dtype, p.out);
  return Status::ok();
}

}  // namespace calibra
