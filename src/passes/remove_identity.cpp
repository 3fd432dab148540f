#include "passes/passes.h"

namespace calibra {

namespace {
bool is_removable(const Node& n, const std::unordered_map<std::string, int>& uses) {
  if (!n.domain.empty() || n.inputs.empty() || n.outputs.empty() || n.inputs[0].empty()) return false;
  if (n.op_type == "Identity") return n.outputs.size() == 1;
  if (n.op_type == "Dropout") {
    // Inference Dropout is Identity when its mask is not read and training_mode is off.
    if (n.outputs.size() > 1 && !n.outputs[1].empty() && uses.count(n.outputs[1])) return false;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) return false;  // training_mode given: let the op check it
    if (n.opset < 7 && n.attr_int("is_test", 0) == 0 && n.outputs.size() > 1) return false;
    return true;
  }
  return false;
}
}  // namespace

Status remove_identity(Graph& g) {
  for (auto& np : g.nodes) {
    Node& n = *np;
    auto uses = g.use_counts();
    if (!is_removable(n, uses)) continue;
    const std::string src = n.inputs[0], dst = n.outputs[0];
    if (!g.is_graph_output(dst)) {
      g.replace_uses(dst, src);
      n.op_type.clear();
      continue;
    }
    // dst is a graph output: keep its name. Rename src to dst where src is ours to rename.
    auto producers = g.producers();
    auto it = producers.find(src);
    if (it == producers.end() || g.is_graph_output(src) || g.is_graph_input(src)) continue;
    for (auto& o : it->second->outputs)
      if (o == src) o = dst;
    for (auto& other : g.nodes)
      if (other.get() != &n)
        for (auto& in : other->inputs)
          if (in == src) in = dst;
    n.op_type.clear();
  }
  g.erase_marked_nodes();
  return Status::ok();
}

}  // namespace calibra
