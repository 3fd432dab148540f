#include "calibra/compare.h"

#include <omp.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_map>

#include "calibra/evaluate.h"
#include "calibra/inspect.h"
#include "data/sample_tensor.h"
#include "ir/graph.h"
#include "ops/op_def.h"
#include "ops/quantize.h"
#include "quant/error_stats.h"

namespace calibra {

namespace {

bool is_qdq(const std::string& op) { return op == "QuantizeLinear" || op == "DequantizeLinear"; }

// What the imported (pre-optimisation) graph says about names: node op types and order,
// and the float value each Q/DQ output carries.
struct Names {
  std::unordered_map<std::string, std::string> producer_input;  // Q/DQ output -> its input
  std::unordered_map<std::string, std::string> op_of;           // node name -> op type
  std::unordered_map<std::string, size_t> order;                // node name -> position

  explicit Names(const Graph& g) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = *g.nodes[i];
      op_of[n.name] = n.op_type;
      order[n.name] = i;
      if (is_qdq(n.op_type) && n.domain.empty() && !n.inputs.empty())
        for (const auto& o : n.outputs) producer_input[o] = n.inputs[0];
    }
  }
  // Follows Q/DQ chains back to the float value: "conv1_q" -> "conv1".
  std::string canon(std::string v) const {
    for (int guard = 0; guard < 64; ++guard) {
      auto it = producer_input.find(v);
      if (it == producer_input.end()) break;
      v = it->second;
    }
    return v;
  }
  std::string op(const std::string& node) const {
    auto it = op_of.find(node);
    return it == op_of.end() ? "" : it->second;
  }
};

// The parameters of an optimised node's integer output (fused INT8 node or a QuantizeLinear).
std::optional<QuantParam> output_param(const Graph& g, const Node& n) {
  if (n.quant && n.quant->dst.quantized()) return n.quant->dst;
  if (n.op_type != "QuantizeLinear" || !n.domain.empty()) return std::nullopt;
  std::vector<ValueDesc> src;
  for (const auto& in : n.inputs) {
    const Tensor* t = in.empty() ? nullptr : g.constant(in);
    src.push_back(in.empty() ? ValueDesc{} : ValueDesc{t ? t->dtype() : DType::kF32, t ? t->shape() : Shape{}, t});
  }
  auto p = qdq_param(n, src);
  if (!p.is_ok() || p->per_channel()) return std::nullopt;
  return *p;
}

// One executed step of a model, with the ONNX nodes it stands for and the value it writes.
struct StepRef {
  size_t index = 0;
  const LayerProfile* layer = nullptr;
  std::vector<std::string> nodes;
  std::string output;  // canonical ONNX value ("" for reorders)
};

std::vector<StepRef> steps_of(const ModelProfile& p, const Model& m, const Names& names) {
  std::unordered_map<std::string, const Node*> by_name;
  for (const auto& n : m.graph()->nodes) by_name[n->name] = n.get();
  std::vector<StepRef> out;
  for (size_t i = 0; i < p.rows.size(); ++i) {
    StepRef s;
    s.index = i;
    s.layer = &p.rows[i].layer;
    if (s.layer->op_type == "Reorder") {
      s.nodes = {s.layer->name};
    } else {
      for (const auto& o : s.layer->origins)
        if (!is_qdq(names.op(o))) s.nodes.push_back(o);
      if (s.nodes.empty()) s.nodes = s.layer->origins.empty() ? std::vector<std::string>{s.layer->name} : s.layer->origins;
      auto it = by_name.find(s.layer->name);
      if (it != by_name.end() && !it->second->outputs.empty()) s.output = names.canon(it->second->outputs[0]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

LayerSide side_of(const std::vector<const StepRef*>& steps) {
  LayerSide s;
  std::set<std::string> precisions;
  for (const auto* st : steps) {
    s.steps.push_back(st->layer->name);
    s.ms += st->layer->ms;
    precisions.insert(st->layer->precision);
  }
  s.op = steps.front()->layer->op_type;
  s.impl = steps.front()->layer->impl;
  for (const auto& p : precisions) s.precision += (s.precision.empty() ? "" : "+") + p;
  return s;
}

// Joins the two profiles into rows: steps that share an ONNX node name are one row.
std::vector<LayerRow> join_layers(const std::vector<StepRef>& sa, const std::vector<StepRef>& sb, const Names& na,
                                  const Names& nb, const std::map<std::string, ErrorAcc>& err) {
  const size_t n = sa.size() + sb.size();
  UnionFind uf(n);
  std::unordered_map<std::string, size_t> first;
  auto link = [&](const StepRef& s, size_t item) {
    for (const auto& node : s.nodes) {
      auto [it, fresh] = first.emplace(node, item);
      if (!fresh) uf.join(item, it->second);
    }
  };
  for (size_t i = 0; i < sa.size(); ++i) link(sa[i], i);
  for (size_t j = 0; j < sb.size(); ++j) link(sb[j], sa.size() + j);

  struct Group {
    std::vector<const StepRef*> a, b;
    double key = 0;
  };
  std::map<size_t, Group> groups;
  for (size_t i = 0; i < sa.size(); ++i) groups[uf.find(i)].a.push_back(&sa[i]);
  for (size_t j = 0; j < sb.size(); ++j) groups[uf.find(sa.size() + j)].b.push_back(&sb[j]);
  // Order: A's execution order; a B-only row goes after the row of the B step before it.
  for (auto& [root, g] : groups) g.key = g.a.empty() ? -1 : static_cast<double>(g.a.front()->index);
  double last = -1;
  for (size_t j = 0; j < sb.size(); ++j) {
    Group& g = groups[uf.find(sa.size() + j)];
    if (!g.a.empty()) last = g.key;
    else if (g.key < 0) g.key = last + 0.5 + 1e-6 * static_cast<double>(j);
  }
  std::vector<Group*> ordered;
  for (auto& [root, g] : groups) ordered.push_back(&g);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Group* x, const Group* y) { return x->key < y->key; });

  std::vector<LayerRow> rows;
  for (const Group* g : ordered) {
    LayerRow r;
    std::set<std::string> seen;
    auto add_nodes = [&](const std::vector<const StepRef*>& steps) {
      for (const auto* s : steps)
        for (const auto& node : s->nodes)
          if (seen.insert(node).second) r.nodes.push_back(node);
    };
    add_nodes(g->a);
    add_nodes(g->b);
    const StepRef* first_step = g->a.empty() ? g->b.front() : g->a.front();
    r.op = first_step->layer->op_type == "Reorder" ? "Reorder" : (g->a.empty() ? nb : na).op(r.nodes.front());
    if (r.op.empty()) r.op = first_step->layer->op_type;
    if (!g->a.empty()) r.a = side_of(g->a);
    if (!g->b.empty()) r.b = side_of(g->b);
    if (r.op == "Reorder") {
      r.note = "inserted by the runtime";
    } else if (!r.a || !r.b) {
      r.note = r.a ? "only in A" : "only in B";
    } else {
      const std::string& oa = g->a.back()->output;
      const std::string& ob = g->b.back()->output;
      r.output = oa;
      auto it = err.find(oa);
      if (oa != ob)
        r.note = "the models write different values here ('" + oa + "' vs '" + ob + "'): fused differently";
      else if (it == err.end() || it->second.count == 0)
        r.note = "output not observed";
      else {
        r.sqnr_db = it->second.sqnr_db();
        r.cosine = it->second.cosine();
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// Inputs must agree in count, element type and rank, and in every dimension fixed in both.
Status check_same_inputs(const Model& a, const Model& b) {
  const auto &ia = a.inputs(), &ib = b.inputs();
  if (ia.size() != ib.size())
    return Status::invalid_argument("the models take different inputs: A has " + std::to_string(ia.size()) +
                                    ", B has " + std::to_string(ib.size()) +
                                    "; compare needs two models with the same inputs");
  for (size_t i = 0; i < ia.size(); ++i) {
    bool same = ia[i].dtype == ib[i].dtype && ia[i].dims.size() == ib[i].dims.size();
    for (size_t d = 0; same && d < ia[i].dims.size(); ++d)
      same = ia[i].dims[d] < 0 || ib[i].dims[d] < 0 || ia[i].dims[d] == ib[i].dims[d];
    if (!same)
      return Status::invalid_argument("the models take different inputs: A's " + ia[i].str() + ", B's " + ib[i].str() +
                                      "; compare needs two models with the same inputs");
  }
  return Status::ok();
}

class Comparer {
 public:
  Comparer(const std::string& a, const std::string& b, const Dataset* data, const CompareOptions& o)
      : path_a_(a), path_b_(b), data_(data), o_(o) {}

  Result<CompareResult> run() {
    if (o_.rounds < 1) return Status::invalid_argument("rounds must be at least 1");
    if (o_.profile_runs < 1) return Status::invalid_argument("profile runs must be at least 1");
    CALIBRA_ASSIGN_OR_RETURN(ma_, load(path_a_, "A"));
    CALIBRA_ASSIGN_OR_RETURN(mb_, load(path_b_, "B"));
    CALIBRA_TRY(check_same_inputs(*ma_, *mb_));
    CALIBRA_TRY(validate_settings(o_.speed, *ma_).with_context("model A"));
    CALIBRA_TRY(validate_settings(o_.speed, *mb_).with_context("model B"));
    if (data_) {
      if (data_->size() == 0) return Status::invalid_argument("the dataset has no samples");
      CALIBRA_TRY(validate_usage(o_.usage, *ma_, data_->info()).with_context("model A"));
      CALIBRA_TRY(validate_usage(o_.usage, *mb_, data_->info()).with_context("model B"));
    }
    r_.settings = o_.speed;
    r_.rounds = o_.rounds;
    r_.usage = o_.usage;
    CALIBRA_TRY(describe(path_a_, *ma_, &r_.a));
    CALIBRA_TRY(describe(path_b_, *mb_, &r_.b));
    if (data_) CALIBRA_TRY(accuracy());
    CALIBRA_TRY(layer_errors());
    CALIBRA_TRY(profiles());
    CALIBRA_TRY(speed());
    finish();
    return std::move(r_);
  }

 private:
  static Result<std::shared_ptr<Model>> load(const std::string& path, const char* which) {
    auto m = Model::load(path);
    if (!m.is_ok()) return m.status().with_context(std::string("model ") + which);
    return *m;
  }

  bool progress(const std::string& stage, double f) { return !o_.progress || o_.progress(stage, std::min(1.0, f)); }

  int threads() const { return o_.speed.threads > 0 ? o_.speed.threads : omp_get_num_procs(); }

  Status describe(const std::string& path, const Model& m, CompareSide* s) {
    s->path = path;
    CALIBRA_ASSIGN_OR_RETURN(ModelInfo info, inspect_model(path));
    s->precision = info.precision;
    s->file_bytes = info.file_bytes;
    for (const auto& [name, t] : m.graph()->constants) s->weight_bytes += t.nbytes();
    return Status::ok();
  }

  Status accuracy() {
    EvalOptions eo;
    eo.limit = o_.limit;
    eo.threads = threads();
    eo.loader_threads = o_.loader_threads;
    eo.keep_outputs = true;
    eo.use_dnnl = o_.speed.use_dnnl;
    const char* stages[] = {"accuracy A", "accuracy B"};
    EvalResult e[2];
    for (int k = 0; k < 2; ++k) {
      eo.progress = [&, k](size_t done, size_t total, double) {
        return progress(stages[k], total ? static_cast<double>(done) / static_cast<double>(total) : 1.0);
      };
      auto r = evaluate(k == 0 ? ma_ : mb_, *data_, o_.usage, eo);
      if (!r.is_ok()) return r.status().with_context(k == 0 ? "model A" : "model B");
      e[k] = std::move(*r);
    }
    if (e[0].classes != e[1].classes)
      return Status::invalid_argument("the models' outputs differ: A scores " + std::to_string(e[0].classes) +
                                      " classes, B " + std::to_string(e[1].classes));
    r_.dataset = e[0].dataset;
    r_.usage = e[0].usage;
    r_.annotated = e[0].annotated;
    if (e[0].annotated) {
      r_.a.top1 = e[0].top1, r_.a.top5 = e[0].top5;
      r_.b.top1 = e[1].top1, r_.b.top5 = e[1].top5;
      r_.top1_drop = e[0].top1 - e[1].top1;
      r_.top5_drop = e[0].top5 - e[1].top5;
    }
    PredictionDiff d;
    d.samples = e[0].samples;
    const auto c = static_cast<size_t>(e[0].classes);
    d.mse.resize(d.samples);
    for (size_t i = 0; i < d.samples; ++i) {
      double s = 0;
      for (size_t k = 0; k < c; ++k) {
        const double diff = static_cast<double>(e[1].outputs[i * c + k]) - e[0].outputs[i * c + k];
        s += diff * diff;
      }
      d.mse[i] = c ? s / static_cast<double>(c) : 0;
      d.mean_mse += d.mse[i];
      d.max_mse = std::max(d.max_mse, d.mse[i]);
      const int32_t pa = e[0].predictions[i], pb = e[1].predictions[i];
      if (pa == pb) continue;
      SampleChange ch;
      ch.index = i;
      ch.source = e[0].sources[i];
      ch.label = e[0].annotated ? e[0].labels[i] : -1;
      ch.pred_a = pa;
      ch.pred_b = pb;
      ch.mse = d.mse[i];
      if (ch.label >= 0) {
        const int64_t want = ch.label + r_.usage.label_offset;
        d.fixed += pa != want && pb == want;
        d.broken += pa == want && pb != want;
      }
      d.changes.push_back(std::move(ch));
    }
    d.changed = d.changes.size();
    if (d.samples) d.mean_mse /= static_cast<double>(d.samples);
    r_.predictions = std::move(d);
    return Status::ok();
  }

  // Every layer's output in B against A's, on the first dataset samples or random inputs.
  Status layer_errors() {
    const Names na(*ma_->imported()), nb(*mb_->imported());
    auto watch_of = [](const Model& m, const Names& names, std::unordered_map<std::string, std::string>* canon,
                       std::unordered_map<std::string, std::optional<QuantParam>>* params) {
      std::vector<std::string> w;
      const Graph& g = *m.graph();
      for (const auto& n : g.nodes) {
        if (n->outputs.empty() || n->outputs[0].empty()) continue;
        w.push_back(n->outputs[0]);
        (*canon)[n->outputs[0]] = names.canon(n->outputs[0]);
        (*params)[n->outputs[0]] = output_param(g, *n);
      }
      return w;
    };
    std::unordered_map<std::string, std::string> ca, cb;
    std::unordered_map<std::string, std::optional<QuantParam>> pa, pb;
    const auto wa = watch_of(*ma_, na, &ca, &pa);
    const auto wb = watch_of(*mb_, nb, &cb, &pb);
    SessionOptions so;
    so.threads = threads();
    so.use_dnnl = o_.speed.use_dnnl;
    so.deterministic = true;
    CALIBRA_ASSIGN_OR_RETURN(auto sa, Session::create(ma_, so));
    CALIBRA_ASSIGN_OR_RETURN(auto sb, Session::create(mb_, so));
    Shape sample;
    if (data_) {
      CALIBRA_ASSIGN_OR_RETURN(sample, sample_shape(r_.usage, *ma_));
    }
    const size_t n = data_ ? std::min(o_.error_samples, o_.limit ? std::min(o_.limit, data_->size()) : data_->size())
                           : o_.error_samples;
    std::vector<double> got;
    for (size_t k = 0; k < n; ++k) {
      std::vector<Tensor> inputs;
      if (data_) {
        CALIBRA_ASSIGN_OR_RETURN(Tensor x, sample_tensor(*data_, k, r_.usage, sample));
        inputs.push_back(std::move(x));
      } else {
        inputs = random_inputs(*ma_, 1000 + k, 1);
      }
      std::unordered_map<std::string, std::vector<double>> ref;
      auto ra = sa->run_observed(inputs, wa, [&](const std::string& v, const Tensor& t) {
        const auto& p = pa[v];
        values_of(t, p ? &*p : nullptr, &ref[ca[v]]);
      });
      if (!ra.is_ok()) return ra.status().with_context("model A");
      auto rb = sb->run_observed(inputs, wb, [&](const std::string& v, const Tensor& t) {
        auto it = ref.find(cb[v]);
        if (it == ref.end() || static_cast<int64_t>(it->second.size()) != t.numel()) return;
        const auto& p = pb[v];
        values_of(t, p ? &*p : nullptr, &got);
        err_[cb[v]].add(it->second, got);
      });
      if (!rb.is_ok()) return rb.status().with_context("model B");
      if (!progress("layer errors", static_cast<double>(k + 1) / static_cast<double>(n)))
        return Status::cancelled("comparison cancelled");
    }
    r_.error_samples = n;
    names_a_ = std::make_unique<Names>(na);
    names_b_ = std::make_unique<Names>(nb);
    return Status::ok();
  }

  SessionOptions speed_session() const {
    SessionOptions so;
    so.threads = std::max(1, threads() / o_.speed.streams);
    so.use_dnnl = o_.speed.use_dnnl;
    return so;
  }

  Status profiles() {
    const auto inputs = random_inputs(*ma_, o_.speed.seed, o_.speed.batch);
    CALIBRA_ASSIGN_OR_RETURN(r_.a.profile, profile_model(ma_, inputs, speed_session(), o_.profile_runs));
    if (!progress("profile", 0.5)) return Status::cancelled("comparison cancelled");
    CALIBRA_ASSIGN_OR_RETURN(r_.b.profile, profile_model(mb_, inputs, speed_session(), o_.profile_runs));
    if (!progress("profile", 1.0)) return Status::cancelled("comparison cancelled");
    r_.a.layers_by_precision = r_.a.profile.layers_by_precision;
    r_.b.layers_by_precision = r_.b.profile.layers_by_precision;
    return Status::ok();
  }

  // A and B alternate in `rounds` slices each, on sessions built once.
  Status speed() {
    CALIBRA_ASSIGN_OR_RETURN(auto sa, Session::create(ma_, speed_session()));
    CALIBRA_ASSIGN_OR_RETURN(auto sb, Session::create(mb_, speed_session()));
    const auto inputs = random_inputs(*ma_, o_.speed.seed, o_.speed.batch);
    BenchOptions slice = o_.speed;
    slice.progress = nullptr;
    if (slice.iterations > 0) slice.iterations = std::max<int64_t>(1, slice.iterations / o_.rounds);
    else slice.seconds = (slice.seconds > 0 ? slice.seconds : 5.0) / o_.rounds;
    for (int round = 0; round < o_.rounds; ++round) {
      CALIBRA_ASSIGN_OR_RETURN(BenchResult ra, run_benchmark(*sa, inputs, slice));
      CALIBRA_ASSIGN_OR_RETURN(BenchResult rb, run_benchmark(*sb, inputs, slice));
      r_.a.speed = round == 0 ? ra : merge_bench(r_.a.speed, ra);
      r_.b.speed = round == 0 ? rb : merge_bench(r_.b.speed, rb);
      if (!progress("speed", static_cast<double>(round + 1) / o_.rounds)) return Status::cancelled("comparison cancelled");
    }
    return Status::ok();
  }

  void finish() {
    for (CompareSide* s : {&r_.a, &r_.b}) {
      const PlanStats& p = s->speed.plan;
      s->memory_bytes = s->weight_bytes + static_cast<uint64_t>(s->speed.streams) * (p.arena_bytes + p.scratchpad_bytes);
    }
    r_.throughput_ratio = r_.a.speed.throughput_fps > 0 ? r_.b.speed.throughput_fps / r_.a.speed.throughput_fps : 0;
    r_.latency_ratio = r_.b.speed.latency_ms.median > 0 ? r_.a.speed.latency_ms.median / r_.b.speed.latency_ms.median : 0;
    r_.size_ratio = r_.b.file_bytes ? static_cast<double>(r_.a.file_bytes) / static_cast<double>(r_.b.file_bytes) : 0;
    const auto sa = steps_of(r_.a.profile, *ma_, *names_a_);
    const auto sb = steps_of(r_.b.profile, *mb_, *names_b_);
    r_.layers = join_layers(sa, sb, *names_a_, *names_b_, err_);
  }

  std::string path_a_, path_b_;
  const Dataset* data_;
  const CompareOptions& o_;
  std::shared_ptr<Model> ma_, mb_;
  std::unique_ptr<Names> names_a_, names_b_;
  std::map<std::string, ErrorAcc> err_;
  CompareResult r_;
};

}  // namespace

Result<CompareResult> compare_models(const std::string& a, const std::string& b, const Dataset* data,
                                     const CompareOptions& opts) {
  return Comparer(a, b, data, opts).run();
}

}  // namespace calibra
