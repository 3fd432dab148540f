#include "quant/quantize_graph.h"

#include "passes/passes.h"

#include <cmath>
#include <functional>
#include <numeric>

namespace calibra {

namespace {

bool is_compute(const std::string& op) { return op == "Conv" || op == "Gemm" || op == "MatMul"; }
bool is_passthrough(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "Concat";
}

// Why a node cannot be quantized ("" when it can).
std::string ineligible(const Graph& g, const Node& n) {
  if (!n.domain.empty()) return "custom domain";
  for (const PostOp& p : n.post_ops)
    if (p.kind == PostOp::Kind::kSum) return "fused residual";
  auto f32_const = [&](size_t i) {
    const Tensor* t = n.has_input(i) ? g.constant(n.inputs[i]) : nullptr;
    return t && t->dtype() == DType::kF32;
  };
  // INT8 scales come from the weights' range: NaN or Inf leave no meaningful one.
  auto non_finite = [&](size_t i) {
    const Tensor* t = n.has_input(i) ? g.constant(n.inputs[i]) : nullptr;
    if (!t || t->dtype() != DType::kF32) return false;
    for (int64_t k = 0; k < t->numel(); ++k)
      if (!std::isfinite(t->data_as<float>()[k])) return true;
    return false;
  };
  auto runtime_f32 = [&](const std::string& v) {
    if (g.is_constant(v)) return false;
    auto it = g.types.find(v);
    return it != g.types.end() && it->second.dtype == DType::kF32;
  };
  if (n.op_type == "Conv") {
    if (!f32_const(1)) return "weights are not constant";
    if (n.has_input(2) && !f32_const(2)) return "bias is not constant";
    if (non_finite(1) || non_finite(2)) return "weights contain NaN or Inf";
    if (!runtime_f32(n.input(0))) return "input is not a float tensor";
    return "";
  }
  if (n.op_type == "Gemm") {
    if (n.attr_int("transA", 0) || n.attr_float("alpha", 1.f) != 1.f || (n.has_input(2) && n.attr_float("beta", 1.f) != 1.f))
      return "transA/alpha/beta not supported in INT8";
    if (!f32_const(1) || (n.has_input(2) && !f32_const(2))) return "weights are not constant";
    if (non_finite(1) || non_finite(2)) return "weights contain NaN or Inf";
    if (n.has_input(2)) {
      const Tensor* c = g.constant(n.inputs[2]);
      const int64_t N = n.attr_int("transB", 0) ? g.constant(n.inputs[1])->dim(0) : g.constant(n.inputs[1])->dim(1);
      if (c->numel() != N) return "bias is not per output";
    }
    if (!runtime_f32(n.input(0))) return "input is not a float tensor";
    return "";
  }
  if (n.op_type == "MatMul") {
    if (!f32_const(1) || g.constant(n.inputs[1])->rank() != 2) return "weights are not a constant matrix";
    if (non_finite(1)) return "weights contain NaN or Inf";
    if (!runtime_f32(n.input(0))) return "input is not a float tensor";
    return "";
  }
  if (n.op_type == "Add") {
    if (n.inputs.size() != 2 || !runtime_f32(n.inputs[0]) || !runtime_f32(n.inputs[1])) return "not two float activations";
    auto a = g.types.find(n.inputs[0]), b = g.types.find(n.inputs[1]);
    if (a == g.types.end() || b == g.types.end() || !a->second.has_shape || !b->second.has_shape) return "unknown shapes";
    if (a->second.dims.size() != b->second.dims.size()) return "broadcasting Add";
    for (size_t i = 0; i < a->second.dims.size(); ++i) {
      const Dim &x = a->second.dims[i], &y = b->second.dims[i];
      if (x.is_fixed() != y.is_fixed() || (x.is_fixed() && x.value != y.value) || (!x.is_fixed() && x.param != y.param))
        return "broadcasting Add";
    }
    return "";
  }
  if (is_passthrough(n.op_type)) {
    if (n.outputs.size() != 1) return "Indices output";
    for (const auto& in : n.inputs)
      if (!runtime_f32(in)) return "inputs are not float activations";
    return "";
  }
  return "op has no INT8 form";
}

// Output-channel axis of a weight tensor.
int64_t weight_axis(const Node& n) {
  if (n.op_type == "Conv") return 0;
  if (n.op_type == "Gemm") return n.attr_int("transB", 0) ? 0 : 1;
  return 1;  // MatMul: [K, N]
}

// Bias correction: weight quantization shifts each output channel's mean by
// (W - deq(W_q)) . E[x]; adding that to the bias removes the shift (padding ignored).
// E[x] is the per-channel mean of the layer's FP32 input over the calibration subset.
Status correct_bias(Graph& g, Node& n, const std::string& input, const Tensor& w, const Tensor& wq, const QuantParam& wp,
                    const std::map<std::string, TensorStats>& stats, std::vector<float>* shift_out) {
  auto it = stats.find(input);
  if (it == stats.end() || it->second.channel_sum.empty()) return Status::ok();
  const std::vector<double> mean = it->second.channel_mean();
  const Tensor dw = dequantize_weights(wq, wp);
  std::vector<double> shift;
  if (n.op_type == "Conv") {
    const int64_t M = w.dim(0), Cg = w.dim(1), group = n.attr_int("group", 1);
    const int64_t ksp = w.numel() / (M * Cg), Mg = M / group;
    if (static_cast<int64_t>(mean.size()) != Cg * group) return Status::ok();
    shift.assign(static_cast<size_t>(M), 0.0);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t c = 0; c < Cg; ++c) {
        double delta = 0;
        for (int64_t k = 0; k < ksp; ++k) {
          const int64_t i = (m * Cg + c) * ksp + k;
          delta += static_cast<double>(w.data_as<float>()[i]) - dw.data_as<float>()[i];
        }
        shift[static_cast<size_t>(m)] += delta * mean[static_cast<size_t>((m / Mg) * Cg + c)];
      }
  } else {
    // Gemm/MatMul: W [K,N] (or [N,K] with transB); x [.., K] with K on axis 1 for 2-D inputs.
    const bool tb = n.op_type == "Gemm" && n.attr_int("transB", 0);
    const int64_t K = tb ? w.dim(1) : w.dim(0), N = tb ? w.dim(0) : w.dim(1);
    if (static_cast<int64_t>(mean.size()) != K) return Status::ok();
    shift.assign(static_cast<size_t>(N), 0.0);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j) {
        const int64_t i = tb ? j * K + k : k * N + j;
        shift[static_cast<size_t>(j)] += (static_cast<double>(w.data_as<float>()[i]) - dw.data_as<float>()[i]) * mean[static_cast<size_t>(k)];
      }
  }
  const int64_t channels = static_cast<int64_t>(shift.size());
  Tensor b(DType::kF32, {channels});
  if (n.has_input(2)) {
    const Tensor* old = g.constant(n.inputs[2]);
    if (!old || old->numel() != channels) return Status::ok();
    std::copy(old->data_as<float>(), old->data_as<float>() + channels, b.data_as<float>());
  }
  for (int64_t c = 0; c < channels; ++c) {
    b.data_as<float>()[c] += static_cast<float>(shift[static_cast<size_t>(c)]);
    shift_out->push_back(static_cast<float>(shift[static_cast<size_t>(c)]));
  }
  if (n.op_type == "MatMul") return Status::ok();  // MatMul has no bias input
  const std::string bn = g.fresh_name(n.name + "_corrected_bias");
  g.constants[bn] = b;
  ValueType vt;
  vt.dtype = DType::kF32;
  vt.has_shape = true;
  vt.dims.push_back(Dim{channels, ""});
  g.types[bn] = vt;
  if (n.inputs.size() < 3) n.inputs.resize(3);
  n.inputs[2] = bn;
  return Status::ok();
}

}  // namespace

std::vector<LayerDecision> plan_layers(const Graph& g, const std::set<std::string>& ignore) {
  std::vector<LayerDecision> layers;
  for (const auto& n : g.nodes) {
    if (!is_compute(n->op_type) && n->op_type != "Add" && !is_passthrough(n->op_type)) continue;
    LayerDecision d;
    d.node = n->name;
    d.op = n->op_type;
    d.compute = is_compute(n->op_type);
    d.reason = ineligible(g, *n);
    if (d.reason.empty() && (ignore.count(n->name) || ignore.count(n->op_type))) d.reason = "ignored (--ignore)";
    d.quantize = d.reason.empty();
    layers.push_back(d);
  }
  settle_layers(g, layers);
  return layers;
}

void settle_layers(const Graph& g, std::vector<LayerDecision>& layers) {
  // Pass-through layers (Add, pooling, Concat) pay off only next to quantized data: keep
  // one quantized when some input comes from a quantized layer. Topological order.
  auto producers = g.producers();
  std::map<std::string, LayerDecision*> by_node;
  for (auto& l : layers) by_node[l.node] = &l;
  for (const auto& n : g.nodes) {
    auto it = by_node.find(n->name);
    if (it == by_node.end() || it->second->compute) continue;
    LayerDecision& d = *it->second;
    if (!d.quantize && d.reason != "inputs are not quantized") continue;
    bool fed = false;
    for (const auto& in : n->inputs) {
      auto p = producers.find(in);
      if (p == producers.end()) continue;
      auto q = by_node.find(p->second->name);
      fed = fed || (q != by_node.end() && q->second->quantize);
    }
    d.quantize = fed;
    d.reason = fed ? "" : "inputs are not quantized";
  }
}

std::vector<std::string> tensors_to_observe(const Graph& g, const std::vector<LayerDecision>& layers) {
  std::set<std::string> want;
  std::map<std::string, const Node*> nodes;
  for (const auto& n : g.nodes) nodes[n->name] = n.get();
  for (const auto& l : layers) {
    const Node* n = nodes[l.node];
    if (!n || !ineligible(g, *n).empty()) continue;
    want.insert(n->inputs[0]);
    if (!l.compute)
      for (const auto& in : n->inputs) want.insert(in);
    want.insert(n->outputs[0]);
  }
  return std::vector<std::string>(want.begin(), want.end());
}

Result<QdqGraph> quantize_graph(const Graph& src, const std::vector<LayerDecision>& layers,
                                const std::map<std::string, TensorStats>& stats, const QuantizeOptions& opts) {
  QdqGraph out;
  // A deep copy to rewrite.
  auto g = std::make_unique<Graph>();
  g->name = src.name;
  g->opsets = src.opsets;
  g->inputs = src.inputs;
  g->outputs = src.outputs;
  g->constants = src.constants;
  g->types = src.types;
  g->producer_name = src.producer_name;
  for (const auto& n : src.nodes) g->nodes.push_back(std::make_unique<Node>(*n));
  const int64_t opset = std::max<int64_t>(13, g->default_opset());
  g->opsets[""] = opset;
  const bool per_channel = opts.scheme.per_channel_weights;

  std::map<std::string, Node*> node_by_name;
  for (auto& n : g->nodes) node_by_name[n->name] = n.get();
  std::set<std::string> quantized;
  for (const auto& l : layers)
    if (l.quantize) quantized.insert(l.node);
  auto consumers = g->consumers();

  // 1. Tensors to quantize: inputs of quantized layers; outputs read by a quantized layer;
  //    outputs of quantized pass-through layers.
  std::set<std::string> tensors;
  for (const auto& name : quantized) {
    const Node& n = *node_by_name[name];
    if (is_compute(n.op_type)) tensors.insert(n.inputs[0]);
    else
      for (const auto& in : n.inputs) tensors.insert(in);
    bool read_by_quantized = is_passthrough(n.op_type);
    for (const Node* c : consumers[n.outputs[0]]) read_by_quantized = read_by_quantized || quantized.count(c->name);
    if (read_by_quantized) tensors.insert(n.outputs[0]);
  }
  // 2. Groups that must share parameters: a pass-through layer's inputs and output.
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> find = [&](const std::string& x) {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return x;
    return it->second = find(it->second);
  };
  for (const auto& name : quantized) {
    const Node& n = *node_by_name[name];
    if (!is_passthrough(n.op_type)) continue;
    for (const auto& in : n.inputs) parent[find(in)] = find(n.outputs[0]);
  }
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& t : tensors) groups[find(t)].push_back(t);
  for (const auto& [root, members] : groups) {
    TensorStats merged;
    bool any = false;
    std::vector<Range> ranges;
    RangeShape shape = RangeShape::kUnsigned;
    for (const auto& m : members) {
      auto it = stats.find(m);
      if (it == stats.end() || !it->second.seen)
        return Status::internal("no calibration statistics for tensor '" + m + "'");
      const TensorStats& s = it->second;
      merged.min = any ? std::min(merged.min, s.min) : s.min;
      merged.max = any ? std::max(merged.max, s.max) : s.max;
      any = true;
      if (range_shape(s, opts.scheme) != RangeShape::kUnsigned) shape = range_shape(s, opts.scheme);
    }
    if (shape == RangeShape::kUnsigned && merged.min < 0) shape = RangeShape::kSymmetric;
    RangeRequest req;
    req.shape = shape;
    req.levels = range_levels(shape, opts.scheme);
    req.percentile = opts.percentile;
    Range r{0, 0, ""};
    bool first = true;
    for (const auto& m : members) {
      auto alg_it = opts.tensor_algorithm.find(m);
      const std::string& alg = alg_it == opts.tensor_algorithm.end() ? opts.algorithm : alg_it->second;
      CALIBRA_ASSIGN_OR_RETURN(Range mr, compute_range(alg, stats.at(m), req));
      r.lo = first ? mr.lo : std::min(r.lo, mr.lo);
      r.hi = first ? mr.hi : std::max(r.hi, mr.hi);
      r.algorithm = mr.algorithm;
      first = false;
    }
    const QuantParam p = activation_param(r, shape, opts.scheme);
    for (const auto& m : members) out.tensors[m] = TensorQuant{r, shape, p, stats.at(m).min, stats.at(m).max};
  }

  // The FP32 input of each quantized layer (before readers are rewired to DQ outputs).
  std::map<std::string, std::string> src_input;
  for (const auto& name : quantized) src_input[name] = node_by_name[name]->inputs[0];

  // 3. Q -> DQ for each quantized tensor; quantized readers take the DQ output.
  auto add_scalar_params = [&](const std::string& base, const QuantParam& p) {
    Tensor s(DType::kF32, {});
    *s.data_as<float>() = p.s();
    Tensor z(p.dtype, {});
    if (p.dtype == DType::kU8) *z.data_as<uint8_t>() = static_cast<uint8_t>(p.zp());
    else *z.data_as<int8_t>() = static_cast<int8_t>(p.zp());
    const std::string sn = g->fresh_name(base + "_scale"), zn = g->fresh_name(base + "_zero_point");
    g->constants[sn] = s;
    g->constants[zn] = z;
    return std::make_pair(sn, zn);
  };
  std::vector<std::unique_ptr<Node>> added;
  for (const auto& [t, tq] : out.tensors) {
    auto [sn, zn] = add_scalar_params(t, tq.param);
    const std::string qn = g->fresh_name(t + "_quantized"), dqn = g->fresh_name(t + "_dequantized");
    auto q = std::make_unique<Node>();
    q->op_type = "QuantizeLinear";
    q->name = g->fresh_name(t + "_QuantizeLinear");
    q->opset = opset;
    q->inputs = {t, sn, zn};
    q->outputs = {qn};
    auto dq = std::make_unique<Node>();
    dq->op_type = "DequantizeLinear";
    dq->name = g->fresh_name(t + "_DequantizeLinear");
    dq->opset = opset;
    dq->inputs = {qn, sn, zn};
    dq->outputs = {dqn};
    ValueType vt = g->types[t];
    ValueType qt = vt;
    qt.dtype = tq.param.dtype;
    g->types[qn] = qt;
    g->types[dqn] = vt;
    for (auto& n : g->nodes)
      if (quantized.count(n->name))
        for (auto& in : n->inputs)
          if (in == t) in = dqn;
    added.push_back(std::move(q));
    added.push_back(std::move(dq));
  }
  // 4. Weights: int8 initializers + per-channel DQ; bias correction.
  for (const auto& name : quantized) {
    Node& n = *node_by_name[name];
    if (!is_compute(n.op_type)) continue;
    const Tensor& w = *g->constant(n.inputs[1]);
    const int64_t axis = per_channel && opset >= 13 ? weight_axis(n) : -1;
    auto [wq, wp] = quantize_weights(w, axis, opts.scheme);
    out.weights[name] = wp;
    if (opts.bias_correction) {
      CALIBRA_TRY(correct_bias(*g, n, src_input[name], w, wq, wp, stats, &out.bias_shift[name]));
    }
    const std::string wqn = g->fresh_name(n.inputs[1] + "_" + name + "_quantized");
    g->constants[wqn] = wq;
    Tensor s(DType::kF32, axis < 0 ? Shape{} : Shape{static_cast<int64_t>(wp.scale.size())});
    std::copy(wp.scale.begin(), wp.scale.end(), s.data_as<float>());
    Tensor z(DType::kI8, s.shape());
    const std::string sn = g->fresh_name(name + "_weight_scale"), zn = g->fresh_name(name + "_weight_zero_point");
    g->constants[sn] = s;
    g->constants[zn] = z;
    auto dq = std::make_unique<Node>();
    dq->op_type = "DequantizeLinear";
    dq->name = g->fresh_name(name + "_weight_DequantizeLinear");
    dq->opset = opset;
    dq->inputs = {wqn, sn, zn};
    const std::string wdq = g->fresh_name(name + "_weight_dequantized");
    dq->outputs = {wdq};
    if (axis >= 0) dq->attrs["axis"] = Attribute::of_int(axis);
    ValueType vt;
    vt.dtype = DType::kF32;
    vt.has_shape = true;
    for (int64_t d : w.shape()) vt.dims.push_back(Dim{d, ""});
    g->types[wdq] = vt;
    vt.dtype = DType::kI8;
    g->types[wqn] = vt;
    n.inputs[1] = wdq;
    added.push_back(std::move(dq));
  }
  for (auto& a : added) g->nodes.push_back(std::move(a));
  CALIBRA_TRY(g->topo_sort());
  CALIBRA_TRY(remove_dead_nodes(*g));  // the float weights that int8 ones replaced
  out.graph = std::move(g);
  return out;
}

}  // namespace calibra
