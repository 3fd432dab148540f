#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "app/json.h"
#include "calibra/calibrate.h"
#include "cli.h"
#include "core/file_util.h"

namespace calibra::cli {

namespace {

struct CalibrateArgs {
  std::string model, dataset, config, output, report, subset = "300", drop_type = "absolute", bias = "on";
  CalibrateOptions opts;
  double max_drop = -1;
  bool skip_bad = false;
};

int calibrate_main(CalibrateArgs a) {
  // --subset N or P%
  try {
    if (!a.subset.empty() && a.subset.back() == '%') {
      a.opts.subset_percent = std::stod(a.subset.substr(0, a.subset.size() - 1));
      if (!(a.opts.subset_percent > 0 && a.opts.subset_percent <= 100)) throw std::invalid_argument("range");
    } else {
      size_t pos = 0;
      long long n = std::stoll(a.subset, &pos);
      if (pos != a.subset.size() || n <= 0) throw std::invalid_argument("n");
      a.opts.subset = static_cast<size_t>(n);
    }
  } catch (const std::exception&) {
    return fail("--subset must be a positive count or a percentage like 10%, not '" + a.subset + "'", 2);
  }
  if (a.max_drop >= 0) a.opts.max_drop = a.max_drop;
  a.opts.drop_relative = a.drop_type == "relative";
  a.opts.bias_correction = a.bias == "on";
  auto model = Model::load(a.model, LoadOptions{true, true, true});
  if (!model.is_ok()) return fail(model.status());
  auto data = open_dataset_for(a.dataset, **model, a.skip_bad);
  if (!data.is_ok()) return fail(data.status());
  auto usage = resolve_usage(a.config, {a.model}, **model, (*data)->info());
  if (!usage.is_ok()) return fail(usage.status());
  a.opts.usage = *usage;
  const bool tty = isatty(fileno(stderr));
  std::string last_stage;
  a.opts.progress = [&](const std::string& stage, size_t done, size_t total) {
    if (tty) {
      std::fprintf(stderr, "\r%-16s %zu/%zu   ", stage.c_str(), done, total);
      if (done == total) std::fprintf(stderr, "\n");
    } else if (stage != last_stage || done == total) {
      std::fprintf(stderr, "%s %zu/%zu\n", stage.c_str(), done, total);
    }
    last_stage = stage;
    return true;
  };
  auto r = calibrate(a.model, **data, a.opts);
  if (!r.is_ok()) return fail(r.status());
  Status ws = write_file(a.output, r->onnx);
  if (!ws.is_ok()) return fail(ws);
  const CalibrationReport& rep = r->report;
  if (!a.report.empty()) {
    ws = write_file(a.report, app::to_json(rep).dump(2) + "\n");
    if (!ws.is_ok()) return fail(ws);
  }
  int u8 = 0, i8 = 0, fp = 0;
  for (const auto& l : rep.layers) (l.precision == "U8" ? u8 : l.precision == "I8" ? i8 : fp)++;
  std::printf("Calibrated  %s -> %s (%s)\n", a.model.c_str(), a.output.c_str(), human_bytes(r->onnx.size()).c_str());
  std::printf("Scheme      %s ranges, %s preset, %d-bit %s weights%s, for %s\n", rep.algorithm.c_str(), rep.preset.c_str(),
              rep.weight_bits, rep.per_channel_weights ? "per-channel" : "per-tensor",
              rep.bias_correction ? ", bias correction" : "", rep.isa.c_str());
  std::printf("Subset      %zu samples of %s\n", rep.subset, a.dataset.c_str());
  std::printf("Layers      %d U8, %d I8, %d FP32\n", u8, i8, fp);
  for (const auto& l : rep.layers)
    if (l.precision == "FP32" && l.reason != "inputs are not quantized")
      std::printf("            FP32 %s (%s): %s\n", l.node.c_str(), l.op.c_str(), l.reason.c_str());
  if (rep.fp32_top1 && rep.int8_top1)
    std::printf("Accuracy    FP32 %.4f, INT8 %.4f on %zu validation samples (%zu steps)\n", *rep.fp32_top1, *rep.int8_top1,
                rep.validation_samples, rep.accuracy_steps.size());
  if (!rep.speed_check_note.empty()) std::printf("Speed check %s\n", rep.speed_check_note.c_str());
  if (rep.non_finite_skipped) std::printf("Skipped     %llu NaN/Inf values in the calibration data\n",
                                          static_cast<unsigned long long>(rep.non_finite_skipped));
  std::printf("Time        %.2f s (statistics %.2f s)\n", rep.stage_seconds.count("total") ? rep.stage_seconds.at("total") : 0,
              rep.stage_seconds.count("statistics") ? rep.stage_seconds.at("statistics") : 0);
  if (!a.report.empty()) std::printf("Report      %s\n", a.report.c_str());
  return 0;
}

}  // namespace

void add_calibrate(CLI::App& app, int* rc) {
  auto a = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand("calibrate", "Quantize an FP32 model to INT8 (QDQ ONNX) using a calibration dataset");
  cmd->add_option("MODEL", a->model, "FP32 ONNX model")->required();
  cmd->add_option("--dataset,-d", a->dataset, "Calibration dataset (same specs as 'calibra eval')")->required();
  cmd->add_option("-o,--output", a->output, "Where to write the INT8 model (.onnx)")->required();
  cmd->add_option("--config,-c", a->config, "Model usage config (default: MODEL's .usage.json, else inferred)");
  cmd->add_option("--subset", a->subset, "Samples for statistics: a count or a percentage (default 300)");
  cmd->add_option("--algorithm", a->opts.algorithm, "Range algorithm")->check(CLI::IsMember({"minmax", "percentile", "kl", "mse", "auto"}));
  cmd->add_option("--percentile", a->opts.percentile, "Percentile for --algorithm percentile")->check(CLI::Range(50.0, 100.0));
  cmd->add_option("--preset", a->opts.preset, "performance (symmetric activations) or mixed (asymmetric where unbalanced)")
      ->check(CLI::IsMember({"performance", "mixed"}));
  cmd->add_flag("--per-tensor-weights", a->opts.per_tensor_weights, "One scale per weight tensor instead of per channel");
  cmd->add_option("--weight-bits", a->opts.weight_bits, "7 or 8 (default: 7 without VNNI, 8 with it)")->check(CLI::IsMember({7, 8}));
  cmd->add_option("--bias-correction", a->bias, "on|off")->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--max-drop", a->max_drop, "Accuracy-aware: largest accepted top-1 drop (points, or % with --drop-type relative)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--drop-type", a->drop_type, "absolute | relative")->check(CLI::IsMember({"absolute", "relative"}));
  cmd->add_option("--validation-subset", a->opts.validation_subset, "Validation samples for --max-drop (default 1000)");
  cmd->add_option("--ignore", a->opts.ignore, "Keep this node (name) or op type in FP32 (repeatable)");
  cmd->add_flag("!--no-speed-check", a->opts.speed_check, "Quantize every eligible layer even where INT8 measures slower");
  cmd->add_option("--threads,-t", a->opts.threads, "Threads")->check(CLI::Range(0, 256));
  cmd->add_option("--seed", a->opts.seed, "Seed for the subset");
  cmd->add_option("--report", a->report, "Write the calibration report (JSON) here");
  cmd->add_flag("--skip-bad", a->skip_bad, "Skip unreadable images");
  cmd->footer(
      "Examples:\n"
      "  calibra calibrate zoo/fmnist_resnet.onnx -d fashion-mnist:train -o resnet_int8.onnx\n"
      "  calibra calibrate model.onnx -d images/ -c usage.json --algorithm auto --report r.json -o m_int8.onnx\n"
      "  calibra calibrate model.onnx -d fashion-mnist:train --max-drop 0.1 -o m_int8.onnx");
  cmd->callback([=] { *rc = calibrate_main(*a); });
}

}  // namespace calibra::cli
