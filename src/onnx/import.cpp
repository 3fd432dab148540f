#include "onnx/import.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <filesystem>
#include <mutex>
#include <unordered_set>

#include "core/file_util.h"
#include "onnx/tensor_proto.h"

namespace calibra {

namespace fs = std::filesystem;

namespace {

ValueType value_type_from_proto(const onnx::TypeProto& tp, std::string* non_tensor) {
  ValueType vt;
  if (!tp.has_tensor_type()) {
    if (tp.has_sequence_type()) *non_tensor = "sequence";
    else if (tp.has_optional_type()) *non_tensor = "optional";
    else if (tp.has_map_type()) *non_tensor = "map";
    else if (tp.has_sparse_tensor_type()) *non_tensor = "sparse tensor";
    else *non_tensor = "untyped";
    return vt;
  }
  const auto& tt = tp.tensor_type();
  vt.dtype = dtype_from_onnx(tt.elem_type());
  if (tt.has_shape()) {
    vt.has_shape = true;
    for (const auto& d : tt.shape().dim()) {
      Dim dim;
      if (d.has_dim_value() && d.dim_value() >= 0) dim.value = d.dim_value();
      else if (d.has_dim_param()) dim.param = d.dim_param();
      vt.dims.push_back(dim);
    }
  }
  return vt;
}

Result<Attribute> attribute_from_proto(const onnx::AttributeProto& a, const std::string& base_dir,
                                       const std::string& where) {
  using A = onnx::AttributeProto;
  Attribute r;
  switch (a.type()) {
    case A::FLOAT: r.kind = Attribute::Kind::kFloat; r.f = a.f(); break;
    case A::INT: r.kind = Attribute::Kind::kInt; r.i = a.i(); break;
    case A::STRING: r.kind = Attribute::Kind::kString; r.s = a.s(); break;
    case A::FLOATS:
      r.kind = Attribute::Kind::kFloats;
      r.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case A::INTS:
      r.kind = Attribute::Kind::kInts;
      r.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case A::STRINGS:
      r.kind = Attribute::Kind::kStrings;
      r.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case A::TENSOR: {
      r.kind = Attribute::Kind::kTensor;
      CALIBRA_ASSIGN_OR_RETURN(r.t, tensor_from_proto(a.t(), base_dir, where + " attribute '" + a.name() + "'"));
      break;
    }
    default:
      r.kind = Attribute::Kind::kUnsupported;
      r.unsupported_type = A::AttributeType_Name(a.type());
      break;
  }
  return r;
}

// A Constant node's value as a tensor (value, value_float(s), value_int(s)).
Result<Tensor> constant_node_value(const Node& n) {
  auto it = n.attrs.find("value");
  if (it != n.attrs.end() && it->second.kind == Attribute::Kind::kTensor) return it->second.t;
  if (n.has_attr("value_float")) {
    Tensor t(DType::kF32, {});
    *t.data_as<float>() = n.attr_float("value_float", 0);
    return t;
  }
  if (n.has_attr("value_floats")) {
    auto v = n.attr_floats("value_floats");
    Tensor t(DType::kF32, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t.data_as<float>());
    return t;
  }
  if (n.has_attr("value_int")) {
    Tensor t(DType::kI64, {});
    *t.data_as<int64_t>() = n.attr_int("value_int", 0);
    return t;
  }
  if (n.has_attr("value_ints")) {
    auto v = n.attr_ints("value_ints");
    Tensor t(DType::kI64, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t.data_as<int64_t>());
    return t;
  }
  if (n.has_attr("sparse_value"))
    return Status::unsupported(n.describe() + ": sparse constants are not supported");
  if (n.has_attr("value_string") || n.has_attr("value_strings"))
    return Status::unsupported(n.describe() + ": string constants are not supported");
  return Status::invalid_model(n.describe() + " has no value attribute");
}

// The ONNX checker, per part: initializers, inputs, outputs that have a shape, and every
// node against its schema. (check_graph as a whole insists on shapes for every graph output,
// which valid models whose output shapes depend on data do not have; ONNX Runtime accepts
// those, and so do we.)
Status run_onnx_checker(const onnx::ModelProto& model, const std::map<std::string, int64_t>& opsets,
                        const std::string& base_dir) {
  try {
    onnx::checker::CheckerContext ctx;
    ctx.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> opset_map;
    for (const auto& [d, v] : opsets) opset_map[d] = static_cast<int>(v);
    ctx.set_opset_imports(opset_map);
    ctx.set_model_dir(base_dir);
    ctx.set_is_main_graph(true);
    const auto& g = model.graph();
    for (const auto& t : g.initializer()) onnx::checker::check_tensor(t, ctx);
    for (const auto& vi : g.input()) onnx::checker::check_value_info(vi, ctx);
    for (const auto& vi : g.output())
      if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape()) onnx::checker::check_value_info(vi, ctx);
    // Subgraphs (If/Loop bodies) may read outer values: the scope holds every name so far.
    onnx::checker::LexicalScopeContext lex;
    for (const auto& vi : g.input()) lex.add(vi.name());
    for (const auto& t : g.initializer()) lex.add(t.name());
    for (const auto& n : g.node()) {
      onnx::checker::check_node(n, ctx, lex);
      for (const auto& o : n.output()) lex.add(o);
    }
  } catch (const std::exception& e) {
    std::string msg = e.what();
    // The checker's messages can span lines; keep the first one.
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    return Status::invalid_model("ONNX checker: " + msg);
  }
  return Status::ok();
}

// ONNX's own schemas, except that the shape inference of convolutions and pooling first
// checks what ONNX 1.12's leaves unchecked and then crashes on (it is C++, not an exception):
// a weight of another rank than the input (out-of-bounds reads) and zero strides or
// dilations (integer division by zero).
class CheckedSchemas final : public onnx::ISchemaRegistry {
 public:
  const onnx::OpSchema* GetSchema(const std::string& key, const int max_version, const std::string& domain) const override {
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Instance()->GetSchema(key, max_version, domain);
    if (!s || !(domain.empty() || domain == "ai.onnx")) return s;
    int x = 0, w = -1;  // the input's and the weight's positions (-1: no weight)
    if (key == "Conv" || key == "ConvTranspose" || key == "ConvInteger") w = 1;
    else if (key == "QLinearConv") w = 3;
    else if (key != "MaxPool" && key != "AveragePool" && key != "LpPool") return s;
    std::lock_guard<std::mutex> lock(mu_);
    auto& patched = patched_[s];
    if (!patched) {
      patched = std::make_unique<onnx::OpSchema>(*s);
      patched->TypeAndShapeInferenceFunction([inner = s->GetTypeAndShapeInferenceFunction(), x, w](onnx::InferenceContext& ctx) {
        for (const char* name : {"strides", "dilations"}) {
          std::vector<int64_t> v;
          if (onnx::getRepeatedAttribute(ctx, name, v))
            for (int64_t e : v)
              if (e <= 0) fail_shape_inference(name, " must be positive, not ", e);
        }
        if (w >= 0 && ctx.getNumInputs() > static_cast<size_t>(w) && onnx::hasInputShape(ctx, x) &&
            onnx::hasInputShape(ctx, w) && onnx::getInputShape(ctx, x).dim_size() != onnx::getInputShape(ctx, w).dim_size())
          fail_shape_inference("the input has rank ", onnx::getInputShape(ctx, x).dim_size(), " but the weight has rank ",
                               onnx::getInputShape(ctx, w).dim_size());
        if (inner) inner(ctx);
      });
    }
    return patched.get();
  }

 private:
  mutable std::mutex mu_;
  mutable std::map<const onnx::OpSchema*, std::unique_ptr<onnx::OpSchema>> patched_;
};

// Exporters sometimes write nodes out of topological order; the ONNX checker and shape
// inference require order, so sort (stably) first. Leaves the graph as it is on a cycle or a
// dangling input: Graph::topo_sort reports those with names.
void sort_proto_nodes(onnx::GraphProto* g) {
  std::unordered_set<std::string> available;
  for (const auto& i : g->input()) available.insert(i.name());
  for (const auto& i : g->initializer()) available.insert(i.name());
  std::vector<int> order;
  std::vector<bool> placed(static_cast<size_t>(g->node_size()), false);
  bool progress = true;
  bool sorted_already = true;
  while (progress && order.size() < placed.size()) {
    progress = false;
    for (int i = 0; i < g->node_size(); ++i) {
      if (placed[static_cast<size_t>(i)]) continue;
      const auto& n = g->node(i);
      bool ready = true;
      for (const auto& in : n.input())
        if (!in.empty() && !available.count(in)) { ready = false; break; }
      if (!ready) { sorted_already = false; continue; }
      placed[static_cast<size_t>(i)] = true;
      order.push_back(i);
      for (const auto& o : n.output()) available.insert(o);
      progress = true;
    }
  }
  if (sorted_already || order.size() != placed.size()) return;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i : order) *nodes.Add() = g->node(i);
  g->mutable_node()->Swap(&nodes);
}

}  // namespace

Result<std::unique_ptr<Graph>> import_onnx_file(const std::string& path, const ImportOptions& opts) {
  auto read = read_file(path, max_model_bytes());
  if (!read.is_ok() && read.status().code() == StatusCode::kResourceExhausted)
    return Status::resource_exhausted(read.status().message() + "; raise CALIBRA_MAX_MODEL_BYTES if the model is real");
  CALIBRA_ASSIGN_OR_RETURN(std::string bytes, std::move(read));
  std::string dir = fs::path(path).parent_path().string();
  auto r = import_onnx_bytes(bytes, dir.empty() ? "." : dir, opts);
  if (!r.is_ok()) return r.status().with_context(path);
  return r;
}

Result<std::unique_ptr<Graph>> import_onnx_bytes(const std::string& bytes, const std::string& base_dir,
                                                 const ImportOptions& opts) {
  if (bytes.empty()) return Status::invalid_model("the file is empty; it is not an ONNX model");
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    return Status::invalid_model(
        "not an ONNX model: protobuf parsing failed (the file is truncated, corrupt, or another "
        "format); re-export or re-download it");
  if (!model.has_graph() || model.ir_version() <= 0)
    return Status::invalid_model(
        "not an ONNX model: no graph or IR version in the file (is it another format?)");
  return import_onnx_proto(model, base_dir, opts);
}

Result<std::unique_ptr<Graph>> import_onnx_proto(onnx::ModelProto& model, const std::string& base_dir,
                                                 const ImportOptions& opts) {
  auto g = std::make_unique<Graph>();
  for (const auto& os : model.opset_import()) {
    std::string dom = os.domain() == "ai.onnx" ? "" : os.domain();
    g->opsets[dom] = os.version();
  }
  if (model.opset_import_size() == 0) g->opsets[""] = 1;  // IR v1-v2 models
  const int64_t opset = g->default_opset();
  if (opset > kMaxOpset)
    return Status::unsupported("the model uses ONNX opset " + std::to_string(opset) +
                               ", newer than Calibra supports (" + std::to_string(kMinOpset) + ".." +
                               std::to_string(kMaxOpset) + "); re-export it with opset " +
                               std::to_string(kMaxOpset) + " or lower");
  g->producer_name = model.producer_name();
  if (!model.producer_version().empty()) g->producer_name += " " + model.producer_version();

  sort_proto_nodes(model.mutable_graph());
  // Shape inference first: it also gives graph outputs that were declared without a shape
  // one, which the checker (strict about main-graph outputs) needs.
  if (opts.run_shape_inference) {
    try {
      static const CheckedSchemas schemas;
      onnx::shape_inference::InferShapes(model, &schemas);
    } catch (const std::exception& e) {
      std::string msg = e.what();
      auto nl = msg.find('\n');
      if (nl != std::string::npos) msg = msg.substr(0, nl);
      return Status::invalid_model("ONNX shape inference: " + msg);
    }
    auto* gm = model.mutable_graph();
    for (auto& out : *gm->mutable_output()) {
      if (out.type().has_tensor_type() && out.type().tensor_type().has_shape()) continue;
      for (const auto& vi : gm->value_info())
        if (vi.name() == out.name() && vi.type().has_tensor_type() && vi.type().tensor_type().has_shape()) {
          *out.mutable_type() = vi.type();
          break;
        }
    }
  }
  // External data locations are checked before anything touches the file system.
  for (const auto& init : model.graph().initializer()) {
    if (init.data_location() != onnx::TensorProto::EXTERNAL) continue;
    for (const auto& kv : init.external_data())
      if (kv.key() == "location") CALIBRA_TRY(check_external_location(kv.value(), base_dir, "initializer '" + init.name() + "'"));
  }
  if (opts.run_checker) CALIBRA_TRY(run_onnx_checker(model, g->opsets, base_dir));

  const auto& gp = model.graph();
  g->name = gp.name();
  for (const auto& init : gp.initializer()) {
    if (init.name().empty()) return Status::invalid_model("an initializer has no name");
    if (g->constants.count(init.name())) return Status::invalid_model("initializer '" + init.name() + "' is defined twice");
    CALIBRA_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(init, base_dir, "initializer '" + init.name() + "'"));
    ValueType vt;
    vt.dtype = t.dtype();
    vt.has_shape = true;
    for (int64_t d : t.shape()) vt.dims.push_back(Dim{d, ""});
    g->types[init.name()] = vt;
    g->constants[init.name()] = std::move(t);
  }
  if (gp.sparse_initializer_size() > 0)
    return Status::unsupported("sparse initializers are not supported");

  std::unordered_set<std::string> seen_inputs;
  auto record_type = [&](const onnx::ValueInfoProto& vi, bool overwrite) -> Status {
    std::string non_tensor;
    ValueType vt = value_type_from_proto(vi.type(), &non_tensor);
    if (!non_tensor.empty())
      return Status::unsupported("value '" + vi.name() + "' is a " + non_tensor +
                                 "; Calibra supports tensor values only");
    if (overwrite || !g->types.count(vi.name())) g->types[vi.name()] = vt;
    return Status::ok();
  };
  for (const auto& in : gp.input()) {
    if (!seen_inputs.insert(in.name()).second)
      return Status::invalid_model("graph input '" + in.name() + "' is declared twice");
    if (g->constants.count(in.name())) continue;  // an initializer with a default value
    CALIBRA_TRY(record_type(in, true));
    g->inputs.push_back(in.name());
  }
  for (const auto& out : gp.output()) {
    CALIBRA_TRY(record_type(out, false));
    g->outputs.push_back(out.name());
  }
  for (const auto& vi : gp.value_info()) {
    std::string non_tensor;
    ValueType vt = value_type_from_proto(vi.type(), &non_tensor);
    if (non_tensor.empty() && !g->types.count(vi.name())) g->types[vi.name()] = vt;
  }

  std::unordered_set<std::string> node_names;
  int64_t index = 0;
  for (const auto& np : gp.node()) {
    auto n = std::make_unique<Node>();
    n->op_type = np.op_type();
    n->domain = np.domain() == "ai.onnx" ? "" : np.domain();
    auto os = g->opsets.find(n->domain);
    n->opset = os == g->opsets.end() ? 0 : os->second;
    n->name = np.name();
    if (n->name.empty() || node_names.count(n->name))
      n->name = (np.name().empty() ? n->op_type : np.name()) + "_" + std::to_string(index);
    node_names.insert(n->name);
    n->origins.push_back(n->name);
    n->inputs.assign(np.input().begin(), np.input().end());
    n->outputs.assign(np.output().begin(), np.output().end());
    for (const auto& ap : np.attribute()) {
      CALIBRA_ASSIGN_OR_RETURN(Attribute a, attribute_from_proto(ap, base_dir, n->describe()));
      n->attrs[ap.name()] = std::move(a);
    }
    ++index;
    if (n->op_type == "Constant" && n->domain.empty() && n->outputs.size() == 1) {
      CALIBRA_ASSIGN_OR_RETURN(Tensor t, constant_node_value(*n));
      ValueType vt;
      vt.dtype = t.dtype();
      vt.has_shape = true;
      for (int64_t d : t.shape()) vt.dims.push_back(Dim{d, ""});
      const std::string& out = n->outputs[0];
      if (g->constants.count(out))
        return Status::invalid_model(n->describe() + " redefines initializer '" + out + "'");
      g->types[out] = vt;
      g->constants[out] = std::move(t);
      continue;
    }
    g->nodes.push_back(std::move(n));
  }
  // Trailing empty outputs of a node (optional outputs not requested) carry no meaning.
  for (auto& n : g->nodes)
    while (!n->outputs.empty() && n->outputs.back().empty()) n->outputs.pop_back();

  CALIBRA_TRY(g->topo_sort());
  return g;
}

}  // namespace calibra
