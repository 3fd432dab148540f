#include "onnx/export.h"

#include <onnx/onnx_pb.h>

#include <algorithm>

#include "onnx/tensor_proto.h"

namespace calibra {

namespace {

void attr_to_proto(const std::string& name, const Attribute& a, onnx::AttributeProto* p) {
  using A = onnx::AttributeProto;
  p->set_name(name);
  switch (a.kind) {
    case Attribute::Kind::kFloat: p->set_type(A::FLOAT); p->set_f(a.f); break;
    case Attribute::Kind::kInt: p->set_type(A::INT); p->set_i(a.i); break;
    case Attribute::Kind::kString: p->set_type(A::STRING); p->set_s(a.s); break;
    case Attribute::Kind::kTensor: p->set_type(A::TENSOR); tensor_to_proto(a.t, "", p->mutable_t()); break;
    case Attribute::Kind::kFloats:
      p->set_type(A::FLOATS);
      for (float v : a.floats) p->add_floats(v);
      break;
    case Attribute::Kind::kInts:
      p->set_type(A::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
      break;
    case Attribute::Kind::kStrings:
      p->set_type(A::STRINGS);
      for (const auto& v : a.strings) p->add_strings(v);
      break;
    case Attribute::Kind::kUnsupported: break;
  }
}

void type_to_proto(const ValueType& t, onnx::TypeProto* p) {
  auto* tt = p->mutable_tensor_type();
  tt->set_elem_type(dtype_to_onnx(t.dtype));
  if (!t.has_shape) return;
  auto* sh = tt->mutable_shape();
  for (const Dim& d : t.dims) {
    auto* dim = sh->add_dim();
    if (d.is_fixed()) dim->set_dim_value(d.value);
    else if (!d.param.empty()) dim->set_dim_param(d.param);
  }
}

class Writer {
 public:
  Writer(const Graph& g, onnx::GraphProto* gp, int64_t opset) : g_(g), gp_(gp), opset_(opset) {}

  Status node(const Node& n) {
    // The node itself, writing to a temporary name when post-ops follow.
    std::string cur = n.outputs.empty() ? "" : n.outputs[0];
    const bool fused = !n.post_ops.empty();
    auto* p = gp_->add_node();
    p->set_name(n.name);
    p->set_op_type(n.op_type);
    if (!n.domain.empty()) p->set_domain(n.domain);
    // Residual sums are node inputs only in the fused form: drop them from the op itself.
    std::vector<bool> sum_input(n.inputs.size(), false);
    for (const PostOp& po : n.post_ops)
      if (po.kind == PostOp::Kind::kSum) sum_input[static_cast<size_t>(po.input_index)] = true;
    std::vector<std::string> ins;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (!sum_input[i]) ins.push_back(n.inputs[i]);
    while (!ins.empty() && ins.back().empty()) ins.pop_back();
    for (const auto& in : ins) p->add_input(in);
    if (fused) cur = fresh(n.outputs[0] + "_pre");
    for (size_t i = 0; i < n.outputs.size(); ++i) p->add_output(i == 0 ? cur : n.outputs[i]);
    for (const auto& [k, a] : n.attrs) attr_to_proto(k, a, p->add_attribute());
    for (size_t k = 0; k < n.post_ops.size(); ++k) {
      const PostOp& po = n.post_ops[k];
      const std::string next = k + 1 == n.post_ops.size() ? n.outputs[0] : fresh(n.outputs[0] + "_post" + std::to_string(k));
      if (po.kind == PostOp::Kind::kSum) emit("Add", {cur, n.inputs[static_cast<size_t>(po.input_index)]}, next, n.name + "_sum");
      else CALIBRA_TRY(activation(po.act, cur, next, n.name + "_" + po.act.name()));
      cur = next;
    }
    return Status::ok();
  }

 private:
  std::string fresh(const std::string& base) { return base + "__x" + std::to_string(counter_++); }

  onnx::NodeProto* emit(const std::string& op, std::vector<std::string> ins, const std::string& out, const std::string& name) {
    auto* p = gp_->add_node();
    p->set_op_type(op);
    p->set_name(fresh(name));
    for (const auto& i : ins) p->add_input(i);
    p->add_output(out);
    return p;
  }
  std::string scalar(float v) {
    const std::string name = fresh("const");
    Tensor t(DType::kF32, {});
    *t.data_as<float>() = v;
    tensor_to_proto(t, name, gp_->add_initializer());
    return name;
  }
  void fattr(onnx::NodeProto* p, const char* name, float v) {
    auto* a = p->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  Status activation(const Activation& a, const std::string& in, const std::string& out, const std::string& name) {
    switch (a.kind) {
      case ActKind::kRelu: emit("Relu", {in}, out, name); break;
      case ActKind::kLeakyRelu: fattr(emit("LeakyRelu", {in}, out, name), "alpha", a.alpha); break;
      case ActKind::kClip: emit("Clip", {in, scalar(a.alpha), scalar(a.beta)}, out, name); break;
      case ActKind::kSigmoid: emit("Sigmoid", {in}, out, name); break;
      case ActKind::kHardSigmoid: {
        auto* p = emit("HardSigmoid", {in}, out, name);
        fattr(p, "alpha", a.alpha);
        fattr(p, "beta", a.beta);
        break;
      }
      case ActKind::kHardSwish:
        if (opset_ >= 14) {
          emit("HardSwish", {in}, out, name);
        } else {
          const std::string h = fresh(out + "_hsig");
          auto* p = emit("HardSigmoid", {in}, h, name);
          fattr(p, "alpha", 1.f / 6.f);
          fattr(p, "beta", 0.5f);
          emit("Mul", {in, h}, out, name + "_mul");
        }
        break;
      case ActKind::kTanh: emit("Tanh", {in}, out, name); break;
      case ActKind::kElu: fattr(emit("Elu", {in}, out, name), "alpha", a.alpha); break;
      case ActKind::kSwish: {
        const std::string sg = fresh(out + "_sigmoid");
        emit("Sigmoid", {in}, sg, name);
        emit("Mul", {in, sg}, out, name + "_mul");
        break;
      }
      case ActKind::kExp: emit("Exp", {in}, out, name); break;
      case ActKind::kSqrt: emit("Sqrt", {in}, out, name); break;
      case ActKind::kErf: emit("Erf", {in}, out, name); break;
      case ActKind::kAbs: emit("Abs", {in}, out, name); break;
      case ActKind::kNeg: emit("Neg", {in}, out, name); break;
      case ActKind::kLog: emit("Log", {in}, out, name); break;
      case ActKind::kSoftplus: emit("Softplus", {in}, out, name); break;
      case ActKind::kGelu: {
        const std::string d = fresh(out + "_div"), e = fresh(out + "_erf"), p1 = fresh(out + "_p1"), m = fresh(out + "_m");
        emit("Div", {in, scalar(1.41421356237f)}, d, name);
        emit("Erf", {d}, e, name);
        emit("Add", {e, scalar(1.f)}, p1, name);
        emit("Mul", {in, p1}, m, name);
        emit("Mul", {m, scalar(0.5f)}, out, name);
        break;
      }
    }
    return Status::ok();
  }

  const Graph& g_;
  onnx::GraphProto* gp_;
  int64_t opset_;
  int64_t counter_ = 0;
};

}  // namespace

Result<std::string> export_onnx(const Graph& g, const ExportOptions& opts) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name(opts.producer);
  if (!opts.doc.empty()) m.set_doc_string(opts.doc);
  for (const auto& [domain, version] : g.opsets) {
    auto* os = m.add_opset_import();
    os->set_domain(domain);
    os->set_version(version);
  }
  auto* gp = m.mutable_graph();
  gp->set_name(g.name.empty() ? "calibra" : g.name);
  for (const auto& in : g.inputs) {
    auto* vi = gp->add_input();
    vi->set_name(in);
    auto it = g.types.find(in);
    if (it != g.types.end()) type_to_proto(it->second, vi->mutable_type());
  }
  for (const auto& out : g.outputs) {
    auto* vi = gp->add_output();
    vi->set_name(out);
    auto it = g.types.find(out);
    if (it != g.types.end()) type_to_proto(it->second, vi->mutable_type());
  }
  std::vector<std::string> names;
  for (const auto& [name, t] : g.constants) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) tensor_to_proto(g.constants.at(name), name, gp->add_initializer());
  Writer w(g, gp, g.default_opset());
  for (const auto& n : g.nodes) {
    if (n->quant) return Status::internal("export of an already fused INT8 node '" + n->name + "'; export the QDQ graph");
    CALIBRA_TRY(w.node(*n));
  }
  std::string bytes;
  if (!m.SerializeToString(&bytes)) return Status::internal("could not serialise the model");
  return bytes;
}

}  // namespace calibra
