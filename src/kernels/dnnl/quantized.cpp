// oneDNN INT8 kernels for quantized nodes (Node::quant): Conv (incl. grouped/depthwise),
// Gemm/MatMul and Add. Requantization is fused:
//   acc = sum(x * w) in int32 (oneDNN subtracts the source zero point)
//   out = output_scale[c] * (acc + bias'[c])   with bias' = bias / (s_x * s_w[c])
//   then the node's post-ops, the destination zero point, round, saturate.
// The output scale is s_x * s_w[c] / s_y when every activation is positively homogeneous
// (ReLU, LeakyReLU, Clip with scaled bounds): post-ops then run in output units. Otherwise
// (Sigmoid, Swish, HardSwish, ...) they run in real units and a final linear post-op
// multiplies by 1 / s_y. A residual sum adds (s_r / units) * (r - zp_r).
// Depthwise convolutions may run on Calibra's own kernel instead (kernels/native/dw_int8.h;
// qconv at the end of the Conv part says when).
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/choice_memo.h"
#include "core/cpu.h"
#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "kernels/native/dw_int8.h"
#include "ops/conv.h"
#include "ops/matmul.h"

namespace calibra::dnnl_k {

namespace {

bool homogeneous(const Activation& a) {
  return a.kind == ActKind::kRelu || a.kind == ActKind::kLeakyRelu || a.kind == ActKind::kClip;
}

struct Requant {
  dnnl::primitive_attr attr;
  std::vector<float> out_scale;  // per output channel
  float units = 1.f;             // post-ops work in value / units
};

// Builds scales, zero points and post-ops for a quantized node with `channels` outputs.
// Returns false when oneDNN cannot express it.
bool make_requant(const Node& n, const QuantOpInfo& q, int64_t channels, Requant* r, int residual_index,
                  DType residual_type) {
  const QuantParam& x = q.src[0];
  const bool quant_out = q.dst.quantized();
  bool all_homogeneous = true;
  for (const PostOp& p : n.post_ops)
    if (p.kind == PostOp::Kind::kActivation && !homogeneous(p.act)) all_homogeneous = false;
  r->units = quant_out && all_homogeneous ? q.dst.s() : 1.f;
  for (int64_t c = 0; c < channels; ++c) r->out_scale.push_back(x.s() * q.weight.s(static_cast<size_t>(c)) / r->units);
  r->attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  r->attr.set_output_scales(q.weight.scale.size() > 1 ? 1 << 1 : 0,
                            q.weight.scale.size() > 1 ? r->out_scale : std::vector<float>{r->out_scale[0]});
  if (x.zp() != 0) r->attr.set_zero_points(DNNL_ARG_SRC, 0, {x.zp()});
  if (quant_out && q.dst.zp() != 0) r->attr.set_zero_points(DNNL_ARG_DST, 0, {q.dst.zp()});
  dnnl::post_ops ops;
  for (const PostOp& p : n.post_ops) {
    if (p.kind == PostOp::Kind::kSum) {
      const QuantParam& rp = q.src[static_cast<size_t>(residual_index)];
      auto dt = to_dnnl(residual_type);
      if (!dt) return false;
      ops.append_sum(rp.s() / r->units, rp.zp(), *dt);
      continue;
    }
    Activation a = p.act;
    if (a.kind == ActKind::kClip && r->units != 1.f) {
      a.alpha /= r->units;
      a.beta /= r->units;
    }
    if (!append_activation(ops, a)) return false;
  }
  if (quant_out && r->units == 1.f && q.dst.s() != 1.f)
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f / q.dst.s(), 0.f);
  if (ops.len() > 0) r->attr.set_post_ops(ops);
  return true;
}

// bias' = bias / (s_x * s_w[c]) as a constant oneDNN memory.
dnnl::memory scaled_bias(const Tensor& bias, const QuantOpInfo& q, const memory::desc& md) {
  dnnl::memory m(md, cpu_engine());
  float* d = static_cast<float*>(m.get_data_handle());
  for (int64_t c = 0; c < bias.numel(); ++c)
    d[c] = bias.data_as<float>()[c] / (q.src[0].s() * q.weight.s(static_cast<size_t>(c)));
  return m;
}

const char* precision_of(DType t) { return t == DType::kU8 ? "U8" : "I8"; }

// oneDNN's INT8 convolution (qconv offers Calibra's depthwise kernel first, below).
Factory qconv_onednn(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  const QuantOpInfo& q = *n.quant;
  if (q.weight.zp() != 0) return DnnlKernelPlan::decline("asymmetric weights");
  if (!c.src[1].value) return DnnlKernelPlan::decline("runtime weights");
  if (c.src.size() > 2 && c.src[2].present() && !c.src[2].value) return DnnlKernelPlan::decline("runtime bias");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv(n, c.src[0].shape, c.src[1].shape));
  if (p.win.nsp < 1 || p.win.nsp > 3) return DnnlKernelPlan::decline("spatial rank");
  const int res = residual_input(n);
  Requant rq;
  if (!make_requant(n, q, p.out_channels, &rq, res, res >= 0 ? c.src[static_cast<size_t>(res)].dtype : DType::kU8))
    return DnnlKernelPlan::decline("post-op without a oneDNN equivalent");
  // Weights: [G,] O, I, k... s8.
  memory::dims wdims;
  if (p.group == 1) wdims = to_dims(c.src[1].shape);
  else {
    wdims = {p.group, c.src[1].shape[0] / p.group};
    wdims.insert(wdims.end(), c.src[1].shape.begin() + 1, c.src[1].shape.end());
  }
  memory::dims strides(p.win.strides.begin(), p.win.strides.end());
  memory::dims dil, pl(p.win.pad_begin.begin(), p.win.pad_begin.end()), pr(p.win.pad_end.begin(), p.win.pad_end.end());
  for (int64_t d : p.win.dilations) dil.push_back(d - 1);
  const auto src_dt = *to_dnnl(c.src[0].dtype), dst_dt = *to_dnnl(q.dst.dtype);
  memory::desc src_md(to_dims(c.src[0].shape), src_dt, tag::any), w_md(wdims, dt::s8, tag::any),
      dst_md(to_dims(c.dst[0].shape), dst_dt, tag::any);
  const bool bias = c.src.size() > 2 && c.src[2].present();
  try {
    using CF = dnnl::convolution_forward;
    auto d = bias ? CF::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, w_md,
                             memory::desc({p.out_channels}, dt::f32, tag::a), dst_md, strides, dil, pl, pr)
                  : CF::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, w_md,
                             dst_md, strides, dil, pl, pr);
    CF::primitive_desc pd(d, rq.attr, c.engine);
    if (std::string(pd.impl_info_str()).find("ref") != std::string::npos)
      return DnnlKernelPlan::decline(std::string("only oneDNN's reference int8 kernel: ") + pd.impl_info_str());
    DnnlKernelPlan plan = make_plan(c);
    plan.precision = precision_of(c.src[0].dtype);
    std::vector<ArgSpec> args;
    ArgSpec s;
    s.arg = DNNL_ARG_SRC;
    s.index = 0;
    s.md = pd.src_desc();
    args.push_back(s);
    plan.src_layouts[0] = Layout::from_md(pd.src_desc());
    ArgSpec w;
    w.arg = DNNL_ARG_WEIGHTS;
    w.from = ArgSpec::From::kFixed;
    w.md = pd.weights_desc();
    w.fixed = pack_constant(*c.src[1].value, plain_md(wdims, dt::s8), pd.weights_desc());
    args.push_back(w);
    if (bias) {
      ArgSpec b;
      b.arg = DNNL_ARG_BIAS;
      b.from = ArgSpec::From::kFixed;
      b.fixed = scaled_bias(*c.src[2].value, q, plain_md(memory::dims{p.out_channels}, dt::f32));
      b.md = b.fixed.get_desc();
      args.push_back(b);
    }
    ArgSpec o;
    o.arg = DNNL_ARG_DST;
    o.from = ArgSpec::From::kDst;
    o.index = 0;
    o.md = pd.dst_desc();
    args.push_back(o);
    plan.dst_layouts[0] = Layout::from_md(pd.dst_desc());
    plan.scratchpad_bytes = scratchpad_bytes(pd);
    auto scratch = plan.scratchpad_bytes ? std::optional<memory::desc>(pd.scratchpad_desc()) : std::nullopt;
    if (res >= 0) {
      // The residual arrives in dst's layout, with its own element type.
      auto tg = tag_of(pd.dst_desc());
      if (!tg) return DnnlKernelPlan::decline("residual layout");
      const DType rt = c.src[static_cast<size_t>(res)].dtype;
      if (dtype_size(rt) != dtype_size(q.dst.dtype)) return DnnlKernelPlan::decline("residual size differs from dst");
      plan.src_layouts[static_cast<size_t>(res)] = Layout::from_md(memory::desc(pd.dst_desc().dims(), *to_dnnl(rt), *tg));
      plan.may_alias_src = res;
      plan.kernel = std::make_unique<SumPostOpKernel>(CF(pd), std::move(args), pd.impl_info_str(), scratch, res,
                                                      pd.dst_desc().get_size());
    } else {
      plan.kernel = std::make_unique<PrimitiveKernel>(CF(pd), std::move(args), pd.impl_info_str(), scratch);
    }
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

// ---- Calibra's own INT8 depthwise kernel (kernels/native/dw_int8.h) ----

// The native kernel's plan for an eligible node (NHWC in and out), or a declined plan.
DnnlKernelPlan native_dw_plan(const DnnlBuildCtx& c) {
  const native::DwInt8Mode mode = native::dw_int8_mode();
  if (mode == native::DwInt8Mode::kOff) return DnnlKernelPlan::decline("native dw off");
  std::string why;
  native::DwInt8Spec spec = native::dw_int8_spec(c.node, c.src, c.dst[0], &why);
  if (spec.channels == 0) return DnnlKernelPlan::decline(why);
  auto k = native::DwInt8Kernel::make(spec, omp_get_max_threads(), &why, mode != native::DwInt8Mode::kForcePortable);
  if (!k) return DnnlKernelPlan::decline(why);
  DnnlKernelPlan plan = make_plan(c);
  plan.precision = precision_of(c.src[0].dtype);
  plan.src_layouts[0] = Layout::from_md(memory::desc(to_dims(c.src[0].shape), *to_dnnl(c.src[0].dtype), tag::acdb));
  plan.dst_layouts[0] = Layout::from_md(memory::desc(to_dims(c.dst[0].shape), *to_dnnl(c.dst[0].dtype), tag::acdb));
  plan.scratchpad_bytes = k->scratchpad_bytes();
  plan.kernel = std::move(k);
  return plan;
}

// Runs a kernel on zeroed buffers of the sizes it reads and writes.
class KernelTimer {
 public:
  KernelTimer(const Kernel& k, std::vector<size_t> src_bytes, size_t dst_bytes, size_t scratch_bytes)
      : k_(k), stream_(cpu_engine()) {
    for (size_t b : src_bytes) src_.push_back(b ? alloc(b) : nullptr);
    dst_.push_back(alloc(dst_bytes));
    ctx_.src = src_.data();
    ctx_.n_src = src_.size();
    ctx_.dst = dst_.data();
    ctx_.n_dst = 1;
    ctx_.state = &state_;
    ctx_.stream = &stream_;
    ctx_.scratchpad = alloc(scratch_bytes);
  }
  double ms() {
    auto t0 = std::chrono::steady_clock::now();
    (void)k_.run(ctx_);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }

 private:
  void* alloc(size_t n) {
    n = (std::max<size_t>(n, 64) + 63) / 64 * 64;
    mem_.emplace_back(static_cast<uint8_t*>(std::aligned_alloc(64, n)), std::free);
    std::memset(mem_.back().get(), 0, n);
    return mem_.back().get();
  }
  const Kernel& k_;
  dnnl::stream stream_;
  std::vector<std::unique_ptr<uint8_t, decltype(&std::free)>> mem_;
  std::vector<void*> src_, dst_;
  std::unique_ptr<KernelState> state_;
  ExecCtx ctx_;
};

// Min over a few alternating runs of each plan, plus the reorder its source layout costs.
bool native_measures_faster(const DnnlBuildCtx& c, const DnnlKernelPlan& native, const DnnlKernelPlan& onednn) {
  auto timer = [&](const DnnlKernelPlan& p) {
    std::vector<size_t> src(c.src.size(), 0);
    for (size_t i = 0; i < c.src.size(); ++i)
      if (p.src_layouts[i]) src[i] = p.src_layouts[i]->bytes(c.src[i].shape, c.src[i].dtype);
    return std::make_unique<KernelTimer>(*p.kernel, src, p.dst_layouts[0].bytes(c.dst[0].shape, c.dst[0].dtype),
                                         p.scratchpad_bytes);
  };
  auto a = timer(native), b = timer(onednn);
  double ta = 1e30, tb = 1e30;
  for (int i = 0; i < 11; ++i) {
    const double x = a->ms(), y = b->ms();
    if (i > 0) ta = std::min(ta, x), tb = std::min(tb, y);  // the first run warms up
  }
  for (const DnnlKernelPlan* p : {&native, &onednn}) {
    if (*p->src_layouts[0] == c.src_layout[0]) continue;
    auto r = make_reorder(c.src[0], c.src_layout[0], *p->src_layouts[0]);
    if (!r.is_ok()) continue;
    KernelTimer t(**r, {c.src_layout[0].bytes(c.src[0].shape, c.src[0].dtype)},
                  p->src_layouts[0]->bytes(c.src[0].shape, c.src[0].dtype), 0);
    double best = 1e30;
    for (int i = 0; i < 4; ++i) best = std::min(best, t.ms());
    (p == &native ? ta : tb) += best;
  }
  return ta < tb;
}

// Measured choices, once per shape, types, post-ops, source layout and thread count.
ChoiceMemo& dw_choices() {
  static ChoiceMemo m;
  return m;
}

std::string dw_key(const DnnlBuildCtx& c) {
  std::string k = shape_str(c.src[0].shape) + shape_str(c.src[1].shape) + shape_str(c.dst[0].shape);
  k += "s" + shape_str(c.node.attr_ints("strides")) + "p" + shape_str(c.node.attr_ints("pads")) +
       c.node.attr_string("auto_pad", "");
  k += std::string(dtype_name(c.src[0].dtype)) + dtype_name(c.dst[0].dtype) + c.src_layout[0].str();
  for (const PostOp& po : c.node.post_ops) k += "+" + po.act.name();
  return k + "|" + std::to_string(omp_get_max_threads());
}

}  // namespace

// Quantized depthwise convolutions that Calibra's own kernel can do run on the faster of it
// and oneDNN (measured once per shape). With deterministic planning: ours on CPUs without
// VNNI (where oneDNN's int8 depthwise kernel is slower than its FP32 one), oneDNN's with.
Factory qconv(const DnnlBuildCtx& c) {
  DnnlKernelPlan native = native_dw_plan(c);
  if (!native.kernel) return qconv_onednn(c);
  const native::DwInt8Mode mode = native::dw_int8_mode();
  if (mode == native::DwInt8Mode::kForce || mode == native::DwInt8Mode::kForcePortable ||
      (c.deterministic && !cpu_has_vnni()))
    return native;
  CALIBRA_ASSIGN_OR_RETURN(DnnlKernelPlan onednn, qconv_onednn(c));
  if (!onednn.kernel) return native;
  if (c.deterministic) return onednn;
  const std::string key = dw_key(c);
  std::optional<bool> use = dw_choices().find(key);
  if (!use) use = dw_choices().remember(key, native_measures_faster(c, native, onednn));
  return *use ? std::move(native) : std::move(onednn);
}

Factory qgemm(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  const QuantOpInfo& q = *n.quant;
  if (q.weight.zp() != 0 || !c.src[1].value) return DnnlKernelPlan::decline("asymmetric or runtime weights");
  if (residual_input(n) >= 0) return DnnlKernelPlan::decline("residual");
  int64_t M, N, K;
  bool tb = false;
  Shape batch;
  if (n.op_type == "Gemm") {
    CALIBRA_ASSIGN_OR_RETURN(GemmParams p, resolve_gemm(n, c.src[0].shape, c.src[1].shape));
    if (p.trans_a || p.alpha != 1.f) return DnnlKernelPlan::decline("transA/alpha");
    M = p.m, N = p.n, K = p.k, tb = p.trans_b;
  } else {
    CALIBRA_ASSIGN_OR_RETURN(MatMulParams p, resolve_matmul(n, c.src[0].shape, c.src[1].shape));
    if (c.src[1].shape.size() != 2 || c.src[0].shape.size() < 2) return DnnlKernelPlan::decline("weights not 2-D");
    M = shape_numel(p.batch) * p.m, N = p.n, K = p.k;
  }
  const bool bias = c.src.size() > 2 && c.src[2].present();
  if (bias && (!c.src[2].value || c.src[2].numel() != N)) return DnnlKernelPlan::decline("bias not a constant [N]");
  Requant rq;
  if (!make_requant(n, q, N, &rq, -1, DType::kU8)) return DnnlKernelPlan::decline("post-op");
  // Output scales per column: mask on the last dim of the 2-D dst.
  if (q.weight.scale.size() > 1) rq.attr.set_output_scales(1 << 1, rq.out_scale);
  const auto src_dt = *to_dnnl(c.src[0].dtype), dst_dt = *to_dnnl(q.dst.dtype);
  memory::desc a_md = plain_md(memory::dims{M, K}, src_dt);
  memory::desc b_plain = tb ? memory::desc({K, N}, dt::s8, memory::dims{1, K}) : memory::desc({K, N}, dt::s8, memory::dims{N, 1});
  memory::desc b_md({K, N}, dt::s8, tag::any), y_md = plain_md(memory::dims{M, N}, dst_dt);
  try {
    auto d = bias ? dnnl::matmul::desc(a_md, b_md, plain_md(memory::dims{1, N}, dt::f32), y_md) : dnnl::matmul::desc(a_md, b_md, y_md);
    dnnl::matmul::primitive_desc pd(d, rq.attr, c.engine);
    DnnlKernelPlan plan = make_plan(c);
    plan.precision = precision_of(c.src[0].dtype);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC, 0, a_md);
    plan.src_layouts[0] = Layout::plain_layout();
    kb.fixed(DNNL_ARG_WEIGHTS, pack_constant(*c.src[1].value, b_plain, pd.weights_desc()));
    if (bias) {
      kb.fixed(DNNL_ARG_BIAS, scaled_bias(*c.src[2].value, q, plain_md(memory::dims{1, N}, dt::f32)));
    }
    kb.dst(DNNL_ARG_DST, 0, y_md);
    plan.dst_layouts[0] = Layout::plain_layout();
    kb.finish(plan, pd, dnnl::matmul(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

Factory qadd(const DnnlBuildCtx& c) {
  const Node& n = c.node;
  const QuantOpInfo& q = *n.quant;
  if (c.src[0].shape != c.src[1].shape) return DnnlKernelPlan::decline("broadcast");
  if (q.src[0].zp() != 0 || q.src[1].zp() != 0 || (q.dst.quantized() && q.dst.zp() != 0))
    return DnnlKernelPlan::decline("zero points (oneDNN 2.6 binary has none)");
  for (const PostOp& p : n.post_ops)
    if (p.kind != PostOp::Kind::kActivation || !homogeneous(p.act)) return DnnlKernelPlan::decline("post-op");
  const float units = q.dst.quantized() ? q.dst.s() : 1.f;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_scales(DNNL_ARG_SRC_0, 0, {q.src[0].s() / units});
  attr.set_scales(DNNL_ARG_SRC_1, 0, {q.src[1].s() / units});
  dnnl::post_ops ops;
  for (const PostOp& p : n.post_ops) {
    Activation a = p.act;
    if (a.kind == ActKind::kClip) a.alpha /= units, a.beta /= units;
    append_activation(ops, a);
  }
  if (ops.len()) attr.set_post_ops(ops);
  Layout l0 = c.src_layout[0];
  memory::desc md0 = current_md(c.src[0], l0);
  auto tg = tag_of(md0);
  if (!tg) return DnnlKernelPlan::decline("layout");
  memory::desc md1(md0.dims(), *to_dnnl(c.src[1].dtype), *tg), mdd(md0.dims(), *to_dnnl(q.dst.dtype), *tg);
  try {
    dnnl::binary::desc d(dnnl::algorithm::binary_add, md0, md1, mdd);
    dnnl::binary::primitive_desc pd(d, attr, c.engine);
    DnnlKernelPlan plan = make_plan(c);
    plan.precision = precision_of(c.src[0].dtype);
    plan.src_layouts[0] = l0;
    plan.src_layouts[1] = Layout::from_md(md1);
    plan.dst_layouts[0] = Layout::from_md(mdd);
    KernelBuilder kb;
    kb.src(DNNL_ARG_SRC_0, 0, md0).src(DNNL_ARG_SRC_1, 1, md1).dst(DNNL_ARG_DST, 0, mdd);
    kb.finish(plan, pd, dnnl::binary(pd));
    return plan;
  } catch (const dnnl::error& e) {
    return DnnlKernelPlan::decline(std::string("oneDNN: ") + e.what());
  }
}

}  // namespace calibra::dnnl_k
