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
  SettingsArgs settings;
  BenchOptions opts;
  bool json = false;
  bool reference = false;
  bool profile = false;
  bool sweep = false;
  std::vector<int64_t> batches;
  std::vector<int> stream_counts;
  double max_latency = 0;
};

int sweep_main(const BenchArgs& a, std::shared_ptr<const Model> model) {
  SweepOptions so;
  so.base = a.opts;
  if (!a.batches.empty()) so.batches = a.batches;
  so.streams = a.stream_counts;
  so.max_latency_ms = a.max_latency;
  const bool tty = isatty(fileno(stderr)) && !a.json;
  if (tty)
    so.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rsweep point %zu/%zu", std::min(done + 1, total), total);
      std::fflush(stderr);
      return true;
    };
  auto r = run_sweep(model, so);
  if (tty) std::fprintf(stderr, "\r                         \r");
  if (!r.is_ok()) return fail(r.status());
  if (a.json) return print_json(app::to_json(*r), a.model);
  std::printf("Sweep       %s: %zu points, %d thread(s)%s\n", a.model.c_str(), r->points.size(),
              r->points.empty() ? 0 : r->points[0].threads,
              a.max_latency > 0 ? (", latency bound " + fixed(a.max_latency, 2) + " ms").c_str() : "");
  std::printf("  %6s %8s %14s %12s %12s\n", "batch", "streams", "throughput/s", "median ms", "p90 ms");
  for (size_t i = 0; i < r->points.size(); ++i) {
    const auto& p = r->points[i];
    std::printf("  %6lld %8d %14.2f %12.3f %12.3f%s\n", static_cast<long long>(p.batch), p.streams, p.throughput_fps,
                p.latency_ms.median, p.latency_ms.p90, static_cast<int>(i) == r->best ? "   <- best" : "");
  }
  if (r->best < 0)
    std::printf("No point meets the latency bound of %.2f ms; the lowest median latency was %.3f ms.\n", a.max_latency,
                std::min_element(r->points.begin(), r->points.end(), [](const auto& x, const auto& y) {
                  return x.latency_ms.median < y.latency_ms.median;
                })->latency_ms.median);
  return 0;
}

// Per-layer times (median of 30 profiled runs), slowest first, and the summaries.
void print_profile(const ModelProfile& p) {
  std::printf("Profile     median of %d runs: total %.3f ms, layers %.3f ms; plain runs %.3f ms (profiling adds %+.1f%%)\n",
              p.runs, p.total_ms, p.layers_ms, p.unprofiled_ms, 100 * p.overhead);
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
  auto settings = resolve_settings(a.settings);
  if (!settings.is_ok()) return fail(settings.status());
  static_cast<InferenceSettings&>(a.opts) = *settings;
  auto model = Model::load(a.model);
  if (!model.is_ok()) return fail(model.status());
  if (a.sweep) return sweep_main(a, *model);
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
    if (prof) j["profile"] = app::to_json(*prof);
    return print_json(j, a.model);
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
  add_settings_options(cmd, &a->settings);
  cmd->add_option("--seed", a->opts.seed, "Seed for the random inputs");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only (slow)");
  cmd->add_flag("--profile", a->profile, "Also per-layer times, precision (U8/I8/FP32) and implementation (median of 30 runs)");
  cmd->add_flag("--sweep", a->sweep, "Dense sweep over batch x streams (1 s per point unless --time/-n)");
  cmd->add_option("--batches", a->batches, "Sweep batch sizes (default 1,2,4,8,16)")->delimiter(',');
  cmd->add_option("--stream-counts", a->stream_counts, "Sweep stream counts (default 1..threads)")->delimiter(',');
  cmd->add_option("--max-latency", a->max_latency, "Sweep: best throughput with median latency under this (ms)")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_flag("--json", a->json, "Print one JSON object (latency_ms.median, latency_ms.p90, throughput_fps, ...)");
  cmd->footer(
      "Examples:\n"
      "  calibra bench model.onnx                       # all cores, 1 stream, 5 s\n"
      "  calibra bench model.onnx -t 1 -n 200 --json\n"
      "  calibra bench model.onnx -t 2 -s 2 -b 4        # throughput mode: 2 requests in flight\n"
      "  calibra bench model.onnx --profile             # per-layer times, precision, implementation\n"
      "  calibra bench model.onnx --sweep --max-latency 20   # batch x streams table and the sweet spot");
  cmd->callback([=] { *rc = bench_main(*a); });
}

}  // namespace calibra::cli
