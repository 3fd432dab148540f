// QDQ fusion: DequantizeLinear -> op -> QuantizeLinear patterns become INT8 nodes (the op
// with Node::quant set), so a QDQ model (Calibra's own or another tool's) runs as real INT8.
//
//   Conv / Gemm / MatMul: x = DQ(x_q), W = DQ(W_q const int8, symmetric), bias constant
//     (or DQ of an int32 constant); output through Q -> u8/s8, otherwise float.
//   Add(DQ(a), DQ(b)) -> Q: a residual sum fused into the quantized Conv producing `a`
//     (or `b`), else a quantized Add.
//   MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool, Concat: when every input's
//     and the output's parameters are equal they move integers unchanged.
//   DQ before a view (Reshape, Flatten, Squeeze, Unsqueeze) moves after it first.
// Activations were fused into their producers by fuse_activations beforehand.
#include <memory>

#include "ops/quantize.h"
#include "passes/passes.h"

namespace calibra {

namespace {

struct Ctx {
  Graph& g;
  std::unordered_map<std::string, Node*> producer;
  std::unordered_map<std::string, int> uses;
  void refresh() {
    producer = g.producers();
    uses = g.use_counts();
  }
};

// The parameters of a Q or DQ node (constant scale/zero point), if it is one.
std::optional<QuantParam> param_of(const Graph& g, const Node& n) {
  if ((n.op_type != "QuantizeLinear" && n.op_type != "DequantizeLinear") || !n.domain.empty()) return std::nullopt;
  std::vector<ValueDesc> src;
  for (const auto& in : n.inputs) {
    const Tensor* t = in.empty() ? nullptr : g.constant(in);
    src.push_back(in.empty() ? ValueDesc{} : ValueDesc{t ? t->dtype() : DType::kF32, t ? t->shape() : Shape{}, t});
  }
  auto p = qdq_param(n, src);
  if (!p.is_ok()) return std::nullopt;
  return *p;
}

// Equal declared shapes: fixed dims equal, symbolic dims (a dynamic batch) by name.
bool same_shape(const Graph& g, const std::string& a, const std::string& b) {
  auto ta = g.types.find(a), tb = g.types.find(b);
  if (ta == g.types.end() || tb == g.types.end() || !ta->second.has_shape || !tb->second.has_shape) return false;
  const auto &x = ta->second.dims, &y = tb->second.dims;
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].is_fixed() != y[i].is_fixed()) return false;
    if (x[i].is_fixed() ? x[i].value != y[i].value : (x[i].param.empty() || x[i].param != y[i].param)) return false;
  }
  return true;
}

// The DQ node producing `v` with per-tensor parameters, or null.
Node* dq_of(Ctx& c, const std::string& v, QuantParam* p, bool allow_per_channel = false) {
  auto it = c.producer.find(v);
  if (it == c.producer.end() || it->second->op_type != "DequantizeLinear") return nullptr;
  auto q = param_of(c.g, *it->second);
  if (!q || (q->per_channel() && !allow_per_channel)) return nullptr;
  *p = *q;
  return it->second;
}

// The single Q node reading `v` (and nothing else reading it), or null.
Node* q_after(Ctx& c, const std::string& v, QuantParam* p) {
  if (c.uses[v] != 1 || c.g.is_graph_output(v)) return nullptr;
  for (auto& n : c.g.nodes)
    if (n->op_type == "QuantizeLinear" && n->input(0) == v) {
      auto q = param_of(c.g, *n);
      if (!q || q->per_channel()) return nullptr;
      *p = *q;
      return n.get();
    }
  return nullptr;
}

// Makes `n` write the Q node's output instead of its own, and removes the Q node.
void absorb_q(Node& n, Node* q, QuantOpInfo& info) {
  n.outputs[0] = q->outputs[0];
  info.absorbed.push_back(q->name);
  n.origins.push_back(q->name);
  q->op_type.clear();
}

bool sink_dq_through_views(Ctx& c) {
  bool changed = false;
  for (auto& np : c.g.nodes) {
    Node& v = *np;
    if (v.op_type != "Reshape" && v.op_type != "Flatten" && v.op_type != "Squeeze" && v.op_type != "Unsqueeze") continue;
    QuantParam p;
    Node* dq = dq_of(c, v.input(0), &p);
    if (!dq) continue;
    // V(DQ(x_q)) -> DQ(V(x_q)): a new view on the integers, a new DQ after it.
    const std::string vq = c.g.fresh_name(v.outputs[0] + "_q");
    auto dq2 = std::make_unique<Node>(*dq);
    dq2->name = c.g.fresh_name(dq->name + "_moved");
    dq2->inputs[0] = vq;
    dq2->outputs = {v.outputs[0]};
    v.inputs[0] = dq->inputs[0];
    v.outputs[0] = vq;
    auto it = c.g.types.find(dq->inputs[0]);
    if (it != c.g.types.end()) {
      ValueType t = c.g.types[dq2->outputs[0]];
      t.dtype = it->second.dtype;
      c.g.types[vq] = t;
    }
    c.g.nodes.push_back(std::move(dq2));
    changed = true;
    break;  // node list changed; restart
  }
  return changed;
}

// Conv / Gemm / MatMul with quantized input and int8 constant weights.
bool fuse_linear(Ctx& c, Node& n) {
  if (n.quant || !n.domain.empty() || (n.op_type != "Conv" && n.op_type != "Gemm" && n.op_type != "MatMul")) return false;
  if (n.outputs.size() != 1 || n.inputs.size() < 2) return false;
  QuantParam px, pw;
  Node* dx = dq_of(c, n.input(0), &px);
  Node* dw = dq_of(c, n.input(1), &pw, true);
  if (!dx || !dw) return false;
  const Tensor* wq = c.g.constant(dw->input(0));
  if (!wq || wq->dtype() != DType::kI8) return false;
  for (int32_t z : pw.zero_point)
    if (z != 0) return false;  // oneDNN needs symmetric weights
  // Per-channel weights must be per output channel: axis 0 (Conv, Gemm transB) or last (MatMul, Gemm).
  if (pw.per_channel()) {
    const int64_t out_axis = n.op_type == "Conv" ? 0 : n.op_type == "MatMul" || n.attr_int("transB", 0) == 0 ? 1 : 0;
    int64_t ax = pw.axis < 0 ? pw.axis + static_cast<int64_t>(wq->rank()) : pw.axis;
    if (ax != out_axis) return false;
  }
  if (n.op_type == "Gemm" && (n.attr_int("transA", 0) || n.attr_float("alpha", 1.f) != 1.f)) return false;
  auto info = std::make_shared<QuantOpInfo>();
  info->src.assign(n.inputs.size(), QuantParam{});
  info->src[0] = px;
  info->weight = pw;
  // Bias: a float constant, or DQ(int32 constant).
  if (n.has_input(2)) {
    std::string b = n.inputs[2];
    if (!c.g.constant(b)) {
      QuantParam pb;
      Node* db = dq_of(c, b, &pb, true);
      const Tensor* bq = db ? c.g.constant(db->input(0)) : nullptr;
      if (!bq || bq->dtype() != DType::kI32) return false;
      Tensor fb(DType::kF32, bq->shape());
      for (int64_t i = 0; i < bq->numel(); ++i)
        fb.data_as<float>()[i] = static_cast<float>(bq->data_as<int32_t>()[i] - pb.zp(static_cast<size_t>(i))) * pb.s(static_cast<size_t>(i));
      const std::string fname = c.g.fresh_name(n.name + ".bias");
      c.g.constants[fname] = fb;
      n.inputs[2] = fname;
      info->absorbed.push_back(db->name);
    } else if (c.g.constant(b)->dtype() != DType::kF32) {
      return false;
    }
    if (n.op_type == "Gemm" && n.attr_float("beta", 1.f) != 1.f) return false;
  }
  if (n.op_type == "MatMul" && n.inputs.size() > 2) return false;
  for (const PostOp& p : n.post_ops)
    if (p.kind == PostOp::Kind::kSum) return false;  // float residual: leave it float
  n.inputs[0] = dx->inputs[0];
  n.inputs[1] = dw->inputs[0];
  info->absorbed.push_back(dx->name);
  info->absorbed.push_back(dw->name);
  QuantParam py;
  if (Node* q = q_after(c, n.outputs[0], &py)) {
    info->dst = py;
    absorb_q(n, q, *info);
  } else {
    info->dst = QuantParam{};  // float output
  }
  n.quant = info;
  return true;
}

// Add(DQ(a), DQ(b)) -> Q: into a quantized Conv's residual sum, or a quantized Add.
bool fuse_add(Ctx& c, Node& n) {
  if (n.quant || n.op_type != "Add" || !n.domain.empty() || n.inputs.size() != 2) return false;
  QuantParam pa, pb, py;
  Node* da = dq_of(c, n.inputs[0], &pa);
  Node* db = dq_of(c, n.inputs[1], &pb);
  if (!da || !db) return false;
  if (!same_shape(c.g, n.inputs[0], n.inputs[1])) return false;
  Node* q = q_after(c, n.outputs[0], &py);
  if (!q) return false;
  // Residual: one side is a quantized Conv's only output path.
  for (int k = 0; k < 2; ++k) {
    Node* dk = k == 0 ? da : db;
    Node* other = k == 0 ? db : da;
    auto it = c.producer.find(dk->inputs[0]);
    if (it == c.producer.end()) continue;
    Node* conv = it->second;
    if (conv->op_type != "Conv" || !conv->quant || !conv->quant->dst.quantized()) continue;
    if (c.uses[dk->inputs[0]] != 1 || c.uses[dk->outputs[0]] != 1 || c.g.is_graph_output(dk->inputs[0])) continue;
    bool has_sum = false;
    for (const auto& p : conv->post_ops) has_sum = has_sum || p.kind == PostOp::Kind::kSum;
    if (has_sum) continue;
    auto info = std::make_shared<QuantOpInfo>(*conv->quant);
    // The conv's own output quantization disappears; keep its saturation (the rounding is
    // what fusion saves): clip to the range that quantization could represent.
    const QuantParam& mid = conv->quant->dst;
    PostOp clip;
    clip.act.kind = ActKind::kClip;
    clip.act.alpha = mid.s() * static_cast<float>(qmin(mid.dtype) - mid.zp());
    clip.act.beta = mid.s() * static_cast<float>(qmax(mid.dtype) - mid.zp());
    conv->post_ops.push_back(clip);
    conv->inputs.resize(3);
    conv->inputs.push_back(other->inputs[0]);
    info->src.resize(4);
    info->src[3] = k == 0 ? pb : pa;
    PostOp sum;
    sum.kind = PostOp::Kind::kSum;
    sum.input_index = 3;
    conv->post_ops.push_back(sum);
    for (const auto& p : n.post_ops) conv->post_ops.push_back(p);
    info->dst = py;
    info->absorbed.insert(info->absorbed.end(), {dk->name, other->name, n.name});
    conv->origins.insert(conv->origins.end(), n.origins.begin(), n.origins.end());
    conv->outputs[0] = q->outputs[0];
    info->absorbed.push_back(q->name);
    conv->origins.push_back(q->name);
    q->op_type.clear();
    n.op_type.clear();
    dk->op_type.clear();  // its only reader was this Add; the conv no longer writes its input
    conv->quant = info;
    return true;
  }
  auto info = std::make_shared<QuantOpInfo>();
  info->src = {pa, pb};
  info->dst = py;
  info->absorbed = {da->name, db->name};
  n.inputs = {da->inputs[0], db->inputs[0]};
  absorb_q(n, q, *info);
  n.quant = info;
  return true;
}

// Pooling and Concat: equal parameters in and out.
bool fuse_passthrough(Ctx& c, Node& n) {
  static const char* kOps[] = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Concat"};
  bool ok = false;
  for (const char* k : kOps) ok = ok || n.op_type == k;
  if (!ok || n.quant || !n.domain.empty() || n.outputs.size() != 1 || n.inputs.empty()) return false;
  std::vector<Node*> dqs;
  QuantParam p0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    QuantParam p;
    Node* d = dq_of(c, n.inputs[i], &p);
    if (!d || (i > 0 && !p.same_as(p0))) return false;
    if (i == 0) p0 = p;
    dqs.push_back(d);
  }
  QuantParam py;
  Node* q = q_after(c, n.outputs[0], &py);
  if (!q || !py.same_as(p0)) return false;
  auto info = std::make_shared<QuantOpInfo>();
  info->src.assign(n.inputs.size(), p0);
  info->dst = py;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    n.inputs[i] = dqs[i]->inputs[0];
    info->absorbed.push_back(dqs[i]->name);
  }
  absorb_q(n, q, *info);
  n.quant = info;
  return true;
}

}  // namespace

Status fuse_qdq(Graph& g) {
  bool any_qdq = false;
  for (const auto& n : g.nodes) any_qdq = any_qdq || n->op_type == "DequantizeLinear";
  if (!any_qdq) return Status::ok();
  Ctx c{g, {}, {}};
  c.refresh();
  while (sink_dq_through_views(c)) {
    CALIBRA_TRY(g.topo_sort());
    c.refresh();
  }
  // Producers before consumers, so residual sums find their quantized Conv.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = *g.nodes[i];
    if (n.op_type.empty()) continue;
    if (fuse_linear(c, n) || fuse_add(c, n) || fuse_passthrough(c, n)) {
      g.erase_marked_nodes();
      CALIBRA_TRY(g.topo_sort());
      c.refresh();
      i = static_cast<size_t>(-1);  // start over: indices moved
    }
  }
  return Status::ok();
}

}  // namespace calibra
