// Graph -> ONNX. Fused post-ops are written back as standard ONNX nodes (Relu, Clip,
// Sigmoid + Mul for SiLU, Add for residual sums, ...), so any runtime can load the result.
// Output is deterministic: initializers in name order, nodes in topological order.
#pragma once

#include <string>

#include "calibra/status.h"
#include "ir/graph.h"

namespace calibra {

struct ExportOptions {
  std::string producer = "calibra";
  std::string doc;  // model doc string (e.g. how it was made)
};

Result<std::string> export_onnx(const Graph& g, const ExportOptions& opts = {});

}  // namespace calibra
