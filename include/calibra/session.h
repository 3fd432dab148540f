// Session: runs a Model. Thread-safe: several threads may call run() at once (that is what
// "streams" are); each call gets its own execution context. Plans (kernels, packed
// weights, memory layout) are built once per distinct input shape and cached.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calibra/model.h"

namespace calibra {

struct SessionOptions {
  int threads = 0;        // threads per inference; 0 = all cores
  bool use_dnnl = true;   // false: reference kernels only (slow; for checking)
  // Choose the convolution layout policy (oneDNN's per-layer pick, or channel-blocked) by
  // timing both plans on the first input of each shape; off: oneDNN's pick.
  bool tune = true;
  // No timing-based choices at all (no Winograd, oneDNN's own layouts): results depend only
  // on the inputs and the thread count. Calibration uses this.
  bool deterministic = false;
};

// A value as it lies in a plan's memory (valid only during the observer call). `shape` is
// the logical shape [N, C, ...]; the bytes at `data` are, by `kind`:
//   kPlain          row-major;
//   kChannelBlocked [N][ceil(C/block)][rest...][block]: channels in blocks of `block`, the
//                   block innermost (oneDNN's aBcd8b, aBcd16b); lanes past C are padding;
//   kChannelsLast   [N][rest...][C] (oneDNN's acdb: NHWC).
struct ValueView {
  enum class Kind { kPlain, kChannelBlocked, kChannelsLast };
  Kind kind = Kind::kPlain;
  DType dtype = DType::kUndefined;
  Shape shape;
  const void* data = nullptr;
  int64_t block = 0;  // kChannelBlocked only
};

// One executed step of a profiled run.
struct LayerProfile {
  std::string name;                  // step name (node name, or "reorder:<value>")
  std::string op_type;               // ONNX op type, "Reorder" for inserted reorders
  std::vector<std::string> origins;  // ONNX node names fused into this step
  std::string impl;                  // "jit:avx2", "ref", ...
  std::string precision;             // "FP32", "U8", "I8"
  std::string layout;                // output memory layout ("plain", "aBcd8b", ...)
  Shape shape;                       // output shape
  double ms = 0;
};

struct RunProfile {
  std::vector<LayerProfile> layers;
  double total_ms = 0;
};

struct PlanStats {
  size_t steps = 0;
  size_t reorders = 0;
  size_t arena_bytes = 0;       // activation memory per context
  size_t live_peak_bytes = 0;   // the largest simultaneously live set (lower bound)
  size_t scratchpad_bytes = 0;
  std::string conv_layout;      // "auto" (oneDNN's pick) or "blocked"
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model, const SessionOptions& opts = {});
  ~Session();

  // Inputs in model input order; outputs in model output order.
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs);
  Result<std::vector<Tensor>> run_named(const std::map<std::string, Tensor>& inputs);
  // Same, with per-step timings.
  Result<std::vector<Tensor>> run_profiled(const std::vector<Tensor>& inputs, RunProfile* profile);
  // Runs and hands every value named in `watch` (graph inputs and node outputs) to
  // `observer` right after it is computed, as a plain row-major tensor (valid only during
  // the call). Used by calibration to collect statistics in the same pass as inference.
  using ValueObserver = std::function<void(const std::string& value, const Tensor& plain)>;
  Result<std::vector<Tensor>> run_observed(const std::vector<Tensor>& inputs, const std::vector<std::string>& watch,
                                           const ValueObserver& observer);
  // Same, but values stay where the plan keeps them when their layout is one of ValueView's
  // (no copy to plain): for observers whose result does not depend on element order
  // (calibration statistics). Other layouts are still handed over as plain.
  using ViewObserver = std::function<void(const std::string& value, const ValueView& view)>;
  Result<std::vector<Tensor>> run_observed_views(const std::vector<Tensor>& inputs, const std::vector<std::string>& watch,
                                                 const ViewObserver& observer);
  // Builds (or finds) the plan for these inputs and reports its shape (steps, memory).
  Result<PlanStats> plan_stats(const std::vector<Tensor>& inputs);

  const Model& model() const;
  int threads() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Random inputs for a model (seeded): float inputs uniform in [-1, 1), int inputs in [0, 10).
// Dynamic dims take `batch` (first dim) or 1.
std::vector<Tensor> random_inputs(const Model& model, uint64_t seed = 0, int64_t batch = 1);

}  // namespace calibra
