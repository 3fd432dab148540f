// Internal helpers shared by Model and inspection.
#pragma once

#include <string>

#include "calibra/model.h"
#include "ir/graph.h"

namespace calibra {

// A graph value's declared type as a TensorSpec (dims < 0 for dynamic ones).
TensorSpec tensor_spec(const Graph& g, const std::string& name);

}  // namespace calibra
