// calibra info: what a model is, what it costs, and whether Calibra can run and quantize it.
#include <filesystem>
#include <set>

#include "calibra/inspect.h"
#include "calibra/session.h"
#include "ir/graph.h"
#include "onnx/import.h"
#include "ops/conv.h"
#include "ops/matmul.h"
#include "ops/op_def.h"
#include "runtime/model_util.h"

namespace calibra {

namespace {

bool static_shape(const Graph& g, const std::string& v, Shape* s) {
  if (const Tensor* t = g.constant(v)) {
    *s = t->shape();
    return true;
  }
  auto it = g.types.find(v);
  if (it == g.types.end() || !it->second.has_shape) return false;
  s->clear();
  for (const Dim& d : it->second.dims) s->push_back(d.is_fixed() ? d.value : 1);  // dynamic dims: batch 1
  return true;
}

// FLOPs of one node at batch 1 (multiply-add = 2). Returns false when shapes are unknown.
bool node_flops(const Graph& g, const Node& n, double* flops) {
  Shape x, w, y;
  if (n.outputs.empty() || !static_shape(g, n.outputs[0], &y)) return false;
  const double out = static_cast<double>(shape_numel(y));
  if (n.op_type == "Conv" || n.op_type == "ConvTranspose") {
    if (!static_shape(g, n.input(0), &x) || !static_shape(g, n.input(1), &w) || w.size() < 2) return false;
    const int64_t group = n.attr_int("group", 1);
    double ksp = 1;
    for (size_t i = 2; i < w.size(); ++i) ksp *= static_cast<double>(w[i]);
    if (n.op_type == "Conv") *flops = 2.0 * out * static_cast<double>(w[1]) * ksp;
    else *flops = 2.0 * static_cast<double>(shape_numel(x)) * static_cast<double>(w[1]) * ksp;
    (void)group;
    return true;
  }
  if (n.op_type == "Gemm" || n.op_type == "MatMul") {
    if (!static_shape(g, n.input(0), &x) || x.empty()) return false;
    int64_t k = n.op_type == "Gemm" && n.attr_int("transA", 0) ? x[0] : x.back();
    *flops = 2.0 * out * static_cast<double>(k);
    return true;
  }
  *flops = out;  // element-wise and data movement: about one op per output element
  return true;
}

}  // namespace

Result<ModelInfo> inspect_model(const std::string& path) {
  ImportOptions io;
  CALIBRA_ASSIGN_OR_RETURN(std::unique_ptr<Graph> gp, import_onnx_file(path, io));
  const Graph& g = *gp;
  ModelInfo info;
  info.path = path;
  std::error_code ec;
  info.file_bytes = std::filesystem::file_size(path, ec);
  info.opset = g.default_opset();
  info.producer = g.producer_name;
  for (const auto& in : g.inputs) {
    info.inputs.push_back(tensor_spec(g, in));
    if (!info.inputs.back().dims.empty() && info.inputs.back().dims[0] < 0) info.dynamic_batch = true;
  }
  for (const auto& out : g.outputs) info.outputs.push_back(tensor_spec(g, out));

  for (const auto& [name, t] : g.constants) {
    info.parameters += t.numel();
    info.parameter_bytes += t.nbytes();
  }
  for (const auto& n : g.nodes) {
    info.op_histogram[n->domain.empty() ? n->op_type : n->domain + "::" + n->op_type]++;
    ++info.nodes;
    if (n->op_type == "Conv" || n->op_type == "ConvTranspose" || n->op_type == "Gemm" || n->op_type == "MatMul")
      ++info.quantizable_layers;
    double f = 0;
    if (node_flops(g, *n, &f)) info.gflops += f / 1e9;
    else info.flops_complete = false;
    const OpDef* d = find_op(n->domain, n->op_type);
    if (!d || n->opset < d->min_opset) info.unsupported.push_back(n->op_type + " (node '" + n->name + "')");
  }
  info.precision = model_precision(g);
  info.runnable = info.unsupported.empty();

  if (info.precision != "FP32") {
    info.int8_reason = "the model is " + info.precision +
                       "; INT8 calibration needs the original FP32 model (export it in FP32 and calibrate that)";
  } else if (!info.runnable) {
    info.int8_reason = "the model uses ops Calibra does not support (" + std::to_string(info.unsupported.size()) +
                       " node(s)); see the unsupported list";
  } else if (info.quantizable_layers == 0) {
    info.int8_reason = "the model has no Conv, ConvTranspose, Gemm or MatMul layer to quantize";
  } else {
    info.int8_possible = true;
    info.int8_reason = std::to_string(info.quantizable_layers) + " quantizable layer(s) (Conv/Gemm/MatMul)";
  }
  if (info.runnable) {
    // The precision each layer runs in: plan and run once on seeded random inputs.
    auto m = Model::load(path);
    if (m.is_ok()) {
      SessionOptions so;
      so.threads = 1;
      so.deterministic = true;
      auto s = Session::create(*m, so);
      RunProfile p;
      if (s.is_ok() && (*s)->run_profiled(random_inputs(**m), &p).is_ok())
        for (const auto& l : p.layers) {
          if (l.op_type == "Reorder") continue;
          info.layers.push_back({l.name, l.op_type, l.precision});
          info.layers_by_precision[l.precision]++;
        }
    }
  }
  return info;
}

}  // namespace calibra
