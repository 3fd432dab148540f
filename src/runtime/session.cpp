#include "calibra/session.h"

#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "core/choice_memo.h"
#include "core/timing.h"
#include "ir/graph.h"
#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "runtime/executor.h"
#include "runtime/plan.h"

namespace calibra {

struct CachedPlan {
  std::unique_ptr<Plan> plan;
  std::vector<std::unique_ptr<ExecContext>> idle;  // contexts not in use
  // run_observed: per value in a oneDNN layout, a reorder to plain and its buffer.
  std::mutex observe_mu;
  std::unordered_map<int, std::pair<std::unique_ptr<Kernel>, Tensor>> to_plain;
};

struct Session::Impl {
  std::shared_ptr<const Model> model;
  SessionOptions opts;
  std::vector<bool> plan_time;  // per graph input: its value is folded into plans
  std::mutex mu;
  std::list<std::pair<std::string, std::shared_ptr<CachedPlan>>> cache;  // most recent first
  static constexpr size_t kMaxPlans = 8;

  Status validate(const std::vector<Tensor>& inputs) const {
    const auto& specs = model->inputs();
    if (inputs.size() != specs.size())
      return Status::invalid_argument("the model has " + std::to_string(specs.size()) + " input(s), got " +
                                      std::to_string(inputs.size()));
    for (size_t i = 0; i < specs.size(); ++i) {
      const TensorSpec& s = specs[i];
      const Tensor& t = inputs[i];
      if (!t.defined()) return Status::invalid_argument("input '" + s.name + "' is missing");
      if (t.dtype() != s.dtype)
        return Status::invalid_argument("input '" + s.name + "' is " + dtype_name(t.dtype()) + " but the model expects " +
                                        dtype_name(s.dtype));
      bool ok = t.rank() == s.dims.size();
      for (size_t d = 0; ok && d < s.dims.size(); ++d) ok = s.dims[d] < 0 || s.dims[d] == t.dim(d);
      if (!ok)
        return Status::invalid_argument("input '" + s.name + "' has shape " + shape_str(t.shape()) +
                                        " but the model expects " + s.str().substr(s.name.size() + 2));
    }
    return Status::ok();
  }

  std::string key_of(const std::vector<Tensor>& inputs) const {
    std::string k;
    for (size_t i = 0; i < inputs.size(); ++i) {
      k += shape_str(inputs[i].shape());
      k += dtype_name(inputs[i].dtype());
      if (plan_time[i]) {
        k += "=";
        k.append(static_cast<const char*>(inputs[i].data()), inputs[i].nbytes());
      }
      k += ";";
    }
    return k;
  }

  // A plain copy of a value kept in a oneDNN layout (reorder built once per plan and value).
  Result<Tensor> plain_copy(CachedPlan* cp, int v, const PlanValue& pv, void* data) {
    std::lock_guard<std::mutex> lock(cp->observe_mu);
    auto it = cp->to_plain.find(v);
    if (it == cp->to_plain.end()) {
      CALIBRA_ASSIGN_OR_RETURN(auto k, dnnl_k::make_reorder(ValueDesc{pv.dtype, pv.shape, nullptr}, pv.layout, Layout::plain_layout()));
      it = cp->to_plain.emplace(v, std::make_pair(std::move(k), Tensor(pv.dtype, pv.shape))).first;
    }
    std::unique_ptr<KernelState> st;
    static thread_local std::unique_ptr<dnnl::stream> strm;
    if (!strm) strm = std::make_unique<dnnl::stream>(dnnl_k::cpu_engine());
    void* src[1] = {data};
    void* dst[1] = {it->second.second.data()};
    ExecCtx ectx;
    ectx.src = src;
    ectx.n_src = 1;
    ectx.dst = dst;
    ectx.n_dst = 1;
    ectx.state = &st;
    ectx.stream = strm.get();
    CALIBRA_TRY(it->second.first->run(ectx));
    return it->second.second;
  }

  Result<std::vector<Tensor>> run_observed(const std::vector<Tensor>& inputs, const std::vector<std::string>& watch,
                                           bool views_ok, const ViewObserver& observer);

  // The plan's steps and shapes: what the layout choice depends on (not the weights' values).
  static std::string structure_key(const Plan& p) {
    std::string k;
    for (const PlanStep& s : p.steps) {
      k += s.op_type + ":" + s.name;
      for (int d : s.dst)
        if (d >= 0)
          for (int64_t x : p.values[static_cast<size_t>(d)].shape) k += "," + std::to_string(x);
      k += ";";
    }
    return k;
  }
  static ChoiceMemo& layout_choices() {
    static ChoiceMemo m;
    return m;
  }

  // Whether plan `a` runs these inputs faster than plan `b`: alternating runs, best of each.
  static Result<bool> runs_faster(const Plan& a, const Plan& b, const std::vector<Tensor>& inputs) {
    try {
      ExecContext ca(a), cb(b);
      CALIBRA_ASSIGN_OR_RETURN(AlternatingTimes t, time_alternating([&] { return ca.run(inputs, nullptr); },
                                                                    [&] { return cb.run(inputs, nullptr); }, 6, 1));
      return min_of(t.a) < min_of(t.b);
    } catch (const std::bad_alloc&) {
      return Status::resource_exhausted("out of memory while choosing a plan");
    }
  }

  // Finds or builds the plan for these inputs and takes an idle context from it.
  Result<std::pair<std::shared_ptr<CachedPlan>, std::unique_ptr<ExecContext>>> acquire(const std::vector<Tensor>& inputs) {
    std::string key = key_of(inputs);
    std::lock_guard<std::mutex> lock(mu);
    std::shared_ptr<CachedPlan> cp;
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->first == key) {
        cache.splice(cache.begin(), cache, it);
        cp = cache.front().second;
        break;
      }
    if (!cp) {
      std::vector<ValueDesc> descs;
      for (size_t i = 0; i < inputs.size(); ++i)
        descs.push_back(ValueDesc{inputs[i].dtype(), inputs[i].shape(), plan_time[i] ? &inputs[i] : nullptr});
      PlanOptions po;
      po.threads = opts.threads;
      po.use_dnnl = opts.use_dnnl;
      po.deterministic = opts.deterministic;
      // CALIBRA_CONV_LAYOUT=auto|blocked forces a policy (for comparisons and debugging).
      static const std::string forced = std::getenv("CALIBRA_CONV_LAYOUT") ? std::getenv("CALIBRA_CONV_LAYOUT") : "";
      if (forced == "blocked") po.conv_layout = ConvLayout::kBlocked;
      CALIBRA_ASSIGN_OR_RETURN(auto plan, build_plan(model->graph(), descs, po));
      if (forced.empty() && opts.tune && !opts.deterministic && opts.use_dnnl && plan->convs > 0) {
        po.conv_layout = ConvLayout::kBlocked;
        CALIBRA_ASSIGN_OR_RETURN(auto blocked, build_plan(model->graph(), descs, po));
        // Decided once per process for a plan of this structure, so that two sessions of one
        // model (e.g. both sides of `compare`) never differ by timing noise.
        const std::string shape_key = structure_key(*plan) + "|" + std::to_string(opts.threads);
        std::optional<bool> faster = layout_choices().find(shape_key);
        if (!faster) {
          CALIBRA_ASSIGN_OR_RETURN(bool f, runs_faster(*blocked, *plan, inputs));
          faster = layout_choices().remember(shape_key, f);
        }
        if (*faster) plan = std::move(blocked);
      }
      auto entry = std::make_shared<CachedPlan>();
      entry->plan = std::move(plan);
      cache.emplace_front(key, entry);
      cp = entry;
      // Evict the least recently used plans; a run in flight holds its plan alive.
      while (cache.size() > kMaxPlans) cache.pop_back();
    }
    std::unique_ptr<ExecContext> ctx;
    if (!cp->idle.empty()) {
      ctx = std::move(cp->idle.back());
      cp->idle.pop_back();
    } else {
      try {
        ctx = std::make_unique<ExecContext>(*cp->plan);
      } catch (const std::bad_alloc&) {
        return Status::resource_exhausted("out of memory allocating " + std::to_string(cp->plan->arena_bytes) +
                                          " bytes of activations");
      }
    }
    return std::make_pair(cp, std::move(ctx));
  }

  void release(const std::shared_ptr<CachedPlan>& cp, std::unique_ptr<ExecContext> ctx) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [k, p] : cache)
      if (p == cp) {
        p->idle.push_back(std::move(ctx));
        return;
      }
    ctx.reset();  // the plan was evicted: drop the context before the plan goes
  }

  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs, RunProfile* profile) {
    CALIBRA_TRY(validate(inputs));
    CALIBRA_ASSIGN_OR_RETURN(auto acquired, acquire(inputs));
    auto [cp, ctx] = std::move(acquired);
    std::vector<Tensor> outputs;
    StepTimes times;
    Status st = ctx->run(inputs, &outputs, profile ? &times : nullptr);
    if (st.is_ok() && profile) {
      const Plan& plan = *cp->plan;
      profile->layers.clear();
      for (size_t s = 0; s < plan.steps.size(); ++s) {
        const PlanStep& step = plan.steps[s];
        LayerProfile l;
        l.name = step.name;
        l.op_type = step.op_type;
        l.origins = step.origins;
        l.impl = step.kernel->impl();
        l.precision = step.precision;
        if (!step.dst.empty()) {
          const PlanValue& v = plan.values[static_cast<size_t>(step.dst[0])];
          l.shape = v.shape;
          l.layout = v.layout.str();
        }
        l.ms = times.ms[s];
        profile->layers.push_back(std::move(l));
      }
      profile->total_ms = times.total_ms;
    }
    release(cp, std::move(ctx));
    if (!st.is_ok()) return st;
    return outputs;
  }
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model, const SessionOptions& opts) {
  if (!model) return Status::invalid_argument("no model");
  auto impl = std::make_unique<Impl>();
  impl->model = std::move(model);
  impl->opts = opts;
  if (impl->opts.threads <= 0) impl->opts.threads = omp_get_num_procs();
  impl->plan_time = plan_time_inputs(*impl->model->graph());
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Result<std::vector<Tensor>> Session::run(const std::vector<Tensor>& inputs) { return impl_->run(inputs, nullptr); }

Result<std::vector<Tensor>> Session::run_named(const std::map<std::string, Tensor>& named) {
  std::vector<Tensor> inputs;
  for (const auto& s : impl_->model->inputs()) {
    auto it = named.find(s.name);
    if (it == named.end()) return Status::invalid_argument("input '" + s.name + "' was not given");
    inputs.push_back(it->second);
  }
  for (const auto& [name, t] : named) {
    bool known = false;
    for (const auto& s : impl_->model->inputs()) known = known || s.name == name;
    if (!known) return Status::invalid_argument("the model has no input named '" + name + "'");
  }
  return impl_->run(inputs, nullptr);
}

Result<std::vector<Tensor>> Session::run_profiled(const std::vector<Tensor>& inputs, RunProfile* profile) {
  return impl_->run(inputs, profile);
}

namespace {

// How a value's layout reads as a ValueView without a copy, if it does: dense oneDNN
// blocking, no offset, batch outermost and either one inner block on the channel axis with
// the other axes in order (aBcd8b) or the channels moved innermost (acdb).
std::optional<std::pair<ValueView::Kind, int64_t>> view_kind(const PlanValue& pv) {
  if (pv.layout.plain) return std::make_pair(ValueView::Kind::kPlain, int64_t{0});
  const dnnl_memory_desc_t& d = pv.layout.md.data;
  const int nd = d.ndims;
  if (pv.dtype != DType::kF32 || d.format_kind != dnnl_blocked || d.offset0 != 0 || nd < 3 ||
      static_cast<size_t>(nd) != pv.shape.size())
    return std::nullopt;
  const auto& b = d.format_desc.blocking;
  for (int i = 0; i < nd; ++i)
    if (d.dims[i] != pv.shape[static_cast<size_t>(i)] || (i != 1 && d.padded_dims[i] != d.dims[i]) || d.padded_offsets[i] != 0)
      return std::nullopt;
  int64_t spatial = 1;
  for (int i = 2; i < nd; ++i) spatial *= d.dims[i];
  const int64_t C = d.dims[1], Cp = d.padded_dims[1];
  if (b.inner_nblks == 1 && b.inner_idxs[0] == 1) {
    const int64_t k = b.inner_blks[0];
    if (k <= 0 || Cp % k != 0 || Cp < C || Cp - C >= k) return std::nullopt;
    // [N][Cp/k][d2..][k]
    int64_t stride = k;
    for (int i = nd - 1; i >= 2; --i) {
      if (b.strides[i] != stride) return std::nullopt;
      stride *= d.dims[i];
    }
    if (b.strides[1] != spatial * k || b.strides[0] != spatial * Cp) return std::nullopt;
    return std::make_pair(ValueView::Kind::kChannelBlocked, k);
  }
  if (b.inner_nblks == 0 && Cp == C) {
    // [N][d2..][C]
    if (b.strides[1] != 1) return std::nullopt;
    int64_t stride = C;
    for (int i = nd - 1; i >= 2; --i) {
      if (b.strides[i] != stride) return std::nullopt;
      stride *= d.dims[i];
    }
    if (b.strides[0] != spatial * C) return std::nullopt;
    return std::make_pair(ValueView::Kind::kChannelsLast, int64_t{0});
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<Tensor>> Session::run_observed(const std::vector<Tensor>& inputs, const std::vector<std::string>& watch,
                                                  const ValueObserver& observer) {
  return impl_->run_observed(inputs, watch, false, [&](const std::string& name, const ValueView& v) {
    observer(name, Tensor::borrow(v.dtype, v.shape, const_cast<void*>(v.data)));
  });
}

Result<std::vector<Tensor>> Session::run_observed_views(const std::vector<Tensor>& inputs,
                                                        const std::vector<std::string>& watch, const ViewObserver& observer) {
  return impl_->run_observed(inputs, watch, true, observer);
}

Result<std::vector<Tensor>> Session::Impl::run_observed(const std::vector<Tensor>& inputs,
                                                        const std::vector<std::string>& watch, bool views_ok,
                                                        const ViewObserver& observer) {
  CALIBRA_TRY(validate(inputs));
  CALIBRA_ASSIGN_OR_RETURN(auto acquired, acquire(inputs));
  // Named variables, not a structured binding: the lambdas below capture them, which clang
  // before 16 (the fuzz build's clang 14) refuses for bindings.
  std::shared_ptr<CachedPlan> cp = std::move(acquired.first);
  std::unique_ptr<ExecContext> ctx = std::move(acquired.second);
  const Plan& plan = *cp->plan;
  std::unordered_set<std::string> wanted(watch.begin(), watch.end());
  const auto& g = *model->graph();
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (wanted.count(g.inputs[i]))
      observer(g.inputs[i], ValueView{ValueView::Kind::kPlain, inputs[i].dtype(), inputs[i].shape(), inputs[i].data(), 0});
  // Views (Reshape, Flatten, ...) show their source's bytes: report them with it.
  std::unordered_map<int, std::vector<int>> views;
  for (size_t v = 0; v < plan.values.size(); ++v) {
    int root = static_cast<int>(v);
    while (plan.values[static_cast<size_t>(root)].alias_of >= 0 && plan.values[static_cast<size_t>(root)].alias_offset == 0 &&
           plan.values[static_cast<size_t>(root)].layout.plain)
      root = plan.values[static_cast<size_t>(root)].alias_of;
    if (root != static_cast<int>(v) && wanted.count(plan.values[v].name)) views[root].push_back(static_cast<int>(v));
  }
  // Per step, the values to hand over (decided once, not per run).
  std::vector<std::vector<int>> step_values(plan.steps.size());
  for (size_t s = 0; s < plan.steps.size(); ++s)
    for (int v : plan.steps[s].dst)
      if (v >= 0 && (wanted.count(plan.values[static_cast<size_t>(v)].name) || views.count(v))) step_values[s].push_back(v);
  Status failure;
  ExecContext::Observer step_observer = [&](size_t s, const ExecContext& c) {
    if (!failure.is_ok()) return;
    for (int v : step_values[s]) {
      const PlanValue& pv = plan.values[static_cast<size_t>(v)];
      void* data = const_cast<void*>(c.value_data(v));
      ValueView view{ValueView::Kind::kPlain, pv.dtype, pv.shape, data, 0};
      Tensor copy;  // a plain copy, when one is needed (its buffer is the plan's, reused)
      auto to_plain = [&]() {
        auto conv = plain_copy(cp.get(), v, pv, data);
        if (!conv.is_ok()) {
          failure = conv.status();
          return false;
        }
        copy = *conv;
        view = ValueView{ValueView::Kind::kPlain, pv.dtype, pv.shape, copy.data(), 0};
        return true;
      };
      const auto kind = views_ok || pv.layout.plain ? view_kind(pv) : std::nullopt;
      if (kind) {
        view.kind = kind->first;
        view.block = kind->second;
      } else if (!to_plain()) {
        return;
      }
      if (wanted.count(pv.name)) observer(pv.name, view);
      auto vit = views.find(v);
      if (vit == views.end()) continue;
      if (view.kind != ValueView::Kind::kPlain && !to_plain()) return;
      for (int w : vit->second) {
        ValueView alias = view;  // a view's root is plain: its bytes read as the view's shape
        alias.shape = plan.values[static_cast<size_t>(w)].shape;
        observer(plan.values[static_cast<size_t>(w)].name, alias);
      }
    }
  };
  std::vector<Tensor> outputs;
  Status st = ctx->run(inputs, &outputs, nullptr, &step_observer);
  release(cp, std::move(ctx));
  if (!st.is_ok()) return st;
  if (!failure.is_ok()) return failure;
  return outputs;
}

Result<PlanStats> Session::plan_stats(const std::vector<Tensor>& inputs) {
  CALIBRA_TRY(impl_->validate(inputs));
  CALIBRA_ASSIGN_OR_RETURN(auto acquired, impl_->acquire(inputs));
  auto [cp, ctx] = std::move(acquired);
  PlanStats s;
  const Plan& p = *cp->plan;
  s.steps = p.steps.size();
  for (const auto& st : p.steps) s.reorders += st.is_reorder ? 1 : 0;
  s.arena_bytes = p.arena_bytes;
  s.live_peak_bytes = p.live_peak_bytes;
  s.scratchpad_bytes = p.scratchpad_bytes;
  s.conv_layout = p.conv_layout == ConvLayout::kBlocked ? "blocked" : "auto";
  impl_->release(cp, std::move(ctx));
  return s;
}

const Model& Session::model() const { return *impl_->model; }
int Session::threads() const { return impl_->opts.threads; }

std::vector<Tensor> random_inputs(const Model& model, uint64_t seed, int64_t batch) {
  std::mt19937_64 rng(seed);
  std::vector<Tensor> r;
  for (const auto& s : model.inputs()) {
    Shape shape;
    for (size_t d = 0; d < s.dims.size(); ++d) shape.push_back(s.dims[d] >= 0 ? s.dims[d] : (d == 0 ? batch : 1));
    Tensor t(s.dtype == DType::kUndefined ? DType::kF32 : s.dtype, shape);
    const int64_t n = t.numel();
    std::uniform_real_distribution<double> uf(-1.0, 1.0);
    std::uniform_int_distribution<int> ui(0, 9);
    for (int64_t i = 0; i < n; ++i) {
      switch (t.dtype()) {
        case DType::kF32: t.data_as<float>()[i] = static_cast<float>(uf(rng)); break;
        case DType::kF64: t.data_as<double>()[i] = uf(rng); break;
        case DType::kI64: t.data_as<int64_t>()[i] = ui(rng); break;
        case DType::kI32: t.data_as<int32_t>()[i] = ui(rng); break;
        case DType::kU8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(ui(rng)); break;
        case DType::kI8: t.data_as<int8_t>()[i] = static_cast<int8_t>(ui(rng)); break;
        case DType::kBool: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(ui(rng) & 1); break;
        default: break;
      }
    }
    r.push_back(std::move(t));
  }
  return r;
}

}  // namespace calibra
