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

Status validate_settings(const InferenceSettings& s, const Model& model) {
  const int cores = omp_get_num_procs();
  if (s.batch < 1) return Status::invalid_argument("batch must be at least 1 (got " + std::to_string(s.batch) + ")");
  if (s.threads < 0) return Status::invalid_argument("threads must be 0 (all cores) or more");
  if (s.threads > cores)
    return Status::invalid_argument(std::to_string(s.threads) + " threads is more than this machine's " +
                                    std::to_string(cores) + " cores; OpenMP threads beyond the cores wait on each other " +
                                    "and the measurement would mean nothing: use " + std::to_string(cores) +
                                    " or fewer (0 = all cores)");
  const int threads = s.threads > 0 ? s.threads : cores;
  if (s.streams < 1) return Status::invalid_argument("streams must be at least 1 (got " + std::to_string(s.streams) + ")");
  if (s.streams > threads)
    return Status::invalid_argument(std::to_string(s.streams) + " streams need at least " + std::to_string(s.streams) +
                                    " threads (one per stream), and there are " + std::to_string(threads) +
                                    ": use " + std::to_string(threads) + " stream(s) or fewer");
  if (s.seconds < 0 || s.iterations < 0) return Status::invalid_argument("time and iterations must not be negative");
  if (s.warmup < 0) return Status::invalid_argument("warm-up runs must not be negative");
  for (const auto& in : model.inputs())
    if (!in.dims.empty() && in.dims[0] >= 0 && in.dims[0] != s.batch)
      return Status::invalid_argument("the model's input '" + in.name + "' has a fixed batch of " +
                                      std::to_string(in.dims[0]) + "; use --batch " + std::to_string(in.dims[0]) +
                                      " (or export the model with a dynamic batch dimension)");
  // The inputs are allocated at this batch: refuse sizes beyond the tensor element limit.
  for (const auto& in : model.inputs()) {
    Shape shape = in.concrete(1);
    if (!in.dims.empty() && in.dims[0] < 0) shape[0] = s.batch;
    if (!elements_within_limit(shape))
      return Status::resource_exhausted("batch " + std::to_string(s.batch) + " makes input '" + in.name +
                                        "' exceed the element limit (" + std::to_string(max_tensor_elements()) +
                                        "); use a smaller batch");
  }
  return Status::ok();
}

Result<BenchResult> run_benchmark(std::shared_ptr<const Model> model, const BenchOptions& opts) {
  CALIBRA_TRY(validate_settings(opts, *model));
  const int threads = opts.threads > 0 ? opts.threads : omp_get_num_procs();
  SessionOptions so;
  so.threads = std::max(1, threads / opts.streams);
  so.use_dnnl = opts.use_dnnl;
  CALIBRA_ASSIGN_OR_RETURN(auto session, Session::create(model, so));
  return run_benchmark(*session, random_inputs(*model, opts.seed, opts.batch), opts);
}

BenchResult merge_bench(const BenchResult& a, const BenchResult& b) {
  BenchResult r = a;
  r.iterations = a.iterations + b.iterations;
  r.duration_s = a.duration_s + b.duration_s;
  r.latencies_ms.insert(r.latencies_ms.end(), b.latencies_ms.begin(), b.latencies_ms.end());
  r.latency_ms = latency_stats(r.latencies_ms);
  r.throughput_fps = r.duration_s > 0 ? static_cast<double>(r.iterations * r.batch) / r.duration_s : 0;
  return r;
}

Result<BenchResult> run_benchmark(Session& session, const std::vector<Tensor>& inputs, const BenchOptions& opts) {
  CALIBRA_TRY(validate_settings(opts, session.model()));
  BenchResult r;
  r.batch = opts.batch;
  r.threads = opts.threads > 0 ? opts.threads : omp_get_num_procs();
  r.streams = opts.streams;
  r.threads_per_stream = session.threads();
  CALIBRA_ASSIGN_OR_RETURN(r.plan, session.plan_stats(inputs));

  using clock = std::chrono::steady_clock;
  const double seconds = opts.iterations == 0 && opts.seconds == 0 ? 5.0 : opts.seconds;
  // Each stream warms up and then measures on one thread, and stream 0 is the calling
  // thread. libgomp keeps a thread team per thread that starts parallel regions, and once
  // more OpenMP threads exist than cores it stops spin-waiting, so every primitive pays a
  // futex wake-up (measured here: 0.5 us -> 45 us per parallel region). Running the
  // streams on as few threads as possible keeps the team count at streams x threads.
  std::atomic<int64_t> started{0};
  std::atomic<bool> stop{false}, cancelled{false};
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
      auto out = session.run(inputs);
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
      auto out = session.run(inputs);
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
        if (!opts.progress(frac)) cancelled = stop = true;
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
  if (cancelled) return Status::cancelled("benchmark cancelled");
  r.duration_s = std::chrono::duration<double>(last_end - t0).count();
  r.iterations = static_cast<int64_t>(lat.size());
  if (r.iterations == 0) return Status::cancelled("benchmark cancelled before any inference completed");
  r.latency_ms = latency_stats(lat);
  r.latencies_ms = std::move(lat);
  r.throughput_fps = static_cast<double>(r.iterations * r.batch) / r.duration_s;
  return r;
}

}  // namespace calibra

namespace calibra {

Result<SweepResult> run_sweep(std::shared_ptr<const Model> model, const SweepOptions& opts) {
  const int threads = opts.base.threads > 0 ? opts.base.threads : omp_get_num_procs();
  std::vector<int> streams = opts.streams;
  if (streams.empty())
    for (int s = 1; s <= threads; ++s) streams.push_back(s);
  if (opts.batches.empty()) return Status::invalid_argument("the sweep needs at least one batch size");
  if (opts.max_latency_ms < 0) return Status::invalid_argument("the latency bound must not be negative");
  // Every point is checked before any runs, so a bad point fails at once, not minutes in.
  for (int64_t b : opts.batches)
    for (int s : streams) {
      InferenceSettings p = opts.base;
      p.batch = b;
      p.streams = s;
      CALIBRA_TRY(validate_settings(p, *model));
    }
  SweepResult out;
  out.max_latency_ms = opts.max_latency_ms;
  const size_t total = opts.batches.size() * streams.size();
  for (int64_t b : opts.batches)
    for (int s : streams) {
      if (opts.progress && !opts.progress(out.points.size(), total)) return Status::cancelled("sweep cancelled");
      BenchOptions p = opts.base;
      p.batch = b;
      p.streams = s;
      if (p.seconds == 0 && p.iterations == 0) p.seconds = 1.0;
      CALIBRA_ASSIGN_OR_RETURN(BenchResult r, run_benchmark(model, p));
      r.latencies_ms.clear();
      r.latencies_ms.shrink_to_fit();
      out.points.push_back(std::move(r));
    }
  if (opts.progress) opts.progress(total, total);
  for (size_t i = 0; i < out.points.size(); ++i) {
    const auto& p = out.points[i];
    if (opts.max_latency_ms > 0 && p.latency_ms.median > opts.max_latency_ms) continue;
    if (out.best < 0 || p.throughput_fps > out.points[static_cast<size_t>(out.best)].throughput_fps)
      out.best = static_cast<int>(i);
  }
  return out;
}

}  // namespace calibra
