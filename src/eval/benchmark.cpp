#include <omp.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

#include "calibra/bench.h"

namespace calibra {

LatencyStats latency_stats(std::vector<double> ms) {
  LatencyStats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(ms.size())));
    return ms[std::min(ms.size() - 1, k == 0 ? 0 : k - 1)];
  };
  s.min = ms.front();
  s.max = ms.back();
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  s.median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  s.p90 = pct(90);
  s.p99 = pct(99);
  return s;
}

Result<BenchResult> run_benchmark(std::shared_ptr<const Model> model, const BenchOptions& opts) {
  if (opts.batch < 1) return Status::invalid_argument("batch must be at least 1");
  if (opts.streams < 1) return Status::invalid_argument("streams must be at least 1");
  const int cores = omp_get_num_procs();
  const int threads = opts.threads > 0 ? opts.threads : cores;
  if (opts.streams > 64) return Status::invalid_argument("streams must be at most 64");
  if (opts.seconds < 0 || opts.iterations < 0) return Status::invalid_argument("time and iterations must be positive");
  for (const auto& in : model->inputs())
    if (!in.dims.empty() && in.dims[0] >= 0 && in.dims[0] != opts.batch)
      return Status::invalid_argument("the model's input '" + in.name + "' has a fixed batch of " +
                                      std::to_string(in.dims[0]) + "; use --batch " + std::to_string(in.dims[0]) +
                                      " (or export the model with a dynamic batch dimension)");
  BenchResult r;
  r.batch = opts.batch;
  r.threads = threads;
  r.streams = opts.streams;
  r.threads_per_stream = std::max(1, threads / opts.streams);
  SessionOptions so;
  so.threads = r.threads_per_stream;
  so.use_dnnl = opts.use_dnnl;
  CALIBRA_ASSIGN_OR_RETURN(auto session, Session::create(model, so));
  const auto inputs = random_inputs(*model, opts.seed, opts.batch);
  CALIBRA_ASSIGN_OR_RETURN(r.plan, session->plan_stats(inputs));

  using clock = std::chrono::steady_clock;
  const double seconds = opts.iterations == 0 && opts.seconds == 0 ? 5.0 : opts.seconds;
  // Each stream warms up and then measures on one thread, and stream 0 is the calling
  // thread. libgomp keeps a thread team per thread that starts parallel regions, and once
  // more OpenMP threads exist than cores it stops spin-waiting, so every primitive pays a
  // futex wake-up (measured here: 0.5 us -> 45 us per parallel region). Running the
  // streams on as few threads as possible keeps the team count at streams x threads.
  std::atomic<int64_t> started{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> lat;
  Status failure;
  clock::time_point t0, last_end;
  std::barrier sync(opts.streams, [&]() noexcept {
    t0 = clock::now();
    last_end = t0;
  });
  auto fail_with = [&](const Status& st) {
    std::lock_guard<std::mutex> l(mu);
    if (failure.is_ok()) failure = st;
    stop = true;
  };
  auto stream = [&](bool caller) {
    for (int i = 0; i < std::max(1, opts.warmup); ++i) {
      auto out = session->run(inputs);
      if (!out.is_ok()) {
        fail_with(out.status());
        break;
      }
    }
    sync.arrive_and_wait();
    std::vector<double> mine;
    auto last_report = clock::now();
    while (!stop.load()) {
      if (opts.iterations > 0 && started.fetch_add(1) >= opts.iterations) break;
      auto a = clock::now();
      auto out = session->run(inputs);
      auto b = clock::now();
      if (!out.is_ok()) {
        fail_with(out.status());
        break;
      }
      mine.push_back(std::chrono::duration<double, std::milli>(b - a).count());
      const double elapsed = std::chrono::duration<double>(b - t0).count();
      if (opts.iterations == 0 && elapsed >= seconds) break;
      if (caller && opts.progress && b - last_report > std::chrono::milliseconds(250)) {
        last_report = b;
        double frac = opts.iterations > 0
                          ? std::min(1.0, static_cast<double>(started.load()) / static_cast<double>(opts.iterations))
                          : std::min(1.0, elapsed / seconds);
        if (!opts.progress(frac)) stop = true;
      }
    }
    std::lock_guard<std::mutex> l(mu);
    lat.insert(lat.end(), mine.begin(), mine.end());
    last_end = std::max(last_end, clock::now());
  };
  std::vector<std::thread> others;
  for (int s = 1; s < opts.streams; ++s) others.emplace_back(stream, false);
  stream(true);
  for (auto& t : others) t.join();
  if (!failure.is_ok()) return failure;
  r.duration_s = std::chrono::duration<double>(last_end - t0).count();
  r.iterations = static_cast<int64_t>(lat.size());
  if (r.iterations == 0) return Status::cancelled("benchmark cancelled before any inference completed");
  r.latency_ms = latency_stats(lat);
  r.throughput_fps = static_cast<double>(r.iterations * r.batch) / r.duration_s;
  return r;
}

}  // namespace calibra
