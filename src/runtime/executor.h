// ExecContext: what one in-flight inference owns — the arena, the oneDNN scratchpad and
// stream, and per-kernel state. Several contexts run one Plan concurrently (streams).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "runtime/plan.h"

namespace dnnl {
struct stream;
}

namespace calibra {

// Per-step wall times of one run (profiling), in the order of Plan::steps.
struct StepTimes {
  std::vector<double> ms;
  double total_ms = 0;
};

class ExecContext {
 public:
  explicit ExecContext(const Plan& plan);
  ~ExecContext();
  ExecContext(const ExecContext&) = delete;
  ExecContext& operator=(const ExecContext&) = delete;

  // Runs the plan. `inputs` in Graph::inputs order (dtype and shape already validated);
  // `outputs` receives fresh tensors in Graph::outputs order. `times`, when given, gets
  // per-step timings. `observer`, when given, sees every step's outputs after it runs.
  using Observer = std::function<void(size_t step, const ExecContext& ctx)>;
  Status run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, StepTimes* times = nullptr,
             const Observer* observer = nullptr);

  // Pointer to a value's bytes in this context (after run: its last contents).
  const void* value_data(int id) const;
  const Plan& plan() const { return plan_; }

 private:
  const Plan& plan_;
  std::unique_ptr<uint8_t, void (*)(void*)> arena_;
  std::unique_ptr<uint8_t, void (*)(void*)> scratch_;
  std::unique_ptr<dnnl::stream> stream_;
  std::vector<void*> ptr_;  // per value
  std::vector<std::vector<void*>> src_, dst_;  // per step
  std::vector<std::unique_ptr<KernelState>> state_;
};

}  // namespace calibra
