#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "app/json.h"
#include "calibra/bench.h"
#include "calibra/profile.h"
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

// Per-layer times (median of 30 profiled runs), slowest first, and the summaries.
void print_profile(const ModelProfile& p) {
  std::printf("Profile     median of %d runs: total %.3f ms, layers %.3f ms\n", p.runs, p.total_ms, p.layers_ms);
  std::string prec, ops;
  for (const auto& [k, ms] : p.by_precision) prec += (prec.empty() ? "" : ", ") + k + " " + fixed(ms, 3) + " ms";
  std::vector<std::pair<double, std::string>> by_op;
  for (const auto& [k, ms] : p.by_op) by_op.emplace_back(-ms, k);
  std::sort(by_op.begin(), by_op.end());
  for (const auto& [ms, k] : by_op) ops += (ops.empty() ? "" : ", ") + k + " " + fixed(-ms, 3);
  std::printf("By precision %s\n", prec.c_str());
  std::printf("By op       %s\n", ops.c_str());
  std::vector<size_t> order(p.rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p.rows[a].layer.ms > p.rows[b].layer.ms; });
  std::printf("  %-40s %-18s %-6s %-26s %-16s %-9s %9s %6s\n", "layer", "op", "prec", "impl", "shape", "layout", "ms", "%");
  for (size_t i : order) {
    const LayerProfile& l = p.rows[i].layer;
    std::printf("  %-40.40s %-18.18s %-6s %-26.26s %-16.16s %-9.9s %9.4f %5.1f%%\n", l.name.c_str(), l.op_type.c_str(),
                l.precision.c_str(), l.impl.c_str(), shape_str(l.shape).c_str(), l.layout.c_str(), l.ms, 100 * p.rows[i].share);
  }
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
  std::optional<ModelProfile> prof;
  if (a.profile) {
    SessionOptions so;
    so.threads = a.opts.threads;
    so.use_dnnl = !a.reference;
    auto p = profile_model(*model, random_inputs(**model, a.opts.seed, a.opts.batch), so);
    if (!p.is_ok()) return fail(p.status());
    prof = *p;
  }
  const BenchResult& b = *r;
  if (a.json) {
    app::json j = app::to_json(b);
    j["model"] = a.model;
    if (prof) j["profile"] = app::to_json(*prof);
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
  if (prof) print_profile(*prof);
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
  cmd->add_flag("--profile", a->profile, "Also per-layer times, precision (U8/I8/FP32) and implementation (median of 30 runs)");
  cmd->add_flag("--json", a->json, "Print one JSON object (latency_ms.median, latency_ms.p90, throughput_fps, ...)");
  cmd->footer(
      "Examples:\n"
      "  calibra bench model.onnx                       # all cores, 1 stream, 5 s\n"
      "  calibra bench model.onnx -t 1 -n 200 --json\n"
      "  calibra bench model.onnx -t 2 -s 2 -b 4        # throughput mode: 2 requests in flight");
  cmd->callback([=] { *rc = bench_main(*a); });
}

}  // namespace calibra::cli
