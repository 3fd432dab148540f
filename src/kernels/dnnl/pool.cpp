// oneDNN pooling (max, average with/without padding in the count, global), 1-3 spatial dims,
// on whatever layout the input has. ceil_mode becomes extra end padding; declined where
// that would change an average's divisor or when MaxPool's Indices output is wanted.
#include "ops/pool.h"

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"

namespace calibra::dnnl_k {

Factory pool(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  const DType t = c.src[0].dtype;
  if (t != DType::kF32 && t != DType::kU8 && t != DType::kI8) return DnnlKernelPlan::decline("type");
  if (c.dst.size() > 1) return DnnlKernelPlan::decline("Indices output");
  CALIBRA_ASSIGN_OR_RETURN(PoolParams p, resolve_pool(n, c.src[0].shape));
  const Window& w = p.win;
  if (w.nsp < 1 || w.nsp > 3) return DnnlKernelPlan::decline("spatial rank");
  memory::dims kernel(w.kernel.begin(), w.kernel.end()), strides(w.strides.begin(), w.strides.end());
  memory::dims dil, pl(w.pad_begin.begin(), w.pad_begin.end()), pr;
  bool extra = false;
  for (size_t i = 0; i < w.nsp; ++i) {
    dil.push_back(w.dilations[i] - 1);
    const int64_t dk = (w.kernel[i] - 1) * w.dilations[i] + 1;
    // oneDNN requires out = (in + pl + pr - dk) / s + 1 exactly.
    int64_t need = (w.out[i] - 1) * w.strides[i] + dk - w.in[i] - w.pad_begin[i];
    if (need > w.pad_end[i]) extra = true;
    pr.push_back(std::max(need, w.pad_end[i]));
    if (pr.back() >= dk || pl[i] >= dk) return DnnlKernelPlan::decline("padding as large as the kernel");
  }
  dnnl::algorithm alg = p.is_max ? dnnl::algorithm::pooling_max
                        : p.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                              : dnnl::algorithm::pooling_avg_exclude_padding;
  if (extra && !p.is_max && p.count_include_pad) return DnnlKernelPlan::decline("ceil_mode with count_include_pad");
  DnnlKernelPlan plan = make_plan(c);
  memory::desc src_md = current_md(c.src[0], c.src_layout[0]);
  memory::desc dst_md(to_dims(c.dst[0].shape), *to_dnnl(t), tag::any);
  try {
    dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, src_md, dst_md, strides, kernel, dil,
                                     pl, pr);
    dnnl::pooling_v2_forward::primitive_desc pd(d, user_scratchpad_attr(), c.engine);
    plan.src_layouts[0] = c.src_layout[0];
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    if (t != DType::kF32) plan.precision = t == DType::kU8 ? "U8" : "I8";
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc()).dst(DNNL_ARG_DST, 0, pd.dst_desc());
    if (pd.workspace_desc().get_size() != 0) return DnnlKernelPlan::decline("needs a workspace");
    kb.finish(plan, pd, dnnl::pooling_v2_forward(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
