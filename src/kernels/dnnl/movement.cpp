// oneDNN Transpose (a reorder into a permuted descriptor) and Concat.
#include "ops/movement.h"

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"

namespace calibra::dnnl_k {

Factory transpose(const DnnlBuildCtx& c) {
  auto type = to_dnnl(c.src[0].dtype);
  if (!type || c.src[0].dtype == DType::kF16 || c.src[0].dtype == DType::kBF16) return DnnlKernelPlan::decline("type");
  const Shape& x = c.src[0].shape;
  if (x.empty() || x.size() > 12 || c.src[0].numel() == 0) return DnnlKernelPlan::decline("rank");
  auto perm = transpose_perm(c.node, x.size());
  const Shape& y = c.dst[0].shape;
  // Output strides, then seen from the input's axes: input axis perm[i] is output axis i.
  std::vector<int64_t> ys(y.size(), 1);
  for (size_t i = y.size(); i-- > 1;) ys[i - 1] = ys[i] * y[i];
  memory::dims dst_strides(x.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    int64_t p = perm[i] < 0 ? perm[i] + static_cast<int64_t>(x.size()) : perm[i];
    dst_strides[static_cast<size_t>(p)] = ys[i];
  }
  memory::desc src_md = plain_md(x, c.src[0].dtype);
  memory::desc dst_md(to_dims(x), *type, dst_strides);
  DnnlKernelPlan plan = make_plan(c);
  try {
    dnnl::reorder::primitive_desc pd(c.engine, src_md, c.engine, dst_md);
    plan.src_layouts[0] = Layout::plain_layout();
    plan.dst_layouts[0] = Layout::plain_layout();
    KernelBuilder kb;
    kb.src(DNNL_ARG_FROM, 0, src_md).dst(DNNL_ARG_TO, 0, dst_md);
    kb.finish(plan, pd, dnnl::reorder(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory concat(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  const DType t = c.src[0].dtype;
  if (t != DType::kF32 && t != DType::kU8 && t != DType::kI8) return DnnlKernelPlan::decline("type");
  const Shape& y = c.dst[0].shape;
  if (y.empty() || y.size() > 12) return DnnlKernelPlan::decline("rank");
  CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", 1), static_cast<int64_t>(y.size())));
  std::vector<memory::desc> srcs;
  std::vector<size_t> used;
  for (size_t i = 0; i < c.src.size(); ++i) {
    if (c.src[i].numel() == 0) continue;  // oneDNN rejects empty inputs; they add nothing
    srcs.push_back(current_md(c.src[i], c.src_layout[i]));
    used.push_back(i);
  }
  if (srcs.empty()) return DnnlKernelPlan::decline("all inputs empty");
  DnnlKernelPlan plan = make_plan(c);
  try {
    memory::desc dst_md(to_dims(y), *to_dnnl(t), tag::any);
    dnnl::concat::primitive_desc pd(dst_md, static_cast<int>(axis), srcs, c.engine, user_scratchpad_attr());
    KernelBuilder kb;
    for (size_t k = 0; k < used.size(); ++k) {
      plan.src_layouts[used[k]] = c.src_layout[used[k]];
      kb.src(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k), static_cast<int>(used[k]), srcs[k]);
    }
    for (size_t i = 0; i < c.src.size(); ++i)
      if (!plan.src_layouts[i]) plan.src_layouts[i] = Layout::plain_layout();
    kb.dst(DNNL_ARG_DST, 0, pd.dst_desc());
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    if (t != DType::kF32) plan.precision = t == DType::kU8 ? "U8" : "I8";
    kb.finish(plan, pd, dnnl::concat(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
