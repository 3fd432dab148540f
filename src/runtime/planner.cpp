#include <omp.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "ops/evaluate.h"
#include "runtime/plan.h"

namespace calibra {

std::vector<bool> plan_time_inputs(const Graph& g) {
  auto producers = g.producers();
  std::unordered_set<std::string> needed;  // values whose contents must be known
  std::vector<std::string> work;
  for (const auto& n : g.nodes) {
    const OpDef* d = find_op(n->domain, n->op_type);
    if (!d) continue;
    for (int i : d->value_inputs)
      if (n->has_input(static_cast<size_t>(i))) work.push_back(n->inputs[static_cast<size_t>(i)]);
  }
  while (!work.empty()) {
    std::string v = work.back();
    work.pop_back();
    if (!needed.insert(v).second) continue;
    auto it = producers.find(v);
    if (it == producers.end()) continue;
    const Node* p = it->second;
    const OpDef* d = find_op(p->domain, p->op_type);
    if (d && (d->flags & kOpShapeOnly)) continue;  // only the input's shape matters
    for (const auto& in : p->inputs)
      if (!in.empty()) work.push_back(in);
  }
  std::vector<bool> r;
  for (const auto& in : g.inputs) r.push_back(needed.count(in) != 0);
  return r;
}

namespace {

class Planner {
 public:
  Planner(std::shared_ptr<const Graph> g, const PlanOptions& o) : opts_(o) {
    plan_ = std::make_unique<Plan>();
    plan_->graph = std::move(g);
    plan_->threads = o.threads;
    plan_->conv_layout = o.conv_layout;
  }

  Result<std::unique_ptr<Plan>> build(const std::vector<ValueDesc>& inputs) {
    const Graph& g = *plan_->graph;
    if (inputs.size() != g.inputs.size()) return Status::internal("planner: input count mismatch");
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ValueDesc& in = inputs[i];
      PlanValue v;
      v.name = g.inputs[i];
      v.dtype = in.dtype;
      v.shape = in.shape;
      if (in.value) {
        plan_->constants.push_back(in.value->clone());
        v.constant = &plan_->constants.back();
      }
      plan_->inputs.push_back(add_value(std::move(v)));
    }
    for (const auto& n : g.nodes) CALIBRA_TRY(plan_node(*n));
    for (const auto& o : g.outputs) {
      CALIBRA_ASSIGN_OR_RETURN(int id, lookup(o));
      if (!plan_->values[static_cast<size_t>(id)].constant && !plan_->values[static_cast<size_t>(id)].layout.plain) {
        CALIBRA_ASSIGN_OR_RETURN(id, in_layout(id, Layout::plain_layout()));
      }
      plan_->outputs.push_back(id);
    }
    for (auto& v : plan_->values) v.bytes = v.layout.bytes(v.shape, v.dtype);
    plan_memory(*plan_);
    return std::move(plan_);
  }

 private:
  int add_value(PlanValue v) {
    int id = static_cast<int>(plan_->values.size());
    ids_[v.name] = id;
    plan_->values.push_back(std::move(v));
    return id;
  }

  Result<int> lookup(const std::string& name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    const Tensor* c = plan_->graph->constant(name);
    if (!c) return Status::internal("planner: value '" + name + "' is not defined");
    PlanValue v;
    v.name = name;
    v.dtype = c->dtype();
    v.shape = c->shape();
    v.constant = c;
    return add_value(std::move(v));
  }

  ValueDesc desc_of(int id) const {
    const PlanValue& v = plan_->values[static_cast<size_t>(id)];
    return ValueDesc{v.dtype, v.shape, v.layout.plain ? v.constant : nullptr};
  }

  // The value `id` in layout `want`: itself, a cached converted copy, or a new reorder step.
  Result<int> in_layout(int id, const Layout& want) {
    const PlanValue& v = plan_->values[static_cast<size_t>(id)];
    if (v.layout == want) return id;
    std::string key = std::to_string(id) + "|" + want.str() + "|" + (want.plain ? "" : std::to_string(want.md.get_size()));
    auto it = converted_.find(key);
    if (it != converted_.end() && plan_->values[static_cast<size_t>(it->second)].layout == want) return it->second;
    PlanValue nv;
    nv.name = v.name + "@" + want.str();
    nv.dtype = v.dtype;
    nv.shape = v.shape;
    nv.layout = want;
    const ValueDesc vd{v.dtype, v.shape, nullptr};
    CALIBRA_ASSIGN_OR_RETURN(auto k, dnnl_k::make_reorder(vd, v.layout, want));
    if (v.constant) {
      // Convert constants once, now.
      Tensor bytes(DType::kU8, {static_cast<int64_t>(want.bytes(v.shape, v.dtype))});
      std::unique_ptr<KernelState> st;
      dnnl::stream strm(dnnl_k::cpu_engine());
      void* src[1] = {const_cast<void*>(v.constant->data())};
      void* dst[1] = {bytes.data()};
      ExecCtx ctx;
      ctx.src = src;
      ctx.n_src = 1;
      ctx.dst = dst;
      ctx.n_dst = 1;
      ctx.state = &st;
      ctx.stream = &strm;
      CALIBRA_TRY(k->run(ctx));
      plan_->constants.push_back(bytes);
      nv.constant = &plan_->constants.back();
      int nid = add_value(std::move(nv));
      converted_[key] = nid;
      return nid;
    }
    int nid = add_value(std::move(nv));
    PlanStep s;
    s.kernel = k.get();
    s.src = {id};
    s.dst = {nid};
    s.name = "reorder:" + plan_->values[static_cast<size_t>(id)].name;
    s.op_type = "Reorder";
    s.is_reorder = true;
    s.origins = {};
    plan_->kernels.push_back(std::move(k));
    plan_->steps.push_back(std::move(s));
    converted_[key] = nid;
    return nid;
  }

  Status fold(const Node& n, const std::vector<ValueDesc>& src) {
    std::vector<const Tensor*> in;
    for (const auto& d : src) in.push_back(d.value);
    CALIBRA_ASSIGN_OR_RETURN(auto outs, evaluate_node(n, in));
    for (size_t i = 0; i < outs.size(); ++i) {
      if (i >= n.outputs.size() || n.outputs[i].empty()) continue;
      plan_->constants.push_back(outs[i]);
      PlanValue v;
      v.name = n.outputs[i];
      v.dtype = outs[i].dtype();
      v.shape = outs[i].shape();
      v.constant = &plan_->constants.back();
      add_value(std::move(v));
    }
    return Status::ok();
  }

  Status plan_node(const Node& n) {
    const OpDef* def = find_op(n.domain, n.op_type);
    if (!def) return unsupported_node(n, "op is not supported");
    std::vector<int> src_ids;
    std::vector<ValueDesc> src;
    bool all_const = true;
    for (const auto& in : n.inputs) {
      if (in.empty()) {
        src_ids.push_back(-1);
        src.push_back(ValueDesc{});
        continue;
      }
      CALIBRA_ASSIGN_OR_RETURN(int id, lookup(in));
      const PlanValue& v = plan_->values[static_cast<size_t>(id)];
      if (!v.constant) all_const = false;
      // Constants are handed to shape rules and kernels in plain form.
      if (v.constant && !v.layout.plain) return Status::internal("planner: blocked constant as an op input");
      src_ids.push_back(id);
      src.push_back(desc_of(id));
    }
    InferCtx ic(n, src);
    CALIBRA_TRY(def->infer(ic));
    if (n.quant && !ic.dst.empty()) ic.dst[0].dtype = n.quant->dst.dtype;  // INT8 nodes may write u8/s8/f32
    for (const auto& d : ic.dst)
      for (int64_t dim : d.shape)
        if (dim < 0) return Status::internal(n.describe() + ": shape rule produced a negative dimension");
    for (const auto& d : ic.dst)
      if (!elements_within_limit(d.shape))
        return Status::resource_exhausted(n.describe() + ": output shape " + shape_str(d.shape) +
                                          " exceeds the tensor size limit");
    if (all_const) return fold(n, src);
    if (def->flags & kOpShapeOnly) {
      // Shape and friends only read shapes, which are known now: fold with stand-ins.
      std::vector<Tensor> stand_ins;
      stand_ins.reserve(src.size());  // pointers into it are taken below
      std::vector<ValueDesc> shape_src = src;
      for (auto& d : shape_src)
        if (d.present() && !d.value) {
          stand_ins.push_back(Tensor::borrow(d.dtype, d.shape, nullptr));
          d.value = &stand_ins.back();
        }
      return fold(n, shape_src);
    }

    // Views: the output is the input's bytes with a new shape (plain layout only).
    if ((def->flags & kOpView) && src_ids[0] >= 0) {
      CALIBRA_ASSIGN_OR_RETURN(int in, in_layout(src_ids[0], Layout::plain_layout()));
      PlanValue v;
      v.name = n.outputs[0];
      v.dtype = ic.dst[0].dtype;
      v.shape = ic.dst[0].shape;
      v.alias_of = in;
      add_value(std::move(v));
      return Status::ok();
    }

    if (n.op_type == "Concat" && try_concat_in_place(n, src_ids, ic.dst[0])) return Status::ok();

    std::vector<Layout> cur;
    for (int id : src_ids) cur.push_back(id >= 0 ? plan_->values[static_cast<size_t>(id)].layout : Layout{});
    // A quantized node runs its INT8 kernels when the op has them.
    const bool q = n.quant && def->qref;
    const DnnlFactory fast = q ? def->qdnnl : def->dnnl;
    const RefFactory reference = q ? def->qref : def->ref;
    DnnlKernelPlan kp;
    if (opts_.use_dnnl && fast) {
      DnnlBuildCtx bc{n, src, cur, ic.dst, dnnl_k::cpu_engine(), opts_.conv_layout, opts_.deterministic};
      CALIBRA_ASSIGN_OR_RETURN(kp, fast(bc));
    }
    if (!kp.kernel) {
      KernelArgs args{n, src, ic.dst};
      CALIBRA_ASSIGN_OR_RETURN(kp.kernel, reference(args));
      if (n.quant && n.quant->src.size() && n.quant->src[0].quantized())
        kp.precision = n.quant->src[0].dtype == DType::kU8 ? "U8" : "I8";
      kp.src_layouts.assign(src.size(), Layout::plain_layout());
      kp.dst_layouts.assign(ic.dst.size(), Layout::plain_layout());
      kp.may_alias_src = -1;
      kp.scratchpad_bytes = 0;
    }
    PlanStep s;
    s.kernel = kp.kernel.get();
    s.name = n.name;
    s.op_type = n.op_type;
    s.origins = n.origins;
    s.precision = kp.precision;
    for (size_t i = 0; i < src_ids.size(); ++i) {
      int id = src_ids[i];
      if (id < 0 || !kp.src_layouts[i]) {
        // Not read at run time (packed at build time), unless a reference kernel needs it.
        s.src.push_back(id >= 0 && plan_->values[static_cast<size_t>(id)].constant ? id : -1);
        continue;
      }
      CALIBRA_ASSIGN_OR_RETURN(int conv, in_layout(id, *kp.src_layouts[i]));
      s.src.push_back(conv);
    }
    for (size_t i = 0; i < ic.dst.size(); ++i) {
      if (i >= n.outputs.size() || n.outputs[i].empty()) {
        // An optional output nobody reads still needs somewhere to go.
        PlanValue v;
        v.name = n.name + ":unused" + std::to_string(i);
        v.dtype = ic.dst[i].dtype;
        v.shape = ic.dst[i].shape;
        v.layout = kp.dst_layouts[i];
        s.dst.push_back(add_value(std::move(v)));
        continue;
      }
      PlanValue v;
      v.name = n.outputs[i];
      v.dtype = ic.dst[i].dtype;
      v.shape = ic.dst[i].shape;
      v.layout = kp.dst_layouts[i];
      s.dst.push_back(add_value(std::move(v)));
    }
    s.may_alias_src = kp.may_alias_src;
    if ((n.op_type == "Conv" || n.op_type == "ConvTranspose") && s.kernel->impl() != "ref") ++plan_->convs;
    plan_->scratchpad_bytes = std::max(plan_->scratchpad_bytes, kp.scratchpad_bytes);
    plan_->kernels.push_back(std::move(kp.kernel));
    plan_->steps.push_back(std::move(s));
    return Status::ok();
  }

  // Concat without a copy: when everything before the concat axis has size 1 (batch 1 on
  // channels) and the parts share a plain layout, or a channel-blocked one with block-aligned
  // channel counts, the result's bytes are the parts' bytes back to back. The parts' producers
  // then write straight into the result (the memory plan places them).
  bool try_concat_in_place(const Node& n, const std::vector<int>& src_ids, const ValueDesc& out) {
    const int64_t rank = static_cast<int64_t>(out.shape.size());
    int64_t axis = n.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank || src_ids.size() < 2) return false;
    for (int64_t i = 0; i < axis; ++i)
      if (out.shape[static_cast<size_t>(i)] != 1) return false;
    std::vector<bool> producer_step(plan_->values.size(), false);
    for (const auto& st : plan_->steps)
      for (int d : st.dst) producer_step[static_cast<size_t>(d)] = true;
    const Layout& l0 = plan_->values[static_cast<size_t>(src_ids[0])].layout;
    std::optional<dnnl_k::tag> tag;
    int64_t block = 1;
    if (!l0.plain) {
      tag = dnnl_k::tag_of(l0.md);
      if (!tag || axis != 1) return false;
      switch (*tag) {
        case dnnl_k::tag::aBc8b: case dnnl_k::tag::aBcd8b: case dnnl_k::tag::aBcde8b: block = 8; break;
        case dnnl_k::tag::aBc16b: case dnnl_k::tag::aBcd16b: case dnnl_k::tag::aBcde16b: block = 16; break;
        case dnnl_k::tag::aBc4b: case dnnl_k::tag::aBcd4b: case dnnl_k::tag::aBcde4b: block = 4; break;
        default: return false;
      }
    }
    std::vector<int> seen;
    for (int id : src_ids) {
      if (id < 0) return false;
      const PlanValue& v = plan_->values[static_cast<size_t>(id)];
      if (v.constant || v.alias_of >= 0 || !producer_step[static_cast<size_t>(id)]) return false;
      if (std::find(seen.begin(), seen.end(), id) != seen.end()) return false;
      seen.push_back(id);
      if (concat_parts_.count(id)) return false;  // already placed in another concat
      if (l0.plain != v.layout.plain || v.dtype != out.dtype) return false;
      if (!l0.plain) {
        auto t = dnnl_k::tag_of(v.layout.md);
        if (!t || *t != *tag || v.shape[1] % block != 0) return false;
      }
    }
    PlanValue res;
    res.name = n.outputs[0];
    res.dtype = out.dtype;
    res.shape = out.shape;
    if (tag) res.layout = Layout::from_md(dnnl::memory::desc(dnnl_k::to_dims(out.shape), *dnnl_k::to_dnnl(out.dtype), *tag));
    const int rid = add_value(std::move(res));
    size_t off = 0;
    for (int id : src_ids) {
      PlanValue& v = plan_->values[static_cast<size_t>(id)];
      v.alias_of = rid;
      v.alias_offset = off;
      off += v.layout.bytes(v.shape, v.dtype);
      concat_parts_.insert(id);
    }
    return true;
  }

  PlanOptions opts_;
  std::unique_ptr<Plan> plan_;
  std::unordered_set<int> concat_parts_;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<std::string, int> converted_;
};

}  // namespace

Result<std::unique_ptr<Plan>> build_plan(std::shared_ptr<const Graph> graph, const std::vector<ValueDesc>& inputs,
                                         const PlanOptions& opts) {
  omp_set_num_threads(std::max(1, opts.threads));
  try {
    Planner p(std::move(graph), opts);
    return p.build(inputs);
  } catch (const dnnl::error& e) {
    return Status::internal(std::string("oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory while planning");
  }
}

}  // namespace calibra
