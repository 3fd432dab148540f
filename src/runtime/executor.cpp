#include "runtime/executor.h"

#include <omp.h>

#include <cstdlib>
#include <cstring>

#include "kernels/dnnl/dnnl_common.h"

namespace calibra {

namespace {
uint8_t* aligned(size_t bytes) {
  size_t n = (std::max<size_t>(bytes, 64) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, n);
  if (!p) throw std::bad_alloc();
  return static_cast<uint8_t*>(p);
}
}  // namespace

ExecContext::ExecContext(const Plan& plan)
    : plan_(plan), arena_(aligned(plan.arena_bytes), std::free), scratch_(aligned(plan.scratchpad_bytes), std::free) {
  stream_ = std::make_unique<dnnl::stream>(dnnl_k::cpu_engine());
  ptr_.resize(plan.values.size(), nullptr);
  for (size_t v = 0; v < plan.values.size(); ++v) {
    const PlanValue& pv = plan.values[v];
    if (pv.constant) ptr_[v] = const_cast<void*>(pv.constant->data());
    else if (pv.buffer >= 0)
      ptr_[v] = arena_.get() + plan.buffers[static_cast<size_t>(pv.buffer)].offset + pv.buffer_offset;
  }
  src_.resize(plan.steps.size());
  dst_.resize(plan.steps.size());
  state_.resize(plan.steps.size());
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    for (int v : plan.steps[s].src) src_[s].push_back(v >= 0 ? ptr_[static_cast<size_t>(v)] : nullptr);
    for (int v : plan.steps[s].dst) dst_[s].push_back(ptr_[static_cast<size_t>(v)]);
  }
}

ExecContext::~ExecContext() = default;

const void* ExecContext::value_data(int id) const { return ptr_[static_cast<size_t>(id)]; }

Status ExecContext::run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, StepTimes* times,
                        const Observer* observer) {
  omp_set_num_threads(std::max(1, plan_.threads));
  using clock = std::chrono::steady_clock;
  auto t_start = clock::now();
  for (size_t i = 0; i < plan_.inputs.size(); ++i) {
    const PlanValue& v = plan_.values[static_cast<size_t>(plan_.inputs[i])];
    if (v.constant) continue;  // folded into this plan
    std::memcpy(ptr_[static_cast<size_t>(plan_.inputs[i])], inputs[i].data(), inputs[i].nbytes());
  }
  if (times) times->ms.assign(plan_.steps.size(), 0.0);
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep& st = plan_.steps[s];
    ExecCtx ctx;
    ctx.src = src_[s].data();
    ctx.n_src = src_[s].size();
    ctx.dst = dst_[s].data();
    ctx.n_dst = dst_[s].size();
    ctx.state = &state_[s];
    ctx.stream = stream_.get();
    ctx.scratchpad = scratch_.get();
    auto t0 = times ? clock::now() : clock::time_point{};
    Status status = st.kernel->run(ctx);
    if (times) times->ms[s] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    if (!status.is_ok()) return status;
    if (observer) (*observer)(s, *this);
  }
  if (outputs) {
    outputs->clear();
    for (int id : plan_.outputs) {
      const PlanValue& v = plan_.values[static_cast<size_t>(id)];
      Tensor t(v.dtype, v.shape);
      if (t.nbytes()) std::memcpy(t.data(), ptr_[static_cast<size_t>(id)], t.nbytes());
      outputs->push_back(std::move(t));
    }
  }
  if (times) times->total_ms = std::chrono::duration<double, std::milli>(clock::now() - t_start).count();
  return Status::ok();
}

}  // namespace calibra
