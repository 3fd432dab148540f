// Conv -> BatchNormalization folding:
//   k[m] = scale[m] / sqrt(var[m] + eps)
//   W'[m, ...] = W[m, ...] * k[m];   B'[m] = (B[m] - mean[m]) * k[m] + shift[m]
// Applied when the Conv's output feeds only the BN, and weights and BN parameters are
// constants. New initializers are created (weights may be shared with other nodes).
#include <algorithm>
#include <cmath>

#include "passes/passes.h"

namespace calibra {

namespace {
bool all_f32_consts(const Graph& g, const Node& n, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    const Tensor* t = n.has_input(i) ? g.constant(n.inputs[i]) : nullptr;
    if (!t || t->dtype() != DType::kF32) return false;
  }
  return true;
}
}  // namespace

Status fold_batchnorm(Graph& g) {
  auto producers = g.producers();
  auto uses = g.use_counts();
  for (auto& bnp : g.nodes) {
    Node& bn = *bnp;
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() < 5) continue;
    if (bn.outputs.size() > 1 && !std::all_of(bn.outputs.begin() + 1, bn.outputs.end(),
                                              [&](const std::string& o) { return o.empty() || !uses.count(o); }))
      continue;
    if (bn.attr_int("training_mode", 0) != 0) continue;
    auto it = producers.find(bn.inputs[0]);
    if (it == producers.end()) continue;
    Node& conv = *it->second;
    if (conv.op_type != "Conv" || !conv.domain.empty() || !conv.post_ops.empty()) continue;
    if (uses[conv.outputs[0]] != 1 || g.is_graph_output(conv.outputs[0])) continue;
    if (!all_f32_consts(g, bn, 1, 5) || !all_f32_consts(g, conv, 1, 2)) continue;
    if (conv.has_input(2) && !all_f32_consts(g, conv, 2, 3)) continue;
    const Tensor& w = *g.constant(conv.inputs[1]);
    const int64_t m = w.dim(0);
    const Tensor *scale = g.constant(bn.inputs[1]), *shift = g.constant(bn.inputs[2]),
                 *mean = g.constant(bn.inputs[3]), *var = g.constant(bn.inputs[4]);
    if (scale->numel() != m || shift->numel() != m || mean->numel() != m || var->numel() != m) continue;
    const double eps = bn.attr_float("epsilon", 1e-5f);
    const Tensor* b = conv.has_input(2) ? g.constant(conv.inputs[2]) : nullptr;
    Tensor nw = w.clone();
    Tensor nb(DType::kF32, {m});
    const int64_t per = w.numel() / m;
    for (int64_t o = 0; o < m; ++o) {
      const double k = scale->data_as<float>()[o] / std::sqrt(static_cast<double>(var->data_as<float>()[o]) + eps);
      float* wo = nw.data_as<float>() + o * per;
      for (int64_t i = 0; i < per; ++i) wo[i] = static_cast<float>(wo[i] * k);
      const double bo = b ? b->data_as<float>()[o] : 0.0;
      nb.data_as<float>()[o] = static_cast<float>((bo - mean->data_as<float>()[o]) * k + shift->data_as<float>()[o]);
    }
    std::string wn = g.fresh_name(conv.name + ".folded_weight"), bname = g.fresh_name(conv.name + ".folded_bias");
    g.constants[wn] = nw;
    g.constants[bname] = nb;
    conv.inputs.resize(3);
    conv.inputs[1] = wn;
    conv.inputs[2] = bname;
    conv.outputs[0] = bn.outputs[0];
    conv.origins.insert(conv.origins.end(), bn.origins.begin(), bn.origins.end());
    bn.op_type.clear();
    producers = g.producers();
    uses = g.use_counts();
  }
  g.erase_marked_nodes();
  return Status::ok();
}

}  // namespace calibra
