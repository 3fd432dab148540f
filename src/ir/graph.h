// The graph IR: nodes in topological order, values named by strings (as in ONNX).
//
// Import builds it from ONNX, passes rewrite it, the planner turns it into an execution
// plan for concrete input shapes. Values are referred to by name; "" is an absent
// optional input. Constants (initializers and folded values) live in Graph::constants.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "calibra/status.h"
#include "calibra/tensor.h"
#include "ir/activation.h"
#include "ir/quant.h"

namespace calibra {

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kUnsupported };
  Kind kind = Kind::kInt;
  float f = 0.f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::string unsupported_type;  // e.g. "GRAPH" for control flow subgraphs

  static Attribute of_int(int64_t v) { Attribute a; a.kind = Kind::kInt; a.i = v; return a; }
  static Attribute of_float(float v) { Attribute a; a.kind = Kind::kFloat; a.f = v; return a; }
  static Attribute of_string(std::string v) { Attribute a; a.kind = Kind::kString; a.s = std::move(v); return a; }
  static Attribute of_ints(std::vector<int64_t> v) { Attribute a; a.kind = Kind::kInts; a.ints = std::move(v); return a; }
  static Attribute of_floats(std::vector<float> v) { Attribute a; a.kind = Kind::kFloats; a.floats = std::move(v); return a; }
  static Attribute of_tensor(Tensor v) { Attribute a; a.kind = Kind::kTensor; a.t = std::move(v); return a; }
};

// A dimension as the model declares it: a number, a symbolic name ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // -1: not a fixed number
  std::string param;   // symbolic name, if any
  bool is_fixed() const { return value >= 0; }
};

struct ValueType {
  DType dtype = DType::kUndefined;
  bool has_shape = false;
  std::vector<Dim> dims;
  bool fully_static() const;
  Shape static_shape() const;  // requires fully_static()
  std::string str() const;     // "float32[batch,3,224,224]"
};

class Node {
 public:
  std::string name;  // unique in the graph (the importer names unnamed nodes)
  std::string op_type;
  std::string domain;  // "" is the default ONNX domain
  int64_t opset = 0;   // opset version of `domain` in this model
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;
  std::vector<PostOp> post_ops;      // set by fusion passes
  std::vector<std::string> origins;  // ONNX node names this node stands for (fusion joins them)
  // Set when the node runs in INT8 (after QDQ fusion): parameters of inputs, weights, output.
  std::shared_ptr<const QuantOpInfo> quant;

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  const std::string& input(size_t i) const;
  bool has_attr(const std::string& n) const { return attrs.count(n) != 0; }
  int64_t attr_int(const std::string& n, int64_t def) const;
  float attr_float(const std::string& n, float def) const;
  std::string attr_string(const std::string& n, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& n, std::vector<int64_t> def = {}) const;
  std::vector<float> attr_floats(const std::string& n, std::vector<float> def = {}) const;
  const Tensor* attr_tensor(const std::string& n) const;
  // "Conv node 'conv1'" — for error messages.
  std::string describe() const;
};

class Graph {
 public:
  std::string name;
  std::map<std::string, int64_t> opsets;  // domain -> version ("" = ai.onnx)
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::string> inputs;   // runtime inputs (initializers excluded)
  std::vector<std::string> outputs;
  std::unordered_map<std::string, Tensor> constants;
  std::unordered_map<std::string, ValueType> types;
  std::string producer_name;  // e.g. "pytorch 1.13"

  int64_t default_opset() const;
  bool is_constant(const std::string& v) const { return constants.count(v) != 0; }
  const Tensor* constant(const std::string& v) const;

  // Sorts nodes topologically (stable: keeps file order where possible). Fails on cycles
  // and on inputs that nothing produces.
  Status topo_sort();
  std::unordered_map<std::string, Node*> producers() const;
  std::unordered_map<std::string, std::vector<Node*>> consumers() const;
  // How many times each value is read (node inputs and graph outputs).
  std::unordered_map<std::string, int> use_counts() const;
  bool is_graph_output(const std::string& v) const;
  bool is_graph_input(const std::string& v) const;
  // A value/node name not used yet, derived from `base`.
  std::string fresh_name(const std::string& base);
  // Removes nodes whose `op_type` was set to "" by a pass.
  void erase_marked_nodes();
  // Replaces every use of value `from` by `to` (node inputs and graph outputs).
  void replace_uses(const std::string& from, const std::string& to);
  // Parameters (weights) in constants, in elements.
  int64_t parameter_count() const;

 private:
  int64_t fresh_counter_ = 0;
};

}  // namespace calibra
