// oneDNN Gemm and MatMul (FP32) on the matmul primitive. Gemm's transposes become strided
// descriptors; a constant B is packed once; C becomes the bias (beta == 1) when it
// broadcasts over rows or columns; alpha != 1 with C is left to the reference kernel.
#include "ops/matmul.h"

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"

namespace calibra::dnnl_k {

namespace {

memory::desc transposed_2d(int64_t rows, int64_t cols, bool trans) {
  // Logical [rows, cols]; stored as [cols, rows] row-major when trans.
  return trans ? memory::desc({rows, cols}, dt::f32, memory::dims{1, rows})
               : memory::desc({rows, cols}, dt::f32, memory::dims{cols, 1});
}

}  // namespace

Factory gemm(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  if (c.src[0].dtype != DType::kF32 || c.src[1].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  if (residual_input(n) >= 0) return DnnlKernelPlan::decline("residual sum on Gemm");
  CALIBRA_ASSIGN_OR_RETURN(GemmParams p, resolve_gemm(n, c.src[0].shape, c.src[1].shape));
  const bool has_c = c.src.size() > 2 && c.src[2].present() && p.beta != 0.f;
  if (has_c && (p.beta != 1.f || p.alpha != 1.f)) return DnnlKernelPlan::decline("alpha/beta with C");
  if (has_c && c.src[2].dtype != DType::kF32) return DnnlKernelPlan::decline("C type");
  dnnl::primitive_attr attr;
  if (!make_attr(n, attr)) return DnnlKernelPlan::decline("post-op");
  if (p.alpha != 1.f) attr.set_output_scales(0, {p.alpha});
  DnnlKernelPlan plan = make_plan(c);
  memory::desc a_md = transposed_2d(p.m, p.k, p.trans_a);
  memory::desc b_plain = transposed_2d(p.k, p.n, p.trans_b);
  const bool b_const = c.src[1].value != nullptr;
  memory::desc b_md = b_const ? memory::desc({p.k, p.n}, dt::f32, tag::any) : b_plain;
  memory::desc y_md = plain_md(memory::dims{p.m, p.n}, dt::f32);
  std::optional<memory::desc> bias_md;
  Shape c_shape;
  if (has_c) {
    c_shape = c.src[2].shape;
    while (c_shape.size() < 2) c_shape.insert(c_shape.begin(), 1);
    bias_md = plain_md(to_dims(c_shape), dt::f32);
  }
  try {
    auto d = bias_md ? dnnl::matmul::desc(a_md, b_md, *bias_md, y_md) : dnnl::matmul::desc(a_md, b_md, y_md);
    dnnl::matmul::primitive_desc pd(d, attr, c.engine);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc());
    plan.src_layouts[0] = Layout::plain_layout();
    if (b_const) kb.fixed(DNNL_ARG_WEIGHTS, pack_constant(*c.src[1].value, b_plain, pd.weights_desc()));
    else {
      kb.src(DNNL_ARG_WEIGHTS, 1, b_plain);
      plan.src_layouts[1] = Layout::plain_layout();
    }
    if (bias_md) {
      if (c.src[2].value) kb.fixed(DNNL_ARG_BIAS, pack_constant(*c.src[2].value, *bias_md, *bias_md));
      else {
        kb.src(DNNL_ARG_BIAS, 2, *bias_md);
        plan.src_layouts[2] = Layout::plain_layout();
      }
    }
    kb.dst(DNNL_ARG_DST, 0, pd.dst_desc());
    plan.dst_layouts[0] = Layout::plain_layout();
    kb.finish(plan, pd, dnnl::matmul(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory matmul(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  if (c.src[0].dtype != DType::kF32 || c.src[1].dtype != DType::kF32) return DnnlKernelPlan::decline("not float32");
  if (residual_input(n) >= 0) return DnnlKernelPlan::decline("residual sum on MatMul");
  CALIBRA_ASSIGN_OR_RETURN(MatMulParams p, resolve_matmul(n, c.src[0].shape, c.src[1].shape));
  const Shape &a0 = c.src[0].shape, &b0 = c.src[1].shape;
  if (a0.size() < 2 || b0.size() < 2) return DnnlKernelPlan::decline("1-D operand");
  if (p.batch.size() + 2 > 12) return DnnlKernelPlan::decline("rank");
  dnnl::primitive_attr attr;
  if (!make_attr(n, attr)) return DnnlKernelPlan::decline("post-op");
  Shape as = p.a_batch, bs = p.b_batch, ys = p.batch;
  as.insert(as.end(), {p.m, p.k});
  bs.insert(bs.end(), {p.k, p.n});
  ys.insert(ys.end(), {p.m, p.n});
  DnnlKernelPlan plan = make_plan(c);
  memory::desc a_md = plain_md(to_dims(as), dt::f32), b_plain = plain_md(to_dims(bs), dt::f32);
  const bool b_const = c.src[1].value != nullptr;
  memory::desc b_md = b_const ? memory::desc(to_dims(bs), dt::f32, tag::any) : b_plain;
  memory::desc y_md = plain_md(to_dims(ys), dt::f32);
  try {
    dnnl::matmul::desc d(a_md, b_md, y_md);
    dnnl::matmul::primitive_desc pd(d, attr, c.engine);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, pd.src_desc());
    plan.src_layouts[0] = Layout::plain_layout();
    if (b_const) kb.fixed(DNNL_ARG_WEIGHTS, pack_constant(*c.src[1].value, b_plain, pd.weights_desc()));
    else {
      kb.src(DNNL_ARG_WEIGHTS, 1, b_plain);
      plan.src_layouts[1] = Layout::plain_layout();
    }
    kb.dst(DNNL_ARG_DST, 0, pd.dst_desc());
    plan.dst_layouts[0] = Layout::plain_layout();
    kb.finish(plan, pd, dnnl::matmul(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
