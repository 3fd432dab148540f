// Throughput/latency benchmark: warm-up, then `streams` inference requests in flight at
// once (OpenVINO's throughput mode), each with threads/streams threads, for a duration or
// an iteration count.
#pragma once

#include <functional>
#include <memory>

#include "calibra/model.h"
#include "calibra/session.h"

namespace calibra {

// Inference settings: one object for every command and job that runs a model for speed
// (bench, sweep points, compare, the workbench's "configure inference" step).
struct InferenceSettings {
  int64_t batch = 1;
  int threads = 0;     // total; 0 = all cores
  int streams = 1;     // inference requests in flight at once, each with threads/streams threads
  double seconds = 0;  // measure for this long (default 5 s when iterations is 0 too)
  int64_t iterations = 0;
  int warmup = 2;      // runs per stream before measuring
};

// Checks settings against this machine and a model: batch >= 1 and one the model's inputs
// accept (a fixed batch dimension takes only its own value), 1 <= streams <= threads, threads
// no more than the cores (OpenMP threads beyond the cores spin against each other and the
// numbers mean nothing), non-negative time and iterations. Errors say what to use instead.
Status validate_settings(const InferenceSettings& s, const Model& model);

struct BenchOptions : InferenceSettings {
  uint64_t seed = 0;
  bool use_dnnl = true;
  // Called about 4 times a second with the fraction done; return false to cancel (the
  // benchmark then returns a kCancelled status).
  std::function<bool(double fraction)> progress;
};

struct LatencyStats {
  double min = 0, mean = 0, median = 0, p90 = 0, p99 = 0, max = 0;
};

struct BenchResult {
  int64_t batch = 1;
  int threads = 0, streams = 1, threads_per_stream = 1;
  int64_t iterations = 0;     // completed inference requests
  double duration_s = 0;
  LatencyStats latency_ms;
  double throughput_fps = 0;  // samples per second (iterations * batch / duration)
  PlanStats plan;
  std::vector<double> latencies_ms;  // every request, per stream in completion order
};

Result<BenchResult> run_benchmark(std::shared_ptr<const Model> model, const BenchOptions& opts);
// The same on an existing session and inputs (the session's threads are the per-stream
// threads; `opts.threads` is the total). Used to alternate two models without re-planning.
Result<BenchResult> run_benchmark(Session& session, const std::vector<Tensor>& inputs, const BenchOptions& opts);
// Two measurements of the same configuration as one (latencies pooled, throughput over
// the summed duration).
BenchResult merge_bench(const BenchResult& a, const BenchResult& b);

// Dense sweep over batch x streams (DL Workbench's "group inference"): one benchmark per
// point, and the point with the best throughput whose median latency is within the bound.
struct SweepOptions {
  BenchOptions base;               // threads, seconds/iterations per point, warm-up, seed
  std::vector<int64_t> batches = {1, 2, 4, 8, 16};
  std::vector<int> streams;        // empty: 1 .. threads
  double max_latency_ms = 0;       // 0: no bound
  // (points done, points total); return false to cancel.
  std::function<bool(size_t done, size_t total)> progress;
};

struct SweepResult {
  std::vector<BenchResult> points;  // batch-major order
  int best = -1;                    // index of the sweet spot, -1 when no point meets the bound
  double max_latency_ms = 0;
};

Result<SweepResult> run_sweep(std::shared_ptr<const Model> model, const SweepOptions& opts);

// Order statistics of a sample (sorted copy; nearest-rank percentiles).
LatencyStats latency_stats(std::vector<double> ms);

}  // namespace calibra
