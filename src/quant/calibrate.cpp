// The calibration procedure (docs/QUANTIZATION.md):
//   1. check the model and dataset; pick the subset (seeded, spread across classes)
//   2. one FP32 pass over the subset: min/max, histograms, channel means of the tensors
//      around quantizable layers (deterministic kernels, so the output is reproducible)
//   3. ranges (algorithm), parameters (scheme), QDQ graph, bias correction, export
//   4. load the QDQ model as users would (it runs as real INT8) and measure per-layer error
//   5. keep layers in FP32 where INT8 measures slower on this CPU
//   6. accuracy-aware mode: while the drop exceeds the bound, try other ranges for the
//      worst layer, else return it to FP32
#include "calibra/calibrate.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "calibra/evaluate.h"
#include "calibra/session.h"
#include "core/cpu.h"
#include "core/timing.h"
#include "ir/graph.h"
#include "onnx/export.h"
#include "data/sample_tensor.h"
#include "quant/error_stats.h"
#include "quant/quantize_graph.h"
#include "runtime/model_util.h"

namespace calibra {

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// Seeded, spread across classes (round robin over shuffled per-class lists) when labelled.
std::vector<size_t> pick_subset(const Dataset& data, size_t n, uint64_t seed, const std::set<size_t>& exclude) {
  std::mt19937_64 rng(seed);
  std::map<int64_t, std::vector<size_t>> by_class;
  for (size_t i = 0; i < data.size(); ++i)
    if (!exclude.count(i)) by_class[data.info().annotated ? data.label_of(i) : -1].push_back(i);
  for (auto& [c, v] : by_class) std::shuffle(v.begin(), v.end(), rng);
  std::vector<size_t> out;
  std::vector<size_t> pos(by_class.size(), 0);
  while (out.size() < n) {
    bool any = false;
    size_t k = 0;
    for (auto& [c, v] : by_class) {
      if (pos[k] < v.size() && out.size() < n) {
        out.push_back(v[pos[k]++]);
        any = true;
      }
      ++k;
    }
    if (!any) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A view of some samples of a dataset.
class SubsetDataset final : public Dataset {
 public:
  SubsetDataset(const Dataset& base, std::vector<size_t> idx) : base_(base), idx_(std::move(idx)) {
    info_ = base.info();
    info_.size = idx_.size();
  }
  Result<Sample> get(size_t i) const override { return base_.get(idx_[i]); }
  int64_t label_of(size_t i) const override { return base_.label_of(idx_[i]); }

 private:
  const Dataset& base_;
  std::vector<size_t> idx_;
};

long peak_rss_kb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

class Calibrator {
 public:
  Calibrator(const std::string& path, const Dataset& data, const CalibrateOptions& o) : path_(path), data_(data), o_(o) {}

  Result<CalibrationResult> run() {
    auto t_all = clock_type::now();
    CALIBRA_TRY(check_and_load());
    CALIBRA_TRY(collect_statistics());
    keep_unmeasured_in_fp32();
    CALIBRA_TRY(build(""));
    CALIBRA_TRY(measure_layer_errors());
    if (o_.speed_check) CALIBRA_TRY(check_speed());
    if (o_.max_drop) CALIBRA_TRY(accuracy_aware());
    rep_.stage_seconds["total"] = since(t_all);
    rep_.peak_rss_kb = peak_rss_kb();
    fill_report();
    return CalibrationResult{onnx_, rep_};
  }

 private:
  bool progress(const std::string& stage, size_t done, size_t total) {
    if (!o_.progress) return true;
    auto now = clock_type::now();
    if (done != total && now - last_progress_ < std::chrono::milliseconds(250)) return true;
    last_progress_ = now;
    return o_.progress(stage, done, total);
  }

  Status check_and_load() {
    // The model as imported, for the refusal checks.
    CALIBRA_ASSIGN_OR_RETURN(auto raw, Model::load(path_, LoadOptions{false, false, false}));
    const std::string precision = model_precision(*raw->imported());
    if (precision != "FP32")
      return Status::invalid_argument("the model is " + precision +
                                      "; INT8 calibration needs the original FP32 model (export it in FP32 and calibrate that)");
    if (data_.info().generated)
      return Status::invalid_argument(
          "a generated dataset cannot be used for INT8 calibration: statistics of random noise say nothing about the "
          "ranges real inputs produce. Use real inputs: an image folder (annotated or not), IDX, CIFAR, or fashion-mnist");
    if (o_.max_drop && !data_.info().annotated)
      return Status::invalid_argument("accuracy-aware calibration (--max-drop) needs an annotated dataset to measure "
                                      "accuracy; use one with labels, or drop --max-drop");
    if (o_.max_drop && *o_.max_drop < 0) return Status::invalid_argument("--max-drop must not be negative");
    LoadOptions lo;
    lo.for_quantization = true;
    CALIBRA_ASSIGN_OR_RETURN(fp32_, Model::load(path_, lo));
    CALIBRA_TRY(validate_usage(o_.usage, *fp32_, data_.info()));
    CALIBRA_ASSIGN_OR_RETURN(sample_, sample_shape(o_.usage, *fp32_));
    if (o_.preset != "performance" && o_.preset != "mixed")
      return Status::invalid_argument("preset must be performance or mixed, not '" + o_.preset + "'");
    scheme_ = default_scheme(o_.preset == "mixed" ? Preset::kMixed : Preset::kPerformance, o_.weight_bits);
    scheme_.per_channel_weights = !o_.per_tensor_weights;
    std::set<std::string> ignore(o_.ignore.begin(), o_.ignore.end());
    layers_ = plan_layers(*fp32_->graph(), ignore);
    bool any = false;
    for (const auto& l : layers_) any = any || (l.compute && l.quantize);
    if (!any) {
      std::string why = "the model has no layer Calibra can quantize (Conv, Gemm or MatMul with constant weights)";
      for (const auto& l : layers_)
        if (l.compute) {
          why += "; e.g. '" + l.node + "': " + l.reason;
          break;
        }
      return Status::invalid_argument(why);
    }
    for (const auto& name : o_.ignore) {
      bool known = false;
      for (const auto& n : fp32_->graph()->nodes) known = known || n->name == name || n->op_type == name;
      if (!known) return Status::invalid_argument("--ignore '" + name + "' names no node or op type in the model");
    }
    // Subsets: calibration first, validation (accuracy-aware) from the rest.
    size_t n = o_.subset_percent > 0 ? static_cast<size_t>(std::ceil(static_cast<double>(data_.size()) * o_.subset_percent / 100.0))
                                     : o_.subset;
    if (n == 0) return Status::invalid_argument("the calibration subset is empty");
    n = std::min(n, data_.size());
    calib_ = pick_subset(data_, n, o_.seed, {});
    if (o_.max_drop) {
      std::set<size_t> used(calib_.begin(), calib_.end());
      valid_ = pick_subset(data_, std::min(o_.validation_subset, data_.size() - used.size()), o_.seed + 1, used);
      if (valid_.size() < 100)
        return Status::invalid_argument("accuracy-aware calibration needs at least 100 validation samples outside the "
                                        "calibration subset; the dataset has " + std::to_string(data_.size()));
    }
    rep_.subset = calib_.size();
    rep_.validation_samples = valid_.size();
    return Status::ok();
  }

  // The FP32 model over the calibration subset in batches of `batch` (observe_in_batches).
  Status observe_all(size_t batch, const std::vector<std::string>& watch, StatsCollector& collector,
                     double& infer_ms) {
    const int64_t per = shape_numel(sample_);
    return observe_in_batches(
        *fp32_session_, sample_, calib_.size(), batch,
        [&](size_t i, float* dst) -> Status {
          CALIBRA_ASSIGN_OR_RETURN(Tensor one, sample_tensor(data_, calib_[i], o_.usage, sample_));
          std::copy_n(one.data_as<float>(), per, dst);
          return Status::ok();
        },
        watch, collector, [&](size_t done) { return progress("statistics", done, calib_.size()); }, &infer_ms);
  }

  Status collect_statistics() {
    auto t0 = clock_type::now();
    SessionOptions so;
    so.threads = o_.threads;
    so.deterministic = true;
    CALIBRA_ASSIGN_OR_RETURN(fp32_session_, Session::create(fp32_, so));
    const auto watch = tensors_to_observe(*fp32_->graph(), layers_);
    // Batches of up to 16 samples when the batch dimension is dynamic (fewer, larger runs).
    // A graph can still pin batch 1 inside (a Reshape to [1, -1]); then the first batched
    // run fails and statistics are gathered one sample at a time instead.
    const auto& in = fp32_->inputs()[0];
    const size_t batch = !in.dims.empty() && in.dims[0] < 0 ? 16 : 1;
    StatsCollector collector(o_.algorithm != "minmax");
    double infer_ms = 0;
    Status st = observe_all(batch, watch, collector, infer_ms);
    if (!st.is_ok() && batch > 1 && st.code() != StatusCode::kCancelled) {
      collector = StatsCollector(o_.algorithm != "minmax");
      infer_ms = 0;
      st = observe_all(1, watch, collector, infer_ms);
    }
    CALIBRA_TRY(st);
    stats_ = collector.stats();
    rep_.non_finite_skipped = collector.non_finite_total();
    rep_.stage_seconds["statistics"] = since(t0);
    rep_.fp32_inference_ms = calib_.empty() ? 0 : infer_ms / static_cast<double>(calib_.size());
    return Status::ok();
  }

  // A layer whose quantized tensors had no finite value on the whole subset (NaN/Inf only:
  // e.g. Sqrt of negatives upstream) has no range to quantize with: it stays FP32, saying so.
  void keep_unmeasured_in_fp32() {
    std::map<std::string, const Node*> nodes;
    for (const auto& n : fp32_->graph()->nodes) nodes[n->name] = n.get();
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& l : layers_) {
        const Node* n = nodes[l.node];
        if (!l.quantize || !n) continue;
        std::vector<std::string> touched = {n->inputs[0], n->outputs[0]};
        if (!l.compute) touched.insert(touched.end(), n->inputs.begin(), n->inputs.end());
        for (const auto& t : touched) {
          auto it = stats_.find(t);
          if (it != stats_.end() && it->second.seen) continue;
          l.quantize = false;
          l.reason = "tensor '" + t + "' had no finite values (only NaN/Inf) on the calibration subset";
          changed = true;
          break;
        }
      }
      if (changed) settle_layers(*fp32_->graph(), layers_);
    }
  }

  // Builds the QDQ graph and the INT8 model from the current decisions.
  Status build(const std::string& stage) {
    auto t0 = clock_type::now();
    QuantizeOptions qo;
    qo.scheme = scheme_;
    qo.algorithm = o_.algorithm;
    qo.percentile = o_.percentile;
    qo.tensor_algorithm = tensor_algorithm_;
    qo.bias_correction = o_.bias_correction;
    CALIBRA_ASSIGN_OR_RETURN(qdq_, quantize_graph(*fp32_->graph(), layers_, stats_, qo));
    ExportOptions eo;
    eo.producer = "calibra";
    eo.doc = "INT8 (QDQ) by calibra calibrate: " + o_.algorithm + ", " + o_.preset + " preset, " +
             std::to_string(scheme_.weight_bits) + "-bit weights";
    CALIBRA_ASSIGN_OR_RETURN(onnx_, export_onnx(*qdq_.graph, eo));
    CALIBRA_ASSIGN_OR_RETURN(int8_, Model::load_bytes(onnx_, "calibrated model"));
    rep_.stage_seconds[stage.empty() ? "quantize" : stage] += since(t0);
    return Status::ok();
  }

  Status measure_layer_errors() {
    auto t0 = clock_type::now();
    // Observe each quantized tensor in both models on a few calibration samples.
    std::vector<std::string> fp_watch, q_watch;
    std::map<std::string, std::string> q_name;  // FP32 name -> name in the INT8 model
    const Graph& qg = *int8_->graph();
    std::set<std::string> present;
    for (const auto& n : qg.nodes)
      for (const auto& o : n->outputs) present.insert(o);
    for (const auto& [t, tq] : qdq_.tensors) {
      // After fusion the quantized tensor is "<t>_quantized" (or the float "<t>").
      std::string qn;
      for (const auto& cand : {t + "_quantized", t})
        if (present.count(cand)) {
          qn = cand;
          break;
        }
      if (qn.empty()) continue;
      fp_watch.push_back(t);
      q_watch.push_back(qn);
      q_name[t] = qn;
    }
    SessionOptions so;
    so.threads = o_.threads;
    so.deterministic = true;
    CALIBRA_ASSIGN_OR_RETURN(auto qs, Session::create(int8_, so));
    std::map<std::string, ErrorAcc> err;
    const size_t n = std::min<size_t>(calib_.size(), 16);
    for (size_t k = 0; k < n; ++k) {
      CALIBRA_ASSIGN_OR_RETURN(Tensor x, sample_tensor(data_, calib_[k], o_.usage, sample_));
      std::map<std::string, std::vector<double>> ref;
      CALIBRA_ASSIGN_OR_RETURN(auto a, fp32_session_->run_observed({x}, fp_watch, [&](const std::string& name, const Tensor& t) {
        ref[name].assign(t.data_as<float>(), t.data_as<float>() + t.numel());
      }));
      std::map<std::string, std::string> back;
      for (const auto& [t, qn] : q_name) back[qn] = t;
      CALIBRA_ASSIGN_OR_RETURN(auto b, qs->run_observed({x}, q_watch, [&](const std::string& name, const Tensor& t) {
        const std::string& fp = back[name];
        std::vector<double> got;
        values_of(t, &qdq_.tensors[fp].param, &got);
        err[fp].add(ref[fp], got);
      }));
      (void)a;
      (void)b;
    }
    layer_error_.clear();
    for (const auto& l : layers_) {
      const Node* node = nullptr;
      for (const auto& nn : fp32_->graph()->nodes)
        if (nn->name == l.node) node = nn.get();
      if (!node || !l.quantize) continue;
      auto it = err.find(node->outputs[0]);
      if (it != err.end()) layer_error_[l.node] = {it->second.sqnr_db(), it->second.cosine()};
    }
    rep_.stage_seconds["layer errors"] += since(t0);
    return Status::ok();
  }

  // Per-layer: INT8 time vs FP32 time on this CPU (profiled, medians of 10 runs).
  // Determinism (docs/RELIABILITY.md): measured on one thread whatever o_.threads is, so the
  // thread setting cannot change the model (with 2 threads on a busy 2-core machine every
  // OpenMP region pays a futex wake-up, and INT8 graphs, having more primitives, paid more:
  // layers flipped to FP32). FP32 and INT8 runs alternate, so a burst of load on the machine
  // lands on both sides of the comparison rather than on one.
  // The speed check's measurements (CalibrateOptions::layer_ms and candidate_faster when
  // given): one sample, one thread, deterministic kernels, alternating runs.
  Result<std::pair<CalibrateOptions::LayerTimes, CalibrateOptions::LayerTimes>> measure_layer_ms() {
    CALIBRA_TRY(warm_up_speed_session(int8_));
    CALIBRA_ASSIGN_OR_RETURN(auto fs, Session::create(fp32_, speed_options()));
    constexpr int kRounds = 12, kWarmup = 2;
    // Per ONNX node, its layer's profiled times after the warm-up rounds.
    using Samples = std::map<std::string, std::vector<double>>;
    const Tensor& x = speed_input_;
    auto profiled = [&x](Session& s, Samples& samples) {
      return [&s, &samples, &x, calls = 0]() mutable -> Status {
        RunProfile p;
        CALIBRA_ASSIGN_OR_RETURN(auto out, s.run_profiled({x}, &p));
        (void)out;
        if (++calls > kWarmup)
          for (const auto& l : p.layers)
            for (const auto& origin : l.origins) samples[origin].push_back(l.ms);
        return Status::ok();
      };
    };
    Samples fp_samples, q_samples;
    CALIBRA_TRY(time_alternating(profiled(*fs, fp_samples), profiled(*speed_int8_, q_samples), kRounds, kWarmup).status());
    auto medians = [](const Samples& samples) {
      CalibrateOptions::LayerTimes med;
      for (const auto& [k, v] : samples) med[k] = median_of(v);
      return med;
    };
    return std::make_pair(medians(fp_samples), medians(q_samples));
  }

  // End to end, the candidate against the INT8 model just profiled (its session is warm).
  Result<bool> measure_candidate_faster(const std::shared_ptr<Model>& current) {
    CALIBRA_TRY(warm_up_speed_session(current));  // made already, unless layer times came from CalibrateOptions::layer_ms
    CALIBRA_ASSIGN_OR_RETURN(auto ns, Session::create(int8_, speed_options()));
    const Tensor& x = speed_input_;
    CALIBRA_ASSIGN_OR_RETURN(AlternatingTimes t, time_alternating([&] { return ns->run({x}).status(); },
                                                                  [&] { return speed_int8_->run({x}).status(); }, 14, 2));
    return median_of(t.a) < median_of(t.b);
  }

  // The speed check's INT8 session and input, made once: the session the layer times
  // warmed is the one the whole-model comparison runs against.
  Status warm_up_speed_session(const std::shared_ptr<Model>& int8) {
    if (speed_int8_) return Status::ok();
    CALIBRA_ASSIGN_OR_RETURN(speed_input_, sample_tensor(data_, calib_[0], o_.usage, sample_));
    CALIBRA_ASSIGN_OR_RETURN(speed_int8_, Session::create(int8, speed_options()));
    return Status::ok();
  }

  static SessionOptions speed_options() {
    SessionOptions so;
    so.threads = 1;
    so.deterministic = true;
    return so;
  }

  Status check_speed() {
    auto t0 = clock_type::now();
    std::pair<CalibrateOptions::LayerTimes, CalibrateOptions::LayerTimes> times;
    if (o_.layer_ms) {
      CALIBRA_ASSIGN_OR_RETURN(times, o_.layer_ms(*fp32_, *int8_));
    } else {
      CALIBRA_ASSIGN_OR_RETURN(times, measure_layer_ms());
    }
    auto& [fp, q] = times;
    std::vector<LayerDecision> before_layers = layers_;
    bool changed = false;
    for (auto& l : layers_) {
      if (!l.compute || !l.quantize || !fp.count(l.node) || !q.count(l.node)) continue;
      // A clear loss only (noise is a few percent): 15% slower and at least 10 us.
      if (q[l.node] > fp[l.node] * 1.15 && q[l.node] - fp[l.node] > 0.01) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "INT8 slower on this CPU (%.3f ms vs %.3f ms in FP32)", q[l.node], fp[l.node]);
        l.quantize = false;
        l.reason = buf;
        changed = true;
      }
    }
    if (changed) {
      // A layer's own time leaves out the Quantize/Dequantize its return to FP32 adds at its
      // boundaries (MobileNetV2 under AVX2: one 1x1 conv 0.03 ms faster in FP32 needed a
      // 0.75 ms Quantize of its 96x112x112 output). Keep the reverts only if the whole model
      // is faster with them.
      QdqGraph before_qdq = std::move(qdq_);
      std::string before_onnx = std::move(onnx_);
      std::shared_ptr<Model> before_int8 = int8_;
      settle_layers(*fp32_->graph(), layers_);
      CALIBRA_TRY(build("speed check"));
      bool faster = false;
      if (o_.candidate_faster) {
        CALIBRA_ASSIGN_OR_RETURN(faster, o_.candidate_faster(*int8_, *before_int8));
      } else {
        CALIBRA_ASSIGN_OR_RETURN(faster, measure_candidate_faster(before_int8));
      }
      if (!faster) {
        layers_ = std::move(before_layers);
        qdq_ = std::move(before_qdq);
        onnx_ = std::move(before_onnx);
        int8_ = std::move(before_int8);
        rep_.speed_check_note = "some layers measured slower in INT8, but the whole model was slower with them in FP32 "
                                "(the quantize/dequantize steps at their boundaries): all kept in INT8";
        changed = false;
      }
    }
    speed_int8_.reset();
    rep_.stage_seconds["speed check"] += since(t0);
    if (changed) CALIBRA_TRY(measure_layer_errors());
    return Status::ok();
  }

  Result<double> accuracy(std::shared_ptr<const Model> m) {
    SubsetDataset v(data_, valid_);
    EvalOptions eo;
    eo.threads = o_.threads;
    eo.batch = 1;
    for (const auto& in : m->inputs())
      if (!in.dims.empty() && in.dims[0] < 0) eo.batch = 50;
    CALIBRA_ASSIGN_OR_RETURN(EvalResult r, evaluate(m, v, o_.usage, eo));
    return r.top1;
  }

  Status accuracy_aware() {
    auto t0 = clock_type::now();
    CALIBRA_ASSIGN_OR_RETURN(double fp_acc, accuracy(fp32_));
    rep_.fp32_top1 = fp_acc;
    auto drop_of = [&](double acc) {
      const double d = (fp_acc - acc) * 100.0;  // percentage points
      return o_.drop_relative ? (fp_acc > 0 ? d / fp_acc : 0) : d;
    };
    CALIBRA_ASSIGN_OR_RETURN(double acc, accuracy(int8_));
    rep_.accuracy_steps.push_back({"default", acc});
    std::set<std::string> tried;
    while (drop_of(acc) > *o_.max_drop) {
      if (!progress("accuracy-aware", tried.size(), layers_.size())) return Status::cancelled("calibration cancelled");
      // The quantized compute layer with the worst output error not handled yet.
      std::string worst;
      double worst_sqnr = 1e300;
      for (const auto& l : layers_)
        if (l.compute && l.quantize && !tried.count(l.node)) {
          auto it = layer_error_.find(l.node);
          const double sq = it == layer_error_.end() ? 1e200 : it->second.first;
          if (sq < worst_sqnr) {
            worst_sqnr = sq;
            worst = l.node;
          }
        }
      if (worst.empty()) break;  // nothing left to revert
      tried.insert(worst);
      // First: other range algorithms for the layer's input.
      const Node* node = nullptr;
      for (const auto& nn : fp32_->graph()->nodes)
        if (nn->name == worst) node = nn.get();
      const std::string input = node->inputs[0];
      const auto saved_alg = tensor_algorithm_;
      double best = acc;
      std::string best_alg;
      for (const char* alg : {"minmax", "percentile", "kl", "mse"}) {
        if (alg == o_.algorithm || !stats_.count(input) || (std::string(alg) != "minmax" && o_.algorithm == "minmax")) continue;
        tensor_algorithm_[input] = alg;
        CALIBRA_TRY(build("accuracy-aware"));
        CALIBRA_ASSIGN_OR_RETURN(double a, accuracy(int8_));
        if (a > best) {
          best = a;
          best_alg = alg;
        }
      }
      tensor_algorithm_ = saved_alg;
      if (!best_alg.empty()) {
        tensor_algorithm_[input] = best_alg;
        acc = best;
        rep_.accuracy_steps.push_back({"range " + best_alg + " for the input of '" + worst + "'", acc});
        if (drop_of(acc) <= *o_.max_drop) break;
      }
      // Then: back to FP32.
      for (auto& l : layers_)
        if (l.node == worst) {
          l.quantize = false;
          char buf[128];
          std::snprintf(buf, sizeof buf, "returned to FP32 by accuracy-aware mode (output SQNR %.1f dB)", worst_sqnr);
          l.reason = buf;
        }
      settle_layers(*fp32_->graph(), layers_);
      CALIBRA_TRY(build("accuracy-aware"));
      CALIBRA_ASSIGN_OR_RETURN(acc, accuracy(int8_));
      rep_.accuracy_steps.push_back({"revert '" + worst + "' to FP32", acc});
    }
    CALIBRA_TRY(build("accuracy-aware"));
    CALIBRA_TRY(measure_layer_errors());
    rep_.int8_top1 = acc;
    rep_.stage_seconds["accuracy-aware"] += since(t0);
    return Status::ok();
  }

  void fill_report() {
    rep_.model = path_;
    rep_.dataset = data_.info().spec;
    rep_.algorithm = o_.algorithm;
    rep_.preset = o_.preset;
    rep_.isa = scheme_.isa;
    rep_.weight_bits = scheme_.weight_bits;
    rep_.per_channel_weights = scheme_.per_channel_weights;
    rep_.bias_correction = o_.bias_correction;
    rep_.usage = o_.usage;
    for (const auto& [t, tq] : qdq_.tensors) {
      TensorReport tr;
      tr.name = t;
      tr.algorithm = tq.range.algorithm;
      tr.min = tq.min;
      tr.max = tq.max;
      tr.lo = tq.range.lo;
      tr.hi = tq.range.hi;
      tr.scale = tq.param.s();
      tr.zero_point = tq.param.zp();
      tr.dtype = tq.param.dtype == DType::kU8 ? "u8" : "s8";
      rep_.tensors.push_back(tr);
    }
    for (const auto& l : layers_) {
      LayerReport lr;
      lr.node = l.node;
      lr.op = l.op;
      lr.reason = l.reason;
      lr.precision = "FP32";
      if (l.quantize) {
        const Node* node = nullptr;
        for (const auto& nn : fp32_->graph()->nodes)
          if (nn->name == l.node) node = nn.get();
        auto it = node ? qdq_.tensors.find(l.compute ? node->inputs[0] : node->outputs[0]) : qdq_.tensors.end();
        lr.precision = it != qdq_.tensors.end() && it->second.param.dtype == DType::kI8 ? "I8" : "U8";
      }
      auto w = qdq_.weights.find(l.node);
      if (w != qdq_.weights.end())
        lr.weights = "s8 " + std::string(w->second.scale.size() > 1 ? "per-channel" : "per-tensor") + ", " +
                     std::to_string(scheme_.weight_bits) + "-bit";
      auto e = layer_error_.find(l.node);
      if (e != layer_error_.end()) {
        lr.measured = true;
        lr.sqnr_db = e->second.first;
        lr.cosine = e->second.second;
      }
      rep_.layers.push_back(lr);
    }
  }

  std::string path_;
  const Dataset& data_;
  CalibrateOptions o_;
  std::shared_ptr<Model> fp32_, int8_;
  std::unique_ptr<Session> fp32_session_;
  std::unique_ptr<Session> speed_int8_;  // the speed check's warm INT8 session, and its input
  Tensor speed_input_;
  Shape sample_;
  QuantScheme scheme_;
  std::vector<LayerDecision> layers_;
  std::vector<size_t> calib_, valid_;
  std::map<std::string, TensorStats> stats_;
  std::map<std::string, std::string> tensor_algorithm_;
  QdqGraph qdq_;
  std::string onnx_;
  std::map<std::string, std::pair<double, double>> layer_error_;
  CalibrationReport rep_;
  clock_type::time_point last_progress_;
};

}  // namespace

Result<CalibrationResult> calibrate(const std::string& model_path, const Dataset& data, const CalibrateOptions& opts) {
  Calibrator c(model_path, data, opts);
  return c.run();
}

}  // namespace calibra
