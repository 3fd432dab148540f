#include "ops/evaluate.h"
#include "passes/passes.h"

namespace calibra {

namespace {
// Folding creates tensors; skip outputs larger than this (they would bloat the model).
constexpr int64_t kMaxFoldElements = int64_t(1) << 26;

bool static_shape_of(const Graph& g, const std::string& v, Shape* out) {
  if (const Tensor* t = g.constant(v)) {
    *out = t->shape();
    return true;
  }
  auto it = g.types.find(v);
  if (it == g.types.end() || !it->second.fully_static()) return false;
  *out = it->second.static_shape();
  return true;
}
}  // namespace

Status fold_constants(Graph& g) {
  for (auto& np : g.nodes) {
    Node& n = *np;
    if (n.outputs.empty()) continue;
    // Quantized weights stay integers for the QDQ fusion (DQ(W_q) is not folded to floats).
    if (n.op_type == "DequantizeLinear") continue;
    if (n.op_type == "Shape" && n.domain.empty() && n.has_input(0)) {
      Shape s;
      if (!static_shape_of(g, n.inputs[0], &s)) continue;
      // Shape's kernel only needs the input's shape: evaluate with a shape-only stand-in.
      Tensor stand_in = Tensor::borrow(DType::kU8, s, nullptr);
      auto folded = evaluate_node(n, {&stand_in});
      if (!folded.is_ok()) continue;
      g.constants[n.outputs[0]] = (*folded)[0];
      n.op_type.clear();
      continue;
    }
    bool all_const = true;
    std::vector<const Tensor*> in;
    for (const auto& i : n.inputs) {
      if (i.empty()) {
        in.push_back(nullptr);
        continue;
      }
      const Tensor* t = g.constant(i);
      if (!t) all_const = false;
      in.push_back(t);
    }
    if (!all_const || n.inputs.empty()) continue;
    auto outs = evaluate_node(n, in);
    if (!outs.is_ok()) {
      // Unsupported features surface when the model runs, with the node named; data errors
      // in constants are the model's fault.
      if (outs.status().code() == StatusCode::kUnsupported) continue;
      return outs.status();
    }
    bool too_big = false;
    for (const auto& t : *outs) too_big = too_big || t.numel() > kMaxFoldElements;
    if (too_big) continue;
    for (size_t i = 0; i < outs->size() && i < n.outputs.size(); ++i)
      if (!n.outputs[i].empty()) g.constants[n.outputs[i]] = (*outs)[i];
    n.op_type.clear();
  }
  g.erase_marked_nodes();
  return Status::ok();
}

}  // namespace calibra
