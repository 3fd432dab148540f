// Dataset and model usage resolution shared by eval, calibrate and compare.
#include <filesystem>

#include "app/json.h"
#include "cli.h"

namespace calibra::cli {

const char* const kDatasetHelp =
    "Datasets:\n"
    "  fashion-mnist[:train|:test]   Debian's Fashion-MNIST (default split: test)\n"
    "  DIR                           images + val.txt ('file label' lines), class sub-folders, or plain images\n"
    "  folder:DIR:ANNOTATION         the same with an explicit annotation file\n"
    "  idx:IMAGES[,LABELS]           IDX files (.gz or plain), e.g. MNIST\n"
    "  cifar:FILE_OR_DIR[:train|:test]  CIFAR-10/100 binary batches\n"
    "  generated[:N]                 N seeded random inputs (speed only, no accuracy)\n";

Result<std::unique_ptr<Dataset>> open_dataset_for(const std::string& spec, const Model& model, bool skip_bad,
                                                  uint64_t seed) {
  DatasetOptions dopts;
  dopts.skip_bad = skip_bad;
  dopts.seed = seed;
  if (!model.inputs().empty()) {
    dopts.generated_shape = model.inputs()[0].concrete(1);
    if (!dopts.generated_shape.empty()) dopts.generated_shape.erase(dopts.generated_shape.begin());
  }
  return open_dataset(spec, dopts);
}

Result<ModelUsage> resolve_usage(const std::string& config, const std::vector<std::string>& model_paths,
                                 const Model& model, const DatasetInfo& info) {
  if (!config.empty()) return app::load_usage(config);
  for (const auto& p : model_paths) {
    std::filesystem::path sibling = std::filesystem::path(p).replace_extension(".usage.json");
    if (std::filesystem::exists(sibling)) return app::load_usage(sibling.string());
  }
  return default_usage(model, info);
}

std::string progress_bar(size_t done, size_t total, double seconds) {
  const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int width = 30, filled = static_cast<int>(f * width);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < width) bar += '>', bar.append(static_cast<size_t>(width - filled - 1), ' ');
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "[%s] %zu/%zu %3.0f%% %.0f samples/s ETA %.0fs", bar.c_str(), done, total, f * 100, rate, eta);
  return buf;
}

}  // namespace calibra::cli
