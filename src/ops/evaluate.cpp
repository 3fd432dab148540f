#include "ops/evaluate.h"

namespace calibra {

Result<std::vector<Tensor>> evaluate_node(const Node& n, const std::vector<const Tensor*>& src) {
  const OpDef* def = find_op(n.domain, n.op_type);
  if (!def) return unsupported_node(n, "op is not supported");
  std::vector<ValueDesc> descs;
  for (const Tensor* t : src) descs.push_back(t ? ValueDesc{t->dtype(), t->shape(), t} : ValueDesc{});
  InferCtx ic(n, descs);
  CALIBRA_TRY(def->infer(ic));
  std::vector<Tensor> outs;
  if (def->flags & kOpView) {
    outs.push_back(src[0]->reshaped(ic.dst[0].shape));
    return outs;
  }
  KernelArgs args{n, descs, ic.dst};
  CALIBRA_ASSIGN_OR_RETURN(auto kernel, def->ref(args));
  std::vector<void*> sp, dp;
  for (const Tensor* t : src) sp.push_back(t ? const_cast<void*>(t->data()) : nullptr);
  for (const auto& d : ic.dst) {
    CALIBRA_ASSIGN_OR_RETURN(Tensor t, Tensor::create(d.dtype, d.shape));
    outs.push_back(t);
  }
  for (auto& t : outs) dp.push_back(t.data());
  std::unique_ptr<KernelState> st;
  ExecCtx ctx;
  ctx.src = sp.data();
  ctx.n_src = sp.size();
  ctx.dst = dp.data();
  ctx.n_dst = dp.size();
  ctx.state = &st;
  CALIBRA_TRY(kernel->run(ctx));
  return outs;
}

}  // namespace calibra
