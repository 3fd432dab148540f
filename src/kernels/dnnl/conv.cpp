// oneDNN Conv and ConvTranspose (FP32): format_tag::any everywhere, constant weights packed
// once at build time into the primitive's preferred layout, bias as given, fused post-ops
// (activations, residual sum) from the fusion passes.
#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <type_traits>

#include "core/choice_memo.h"
#include "core/cpu.h"
#include "ops/conv.h"

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"

namespace calibra::dnnl_k {

namespace {

struct WeightsInfo {
  memory::dims dims;     // oneDNN's logical dims ([G,] O, I, k...)
  memory::desc plain;    // how the ONNX tensor is laid out, in those dims
};

// Conv: ONNX W [M, C/G, k...] is oihw (goihw when grouped) in row-major order.
WeightsInfo conv_weights(const Shape& w, int64_t group) {
  WeightsInfo r;
  if (group == 1) {
    r.dims = to_dims(w);
  } else {
    r.dims = {group, w[0] / group};
    r.dims.insert(r.dims.end(), w.begin() + 1, w.end());
  }
  r.plain = plain_md(r.dims, dt::f32);
  return r;
}

// ConvTranspose: ONNX W [C, M/G, k...]; oneDNN wants [G,] O, I, k... with I-major storage.
WeightsInfo deconv_weights(const Shape& w, int64_t group) {
  WeightsInfo r;
  const int64_t icg = w[0] / group, ocg = w[1];
  int64_t ksp = 1;
  for (size_t i = 2; i < w.size(); ++i) ksp *= w[i];
  memory::dims kdims(w.begin() + 2, w.end());
  memory::dims kstr(kdims.size(), 1);
  for (size_t i = kdims.size(); i-- > 1;) kstr[i - 1] = kstr[i] * kdims[i];
  memory::dims strides;
  if (group == 1) {
    r.dims = {ocg, icg};
    strides = {ksp, ocg * ksp};
  } else {
    r.dims = {group, ocg, icg};
    strides = {icg * ocg * ksp, ksp, ocg * ksp};
  }
  r.dims.insert(r.dims.end(), kdims.begin(), kdims.end());
  strides.insert(strides.end(), kstr.begin(), kstr.end());
  r.plain = memory::desc(r.dims, dt::f32, strides);
  return r;
}

template <typename PD>
Result<DnnlKernelPlan> finish(const DnnlBuildCtx& c, const PD& pd, const WeightsInfo& wi, const ConvParams& p) {
  using Prim = std::conditional_t<std::is_same_v<PD, dnnl::convolution_forward::primitive_desc>,
                                  dnnl::convolution_forward, dnnl::deconvolution_forward>;
  const Prim prim(pd);
  const Node& n = c.node;
  DnnlKernelPlan plan = make_plan(c);
  std::vector<ArgSpec> args;
  ArgSpec src;
  src.arg = DNNL_ARG_SRC;
  src.index = 0;
  src.md = pd.src_desc();
  args.push_back(src);
  plan.src_layouts[0] = Layout::from_md(pd.src_desc());

  ArgSpec w;
  w.arg = DNNL_ARG_WEIGHTS;
  w.index = 1;
  w.md = pd.weights_desc();
  if (c.src[1].value) {
    w.from = ArgSpec::From::kFixed;
    w.fixed = pack_constant(*c.src[1].value, wi.plain, pd.weights_desc());
  } else {
    w.reorder_from = wi.plain;
    plan.src_layouts[1] = Layout::plain_layout();
  }
  args.push_back(w);

  if (c.src.size() > 2 && c.src[2].present()) {
    ArgSpec b;
    b.arg = DNNL_ARG_BIAS;
    b.index = 2;
    b.md = plain_md(memory::dims{p.out_channels}, dt::f32);
    if (c.src[2].value) {
      b.from = ArgSpec::From::kFixed;
      b.fixed = pack_constant(*c.src[2].value, b.md, b.md);
    } else {
      plan.src_layouts[2] = Layout::plain_layout();
    }
    args.push_back(b);
  }
  ArgSpec d;
  d.arg = DNNL_ARG_DST;
  d.from = ArgSpec::From::kDst;
  d.index = 0;
  d.md = pd.dst_desc();
  args.push_back(d);
  plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
  plan.scratchpad_bytes = scratchpad_bytes(pd);
  auto scratch = plan.scratchpad_bytes ? std::optional<memory::desc>(pd.scratchpad_desc()) : std::nullopt;
  const int res = residual_input(n);
  if (res >= 0) {
    plan.src_layouts[static_cast<size_t>(res)] = plan.dst_layouts[0];
    plan.may_alias_src = res;
    plan.kernel = std::make_unique<SumPostOpKernel>(prim, std::move(args), pd.impl_info_str(), scratch, res,
                                                    pd.dst_desc().get_size());
  } else {
    plan.kernel = std::make_unique<PrimitiveKernel>(prim, std::move(args), pd.impl_info_str(), scratch);
  }
  return plan;
}

bool winograd_candidate(const ConvParams& p) {
  return p.win.nsp == 2 && p.group == 1 && p.win.kernel[0] == 3 && p.win.kernel[1] == 3 && p.win.strides[0] == 1 &&
         p.win.strides[1] == 1 && p.win.dilations[0] == 1 && p.win.dilations[1] == 1;
}

std::string conv_key(const DnnlBuildCtx& c, const ConvParams& p) {
  std::string k = shape_str(c.src[0].shape) + shape_str(c.src[1].shape) + shape_str(p.win.pad_begin) +
                  shape_str(p.win.pad_end);
  for (const PostOp& po : c.node.post_ops) k += po.kind == PostOp::Kind::kSum ? "+sum" : "+" + po.act.name();
  return k;
}

ChoiceMemo& winograd_choices() {
  static ChoiceMemo m;
  return m;
}

// The channel-blocked activation layout of this CPU's vector width.
tag blocked_tag() {
  static const tag t = cpu_has_avx512() ? tag::aBcd16b : tag::aBcd8b;
  return t;
}

double time_reorder(const memory::desc& from, const memory::desc& to) {
  dnnl::reorder::primitive_desc pd(cpu_engine(), from, cpu_engine(), to);
  dnnl::reorder r(pd);
  dnnl::memory a(from, cpu_engine()), b(to, cpu_engine());
  dnnl::stream strm(cpu_engine());
  double best = 1e30;
  for (int i = 0; i < 4; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    r.execute(strm, a, b);
    strm.wait();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0) best = std::min(best, ms);
  }
  return best;
}

}  // namespace

std::atomic<bool>& winograd_enabled() {
  static std::atomic<bool> enabled{std::getenv("CALIBRA_NO_WINOGRAD") == nullptr};
  return enabled;
}
bool winograd_allowed() { return winograd_enabled().load(); }



Factory conv(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  if (c.src[0].dtype != DType::kF32 || c.src[1].dtype != DType::kF32)
    return DnnlKernelPlan::decline("not float32");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv(n, c.src[0].shape, c.src[1].shape));
  if (p.win.nsp < 1 || p.win.nsp > 3) return DnnlKernelPlan::decline("spatial rank");
  dnnl::primitive_attr attr;
  if (!make_attr(n, attr)) return DnnlKernelPlan::decline("post-op without a oneDNN equivalent");
  WeightsInfo wi = conv_weights(c.src[1].shape, p.group);
  memory::dims strides(p.win.strides.begin(), p.win.strides.end());
  memory::dims dil, pl(p.win.pad_begin.begin(), p.win.pad_begin.end()), pr(p.win.pad_end.begin(), p.win.pad_end.end());
  for (int64_t d : p.win.dilations) dil.push_back(d - 1);
  memory::desc src_md(to_dims(c.src[0].shape), dt::f32, tag::any);
  memory::desc dst_md(to_dims(c.dst[0].shape), dt::f32, tag::any);
  memory::desc w_md(wi.dims, dt::f32, tag::any);
  const bool bias = c.src.size() > 2 && c.src[2].present();
  if (c.conv_layout == ConvLayout::kBlocked && p.win.nsp == 2) {
    // Channel-blocked activations (what Winograd, pooling and in-place Concat like); the
    // first layers keep reading plain images directly.
    dst_md = memory::desc(to_dims(c.dst[0].shape), dt::f32, blocked_tag());
    if (c.src[0].shape[1] > 4) src_md = memory::desc(to_dims(c.src[0].shape), dt::f32, blocked_tag());
  }
  try {
    using CF = dnnl::convolution_forward;
    auto make_pd = [&](dnnl::algorithm alg) {
      auto d = bias ? CF::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md,
                               memory::desc({p.out_channels}, dt::f32, tag::a), dst_md, strides, dil, pl, pr)
                    : CF::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md, dst_md, strides, dil, pl, pr);
      return CF::primitive_desc(d, attr, c.engine);
    };
    CF::primitive_desc pd = make_pd(dnnl::algorithm::convolution_direct);
    if (winograd_candidate(p) && winograd_allowed() && !c.deterministic) {
      // Winograd (3x3, stride 1) does fewer multiplications but is not always faster and not
      // available on every CPU: measure both, once per shape, layout and thread count.
      const std::string key = conv_key(c, p) + "|" + std::to_string(static_cast<int>(c.conv_layout)) + "|" +
                              std::to_string(omp_get_max_threads());
      std::optional<bool> use = winograd_choices().find(key);
      if (!use) {
        try {
          CF::primitive_desc wpd = make_pd(dnnl::algorithm::convolution_winograd);
          double direct_ms = time_primitive(pd, CF(pd)), wino_ms = time_primitive(wpd, CF(wpd));
          const memory::desc cur = current_md(c.src[0], c.src_layout[0]);
          if (pd.src_desc() != cur) direct_ms += time_reorder(cur, pd.src_desc());
          if (wpd.src_desc() != cur) wino_ms += time_reorder(cur, wpd.src_desc());
          use = wino_ms < 0.95 * direct_ms;  // keep the exact algorithm unless Winograd clearly wins
        } catch (const dnnl::error&) {
          use = false;  // no Winograd implementation for this CPU or shape
        }
        use = winograd_choices().remember(key, *use);
      }
      if (*use) pd = make_pd(dnnl::algorithm::convolution_winograd);
    }
    return finish(c, pd, wi, p);
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory conv_transpose(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  if (c.src[0].dtype != DType::kF32 || c.src[1].dtype != DType::kF32)
    return DnnlKernelPlan::decline("not float32");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv_transpose(n, c.src[0].shape, c.src[1].shape));
  if (p.win.nsp < 1 || p.win.nsp > 3) return DnnlKernelPlan::decline("spatial rank");
  dnnl::primitive_attr attr;
  if (!make_attr(n, attr)) return DnnlKernelPlan::decline("post-op without a oneDNN equivalent");
  WeightsInfo wi = deconv_weights(c.src[1].shape, p.group);
  memory::dims strides(p.win.strides.begin(), p.win.strides.end());
  memory::dims dil, pl(p.win.pad_begin.begin(), p.win.pad_begin.end()), pr;
  for (int64_t d : p.win.dilations) dil.push_back(d - 1);
  for (size_t i = 0; i < p.win.nsp; ++i) {
    int64_t r = p.win.pad_end[i] - p.output_padding[i];
    if (r < 0 || pl[i] < 0) return DnnlKernelPlan::decline("output_padding exceeds the end pad");
    pr.push_back(r);
  }
  memory::desc src_md(to_dims(c.src[0].shape), dt::f32, tag::any);
  memory::desc dst_md(to_dims(c.dst[0].shape), dt::f32, tag::any);
  memory::desc w_md(wi.dims, dt::f32, tag::any);
  const bool bias = c.src.size() > 2 && c.src[2].present();
  try {
    using DF = dnnl::deconvolution_forward;
    auto d = bias ? DF::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src_md, w_md,
                             memory::desc({p.out_channels}, dt::f32, tag::a), dst_md, strides, dil, pl, pr)
                  : DF::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src_md, w_md,
                             dst_md, strides, dil, pl, pr);
    DF::primitive_desc pd(d, attr, c.engine);
    return finish(c, pd, wi, p);
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
