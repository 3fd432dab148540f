// Side-by-side comparison of two models with the same inputs (`calibra compare`, the
// workbench's last step): FP32 vs INT8, two INT8 calibrations, Calibra's INT8 vs another
// tool's QDQ model.
//
// Both models run under the same inference settings, their timing slices alternating
// (A B A B ...) so machine noise falls on both. The report has accuracy and the drop (with
// an annotated dataset), throughput and latency and their ratios, size on disk, runtime
// memory, layers per runtime precision; a per-layer table joined by ONNX node name (runtime
// precision, time in each, and the error of B's layer output against A's); and, with a
// dataset, which samples changed their top-1 prediction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calibra/bench.h"
#include "calibra/dataset.h"
#include "calibra/profile.h"
#include "calibra/usage.h"

namespace calibra {

struct CompareOptions {
  BenchOptions speed;     // settings for both; seconds/iterations are per model (default 5 s)
  int rounds = 4;         // alternating timing slices per model
  int profile_runs = 20;  // per-layer times: medians over this many profiled runs
  // With a dataset: preprocessing and metrics, the same for both models (see usage.h).
  ModelUsage usage;
  size_t limit = 0;           // evaluate the first N samples (0: all)
  int loader_threads = 1;
  // Layer outputs are compared on this many inputs: the first dataset samples, or seeded
  // random inputs without a dataset.
  size_t error_samples = 16;
  // (stage, fraction of that stage) about 4 times a second; return false to cancel.
  std::function<bool(const std::string& stage, double fraction)> progress;
};

struct CompareSide {
  std::string path;
  std::string precision;          // "FP32", "INT8 (QDQ)", ... (as `calibra info` says)
  uint64_t file_bytes = 0;        // the model file on disk
  uint64_t weight_bytes = 0;      // constants the runtime holds after optimisation
  uint64_t memory_bytes = 0;      // weights + streams x (activations + scratchpad)
  std::optional<double> top1, top5;
  BenchResult speed;              // pooled over the rounds
  ModelProfile profile;
  std::map<std::string, int> layers_by_precision;  // U8 / I8 / FP32 compute layers
};

// One executed step (or fused group of steps) of one model in a layer row.
struct LayerSide {
  std::vector<std::string> steps;  // step names (usually one)
  std::string op;                  // op type of the step
  std::string precision;           // U8 / I8 / FP32 ("U8+FP32" when the steps differ)
  std::string impl;
  double ms = 0;                   // median time, summed over the steps
};

struct LayerRow {
  std::vector<std::string> nodes;  // ONNX node names joined in this row (Q/DQ nodes left out)
  std::string op;                  // op type of the first node
  std::optional<LayerSide> a, b;   // absent: the layer exists in only one model
  std::string output;              // the ONNX value whose error is given
  std::optional<double> sqnr_db, cosine;  // B's output vs A's over error_samples inputs
  std::string note;                // why there is no error figure
  double delta_ms() const { return (b ? b->ms : 0) - (a ? a->ms : 0); }
};

struct SampleChange {
  size_t index = 0;
  std::string source;  // file name / sample id
  int64_t label = -1;  // -1: not annotated
  int32_t pred_a = -1, pred_b = -1;
  double mse = 0;      // of B's output row against A's
};

struct PredictionDiff {
  size_t samples = 0;
  size_t changed = 0;
  size_t fixed = 0;   // A wrong, B right
  size_t broken = 0;  // A right, B wrong
  std::vector<SampleChange> changes;  // every sample whose top-1 changed, in dataset order
  std::vector<double> mse;            // every sample's output MSE, B vs A
  double mean_mse = 0, max_mse = 0;
};

struct CompareResult {
  CompareSide a, b;
  InferenceSettings settings;
  int rounds = 0;
  std::optional<DatasetInfo> dataset;
  ModelUsage usage;
  bool annotated = false;
  std::optional<double> top1_drop, top5_drop;  // A - B (fractions)
  double throughput_ratio = 0;  // B / A
  double latency_ratio = 0;     // A median / B median (> 1: B answers faster)
  double size_ratio = 0;        // A file / B file
  std::vector<LayerRow> layers; // A's execution order, B-only rows where B runs them
  size_t error_samples = 0;
  std::optional<PredictionDiff> predictions;
};

// `data` may be null (speed, size and per-layer error on random inputs only).
Result<CompareResult> compare_models(const std::string& a, const std::string& b, const Dataset* data,
                                     const CompareOptions& opts);

}  // namespace calibra
