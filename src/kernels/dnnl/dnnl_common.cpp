#include "kernels/dnnl/dnnl_common.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>

namespace calibra {

Layout Layout::from_md(const dnnl::memory::desc& md) {
  Layout l;
  dnnl::memory::desc plain = dnnl_k::plain_md(md.dims(), md.data_type());
  if (md == plain) return l;
  l.plain = false;
  l.md = md;
  return l;
}

size_t Layout::bytes(const Shape& s, DType t) const {
  if (plain) return static_cast<size_t>(shape_numel(s)) * dtype_size(t);
  return md.get_size();
}

std::string Layout::str() const {
  if (plain) return "plain";
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) return "opaque";
  const auto& b = d.format_desc.blocking;
  const int nd = d.ndims;
  std::vector<int> order(static_cast<size_t>(nd));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return b.strides[x] > b.strides[y]; });
  std::vector<bool> blocked(static_cast<size_t>(nd), false);
  for (int i = 0; i < b.inner_nblks; ++i) blocked[static_cast<size_t>(b.inner_idxs[i])] = true;
  std::string r;
  for (int i : order) r += static_cast<char>((blocked[static_cast<size_t>(i)] ? 'A' : 'a') + i);
  for (int i = 0; i < b.inner_nblks; ++i)
    r += std::to_string(b.inner_blks[i]) + static_cast<char>('a' + b.inner_idxs[i]);
  return r;
}

namespace dnnl_k {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

std::optional<dt> to_dnnl(DType t) {
  switch (t) {
    case DType::kF32: return dt::f32;
    case DType::kI8: return dt::s8;
    case DType::kU8: return dt::u8;
    case DType::kI32: return dt::s32;
    case DType::kBF16: return dt::bf16;
    case DType::kF16: return dt::f16;
    default: return std::nullopt;
  }
}

memory::dims to_dims(const Shape& s) {
  if (s.empty()) return {1};
  return memory::dims(s.begin(), s.end());
}

memory::desc plain_md(const memory::dims& d, dt type) {
  memory::dims strides(d.size(), 1);
  for (size_t i = d.size(); i-- > 1;) strides[i - 1] = strides[i] * std::max<memory::dim>(d[i], 1);
  return memory::desc(d, type, strides);
}

memory::desc plain_md(const Shape& s, DType t) { return plain_md(to_dims(s), *to_dnnl(t)); }

memory::desc current_md(const ValueDesc& v, const Layout& l) {
  return l.plain ? plain_md(v.shape, v.dtype) : l.md;
}

std::optional<tag> tag_of(const memory::desc& md) {
  static const tag kCandidates[] = {
      tag::a,      tag::ab,      tag::abc,      tag::abcd,    tag::abcde,   tag::abcdef, tag::acb,
      tag::acdb,   tag::acdeb,   tag::aBc8b,    tag::aBcd8b,  tag::aBcde8b, tag::aBc16b, tag::aBcd16b,
      tag::aBcde16b, tag::aBc4b, tag::aBcd4b,   tag::aBcde4b, tag::ba,      tag::bac,    tag::bacd};
  const int nd = md.data.ndims;
  for (tag t : kCandidates) {
    try {
      memory::desc c(md.dims(), md.data_type(), t);
      if (c == md) return t;
    } catch (const dnnl::error&) {
      // rank does not match this tag
    }
  }
  (void)nd;
  return std::nullopt;
}

bool append_activation(dnnl::post_ops& ops, const Activation& a) {
  using A = dnnl::algorithm;
  const float big = FLT_MAX;
  auto clampf = [big](float v) { return std::isinf(v) ? (v > 0 ? big : -big) : v; };
  switch (a.kind) {
    case ActKind::kRelu: ops.append_eltwise(1.f, A::eltwise_relu, 0.f, 0.f); return true;
    case ActKind::kLeakyRelu: ops.append_eltwise(1.f, A::eltwise_relu, a.alpha, 0.f); return true;
    case ActKind::kClip: ops.append_eltwise(1.f, A::eltwise_clip, clampf(a.alpha), clampf(a.beta)); return true;
    case ActKind::kSigmoid: ops.append_eltwise(1.f, A::eltwise_logistic, 0.f, 0.f); return true;
    case ActKind::kHardSigmoid:
      ops.append_eltwise(1.f, A::eltwise_linear, a.alpha, a.beta);
      ops.append_eltwise(1.f, A::eltwise_clip, 0.f, 1.f);
      return true;
    case ActKind::kHardSwish: ops.append_eltwise(1.f, A::eltwise_hardswish, 0.f, 0.f); return true;
    case ActKind::kTanh: ops.append_eltwise(1.f, A::eltwise_tanh, 0.f, 0.f); return true;
    case ActKind::kElu: ops.append_eltwise(1.f, A::eltwise_elu, a.alpha, 0.f); return true;
    case ActKind::kSwish: ops.append_eltwise(1.f, A::eltwise_swish, 1.f, 0.f); return true;
    case ActKind::kExp: ops.append_eltwise(1.f, A::eltwise_exp, 0.f, 0.f); return true;
    case ActKind::kSqrt: ops.append_eltwise(1.f, A::eltwise_sqrt, 0.f, 0.f); return true;
    case ActKind::kAbs: ops.append_eltwise(1.f, A::eltwise_abs, 0.f, 0.f); return true;
    case ActKind::kLog: ops.append_eltwise(1.f, A::eltwise_log, 0.f, 0.f); return true;
    case ActKind::kNeg: ops.append_eltwise(1.f, A::eltwise_linear, -1.f, 0.f); return true;
    case ActKind::kGelu: ops.append_eltwise(1.f, A::eltwise_gelu_erf, 0.f, 0.f); return true;
    default: return false;
  }
}

bool build_post_ops(const Node& n, dnnl::post_ops& ops) {
  for (const PostOp& p : n.post_ops) {
    if (p.kind == PostOp::Kind::kSum) ops.append_sum(1.f);
    else if (!append_activation(ops, p.act)) return false;
  }
  return true;
}

bool make_attr(const Node& n, dnnl::primitive_attr& attr) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  if (!build_post_ops(n, ops)) return false;
  if (ops.len() > 0) attr.set_post_ops(ops);
  return true;
}

dnnl::memory pack_constant(const Tensor& src, const memory::desc& src_md, const memory::desc& md) {
  const dnnl::engine& eng = cpu_engine();
  dnnl::memory dst(md, eng);
  dnnl::memory s(src_md, eng, const_cast<void*>(src.data()));
  dnnl::stream strm(eng);
  dnnl::reorder(s, dst).execute(strm, s, dst);
  strm.wait();
  return dst;
}

int residual_input(const Node& n) {
  for (const PostOp& p : n.post_ops)
    if (p.kind == PostOp::Kind::kSum) return p.input_index;
  return -1;
}

DnnlKernelPlan make_plan(const DnnlBuildCtx& c) {
  DnnlKernelPlan p;
  p.src_layouts.resize(c.src.size());
  p.dst_layouts.resize(c.dst.size());
  return p;
}

size_t scratchpad_bytes(const dnnl::primitive_desc_base& pd) { return pd.scratchpad_desc().get_size(); }

double time_primitive(const dnnl::primitive_desc& pd, const dnnl::primitive& prim, int runs) {
  const dnnl::engine& eng = cpu_engine();
  std::unordered_map<int, dnnl::memory> args;
  auto add = [&](int arg, const memory::desc& md) {
    if (md.get_size() == 0) return;
    dnnl::memory m(md, eng);
    std::memset(m.get_data_handle(), 0, md.get_size());
    args[arg] = m;
  };
  add(DNNL_ARG_SRC, pd.src_desc());
  add(DNNL_ARG_WEIGHTS, pd.weights_desc());
  add(DNNL_ARG_BIAS, pd.query_md(dnnl::query::weights_md, 1));
  add(DNNL_ARG_DST, pd.dst_desc());
  add(DNNL_ARG_SCRATCHPAD, pd.scratchpad_desc());
  dnnl::stream strm(eng);
  double best = 1e30;
  for (int i = 0; i <= runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    prim.execute(strm, args);
    strm.wait();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0) best = std::min(best, ms);
  }
  return best;
}

struct PrimitiveKernel::State : KernelState {
  std::vector<void*> src, dst;  // the pointers the memories were made for
  std::unordered_map<int, dnnl::memory> args;
  std::vector<std::pair<dnnl::memory, dnnl::memory>> reorder_io;  // per arg with reorder_from
  void* scratch = nullptr;
};

PrimitiveKernel::PrimitiveKernel(dnnl::primitive prim, std::vector<ArgSpec> args, std::string impl,
                                 std::optional<memory::desc> scratch_md)
    : prim_(std::move(prim)), args_(std::move(args)), impl_(std::move(impl)), scratch_md_(std::move(scratch_md)) {
  for (const ArgSpec& a : args_) {
    if (a.reorder_from) {
      dnnl::reorder::primitive_desc rpd(cpu_engine(), *a.reorder_from, cpu_engine(), a.md);
      reorders_.emplace_back(dnnl::reorder(rpd));
    } else {
      reorders_.emplace_back(std::nullopt);
    }
  }
}

Status PrimitiveKernel::run(ExecCtx& ctx) const {
  try {
    auto* st = static_cast<State*>(ctx.state->get());
    bool stale = st == nullptr || st->scratch != ctx.scratchpad ||
                 !std::equal(st->src.begin(), st->src.end(), ctx.src, ctx.src + ctx.n_src) ||
                 !std::equal(st->dst.begin(), st->dst.end(), ctx.dst, ctx.dst + ctx.n_dst) ||
                 st->src.size() != ctx.n_src || st->dst.size() != ctx.n_dst;
    if (stale) {
      auto fresh = std::make_unique<State>();
      fresh->src.assign(ctx.src, ctx.src + ctx.n_src);
      fresh->dst.assign(ctx.dst, ctx.dst + ctx.n_dst);
      fresh->scratch = ctx.scratchpad;
      const dnnl::engine& eng = cpu_engine();
      for (size_t i = 0; i < args_.size(); ++i) {
        const ArgSpec& a = args_[i];
        if (a.from == ArgSpec::From::kFixed) {
          fresh->args[a.arg] = a.fixed;
        } else if (a.from == ArgSpec::From::kDst) {
          fresh->args[a.arg] = dnnl::memory(a.md, eng, ctx.dst[a.index]);
        } else if (a.reorder_from) {
          dnnl::memory in(*a.reorder_from, eng, ctx.src[a.index]);
          dnnl::memory packed(a.md, eng);
          fresh->reorder_io.emplace_back(in, packed);
          fresh->args[a.arg] = packed;
        } else {
          fresh->args[a.arg] = dnnl::memory(a.md, eng, ctx.src[a.index]);
        }
      }
      if (scratch_md_) fresh->args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(*scratch_md_, eng, ctx.scratchpad);
      ctx.state->reset(fresh.release());
      st = static_cast<State*>(ctx.state->get());
    }
    size_t r = 0;
    for (size_t i = 0; i < args_.size(); ++i)
      if (reorders_[i]) {
        auto& io = st->reorder_io[r++];
        reorders_[i]->execute(*ctx.stream, io.first, io.second);
      }
    before(ctx);
    prim_.execute(*ctx.stream, st->args);
    ctx.stream->wait();
  } catch (const dnnl::error& e) {
    return Status::internal(std::string("oneDNN execution failed: ") + e.what());
  }
  return Status::ok();
}

void SumPostOpKernel::before(ExecCtx& ctx) const {
  const void* residual = ctx.src[residual_src_];
  if (residual != ctx.dst[0]) std::memcpy(ctx.dst[0], residual, dst_bytes_);
}

Result<std::unique_ptr<Kernel>> make_reorder(const ValueDesc& v, const Layout& from, const Layout& to) {
  auto t = to_dnnl(v.dtype);
  if (!t) return Status::internal(std::string("cannot reorder ") + dtype_name(v.dtype) + " data");
  // A plain layout has no fixed dims: it takes the other side's (same element count), so a
  // [C] bias can become a [1,C,1,1] blocked operand.
  memory::desc src = from.plain ? plain_md(v.shape, v.dtype) : from.md;
  memory::desc dst = to.plain ? plain_md(v.shape, v.dtype) : to.md;
  if (from.plain && !to.plain && src.dims() != dst.dims()) src = plain_md(dst.dims(), *t);
  if (to.plain && !from.plain && src.dims() != dst.dims()) dst = plain_md(src.dims(), *t);
  try {
    dnnl::reorder::primitive_desc pd(cpu_engine(), src, cpu_engine(), dst);
    std::vector<ArgSpec> args(2);
    args[0].arg = DNNL_ARG_FROM;
    args[0].from = ArgSpec::From::kSrc;
    args[0].index = 0;
    args[0].md = src;
    args[1].arg = DNNL_ARG_TO;
    args[1].from = ArgSpec::From::kDst;
    args[1].index = 0;
    args[1].md = dst;
    return std::unique_ptr<Kernel>(
        std::make_unique<PrimitiveKernel>(dnnl::reorder(pd), std::move(args), pd.impl_info_str(), std::nullopt));
  } catch (const dnnl::error& e) {
    return Status::internal(std::string("oneDNN reorder ") + from.str() + " -> " + to.str() + " of " +
                            shape_str(v.shape) + ": " + e.what());
  }
}

}  // namespace dnnl_k
}  // namespace calibra
