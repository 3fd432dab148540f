// OpDef: everything Calibra knows about one ONNX op, in one row of the registry table
// (ops/registry.cpp): the opset versions it handles, which inputs must be known while
// planning, its shape rule, its reference kernel and (optionally) its oneDNN kernel.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "calibra/status.h"
#include "calibra/tensor.h"
#include "ir/graph.h"
#include "kernels/kernel.h"

namespace calibra {

// A value as the planner knows it: type, concrete shape, and its contents when they are
// known at plan time (initializers, folded constants, shape computations).
struct ValueDesc {
  DType dtype = DType::kUndefined;  // kUndefined: an absent optional input
  Shape shape;
  const Tensor* value = nullptr;

  bool present() const { return dtype != DType::kUndefined; }
  int64_t numel() const { return shape_numel(shape); }
  size_t rank() const { return shape.size(); }
};

struct InferCtx {
  const Node& node;
  std::span<const ValueDesc> src;
  std::vector<ValueDesc> dst;  // the shape rule fills dtype and shape of each output

  explicit InferCtx(const Node& n, std::span<const ValueDesc> s) : node(n), src(s) {
    dst.resize(n.outputs.size());
  }
  bool has(size_t i) const { return i < src.size() && src[i].present(); }
  void set(size_t i, DType t, Shape s) {
    dst[i].dtype = t;
    dst[i].shape = std::move(s);
  }
};

struct KernelArgs {
  const Node& node;
  std::span<const ValueDesc> src;
  std::span<const ValueDesc> dst;
};

struct DnnlBuildCtx;   // kernels/dnnl/dnnl_build.h
struct DnnlKernelPlan;

using InferFn = Status (*)(InferCtx&);
using RefFactory = Result<std::unique_ptr<Kernel>> (*)(const KernelArgs&);
using DnnlFactory = Result<DnnlKernelPlan> (*)(const DnnlBuildCtx&);

enum OpFlags : unsigned {
  kOpNone = 0,
  // Output 0 is input 0 reinterpreted (same bytes, new shape): zero-copy on plain layouts.
  kOpView = 1u << 0,
  // Output depends only on the *shapes* of the inputs (Shape, Size): never needs their values.
  kOpShapeOnly = 1u << 1,
};

struct OpDef {
  const char* type;
  int min_opset;                    // oldest opset version whose semantics we implement
  std::vector<int> value_inputs;    // inputs whose values decide output shapes (plan-time)
  InferFn infer;
  RefFactory ref;
  DnnlFactory dnnl = nullptr;
  unsigned flags = kOpNone;
  // For nodes that run in INT8 (Node::quant set by the QDQ fusion pass). Ops without them
  // (pooling, Concat) move integers with their ordinary kernels.
  RefFactory qref = nullptr;
  DnnlFactory qdnnl = nullptr;
};

// The registry (ops/registry.cpp). Returns nullptr for ops Calibra does not implement.
const OpDef* find_op(const std::string& domain, const std::string& type);
const std::vector<OpDef>& all_ops();
// Checks every node against the registry; one error naming every unsupported op and node.
Status check_ops_supported(const Graph& g);

// Helpers shared by shape rules and kernels.
// Normalises a possibly negative axis against `rank`; error names the node.
Result<int64_t> normalize_axis(const Node& n, int64_t axis, int64_t rank);
// Numpy/ONNX multidirectional broadcast of two shapes.
Result<Shape> broadcast_shapes(const Node& n, const Shape& a, const Shape& b);
// Reads a plan-time int tensor (int32 or int64) as int64 values.
Result<std::vector<int64_t>> read_ints(const Node& n, const ValueDesc& v, const char* what);
// Reads a plan-time float scalar/1-elem tensor (any float or int type).
Result<double> read_scalar(const Node& n, const ValueDesc& v, const char* what);
// A Status naming the node: "Conv node 'c1': <msg>".
Status node_error(const Node& n, StatusCode code, const std::string& msg);
inline Status bad_node(const Node& n, const std::string& msg) {
  return node_error(n, StatusCode::kInvalidModel, msg);
}
inline Status unsupported_node(const Node& n, const std::string& msg) {
  return node_error(n, StatusCode::kUnsupported, msg);
}

}  // namespace calibra
