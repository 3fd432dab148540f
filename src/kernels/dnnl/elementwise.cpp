// oneDNN element-wise kernels: eltwise (activations, in place allowed), binary with
// broadcasting (src1 follows src0's layout), PRelu, Pow with a constant exponent, and
// two-input Sum/Max/Min. Layouts flow through: blocked in, blocked out.
#include "ops/elementwise.h"

#include <cmath>

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"

namespace calibra::dnnl_k {

namespace {

// A standalone eltwise primitive on the input's own layout (in place allowed).
Result<DnnlKernelPlan> eltwise_plan(const DnnlBuildCtx& c, dnnl::algorithm alg, float alpha, float beta) {
  DnnlKernelPlan plan = make_plan(c);
  memory::desc md = current_md(c.src[0], c.src_layout[0]);
  try {
    dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, md, alpha, beta);
    dnnl::eltwise_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = c.src_layout[0];
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    plan.may_alias_src = 0;
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc()).dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::eltwise_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

// An activation as a single oneDNN eltwise algorithm, or decline (multi-step ones such as
// HardSigmoid run only as post-ops).
Result<DnnlKernelPlan> eltwise_plan(const DnnlBuildCtx& c, const Activation& act) {
  dnnl::post_ops ops;
  if (!append_activation(ops, act) || ops.len() != 1) return DnnlKernelPlan::decline("no single oneDNN eltwise");
  float scale, alpha, beta;
  dnnl::algorithm alg;
  ops.get_params_eltwise(0, scale, alg, alpha, beta);
  return eltwise_plan(c, alg, alpha, beta);
}

// Binary op with src0 of the output's shape and src1 broadcast (dims 1 or equal).
Result<DnnlKernelPlan> binary_plan(const DnnlBuildCtx& c, dnnl::algorithm alg, size_t i0, size_t i1,
                                   const Shape& s1_shape) {
  DnnlKernelPlan plan = make_plan(c);
  const Shape& out = c.dst[0].shape;
  if (out.empty() || out.size() > 12) return DnnlKernelPlan::decline("rank");
  Layout l0 = c.src_layout[i0];
  memory::desc md0 = current_md(c.src[i0], l0);
  // src1 padded to the output rank, in src0's layout (oneDNN 2.6 does not pick it for us).
  Shape s1(out.size() - s1_shape.size(), 1);
  s1.insert(s1.end(), s1_shape.begin(), s1_shape.end());
  auto t0 = tag_of(md0);
  // oneDNN 2.6's AVX2 binary kernel gives wrong results when src1 broadcasts across the
  // channel dimension that src0's blocked layout splits (found by the ops_avx2 test): use
  // plain data for that pattern.
  const bool channel_broadcast = out.size() > 1 && s1[1] == 1 && out[1] > 1;
  if (!t0 || (channel_broadcast && !l0.plain)) {  // work on plain data
    l0 = Layout::plain_layout();
    md0 = plain_md(c.src[i0].shape, DType::kF32);
    t0 = tag_of(md0);
  }
  memory::desc md1 = s1 == out ? md0 : memory::desc(to_dims(s1), dt::f32, *t0);
  dnnl::primitive_attr attr;
  if (!make_attr(c.node, attr)) return DnnlKernelPlan::decline("post-op");
  try {
    dnnl::binary::desc d(alg, md0, md1, md0);
    dnnl::binary::primitive_desc pd(d, attr, c.engine);
    Layout l1 = Layout::from_md(pd.src1_desc());
    // A plain broadcast operand whose data is [.., C, 1, 1] in a blocked layout: reorder it.
    plan.src_layouts[i0] = l0;
    plan.src_layouts[i1] = l1;
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    plan.may_alias_src = static_cast<int>(i0);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC_0, static_cast<int>(i0), pd.src0_desc())
        .src(DNNL_ARG_SRC_1, static_cast<int>(i1), pd.src1_desc())
        .dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::binary(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

std::optional<dnnl::algorithm> binary_alg(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return dnnl::algorithm::binary_add;
    case BinaryOp::kSub: return dnnl::algorithm::binary_sub;
    case BinaryOp::kMul: return dnnl::algorithm::binary_mul;
    case BinaryOp::kDiv: return dnnl::algorithm::binary_div;
    case BinaryOp::kMax: return dnnl::algorithm::binary_max;
    case BinaryOp::kMin: return dnnl::algorithm::binary_min;
    default: return std::nullopt;
  }
}

bool commutative(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kMul || op == BinaryOp::kMax || op == BinaryOp::kMin;
}

Result<DnnlKernelPlan> two_input_binary(const DnnlBuildCtx& c, BinaryOp op, const Shape& b_shape) {
  auto alg = binary_alg(op);
  if (!alg) return DnnlKernelPlan::decline("op");
  if (c.src[0].dtype != DType::kF32 || c.src[1].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  const Shape& out = c.dst[0].shape;
  if (c.src[0].shape == out) return binary_plan(c, *alg, 0, 1, b_shape);
  if (commutative(op) && b_shape == out) return binary_plan(c, *alg, 1, 0, c.src[0].shape);
  return DnnlKernelPlan::decline("src0 is broadcast");
}

}  // namespace

Factory eltwise(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  if (c.src[0].shape.empty() || c.src[0].shape.size() > 12) return DnnlKernelPlan::decline("rank");
  CALIBRA_ASSIGN_OR_RETURN(auto act, unary_activation(c.node, c.src));
  if (!act) return DnnlKernelPlan::decline("not an activation");
  return eltwise_plan(c, *act);
}

Factory binary(const DnnlBuildCtx& c) {
  CALIBRA_ASSIGN_OR_RETURN(Shape b, legacy_operand_shape(c.node, c.src[0].shape, c.src[1].shape, 1));
  return two_input_binary(c, binary_op_of(c.node.op_type), b);
}

Factory variadic(const DnnlBuildCtx& c) {
  if (c.src.size() != 2 || !c.node.post_ops.empty()) return DnnlKernelPlan::decline("not two inputs");
  return two_input_binary(c, binary_op_of(c.node.op_type), c.src[1].shape);
}

Factory pow(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  if (!c.src[1].value || c.src[1].numel() != 1) return DnnlKernelPlan::decline("exponent not a constant scalar");
  if (c.dst[0].shape != c.src[0].shape) return DnnlKernelPlan::decline("broadcast");
  CALIBRA_ASSIGN_OR_RETURN(double e, read_scalar(c.node, c.src[1], "exponent"));
  return eltwise_plan(c, dnnl::algorithm::eltwise_pow, 1.f, static_cast<float>(e));
}

Factory prelu(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  const Shape& x = c.src[0].shape;
  if (x.empty() || x.size() > 12) return DnnlKernelPlan::decline("rank");
  Shape s = prelu_slope_shape(x, c.src[1].shape);
  DnnlKernelPlan plan = make_plan(c);
  memory::desc md = current_md(c.src[0], c.src_layout[0]);
  memory::desc wmd(to_dims(s), dt::f32, tag::any);
  try {
    dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_inference, md, wmd);
    dnnl::prelu_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = c.src_layout[0];
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc());
    memory::desc w_plain = plain_md(to_dims(s), dt::f32);
    if (c.src[1].value) {
      kb.fixed(DNNL_ARG_WEIGHTS, pack_constant(*c.src[1].value, w_plain, pd.weights_desc()));
    } else {
      if (pd.weights_desc() != w_plain) return DnnlKernelPlan::decline("runtime slope in a packed layout");
      plan.src_layouts[1] = Layout::plain_layout();
      kb.src(DNNL_ARG_WEIGHTS, 1, w_plain);
    }
    kb.dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::prelu_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
