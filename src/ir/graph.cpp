#include "ir/graph.h"

#include <algorithm>
#include <queue>
#include <set>
#include <unordered_set>

namespace calibra {

bool ValueType::fully_static() const {
  if (!has_shape) return false;
  return std::all_of(dims.begin(), dims.end(), [](const Dim& d) { return d.is_fixed(); });
}

Shape ValueType::static_shape() const {
  Shape s;
  for (const Dim& d : dims) s.push_back(d.value);
  return s;
}

std::string ValueType::str() const {
  std::string r = dtype_name(dtype);
  if (!has_shape) return r + "[?]";
  r += "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) r += ",";
    if (dims[i].is_fixed()) r += std::to_string(dims[i].value);
    else r += dims[i].param.empty() ? "?" : dims[i].param;
  }
  return r + "]";
}

const std::string& Node::input(size_t i) const {
  static const std::string kNone;
  return i < inputs.size() ? inputs[i] : kNone;
}

int64_t Node::attr_int(const std::string& n, int64_t def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.i;
}
float Node::attr_float(const std::string& n, float def) const {
  auto it = attrs.find(n);
  if (it == attrs.end()) return def;
  return it->second.kind == Attribute::Kind::kInt ? static_cast<float>(it->second.i) : it->second.f;
}
std::string Node::attr_string(const std::string& n, const std::string& def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.s;
}
std::vector<int64_t> Node::attr_ints(const std::string& n, std::vector<int64_t> def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.ints;
}
std::vector<float> Node::attr_floats(const std::string& n, std::vector<float> def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.floats;
}
const Tensor* Node::attr_tensor(const std::string& n) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? nullptr : &it->second.t;
}

std::string Node::describe() const { return op_type + " node '" + name + "'"; }

int64_t Graph::default_opset() const {
  auto it = opsets.find("");
  if (it != opsets.end()) return it->second;
  it = opsets.find("ai.onnx");
  return it == opsets.end() ? 0 : it->second;
}

const Tensor* Graph::constant(const std::string& v) const {
  auto it = constants.find(v);
  return it == constants.end() ? nullptr : &it->second;
}

Status Graph::topo_sort() {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& o : nodes[i]->outputs) {
      if (o.empty()) continue;
      if (!producer.emplace(o, i).second)
        return Status::invalid_model("value '" + o + "' is produced by two nodes ('" +
                                     nodes[producer[o]]->name + "' and '" + nodes[i]->name + "')");
      if (constants.count(o) || is_graph_input(o))
        return Status::invalid_model("value '" + o + "' produced by " + nodes[i]->describe() +
                                     " is also a graph input or initializer");
    }
  }
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<size_t>> users(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::unordered_set<size_t> deps;
    for (const auto& in : nodes[i]->inputs) {
      if (in.empty() || constants.count(in) || is_graph_input(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return Status::invalid_model(nodes[i]->describe() + " reads '" + in +
                                     "', which no node, input or initializer provides");
      deps.insert(it->second);
    }
    pending[i] = static_cast<int>(deps.size());
    for (size_t d : deps) users[d].push_back(i);
  }
  // Kahn's algorithm with a min-heap on the original index keeps file order stable.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.push(u);
  }
  if (order.size() != nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (pending[i] > 0)
        return Status::invalid_model("the graph has a cycle through " + nodes[i]->describe());
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(nodes.size());
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  for (const auto& o : outputs)
    if (!producer.count(o) && !constants.count(o) && !is_graph_input(o))
      return Status::invalid_model("graph output '" + o + "' is not produced by any node");
  return Status::ok();
}

std::unordered_map<std::string, Node*> Graph::producers() const {
  std::unordered_map<std::string, Node*> m;
  for (const auto& n : nodes)
    for (const auto& o : n->outputs)
      if (!o.empty()) m[o] = n.get();
  return m;
}

std::unordered_map<std::string, std::vector<Node*>> Graph::consumers() const {
  std::unordered_map<std::string, std::vector<Node*>> m;
  for (const auto& n : nodes)
    for (const auto& in : n->inputs)
      if (!in.empty()) {
        auto& v = m[in];
        if (v.empty() || v.back() != n.get()) v.push_back(n.get());
      }
  return m;
}

std::unordered_map<std::string, int> Graph::use_counts() const {
  std::unordered_map<std::string, int> m;
  for (const auto& n : nodes)
    for (const auto& in : n->inputs)
      if (!in.empty()) ++m[in];
  for (const auto& o : outputs) ++m[o];
  return m;
}

bool Graph::is_graph_output(const std::string& v) const {
  return std::find(outputs.begin(), outputs.end(), v) != outputs.end();
}

bool Graph::is_graph_input(const std::string& v) const {
  return std::find(inputs.begin(), inputs.end(), v) != inputs.end();
}

std::string Graph::fresh_name(const std::string& base) {
  std::unordered_set<std::string> used;
  for (const auto& n : nodes) {
    used.insert(n->name);
    for (const auto& o : n->outputs) used.insert(o);
  }
  for (;;) {
    std::string cand = base + "__" + std::to_string(fresh_counter_++);
    if (!used.count(cand) && !constants.count(cand) && !types.count(cand) && !is_graph_input(cand))
      return cand;
  }
}

void Graph::erase_marked_nodes() {
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                             [](const std::unique_ptr<Node>& n) { return n->op_type.empty(); }),
              nodes.end());
}

void Graph::replace_uses(const std::string& from, const std::string& to) {
  for (auto& n : nodes)
    for (auto& in : n->inputs)
      if (in == from) in = to;
  for (auto& o : outputs)
    if (o == from) o = to;
}

int64_t Graph::parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : constants) n += t.numel();
  return n;
}

}  // namespace calibra
