#include <unistd.h>

#include <cstdio>

#include "app/json.h"
#include "calibra/evaluate.h"
#include "cli.h"

namespace calibra::cli {

namespace {

struct EvalArgs {
  std::string model, dataset, config;
  EvalOptions opts;
  bool json = false, skip_bad = false, reference = false;
  uint64_t seed = 0;
};

int eval_main(EvalArgs a) {
  auto model = Model::load(a.model);
  if (!model.is_ok()) return fail(model.status());
  auto data = open_dataset_for(a.dataset, **model, a.skip_bad, a.seed);
  if (!data.is_ok()) return fail(data.status());
  auto usage = resolve_usage(a.config, {a.model}, **model, (*data)->info());
  if (!usage.is_ok()) return fail(usage.status());
  if (Status st = validate_usage(*usage, **model, (*data)->info()); !st.is_ok())
    return fail(st.with_context("model usage (" + usage->source + ")"));
  const bool tty = isatty(fileno(stderr));
  if (!a.json) {
    std::printf("Model       %s\n", a.model.c_str());
    std::printf("Dataset     %s: %s\n", a.dataset.c_str(), (*data)->info().description.c_str());
    std::printf("Usage       %s: %s\n", usage->source.c_str(), app::to_json(*usage).dump().c_str());
    std::fflush(stdout);
  }
  double last_plain = -1;
  a.opts.use_dnnl = !a.reference;
  a.opts.progress = [&](size_t done, size_t total, double s) {
    if (tty) {
      std::fprintf(stderr, "\r%s", progress_bar(done, total, s).c_str());
      if (done == total) std::fprintf(stderr, "\n");
    } else if (!a.json) {
      // Plain lines when not on a terminal: every 10% and at the end.
      const double f = static_cast<double>(done) / static_cast<double>(total);
      if (f - last_plain >= 0.1 || done == total) {
        last_plain = f;
        std::fprintf(stderr, "%s\n", progress_bar(done, total, s).c_str());
      }
    }
    return true;
  };
  auto r = evaluate(*model, **data, *usage, a.opts);
  if (!r.is_ok()) return fail(r.status());
  if (a.json) return print_json(app::to_json(*r), a.model);
  if (r->annotated)
    std::printf("Accuracy    top-1 %.4f (%zu/%zu)  top-5 %.4f (%zu/%zu)\n", r->top1, r->correct_top1, r->samples, r->top5,
                r->correct_top5, r->samples);
  else
    std::printf("Accuracy    n/a: the dataset is not annotated (%zu samples predicted)\n", r->samples);
  std::printf("Speed       %.1f samples/s (%.2f s, batch %lld)\n", r->samples_per_second, r->seconds,
              static_cast<long long>(a.opts.batch));
  if (r->dataset.skipped) std::printf("Skipped     %zu bad images\n", r->dataset.skipped);
  return 0;
}

}  // namespace

void add_eval(CLI::App& app, int* rc) {
  auto a = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Measure a model's accuracy (top-1, top-5) on a dataset");
  cmd->add_option("MODEL", a->model, "ONNX model file")->required();
  cmd->add_option("--dataset,-d", a->dataset, "Dataset spec (see below)")->required();
  cmd->add_option("--config,-c", a->config, "Model usage config (JSON); default: MODEL's .usage.json, else inferred");
  cmd->add_option("--limit,-l", a->opts.limit, "Only the first N samples")->check(CLI::Range(size_t{1}, size_t{1} << 40));
  cmd->add_option("--batch,-b", a->opts.batch, "Batch size")->check(CLI::Range(int64_t{1}, int64_t{4096}));
  cmd->add_option("--threads,-t", a->opts.threads, "Inference threads (0 = all cores)")->check(CLI::Range(0, 256));
  cmd->add_option("--loaders", a->opts.loader_threads, "Decode/preprocess threads")->check(CLI::Range(1, 64));
  cmd->add_option("--seed", a->seed, "Seed for generated datasets");
  cmd->add_flag("--skip-bad", a->skip_bad, "Skip unreadable images (counted in the report) instead of failing");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only (slow)");
  cmd->add_flag("--json", a->json, "Print one JSON object (top1, top5, samples, ...)");
  cmd->footer(std::string(kDatasetHelp) +
      "Examples:\n"
      "  calibra eval zoo/fmnist_resnet.onnx -d fashion-mnist:test\n"
      "  calibra eval model.onnx -d imagenet_val/ -c resnet.usage.json -b 8 --json\n"
      "  calibra eval model.onnx -d cifar:cifar-10-batches-bin --limit 1000");
  cmd->callback([=] { *rc = eval_main(*a); });
}

}  // namespace calibra::cli
