// Throughput/latency benchmark: warm-up, then `streams` inference requests in flight at
// once (OpenVINO's throughput mode), each with threads/streams threads, for a duration or
// an iteration count.
#pragma once

#include <functional>
#include <memory>

#include "calibra/model.h"
#include "calibra/session.h"

namespace calibra {

struct BenchOptions {
  int64_t batch = 1;
  int threads = 0;     // total; 0 = all cores
  int streams = 1;
  double seconds = 0;  // measure for this long (default 5 s when iterations is 0 too)
  int64_t iterations = 0;
  int warmup = 2;      // runs per stream before measuring
  uint64_t seed = 0;
  bool use_dnnl = true;
  // Called about 4 times a second with the fraction done; return false to cancel.
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
};

Result<BenchResult> run_benchmark(std::shared_ptr<const Model> model, const BenchOptions& opts);

// Order statistics of a sample (sorted copy; nearest-rank percentiles).
LatencyStats latency_stats(std::vector<double> ms);

}  // namespace calibra
