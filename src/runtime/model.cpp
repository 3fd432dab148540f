#include "calibra/model.h"

#include "ir/graph.h"
#include "onnx/import.h"
#include "ops/op_def.h"
#include "passes/passes.h"
#include "runtime/model_util.h"

namespace calibra {

std::string TensorSpec::str() const {
  std::string r = name + ": " + dtype_name(dtype) + "[";
  if (!has_shape) return r + "?]";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) r += ",";
    if (dims[i] >= 0) r += std::to_string(dims[i]);
    else r += dim_names[i].empty() ? "?" : dim_names[i];
  }
  return r + "]";
}

Shape TensorSpec::concrete(int64_t fill) const {
  Shape s;
  for (int64_t d : dims) s.push_back(d >= 0 ? d : fill);
  return s;
}

TensorSpec tensor_spec(const Graph& g, const std::string& name) {
  TensorSpec s;
  s.name = name;
  auto it = g.types.find(name);
  if (it == g.types.end()) return s;
  s.dtype = it->second.dtype;
  s.has_shape = it->second.has_shape;
  for (const Dim& d : it->second.dims) {
    s.dims.push_back(d.is_fixed() ? d.value : -1);
    s.dim_names.push_back(d.param);
  }
  return s;
}

std::string model_precision(const Graph& g) {
  bool qdq = false, qop = false;
  for (const auto& n : g.nodes) {
    if (n->op_type == "QuantizeLinear" || n->op_type == "DequantizeLinear") qdq = true;
    if (n->op_type == "QLinearConv" || n->op_type == "QLinearMatMul" || n->op_type == "ConvInteger" ||
        n->op_type == "MatMulInteger")
      qop = true;
  }
  int64_t f16 = 0, bf16 = 0, f32 = 0;
  for (const auto& [name, t] : g.constants) {
    if (t.dtype() == DType::kF16) f16 += t.numel();
    if (t.dtype() == DType::kBF16) bf16 += t.numel();
    if (t.dtype() == DType::kF32) f32 += t.numel();
  }
  bool f16_inputs = false;
  for (const auto& in : g.inputs) {
    auto it = g.types.find(in);
    f16_inputs = f16_inputs || (it != g.types.end() && it->second.dtype == DType::kF16);
  }
  if (qdq) return "INT8 (QDQ)";
  if (qop) return "INT8 (integer ops)";
  if (f16 > f32 || f16_inputs) return "FP16";
  if (bf16 > f32) return "BF16";
  return "FP32";
}

Result<std::shared_ptr<Model>> Model::load(const std::string& path, const LoadOptions& opts) {
  CALIBRA_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, import_onnx_file(path));
  return from_graph(std::move(g), path, opts);
}

Result<std::shared_ptr<Model>> Model::load_bytes(const std::string& bytes, const std::string& name, const LoadOptions& opts) {
  auto g = import_onnx_bytes(bytes, "/nonexistent-external-data-dir");
  if (!g.is_ok()) return g.status().with_context(name);
  return from_graph(std::move(*g), name, opts);
}

Result<std::shared_ptr<Model>> Model::from_graph(std::unique_ptr<Graph> g, const std::string& path, const LoadOptions& opts) {
  auto m = std::make_shared<Model>();
  m->path_ = path;
  for (const auto& in : g->inputs) m->inputs_.push_back(tensor_spec(*g, in));
  for (const auto& out : g->outputs) m->outputs_.push_back(tensor_spec(*g, out));
  for (const auto& in : m->inputs_) {
    if (in.dtype == DType::kUndefined)
      return Status::invalid_model(path + ": input '" + in.name + "' has no tensor type");
    if (!in.has_shape)
      return Status::unsupported(path + ": input '" + in.name + "' has no declared shape; Calibra needs the rank");
    // Inputs are allocated from the declared shape (random inputs, benchmarks): refuse
    // absurd ones here, as any other tensor from the file (dynamic dims count as 1).
    if (!elements_within_limit(in.concrete(1)))
      return Status::resource_exhausted(path + ": input " + in.str() + " exceeds the element limit (" +
                                        std::to_string(max_tensor_elements()) +
                                        "; raise CALIBRA_MAX_TENSOR_ELEMENTS if it is real)");
  }
  if (opts.require_supported) {
    Status s = check_ops_supported(*g);
    if (!s.is_ok()) return s.with_context(path);
  }
  auto imported = std::make_shared<Graph>();
  {
    // Keep a copy of the imported graph for inspection.
    imported->name = g->name;
    imported->opsets = g->opsets;
    imported->inputs = g->inputs;
    imported->outputs = g->outputs;
    imported->constants = g->constants;
    imported->types = g->types;
    imported->producer_name = g->producer_name;
    for (const auto& n : g->nodes) imported->nodes.push_back(std::make_unique<Node>(*n));
  }
  if (opts.optimize) {
    Status s = opts.for_quantization ? optimize_for_quantization(*g) : optimize_graph(*g);
    if (!s.is_ok()) return s.with_context(path);
  }
  m->graph_ = std::shared_ptr<const Graph>(std::move(g));
  m->imported_ = imported;
  return m;
}

}  // namespace calibra
