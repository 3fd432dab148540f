#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/compare_html.h"
#include "app/json.h"
#include "calibra/compare.h"
#include "cli.h"
#include "core/file_util.h"

namespace calibra::cli {

namespace {

struct CompareArgs {
  std::string a, b, dataset, config, json_out, html_out;
  SettingsArgs settings;
  CompareOptions opts;
  double min_delta = 0;
  size_t show_changes = 10;
  bool skip_bad = false, reference = false;
};

std::string ratio_word(double r, const char* better, const char* worse) {
  if (r <= 0) return "n/a";
  return fixed(r >= 1 ? r : 1 / r, 2) + "x " + (r >= 1 ? better : worse);
}

std::string sqnr_str(const LayerRow& l) {
  if (!l.sqnr_db) return "-";
  return *l.sqnr_db >= 200 ? "identical" : fixed(*l.sqnr_db, 1);
}

std::string precision_counts(const std::map<std::string, int>& m) {
  std::string s;
  for (const char* p : {"U8", "I8", "FP32"}) {
    auto it = m.find(p);
    if (it != m.end() && it->second) s += (s.empty() ? "" : ", ") + std::string(p) + " " + std::to_string(it->second);
  }
  return s.empty() ? "-" : s;
}

void print_report(const CompareResult& r, const CompareArgs& a) {
  const auto &A = r.a, &B = r.b;
  std::printf("Compare     A: %s (%s)\n            B: %s (%s)\n", A.path.c_str(), A.precision.c_str(), B.path.c_str(),
              B.precision.c_str());
  std::printf("Settings    batch %lld, %d thread(s), %d stream(s); %d alternating rounds, %lld + %lld requests\n",
              static_cast<long long>(r.settings.batch), A.speed.threads, r.settings.streams, r.rounds,
              static_cast<long long>(A.speed.iterations), static_cast<long long>(B.speed.iterations));
  if (r.dataset) std::printf("Dataset     %s (%zu samples evaluated)\n", r.dataset->description.c_str(), r.predictions->samples);
  std::printf("\n%-24s %14s %14s   %s\n", "", "A", "B", "B vs A");
  auto points = [](double drop) { return std::fabs(drop) < 5e-5 ? 0.0 : -100 * drop; };  // no "-0.00"
  if (A.top1 && B.top1) {
    std::printf("%-24s %14.4f %14.4f   %+.2f points\n", "Accuracy top-1", *A.top1, *B.top1, points(*r.top1_drop));
    if (A.top5 && B.top5) std::printf("%-24s %14.4f %14.4f   %+.2f points\n", "Accuracy top-5", *A.top5, *B.top5, points(*r.top5_drop));
  }
  std::printf("%-24s %14.2f %14.2f   %s\n", "Throughput (samples/s)", A.speed.throughput_fps, B.speed.throughput_fps,
              ratio_word(r.throughput_ratio, "higher", "lower").c_str());
  std::printf("%-24s %14.3f %14.3f   %s\n", "Latency median (ms)", A.speed.latency_ms.median, B.speed.latency_ms.median,
              ratio_word(r.latency_ratio, "faster", "slower").c_str());
  std::printf("%-24s %14.3f %14.3f\n", "Latency p90 (ms)", A.speed.latency_ms.p90, B.speed.latency_ms.p90);
  std::printf("%-24s %14s %14s   %s\n", "Size on disk", human_bytes(A.file_bytes).c_str(), human_bytes(B.file_bytes).c_str(),
              ratio_word(r.size_ratio, "smaller", "larger").c_str());
  std::printf("%-24s %14s %14s\n", "Runtime memory", human_bytes(A.memory_bytes).c_str(), human_bytes(B.memory_bytes).c_str());
  std::printf("%-24s A: %s; B: %s\n", "Layers by precision", precision_counts(A.layers_by_precision).c_str(),
              precision_counts(B.layers_by_precision).c_str());

  if (r.predictions) {
    const PredictionDiff& d = *r.predictions;
    std::printf("\nPredictions %zu of %zu samples changed their top-1", d.changed, d.samples);
    if (r.annotated) std::printf(" (B fixed %zu, broke %zu)", d.fixed, d.broken);
    std::printf("; output MSE B vs A: mean %.3g, max %.3g\n", d.mean_mse, d.max_mse);
    if (!d.changes.empty() && a.show_changes > 0) {
      auto worst = d.changes;
      std::stable_sort(worst.begin(), worst.end(), [](const auto& x, const auto& y) { return x.mse > y.mse; });
      if (worst.size() > a.show_changes) worst.resize(a.show_changes);
      std::printf("  %-8s %-32s %6s %6s %6s %10s\n", "index", "sample", "label", "A", "B", "mse");
      for (const auto& c : worst)
        std::printf("  %-8zu %-32.32s %6s %6d %6d %10.3g\n", c.index, c.source.c_str(),
                    c.label >= 0 ? std::to_string(c.label).c_str() : "-", c.pred_a, c.pred_b, c.mse);
      if (d.changes.size() > worst.size())
        std::printf("  ... %zu more (largest MSE first; all are in --json / --html)\n", d.changes.size() - worst.size());
    }
  }

  std::printf("\nLayers      A's execution order; time = median of %d profiled runs; error = B's output vs A's on %zu input(s)",
              A.profile.runs, r.error_samples);
  if (a.min_delta > 0) std::printf("; rows with |B - A| >= %.3f ms", a.min_delta);
  std::printf("\n  %-36s %-18s %-7s %-7s %9s %9s %9s %10s\n", "layer (ONNX nodes)", "op", "A", "B", "A ms", "B ms",
              "B - A", "SQNR dB");
  size_t hidden = 0;
  for (const auto& l : r.layers) {
    if (std::fabs(l.delta_ms()) < a.min_delta) {
      ++hidden;
      continue;
    }
    std::string name = l.nodes.empty() ? "?" : l.nodes.front();
    if (l.nodes.size() > 1) name += " +" + std::to_string(l.nodes.size() - 1);
    std::printf("  %-36.36s %-18.18s %-7s %-7s %9s %9s %+9.4f %10s%s\n", name.c_str(), l.op.c_str(),
                l.a ? l.a->precision.c_str() : "-", l.b ? l.b->precision.c_str() : "-",
                l.a ? fixed(l.a->ms, 4).c_str() : "-", l.b ? fixed(l.b->ms, 4).c_str() : "-", l.delta_ms(),
                sqnr_str(l).c_str(), l.note.empty() || l.sqnr_db ? "" : ("  (" + l.note + ")").c_str());
  }
  if (hidden) std::printf("  (%zu rows under the --min-delta threshold not shown)\n", hidden);
}

int compare_main(CompareArgs a) {
  auto settings = resolve_settings(a.settings);
  if (!settings.is_ok()) return fail(settings.status());
  static_cast<InferenceSettings&>(a.opts.speed) = *settings;
  a.opts.speed.use_dnnl = !a.reference;
  std::unique_ptr<Dataset> data;
  if (!a.dataset.empty()) {
    auto model = Model::load(a.a);
    if (!model.is_ok()) return fail(model.status().with_context("model A"));
    auto d = open_dataset_for(a.dataset, **model, a.skip_bad);
    if (!d.is_ok()) return fail(d.status());
    if ((*d)->info().kind == DatasetKind::kGenerated)
      return fail("a generated dataset has no images to compare predictions on; leave out --dataset to compare "
                  "speed and layer errors on random inputs");
    auto usage = resolve_usage(a.config, {a.a, a.b}, **model, (*d)->info());
    if (!usage.is_ok()) return fail(usage.status());
    a.opts.usage = *usage;
    data = std::move(*d);
  }
  const bool tty = isatty(fileno(stderr));
  std::string last_stage;
  a.opts.progress = [&](const std::string& stage, double f) {
    if (tty) {
      std::fprintf(stderr, "\r%-14s %3.0f%%   ", stage.c_str(), 100 * f);
      if (f >= 1) std::fprintf(stderr, "\n");
    } else if (stage != last_stage) {
      std::fprintf(stderr, "%s...\n", stage.c_str());
    }
    last_stage = stage;
    return true;
  };
  auto r = compare_models(a.a, a.b, data.get(), a.opts);
  if (!r.is_ok()) return fail(r.status());
  const app::json j = app::to_json(*r);
  if (!a.json_out.empty()) {
    Status st = write_file(a.json_out, j.dump(1) + "\n");
    if (!st.is_ok()) return fail(st);
  }
  if (!a.html_out.empty()) {
    Status st = write_file(a.html_out, app::compare_html(j, a.min_delta));
    if (!st.is_ok()) return fail(st);
  }
  print_report(*r, a);
  if (!a.json_out.empty()) std::printf("\nJSON report: %s\n", a.json_out.c_str());
  if (!a.html_out.empty()) std::printf("HTML report: %s\n", a.html_out.c_str());
  return 0;
}

}  // namespace

void add_compare(CLI::App& app, int* rc) {
  auto a = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand("compare", "Compare two models with the same inputs side by side (FP32 vs INT8, ...)");
  cmd->add_option("A", a->a, "Reference model (e.g. the FP32 original)")->required();
  cmd->add_option("B", a->b, "Model compared with it (e.g. the INT8 model)")->required();
  cmd->add_option("--dataset,-d", a->dataset, "Dataset for accuracy and the prediction diff (specs as in 'calibra eval')");
  cmd->add_option("--config,-c", a->config, "Model usage config (default: A's or B's .usage.json, else inferred)");
  cmd->add_option("--limit,-l", a->opts.limit, "Evaluate only the first N samples")->check(CLI::Range(size_t{1}, size_t{1} << 40));
  cmd->add_option("--error-samples", a->opts.error_samples, "Inputs on which layer outputs are compared (default 16)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  add_settings_options(cmd, &a->settings);
  cmd->add_option("--rounds", a->opts.rounds, "Alternating timing rounds per model (default 4)")->check(CLI::Range(1, 1000));
  cmd->add_option("--profile-runs", a->opts.profile_runs, "Profiled runs per model for layer times (default 20)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--min-delta", a->min_delta, "Show layers whose time differs by at least this (ms)")->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--show-changes", a->show_changes, "Changed predictions to print (default 10)");
  cmd->add_option("--json", a->json_out, "Write the full report as JSON (schema: docs/COMPARE.md)");
  cmd->add_option("--html", a->html_out, "Write a self-contained HTML report (charts, sortable tables)");
  cmd->add_flag("--skip-bad", a->skip_bad, "Skip unreadable images");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only (slow)");
  cmd->footer(std::string(kDatasetHelp) +
              "Examples:\n"
              "  calibra compare zoo/fmnist_resnet.onnx resnet_int8.onnx -d fashion-mnist:test --html cmp.html\n"
              "  calibra compare int8_kl.onnx int8_percentile.onnx -d fashion-mnist:test --limit 2000 --json cmp.json\n"
              "  calibra compare model.onnx model_int8.onnx -t 1 --time 10 --min-delta 0.05   # speed and layers only");
  cmd->callback([=] { *rc = compare_main(*a); });
}

}  // namespace calibra::cli
