// Internal helpers shared by Model and inspection.
#pragma once

#include <string>

#include "calibra/model.h"
#include "ir/graph.h"

namespace calibra {

// A graph value's declared type as a TensorSpec (dims < 0 for dynamic ones).
TensorSpec tensor_spec(const Graph& g, const std::string& name);
// "FP32", "FP16", "BF16", "INT8 (QDQ)" or "INT8 (integer ops)", from ops and weight types.
std::string model_precision(const Graph& g);

}  // namespace calibra
