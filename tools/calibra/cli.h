// Shared pieces of the `calibra` command line: error reporting and formatting.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "calibra/bench.h"
#include "calibra/dataset.h"
#include "calibra/usage.h"
#include "calibra/status.h"

namespace calibra::cli {

// Prints "calibra: error: <message>" (one line) and returns the exit code for it.
int fail(const Status& s);
int fail(const std::string& message, int code = 1);

std::string human_bytes(uint64_t n);
// Prints a --json result with "model": MODEL added; returns 0.
int print_json(nlohmann::json j, const std::string& model);
std::string fixed(double v, int digits);

// Inference settings flags (--batch, --threads, --streams, --time, --iterations, --warmup,
// --settings FILE), shared by the commands that measure speed.
struct SettingsArgs {
  int64_t batch = 1, iterations = 0;
  int threads = 0, streams = 1, warmup = 2;
  double seconds = 0;
  std::string file;
  CLI::Option *o_batch = nullptr, *o_threads = nullptr, *o_streams = nullptr, *o_time = nullptr,
              *o_iterations = nullptr, *o_warmup = nullptr;
};
void add_settings_options(CLI::App* cmd, SettingsArgs* a);
Result<InferenceSettings> resolve_settings(const SettingsArgs& a);

// Dataset specs, for --help footers.
extern const char* const kDatasetHelp;
// Opens a dataset spec for a model (generated datasets take the model's input shape).
Result<std::unique_ptr<Dataset>> open_dataset_for(const std::string& spec, const Model& model, bool skip_bad,
                                                  uint64_t seed = 0);
// The usage config: --config, else the first model's sibling "<stem>.usage.json" that
// exists, else defaults inferred from the model and dataset.
Result<ModelUsage> resolve_usage(const std::string& config, const std::vector<std::string>& model_paths,
                                 const Model& model, const DatasetInfo& info);
// "[=====>    ] 120/1000  12% 340 samples/s ETA 3s"
std::string progress_bar(size_t done, size_t total, double seconds);

// Subcommands: each registers itself on the app and returns the code to exit with.
void add_info(CLI::App& app, int* rc);
void add_run(CLI::App& app, int* rc);
void add_bench(CLI::App& app, int* rc);
void add_conformance(CLI::App& app, int* rc);
void add_eval(CLI::App& app, int* rc);
void add_calibrate(CLI::App& app, int* rc);
void add_compare(CLI::App& app, int* rc);
void add_serve(CLI::App& app, int* rc);

}  // namespace calibra::cli
