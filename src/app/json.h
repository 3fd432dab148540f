// JSON forms of Calibra's configs and results, for the CLI's --json output, saved
// reports and (later) the server's API. The core never sees JSON; this layer maps it.
#pragma once

#include <nlohmann/json.hpp>

#include "calibra/bench.h"
#include "calibra/calibrate.h"
#include "calibra/compare.h"
#include "calibra/evaluate.h"
#include "calibra/inspect.h"
#include "calibra/profile.h"
#include "calibra/usage.h"

namespace calibra::app {

using json = nlohmann::json;

json to_json(const TensorSpec& s);
json to_json(const ModelInfo& m);
json to_json(const BenchResult& b);
json to_json(const InferenceSettings& s);
json to_json(const SweepResult& r);
json to_json(const ModelUsage& u);
json to_json(const DatasetInfo& d);
// Summary of an evaluation (accuracy, counts, speed, resolved usage, dataset).
json to_json(const EvalResult& r);

json to_json(const CalibrationReport& r);
json to_json(const ModelProfile& p);
// The comparison report (schema "calibra.compare/1", documented in docs/COMPARE.md).
json to_json(const CompareResult& r);

// Parses a model usage config; errors name the field ("preprocessing.mean: ...").
Result<ModelUsage> usage_from_json(const json& j);
Result<ModelUsage> load_usage(const std::string& path);
// Inference settings from JSON ({"batch": 4, "threads": 2, ...}); absent fields keep `defaults`.
Result<InferenceSettings> settings_from_json(const json& j, InferenceSettings defaults = {});
Result<InferenceSettings> load_settings(const std::string& path, const InferenceSettings& defaults = {});
// Reads and parses a JSON file (up to 1 MiB); `what` names it in errors.
Result<json> load_json_file(const std::string& path, const std::string& what);

}  // namespace calibra::app
