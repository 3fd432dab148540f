// ONNX -> Graph import.
//
// Accepts what exporters really produce: weights as initializers or as Constant nodes,
// Identity(initializer) chains, nodes out of topological order, external data files next
// to the model, symbolic (dynamic) dimensions. Runs the ONNX checker and shape inference,
// then our own structural checks (dangling inputs, cycles, duplicate names).
#pragma once

#include <memory>
#include <string>

#include "calibra/status.h"
#include "ir/graph.h"

namespace onnx {
class ModelProto;
}

namespace calibra {

struct ImportOptions {
  bool run_checker = true;
  bool run_shape_inference = true;
};

// Opset range of the default ONNX domain that Calibra accepts.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 17;

Result<std::unique_ptr<Graph>> import_onnx_file(const std::string& path,
                                                const ImportOptions& opts = {});
Result<std::unique_ptr<Graph>> import_onnx_bytes(const std::string& bytes,
                                                 const std::string& base_dir,
                                                 const ImportOptions& opts = {});
Result<std::unique_ptr<Graph>> import_onnx_proto(onnx::ModelProto& model,
                                                 const std::string& base_dir,
                                                 const ImportOptions& opts = {});

}  // namespace calibra
