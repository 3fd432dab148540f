// Model: an ONNX model loaded, validated and optimised for inference.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calibra/status.h"
#include "calibra/tensor.h"

namespace calibra {

class Graph;

// A graph input or output as the model declares it. dims[i] < 0 is a dynamic dimension
// (named by dim_names[i] when the model names it, e.g. "batch").
struct TensorSpec {
  std::string name;
  DType dtype = DType::kUndefined;
  bool has_shape = false;
  std::vector<int64_t> dims;
  std::vector<std::string> dim_names;
  std::string str() const;  // "input: float32[batch,3,224,224]"
  // The shape with dynamic dims replaced by `fill` (1 for batch-like dims).
  Shape concrete(int64_t fill = 1) const;
};

struct LoadOptions {
  bool optimize = true;           // run the graph passes (folding, fusion)
  bool require_supported = true;  // refuse models with ops Calibra does not implement
  // Optimise for calibration: fold and fuse activations, but keep residual Adds explicit
  // (the quantizer places Q/DQ around them).
  bool for_quantization = false;
};

class Model {
 public:
  static Result<std::shared_ptr<Model>> load(const std::string& path, const LoadOptions& opts = {});
  // From serialised ONNX bytes (`name` is used in messages; external data is not allowed).
  static Result<std::shared_ptr<Model>> load_bytes(const std::string& bytes, const std::string& name,
                                                   const LoadOptions& opts = {});

  const std::string& path() const { return path_; }
  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  // The optimised graph that sessions execute (internal type; see src/ir/graph.h).
  std::shared_ptr<const Graph> graph() const { return graph_; }
  // The graph as imported, before passes (for inspection and per-layer joins).
  std::shared_ptr<const Graph> imported() const { return imported_; }

 private:
  static Result<std::shared_ptr<Model>> from_graph(std::unique_ptr<Graph> g, const std::string& path, const LoadOptions& opts);
  std::string path_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::shared_ptr<const Graph> graph_, imported_;
};

}  // namespace calibra
