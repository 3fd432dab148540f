// JSON forms of Calibra's configs and results, for the CLI's --json output, saved
// reports and (later) the server's API. The core never sees JSON; this layer maps it.
#pragma once

#include <nlohmann/json.hpp>

#include "calibra/bench.h"
#include "calibra/calibrate.h"
#include "calibra/evaluate.h"
#include "calibra/inspect.h"
#include "calibra/profile.h"
#include "calibra/usage.h"

namespace calibra::app {

using json = nlohmann::json;

json to_json(const TensorSpec& s);
json to_json(const ModelInfo& m);
json to_json(const BenchResult& b);
json to_json(const ModelUsage& u);
json to_json(const DatasetInfo& d);
// Summary of an evaluation (accuracy, counts, speed, resolved usage, dataset).
json to_json(const EvalResult& r);

json to_json(const CalibrationReport& r);
json to_json(const ModelProfile& p);

// Parses a model usage config; errors name the field ("preprocessing.mean: ...").
Result<ModelUsage> usage_from_json(const json& j);
Result<ModelUsage> load_usage(const std::string& path);

}  // namespace calibra::app
