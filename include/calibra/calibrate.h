// INT8 calibration: an FP32 model and a dataset in, a standard QDQ ONNX model and a report
// out (`calibra calibrate`). See docs/QUANTIZATION.md for the whole procedure.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calibra/dataset.h"
#include "calibra/model.h"
#include "calibra/usage.h"

namespace calibra {

struct CalibrateOptions {
  size_t subset = 300;          // samples for statistics
  double subset_percent = 0;    // > 0: that share of the dataset instead
  uint64_t seed = 0;
  std::string algorithm = "percentile";  // minmax | percentile | kl | mse | auto
  double percentile = 99.99;
  std::string preset = "performance";  // performance | mixed
  bool per_tensor_weights = false;
  int weight_bits = 0;          // 0: 7 without VNNI, 8 with it
  bool bias_correction = true;
  std::vector<std::string> ignore;  // node names or op types kept in FP32
  int threads = 0;
  bool speed_check = true;      // keep layers in FP32 where INT8 measures slower
  // Accuracy-aware mode: the largest accepted top-1 drop (percentage points when absolute,
  // percent of the FP32 accuracy when relative), measured on a validation subset distinct
  // from the calibration subset.
  std::optional<double> max_drop;
  bool drop_relative = false;
  size_t validation_subset = 1000;
  ModelUsage usage;
  // The speed check's measurements, replaceable so that tests can drive its decisions with
  // chosen times; empty: measured on this CPU (one sample, one thread, alternating runs).
  // layer_ms: per ONNX node, its layer's median time in each model (FP32, INT8);
  // candidate_faster: whether `candidate` (the INT8 model with the slower layers back in
  // FP32) runs faster end to end than `current`.
  using LayerTimes = std::map<std::string, double>;
  std::function<Result<std::pair<LayerTimes, LayerTimes>>(const Model& fp32, const Model& int8)> layer_ms;
  std::function<Result<bool>(const Model& candidate, const Model& current)> candidate_faster;
  // (stage, done, total) about 4 times a second; return false to cancel.
  std::function<bool(const std::string& stage, size_t done, size_t total)> progress;
};

struct TensorReport {
  std::string name, algorithm, dtype;
  double min = 0, max = 0, lo = 0, hi = 0;
  float scale = 0;
  int32_t zero_point = 0;
};

struct LayerReport {
  std::string node, op;
  std::string precision;  // U8 / I8 / FP32
  std::string reason;     // why FP32
  std::string weights;    // weight quantization summary
  double sqnr_db = 0, cosine = 0;  // output error vs FP32 on calibration samples (quantized layers)
  bool measured = false;
};

struct AccuracyStep {
  std::string action;  // "default", "range mse for 'x'", "revert 'conv3' to FP32"
  double top1 = 0;
};

struct CalibrationReport {
  std::string model, dataset, algorithm, preset, isa;
  int weight_bits = 8;
  bool per_channel_weights = true, bias_correction = true;
  size_t subset = 0, validation_samples = 0;
  uint64_t non_finite_skipped = 0;
  std::string speed_check_note;  // set when the per-layer speed verdicts were overruled
  std::vector<TensorReport> tensors;
  std::vector<LayerReport> layers;
  std::vector<AccuracyStep> accuracy_steps;
  std::optional<double> fp32_top1, int8_top1;
  std::map<std::string, double> stage_seconds;
  double fp32_inference_ms = 0;  // per sample, measured during statistics (for cost ratios)
  long peak_rss_kb = 0;
  ModelUsage usage;
};

struct CalibrationResult {
  std::string onnx;  // the QDQ model
  CalibrationReport report;
};

// Refuses, with a message and a way out: non-FP32 models, generated datasets, models
// without a quantizable layer, datasets that cannot feed the model, accuracy-aware mode
// without labels.
Result<CalibrationResult> calibrate(const std::string& model_path, const Dataset& data, const CalibrateOptions& opts);

}  // namespace calibra
