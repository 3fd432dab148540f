#include "app/json.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/file_util.h"

namespace calibra::app {

json to_json(const TensorSpec& s) {
  json dims = json::array();
  for (size_t i = 0; i < s.dims.size(); ++i) {
    if (s.dims[i] >= 0) dims.push_back(s.dims[i]);
    else dims.push_back(s.dim_names[i].empty() ? "?" : s.dim_names[i]);
  }
  return {{"name", s.name}, {"dtype", dtype_name(s.dtype)}, {"shape", s.has_shape ? dims : json()}};
}

json to_json(const ModelInfo& m) {
  json j;
  j["path"] = m.path;
  j["file_bytes"] = m.file_bytes;
  j["producer"] = m.producer;
  j["opset"] = m.opset;
  j["inputs"] = json::array();
  for (const auto& s : m.inputs) j["inputs"].push_back(to_json(s));
  j["outputs"] = json::array();
  for (const auto& s : m.outputs) j["outputs"].push_back(to_json(s));
  j["dynamic_batch"] = m.dynamic_batch;
  j["nodes"] = m.nodes;
  j["op_histogram"] = m.op_histogram;
  j["parameters"] = m.parameters;
  j["parameter_bytes"] = m.parameter_bytes;
  j["gflops"] = m.gflops;
  j["flops_complete"] = m.flops_complete;
  j["precision"] = m.precision;
  j["runnable"] = m.runnable;
  j["unsupported"] = m.unsupported;
  j["quantizable_layers"] = m.quantizable_layers;
  j["int8"] = {{"possible", m.int8_possible}, {"reason", m.int8_reason}};
  j["layers_by_precision"] = m.layers_by_precision;
  j["layers"] = json::array();
  for (const auto& l : m.layers) j["layers"].push_back({{"name", l.name}, {"op", l.op}, {"precision", l.precision}});
  return j;
}

json to_json(const BenchResult& b) {
  json j;
  j["batch"] = b.batch;
  j["threads"] = b.threads;
  j["streams"] = b.streams;
  j["threads_per_stream"] = b.threads_per_stream;
  j["iterations"] = b.iterations;
  j["duration_s"] = b.duration_s;
  j["latency_ms"] = {{"min", b.latency_ms.min},   {"mean", b.latency_ms.mean}, {"median", b.latency_ms.median},
                     {"p90", b.latency_ms.p90},   {"p99", b.latency_ms.p99},   {"max", b.latency_ms.max}};
  j["throughput_fps"] = b.throughput_fps;
  j["memory"] = {{"activation_arena_bytes", b.plan.arena_bytes},
                 {"largest_live_set_bytes", b.plan.live_peak_bytes},
                 {"scratchpad_bytes", b.plan.scratchpad_bytes}};
  j["plan"] = {{"steps", b.plan.steps}, {"reorders", b.plan.reorders}, {"conv_layout", b.plan.conv_layout}};
  return j;
}

json to_json(const InferenceSettings& s) {
  return {{"batch", s.batch},     {"threads", s.threads},       {"streams", s.streams},
          {"seconds", s.seconds}, {"iterations", s.iterations}, {"warmup", s.warmup}};
}

json to_json(const SweepResult& r) {
  json j;
  j["points"] = json::array();
  for (const auto& p : r.points) j["points"].push_back(to_json(p));
  j["best"] = r.best >= 0 ? json(r.best) : json();
  j["max_latency_ms"] = r.max_latency_ms > 0 ? json(r.max_latency_ms) : json();
  return j;
}

json to_json(const ModelUsage& u) {
  const PreprocessConfig& p = u.preprocessing;
  json resize = {{"mode", p.resize.mode}};
  if (p.resize.mode == "exact") resize["height"] = p.resize.height, resize["width"] = p.resize.width;
  if (p.resize.mode == "shorter") resize["size"] = p.resize.size;
  if (p.resize.mode != "none") resize["interpolation"] = p.resize.interpolation;
  json crop = p.crop_height > 0 ? json{{"height", p.crop_height}, {"width", p.crop_width}} : json();
  return {{"task", u.task},
          {"preprocessing",
           {{"color", p.color}, {"resize", resize}, {"crop", crop}, {"divide", p.divide}, {"mean", p.mean},
            {"std", p.std}, {"layout", p.layout}}},
          {"label_offset", u.label_offset},
          {"metrics", u.metrics}};
}

json to_json(const DatasetInfo& d) {
  json j = {{"spec", d.spec},     {"kind", dataset_kind_name(d.kind)}, {"description", d.description},
            {"size", d.size},     {"annotated", d.annotated},          {"num_classes", d.num_classes},
            {"generated", d.generated}, {"skipped", d.skipped}};
  if (d.height > 0) j["image"] = {{"height", d.height}, {"width", d.width}, {"channels", d.channels}};
  if (!d.skipped_examples.empty()) j["skipped_examples"] = d.skipped_examples;
  return j;
}

json to_json(const EvalResult& r) {
  json j;
  j["samples"] = r.samples;
  j["annotated"] = r.annotated;
  if (r.annotated) {
    j["top1"] = r.top1;
    j["top5"] = r.top5;
    j["correct_top1"] = r.correct_top1;
    j["correct_top5"] = r.correct_top5;
  } else {
    j["top1"] = nullptr;
    j["top5"] = nullptr;
  }
  j["classes"] = r.classes;
  j["seconds"] = r.seconds;
  j["samples_per_second"] = r.samples_per_second;
  j["usage"] = to_json(r.usage);
  j["usage_source"] = r.usage.source;
  j["dataset"] = to_json(r.dataset);
  return j;
}

json to_json(const CalibrationReport& r) {
  json j;
  j["model"] = r.model;
  j["dataset"] = r.dataset;
  j["scheme"] = {{"algorithm", r.algorithm},
                 {"preset", r.preset},
                 {"isa", r.isa},
                 {"weight_bits", r.weight_bits},
                 {"per_channel_weights", r.per_channel_weights},
                 {"bias_correction", r.bias_correction}};
  j["subset"] = r.subset;
  j["validation_samples"] = r.validation_samples;
  j["non_finite_values_skipped"] = r.non_finite_skipped;
  if (!r.speed_check_note.empty()) j["speed_check_note"] = r.speed_check_note;
  j["usage"] = to_json(r.usage);
  j["tensors"] = json::array();
  for (const auto& t : r.tensors)
    j["tensors"].push_back({{"name", t.name},   {"algorithm", t.algorithm}, {"observed", {t.min, t.max}},
                            {"range", {t.lo, t.hi}}, {"dtype", t.dtype},   {"scale", t.scale},
                            {"zero_point", t.zero_point}});
  j["layers"] = json::array();
  int counts[3] = {0, 0, 0};
  for (const auto& l : r.layers) {
    json lj = {{"node", l.node}, {"op", l.op}, {"precision", l.precision}};
    if (!l.reason.empty()) lj["reason"] = l.reason;
    if (!l.weights.empty()) lj["weights"] = l.weights;
    if (l.measured) lj["error_vs_fp32"] = {{"sqnr_db", l.sqnr_db}, {"cosine", l.cosine}};
    j["layers"].push_back(lj);
    counts[l.precision == "U8" ? 0 : l.precision == "I8" ? 1 : 2]++;
  }
  j["layer_counts"] = {{"U8", counts[0]}, {"I8", counts[1]}, {"FP32", counts[2]}};
  if (!r.accuracy_steps.empty()) {
    j["accuracy_aware"] = json::array();
    for (const auto& s : r.accuracy_steps) j["accuracy_aware"].push_back({{"step", s.action}, {"top1", s.top1}});
  }
  if (r.fp32_top1) j["fp32_top1"] = *r.fp32_top1;
  if (r.int8_top1) j["int8_top1"] = *r.int8_top1;
  j["stage_seconds"] = r.stage_seconds;
  j["fp32_inference_ms"] = r.fp32_inference_ms;
  j["peak_rss_kb"] = r.peak_rss_kb;
  return j;
}

json to_json(const ModelProfile& p) {
  json j;
  j["runs"] = p.runs;
  j["total_ms"] = p.total_ms;
  j["layers_ms"] = p.layers_ms;
  j["unprofiled_ms"] = p.unprofiled_ms;
  j["profiling_overhead"] = p.overhead;
  j["by_precision_ms"] = p.by_precision;
  j["by_op_ms"] = p.by_op;
  j["layers_by_precision"] = p.layers_by_precision;
  j["layers"] = json::array();
  for (const auto& r : p.rows) {
    const LayerProfile& l = r.layer;
    json shape = json::array();
    for (int64_t d : l.shape) shape.push_back(d);
    j["layers"].push_back({{"name", l.name},         {"op", l.op_type},     {"origins", l.origins},
                           {"precision", l.precision}, {"impl", l.impl},     {"layout", l.layout},
                           {"shape", shape},           {"ms", l.ms},         {"share", r.share}});
  }
  return j;
}

namespace {

json to_json(const CompareSide& s) {
  json j;
  j["path"] = s.path;
  j["precision"] = s.precision;
  j["file_bytes"] = s.file_bytes;
  j["weight_bytes"] = s.weight_bytes;
  j["memory_bytes"] = s.memory_bytes;
  j["accuracy"] = s.top1 ? json{{"top1", *s.top1}, {"top5", s.top5 ? json(*s.top5) : json()}} : json();
  j["speed"] = app::to_json(s.speed);
  j["layers_by_precision"] = s.layers_by_precision;
  j["profile"] = {{"runs", s.profile.runs},
                  {"total_ms", s.profile.total_ms},
                  {"unprofiled_ms", s.profile.unprofiled_ms},
                  {"by_precision_ms", s.profile.by_precision},
                  {"by_op_ms", s.profile.by_op}};
  return j;
}

json to_json(const std::optional<LayerSide>& s) {
  if (!s) return json();
  return {{"steps", s->steps}, {"op", s->op}, {"precision", s->precision}, {"impl", s->impl}, {"ms", s->ms}};
}

json opt(const std::optional<double>& v) { return v ? json(*v) : json(); }

}  // namespace

json to_json(const CompareResult& r) {
  json j;
  j["schema"] = "calibra.compare/1";
  j["a"] = to_json(r.a);
  j["b"] = to_json(r.b);
  j["settings"] = to_json(r.settings);
  j["rounds"] = r.rounds;
  j["dataset"] = r.dataset ? to_json(*r.dataset) : json();
  j["usage"] = to_json(r.usage);
  j["annotated"] = r.annotated;
  j["accuracy"] = r.top1_drop ? json{{"top1_drop", *r.top1_drop}, {"top5_drop", opt(r.top5_drop)}} : json();
  j["ratios"] = {{"throughput", r.throughput_ratio}, {"latency", r.latency_ratio}, {"size", r.size_ratio}};
  j["error_samples"] = r.error_samples;
  j["layers"] = json::array();
  for (const auto& l : r.layers)
    j["layers"].push_back({{"nodes", l.nodes},         {"op", l.op},         {"a", to_json(l.a)},
                           {"b", to_json(l.b)},         {"delta_ms", l.delta_ms()}, {"output", l.output},
                           {"sqnr_db", opt(l.sqnr_db)}, {"cosine", opt(l.cosine)},  {"note", l.note}});
  if (r.predictions) {
    const PredictionDiff& d = *r.predictions;
    json p = {{"samples", d.samples}, {"changed", d.changed}, {"fixed", d.fixed}, {"broken", d.broken},
              {"mean_mse", d.mean_mse}, {"max_mse", d.max_mse}, {"mse", d.mse}};
    p["changes"] = json::array();
    for (const auto& c : d.changes)
      p["changes"].push_back({{"index", c.index},   {"source", c.source}, {"label", c.label >= 0 ? json(c.label) : json()},
                              {"pred_a", c.pred_a}, {"pred_b", c.pred_b}, {"mse", c.mse}});
    j["predictions"] = std::move(p);
  } else {
    j["predictions"] = json();
  }
  return j;
}

namespace {

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};

// Whether a JSON value converts to T without overflow: nlohmann's get<T> converts numbers
// with a plain cast, and an out-of-range one (1e30 into an int, 1e300 into a float) is UB.
template <typename T>
bool fits(const json& v) {
  if constexpr (is_vector<T>::value) {
    if (v.is_array())
      for (const auto& e : v)
        if (!fits<typename T::value_type>(e)) return false;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (v.is_number_float()) return std::abs(v.get<double>()) <= static_cast<double>(std::numeric_limits<T>::max());
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using L = std::numeric_limits<T>;
    const double top = std::ldexp(1.0, L::digits);  // 2^63 for int64_t: the first value out of range
    if (v.is_number_float()) return v.get<double>() >= (L::is_signed ? -top : 0.0) && v.get<double>() < top;
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(L::max());
    if (v.is_number_integer())
      return v.get<int64_t>() >= 0 ? static_cast<uint64_t>(v.get<int64_t>()) <= static_cast<uint64_t>(L::max())
                                   : L::is_signed && v.get<int64_t>() >= static_cast<int64_t>(L::lowest());
  }
  return true;
}

// Small typed readers that name the field on error.
struct Reader {
  const json& j;
  std::string path;
  Status error;

  bool has(const char* k) const { return j.is_object() && j.contains(k) && !j.at(k).is_null(); }
  template <typename T>
  void get(const char* k, T* out) {
    if (!error.is_ok() || !has(k)) return;
    if (!fits<T>(j.at(k))) {
      error = Status::invalid_argument(path + k + ": the number is out of range");
      return;
    }
    try {
      *out = j.at(k).get<T>();
    } catch (const json::exception&) {
      error = Status::invalid_argument(path + k + ": has the wrong type");
    }
  }
};

}  // namespace

Result<ModelUsage> usage_from_json(const json& j) {
  if (!j.is_object()) return Status::invalid_argument("the model usage config must be a JSON object");
  ModelUsage u;
  Reader top{j, "", {}};
  top.get("task", &u.task);
  top.get("label_offset", &u.label_offset);
  top.get("metrics", &u.metrics);
  CALIBRA_TRY(top.error);
  for (const auto& [k, v] : j.items())
    if (k != "task" && k != "label_offset" && k != "metrics" && k != "preprocessing")
      return Status::invalid_argument("unknown field '" + k + "' (task, preprocessing, label_offset, metrics)");
  if (top.has("preprocessing")) {
    const json& pj = j.at("preprocessing");
    if (!pj.is_object()) return Status::invalid_argument("preprocessing: must be an object");
    PreprocessConfig& p = u.preprocessing;
    Reader r{pj, "preprocessing.", {}};
    r.get("color", &p.color);
    r.get("divide", &p.divide);
    r.get("mean", &p.mean);
    r.get("std", &p.std);
    r.get("layout", &p.layout);
    CALIBRA_TRY(r.error);
    for (const auto& [k, v] : pj.items())
      if (k != "color" && k != "divide" && k != "mean" && k != "std" && k != "layout" && k != "resize" && k != "crop")
        return Status::invalid_argument("preprocessing." + k + ": unknown field");
    if (r.has("resize")) {
      Reader rr{pj.at("resize"), "preprocessing.resize.", {}};
      rr.get("mode", &p.resize.mode);
      rr.get("height", &p.resize.height);
      rr.get("width", &p.resize.width);
      rr.get("size", &p.resize.size);
      rr.get("interpolation", &p.resize.interpolation);
      CALIBRA_TRY(rr.error);
      if (p.resize.interpolation != "bilinear" && p.resize.interpolation != "nearest")
        return Status::invalid_argument("preprocessing.resize.interpolation: bilinear or nearest");
    }
    if (r.has("crop")) {
      Reader cr{pj.at("crop"), "preprocessing.crop.", {}};
      cr.get("height", &p.crop_height);
      cr.get("width", &p.crop_width);
      CALIBRA_TRY(cr.error);
    }
  }
  u.source = "config";
  return u;
}

Result<InferenceSettings> settings_from_json(const json& j, InferenceSettings s) {
  if (!j.is_object()) return Status::invalid_argument("inference settings must be a JSON object");
  Reader r{j, "", {}};
  r.get("batch", &s.batch);
  r.get("threads", &s.threads);
  r.get("streams", &s.streams);
  r.get("seconds", &s.seconds);
  r.get("iterations", &s.iterations);
  r.get("warmup", &s.warmup);
  CALIBRA_TRY(r.error);
  for (const auto& [k, v] : j.items())
    if (k != "batch" && k != "threads" && k != "streams" && k != "seconds" && k != "iterations" && k != "warmup")
      return Status::invalid_argument("unknown field '" + k + "' (batch, threads, streams, seconds, iterations, warmup)");
  return s;
}

Result<json> load_json_file(const std::string& path, const std::string& what) {
  CALIBRA_ASSIGN_OR_RETURN(std::string text, read_file(path, size_t(1) << 20));
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    return Status::invalid_argument(what + " '" + path + "' is not valid JSON (" + std::string(e.what()) + ")");
  }
}

Result<InferenceSettings> load_settings(const std::string& path, const InferenceSettings& defaults) {
  CALIBRA_ASSIGN_OR_RETURN(json j, load_json_file(path, "inference settings"));
  auto s = settings_from_json(j, defaults);
  if (!s.is_ok()) return s.status().with_context("inference settings '" + path + "'");
  return s;
}

Result<ModelUsage> load_usage(const std::string& path) {
  CALIBRA_ASSIGN_OR_RETURN(json j, load_json_file(path, "model usage config"));
  auto u = usage_from_json(j);
  if (!u.is_ok()) return u.status().with_context("model usage config '" + path + "'");
  u->source = path;
  return u;
}

}  // namespace calibra::app
