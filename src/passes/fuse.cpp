// Fusion passes: residual Add and activations become post-ops of their producer, so that
// oneDNN runs Conv + BN + Add + ReLU as one primitive (and the reference kernel applies the
// same post-ops in the same order).
#include <cmath>

#include "ops/elementwise.h"
#include "passes/passes.h"

namespace calibra {

namespace {

bool same_static_shape(const Graph& g, const std::string& a, const std::string& b) {
  auto ia = g.types.find(a), ib = g.types.find(b);
  if (ia == g.types.end() || ib == g.types.end()) return false;
  const ValueType &ta = ia->second, &tb = ib->second;
  if (!ta.has_shape || !tb.has_shape || ta.dims.size() != tb.dims.size()) return false;
  if (ta.dtype != DType::kF32 || tb.dtype != DType::kF32) return false;
  for (size_t i = 0; i < ta.dims.size(); ++i) {
    const Dim &x = ta.dims[i], &y = tb.dims[i];
    if (x.is_fixed() && y.is_fixed()) {
      if (x.value != y.value) return false;
    } else if (x.param.empty() || x.param != y.param) {
      return false;
    }
  }
  return true;
}

bool fusable_producer(const Node& n) {
  if (!n.domain.empty()) return false;
  return n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" || n.op_type == "MatMul" ||
         n.op_type == "Add";
}

// The activation computed by a node, when it is a fusable unary op with constant params.
std::optional<Activation> node_activation(const Graph& g, const Node& n) {
  static const char* kFusable[] = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu"};
  bool ok = false;
  for (const char* k : kFusable) ok = ok || n.op_type == k;
  if (!ok || !n.domain.empty()) return std::nullopt;
  std::vector<ValueDesc> src;
  for (const auto& in : n.inputs) {
    const Tensor* t = in.empty() ? nullptr : g.constant(in);
    src.push_back(in.empty() ? ValueDesc{} : ValueDesc{t ? t->dtype() : DType::kF32, t ? t->shape() : Shape{}, t});
  }
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (!n.inputs[i].empty() && !g.constant(n.inputs[i])) return std::nullopt;  // runtime Clip bounds
  auto act = unary_activation(n, src);
  if (!act.is_ok() || !*act) return std::nullopt;
  return **act;
}

bool is_float32(const Graph& g, const std::string& v) {
  auto it = g.types.find(v);
  return it != g.types.end() && it->second.dtype == DType::kF32;
}

// Moves `act` onto `p` (whose single output is `x`) and makes `p` produce `out` instead.
void absorb(Node& p, const Activation& act, const std::string& out, std::vector<Node*> gone) {
  PostOp po;
  po.kind = PostOp::Kind::kActivation;
  po.act = act;
  p.post_ops.push_back(po);
  p.outputs[0] = out;
  for (Node* n : gone) {
    p.origins.insert(p.origins.end(), n->origins.begin(), n->origins.end());
    n->op_type.clear();
  }
}

}  // namespace

Status fuse_residual_add(Graph& g) {
  auto producers = g.producers();
  auto uses = g.use_counts();
  std::unordered_map<const Node*, size_t> order;
  for (size_t i = 0; i < g.nodes.size(); ++i) order[g.nodes[i].get()] = i;
  for (auto& ap : g.nodes) {
    Node& add = *ap;
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.opset < 7) continue;
    if (!same_static_shape(g, add.inputs[0], add.inputs[1]) || !same_static_shape(g, add.inputs[0], add.outputs[0]))
      continue;
    // Candidate convs: producers of either operand, used only here, without a sum already.
    Node* best = nullptr;
    size_t best_operand = 0;
    for (size_t k = 0; k < 2; ++k) {
      auto it = producers.find(add.inputs[k]);
      if (it == producers.end()) continue;
      Node* c = it->second;
      if (c->op_type != "Conv" || !c->domain.empty() || c->outputs.size() != 1) continue;
      if (uses[add.inputs[k]] != 1 || g.is_graph_output(add.inputs[k])) continue;
      bool has_sum = false;
      for (const auto& po : c->post_ops) has_sum = has_sum || po.kind == PostOp::Kind::kSum;
      if (has_sum) continue;
      if (!best || order[c] > order[best]) {
        best = c;
        best_operand = k;
      }
    }
    if (!best) continue;
    if (add.inputs[0] == add.inputs[1]) continue;
    const std::string residual = add.inputs[1 - best_operand];
    best->inputs.resize(3);  // X, W, B ("" when absent)
    best->inputs.push_back(residual);
    PostOp sum;
    sum.kind = PostOp::Kind::kSum;
    sum.input_index = 3;
    best->post_ops.push_back(sum);
    for (const auto& po : add.post_ops) best->post_ops.push_back(po);
    best->outputs[0] = add.outputs[0];
    best->origins.insert(best->origins.end(), add.origins.begin(), add.origins.end());
    add.op_type.clear();
    producers = g.producers();
    uses = g.use_counts();
  }
  g.erase_marked_nodes();
  return g.topo_sort();
}

Status fuse_activations(Graph& g) {
  bool changed = true;
  while (changed) {
    changed = false;
    auto producers = g.producers();
    auto consumers = g.consumers();
    auto uses = g.use_counts();
    for (auto& np : g.nodes) {
      Node& p = *np;
      if (p.op_type.empty() || !fusable_producer(p) || p.outputs.size() != 1) continue;
      const std::string x = p.outputs[0];
      if (g.is_graph_output(x) || !is_float32(g, x)) continue;
      auto cit = consumers.find(x);
      if (cit == consumers.end()) continue;
      const auto& cs = cit->second;
      // Plain activation: the only reader of x.
      if (cs.size() == 1 && uses[x] == 1) {
        Node& a = *cs[0];
        if (auto act = node_activation(g, a); act && a.inputs[0] == x && a.outputs.size() == 1) {
          absorb(p, *act, a.outputs[0], {&a});
          changed = true;
          break;
        }
      }
      // Swish / HardSwish: x read by a gate (Sigmoid or HardSigmoid(1/6, 1/2)) and by Mul(x, gate).
      if (cs.size() == 2 && uses[x] == 2) {
        Node* gate = nullptr;
        Node* mul = nullptr;
        for (Node* c : cs) {
          if (c->op_type == "Mul" && c->domain.empty()) mul = c;
          else if ((c->op_type == "Sigmoid" || c->op_type == "HardSigmoid") && c->domain.empty()) gate = c;
        }
        if (!gate || !mul || gate->outputs.size() != 1 || uses[gate->outputs[0]] != 1) continue;
        const std::string gy = gate->outputs[0];
        if (!((mul->inputs[0] == x && mul->inputs[1] == gy) || (mul->inputs[1] == x && mul->inputs[0] == gy))) continue;
        Activation act;
        if (gate->op_type == "Sigmoid") {
          act.kind = ActKind::kSwish;
        } else {
          const float alpha = gate->attr_float("alpha", 0.2f), beta = gate->attr_float("beta", 0.5f);
          if (std::abs(alpha - 1.f / 6.f) > 1e-6f || std::abs(beta - 0.5f) > 1e-6f) continue;
          act.kind = ActKind::kHardSwish;
        }
        absorb(p, act, mul->outputs[0], {gate, mul});
        changed = true;
        break;
      }
    }
    g.erase_marked_nodes();
  }
  return Status::ok();
}

}  // namespace calibra
