#include <unordered_set>

#include "passes/passes.h"

namespace calibra {

Status remove_dead_nodes(Graph& g) {
  bool changed = true;
  while (changed) {
    changed = false;
    auto uses = g.use_counts();
    for (auto& n : g.nodes) {
      bool live = false;
      for (const auto& o : n->outputs) live = live || (!o.empty() && uses.count(o));
      if (!live) {
        n->op_type.clear();
        changed = true;
      }
    }
    g.erase_marked_nodes();
  }
  auto uses = g.use_counts();
  for (auto it = g.constants.begin(); it != g.constants.end();) {
    if (!uses.count(it->first)) it = g.constants.erase(it);
    else ++it;
  }
  return Status::ok();
}

}  // namespace calibra
