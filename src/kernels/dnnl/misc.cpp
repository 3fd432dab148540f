// oneDNN BatchNormalization (inference, global stats), LRN, Resize (resampling), ReduceMean
// (reduction) and Softmax/LogSoftmax.
#include <cmath>

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "ops/reduce.h"
#include "ops/resize.h"

namespace calibra::dnnl_k {

Factory batchnorm(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  for (size_t i = 0; i < 5; ++i)
    if (c.src[i].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  const Shape& x = c.src[0].shape;
  if (x.size() < 2 || x.size() > 5) return DnnlKernelPlan::decline("rank");
  DnnlKernelPlan plan = make_plan(c);
  memory::desc md = current_md(c.src[0], c.src_layout[0]);
  const float eps = n.attr_float("epsilon", 1e-5f);
  using F = dnnl::normalization_flags;
  try {
    dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, md, eps,
                                              F::use_global_stats | F::use_scale | F::use_shift);
    dnnl::batch_normalization_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc());
    plan.src_layouts[0] = c.src_layout[0];
    memory::desc vec = plain_md(memory::dims{x[1]}, dt::f32);
    const int args[] = {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    for (int i = 1; i <= 4; ++i) {
      if (c.src[static_cast<size_t>(i)].value) {
        kb.fixed(args[i - 1], pack_constant(*c.src[static_cast<size_t>(i)].value, vec, vec));
      } else {
        kb.src(args[i - 1], i, vec);
        plan.src_layouts[static_cast<size_t>(i)] = Layout::plain_layout();
      }
    }
    kb.dst(DNNL_ARG_DST, 0, pd.dst_desc());
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    plan.may_alias_src = 0;
    kb.finish(plan, pd, dnnl::batch_normalization_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory lrn(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  const Shape& x = c.src[0].shape;
  const int64_t size = n.attr_int("size", 1);
  if (x.size() < 3 || x.size() > 5 || size % 2 == 0) return DnnlKernelPlan::decline("shape or even size");
  DnnlKernelPlan plan = make_plan(c);
  memory::desc md = current_md(c.src[0], c.src_layout[0]);
  try {
    dnnl::lrn_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, md, size,
                              n.attr_float("alpha", 1e-4f), n.attr_float("beta", 0.75f), n.attr_float("bias", 1.f));
    dnnl::lrn_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    if (pd.workspace_desc().get_size() != 0) return DnnlKernelPlan::decline("workspace");
    plan.src_layouts[0] = c.src_layout[0];
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc()).dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::lrn_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory resize(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  CALIBRA_ASSIGN_OR_RETURN(ResizeParams p, resolve_resize(c.node, c.src));
  const Shape& x = c.src[0].shape;
  if (x.size() < 3 || x.size() > 5) return DnnlKernelPlan::decline("rank");
  if (p.out[0] != x[0] || p.out[1] != x[1]) return DnnlKernelPlan::decline("resizes N or C");
  // oneDNN: linear = half_pixel with clamping; nearest = round((x+0.5)/s - 0.5). For integer
  // upscale factors k that equals ONNX's half_pixel with either round mode, and asymmetric or
  // tf_half_pixel_for_nn with floor (all give floor(x / k)); other pairs differ.
  bool ok;
  if (p.linear) {
    bool single_px = false;
    for (size_t i = 2; i < x.size(); ++i) single_px = single_px || p.out[i] == 1;
    ok = p.coord == "half_pixel" || (p.coord == "pytorch_half_pixel" && !single_px);
    for (size_t i = 2; i < x.size(); ++i)
      ok = ok && std::abs(p.scales[i] - static_cast<double>(p.out[i]) / static_cast<double>(x[i])) < 1e-6;
  } else {
    const bool half = p.coord == "half_pixel" || p.coord == "pytorch_half_pixel";
    const bool round = p.nearest_mode == "round_prefer_floor" || p.nearest_mode == "round_prefer_ceil";
    ok = (half && round) || ((p.coord == "asymmetric" || p.coord == "tf_half_pixel_for_nn") && p.nearest_mode == "floor");
    for (size_t i = 2; i < x.size(); ++i) {
      double f = static_cast<double>(p.out[i]) / static_cast<double>(x[i]);
      ok = ok && p.out[i] % x[i] == 0 && std::abs(p.scales[i] - f) < 1e-6 && f >= 1;
    }
  }
  if (!ok) return DnnlKernelPlan::decline("coordinate mode oneDNN does not implement");
  DnnlKernelPlan plan = make_plan(c);
  memory::desc src = current_md(c.src[0], c.src_layout[0]);
  memory::desc dst(to_dims(p.out), dt::f32, tag::any);
  try {
    dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference,
                                     p.linear ? dnnl::algorithm::resampling_linear : dnnl::algorithm::resampling_nearest,
                                     src, dst);
    dnnl::resampling_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = c.src_layout[0];
    for (size_t i = 1; i < c.src.size(); ++i) plan.src_layouts[i] = std::nullopt;
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc()).dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::resampling_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory reduce(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  CALIBRA_ASSIGN_OR_RETURN(ReduceParams p, resolve_reduce(c.node, c.src[0].shape));
  const Shape& x = c.src[0].shape;
  if (x.empty() || x.size() > 12 || c.src[0].numel() == 0) return DnnlKernelPlan::decline("rank");
  Shape kept;
  for (size_t i = 0; i < x.size(); ++i) kept.push_back(p.reduce[i] ? 1 : x[i]);
  if (kept == x) return DnnlKernelPlan::decline("nothing reduced");
  const bool keepdims = kept.size() == c.dst[0].shape.size();
  DnnlKernelPlan plan = make_plan(c);
  memory::desc src = current_md(c.src[0], c.src_layout[0]);
  memory::desc dst = keepdims ? memory::desc(to_dims(kept), dt::f32, tag::any) : plain_md(to_dims(kept), dt::f32);
  try {
    dnnl::reduction::desc d(dnnl::algorithm::reduction_mean, src, dst, 0.f, 0.f);
    dnnl::reduction::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = c.src_layout[0];
    plan.dst_layouts[0] = keepdims ? Layout::from_md(pd.dst_desc()) : Layout::plain_layout();
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc()).dst(DNNL_ARG_DST, 0, pd.dst_desc());
    kb.finish(plan, pd, dnnl::reduction(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory softmax(const DnnlBuildCtx& c) {
  if (c.src[0].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  CALIBRA_ASSIGN_OR_RETURN(SoftmaxParams p, resolve_softmax(c.node, c.src[0].shape));
  if (c.src[0].numel() == 0) return DnnlKernelPlan::decline("empty");
  // Plain data viewed as [outer, axis, inner].
  memory::desc md = plain_md(memory::dims{p.outer, p.axis_len, p.inner}, dt::f32);
  DnnlKernelPlan plan = make_plan(c);
  try {
    dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference,
                                     p.log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate, md, md,
                                     1);
    dnnl::softmax_v2_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = Layout::plain_layout();
    plan.dst_layouts[0] = Layout::plain_layout();
    plan.may_alias_src = 0;
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, md).dst(DNNL_ARG_DST, 0, md);
    kb.finish(plan, pd, dnnl::softmax_v2_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
