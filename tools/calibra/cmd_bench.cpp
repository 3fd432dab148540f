#include <unistd.h>

#include <cstdio>

#include "app/json.h"
#include "calibra/bench.h"
#include "cli.h"

namespace calibra::cli {

namespace {

struct BenchArgs {
  std::string model;
  BenchOptions opts;
  bool json = false;
  bool reference = false;
  bool profile = false;
};

// Per-layer times: median over `runs` profiled runs, slowest first.
int print_profile(const std::shared_ptr<Model>& model, const BenchArgs& a) {
  SessionOptions so;
  so.threads = a.opts.threads;
  so.use_dnnl = !a.reference;
  auto s = Session::create(model, so);
  if (!s.is_ok()) return fail(s.status());
  auto inputs = random_inputs(*model, a.opts.seed, a.opts.batch);
  const int runs = 30;
  std::vector<RunProfile> profiles(runs);
  for (int i = 0; i < 3; ++i) (void)(*s)->run(inputs);
  for (auto& p : profiles) {
    auto r = (*s)->run_profiled(inputs, &p);
    if (!r.is_ok()) return fail(r.status());
  }
  const size_t n = profiles[0].layers.size();
  std::vector<std::pair<double, size_t>> order;
  double total = 0;
  std::vector<double> totals;
  for (const auto& p : profiles) totals.push_back(p.total_ms);
  std::sort(totals.begin(), totals.end());
  total = totals[totals.size() / 2];
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> v;
    for (const auto& p : profiles) v.push_back(p.layers[i].ms);
    std::sort(v.begin(), v.end());
    order.emplace_back(v[v.size() / 2], i);
  }
  double sum = 0;
  for (auto& [ms, i] : order) sum += ms;
  std::sort(order.rbegin(), order.rend());
  std::printf("Profile     median of %d runs: total %.3f ms, layers %.3f ms\n", runs, total, sum);
  std::printf("  %-40s %-18s %-6s %-26s %-16s %-9s %9s %6s\n", "layer", "op", "prec", "impl", "shape", "layout", "ms", "%");
  for (auto& [ms, i] : order) {
    const LayerProfile& l = profiles[0].layers[i];
    std::printf("  %-40.40s %-18.18s %-6s %-26.26s %-16.16s %-9.9s %9.4f %5.1f%%\n", l.name.c_str(), l.op_type.c_str(),
                l.precision.c_str(), l.impl.c_str(), shape_str(l.shape).c_str(), l.layout.c_str(), ms,
                100 * ms / std::max(total, 1e-9));
  }
  return 0;
}

int bench_main(BenchArgs a) {
  auto model = Model::load(a.model);
  if (!model.is_ok()) return fail(model.status());
  const bool tty = isatty(fileno(stderr)) && !a.json;
  a.opts.use_dnnl = !a.reference;
  if (tty)
    a.opts.progress = [](double f) {
      std::fprintf(stderr, "\rbenchmarking %3.0f%%", f * 100);
      std::fflush(stderr);
      return true;
    };
  auto r = run_benchmark(*model, a.opts);
  if (tty) std::fprintf(stderr, "\r                    \r");
  if (!r.is_ok()) return fail(r.status());
  const BenchResult& b = *r;
  if (a.json) {
    app::json j = app::to_json(b);
    j["model"] = a.model;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("Benchmark   %s: batch %lld, %d thread(s), %d stream(s), %.1f s\n", a.model.c_str(),
              static_cast<long long>(b.batch), b.threads, b.streams, b.duration_s);
  std::printf("Iterations  %lld\n", static_cast<long long>(b.iterations));
  std::printf("Latency ms  min %.3f  median %.3f  p90 %.3f  p99 %.3f  max %.3f\n", b.latency_ms.min, b.latency_ms.median,
              b.latency_ms.p90, b.latency_ms.p99, b.latency_ms.max);
  std::printf("Throughput  %.2f inferences/s\n", b.throughput_fps);
  std::printf("Memory      activations %s per stream (largest live set %s)\n", human_bytes(b.plan.arena_bytes).c_str(),
              human_bytes(b.plan.live_peak_bytes).c_str());
  std::printf("Plan        %zu steps, %zu reorders, %s convolution layouts\n", b.plan.steps, b.plan.reorders,
              b.plan.conv_layout.c_str());
  if (a.profile) return print_profile(*model, a);
  return 0;
}

}  // namespace

void add_bench(CLI::App& app, int* rc) {
  auto a = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Measure latency and throughput");
  cmd->add_option("MODEL", a->model, "ONNX model file")->required();
  cmd->add_option("--batch,-b", a->opts.batch, "Batch size")->check(CLI::Range(int64_t{1}, int64_t{65536}));
  cmd->add_option("--threads,-t", a->opts.threads, "Total threads (0 = all cores)")->check(CLI::Range(0, 256));
  cmd->add_option("--streams,-s", a->opts.streams, "Inference requests in flight at once")->check(CLI::Range(1, 64));
  auto* time = cmd->add_option("--time", a->opts.seconds, "Seconds to measure (default 5)")->check(CLI::Range(0.01, 86400.0));
  cmd->add_option("--iterations,-n", a->opts.iterations, "Inferences to measure instead of a duration")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->excludes(time);
  cmd->add_option("--warmup", a->opts.warmup, "Warm-up runs per stream")->check(CLI::Range(0, 10000));
  cmd->add_option("--seed", a->opts.seed, "Seed for the random inputs");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only (slow)");
  cmd->add_flag("--profile", a->profile, "Also print per-layer times (median of 30 profiled runs)");
  cmd->add_flag("--json", a->json, "Print one JSON object (latency_ms.median, latency_ms.p90, throughput_fps, ...)");
  cmd->footer(
      "Examples:\n"
      "  calibra bench model.onnx                       # all cores, 1 stream, 5 s\n"
      "  calibra bench model.onnx -t 1 -n 200 --json\n"
      "  calibra bench model.onnx -t 2 -s 2 -b 4        # throughput mode: 2 requests in flight");
  cmd->callback([=] { *rc = bench_main(*a); });
}

}  // namespace calibra::cli
