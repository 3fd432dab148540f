// An execution plan: a graph specialised to concrete input shapes, with one kernel per step,
// the layout of every value, plan-time constants folded, reorders inserted where layouts
// differ, and every runtime value given an offset in one arena (the memory plan).
//
// Data flows one way: import -> passes -> build_plan -> ExecContext::run.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kernels/dnnl/dnnl_build.h"
#include "ops/op_def.h"

namespace calibra {

struct PlanValue {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  Layout layout;
  const Tensor* constant = nullptr;  // known at plan time (bytes in `layout`)
  int buffer = -1;                   // arena buffer, for runtime values
  int alias_of = -1;                 // lives inside this value's bytes ...
  size_t alias_offset = 0;           // ... at this byte offset (views: 0; concat parts: > 0)
  size_t bytes = 0;
  size_t buffer_offset = 0;          // where in its buffer (set by the memory plan)
};

struct PlanStep {
  const Kernel* kernel = nullptr;
  std::vector<int> src, dst;  // value ids (-1: absent / not read at run time)
  std::string name;           // node name (or "reorder:<value>")
  std::string op_type;        // ONNX op, or "Reorder"
  std::vector<std::string> origins;  // ONNX nodes this step computes
  std::string precision = "FP32";
  bool is_reorder = false;
  int may_alias_src = -1;  // dst 0 may take this src's buffer (decided by the memory plan)
};

struct PlanBuffer {
  size_t bytes = 0;
  size_t offset = 0;
  int first = 0, last = 0;  // step range it must hold data (inputs from -1, outputs to end)
};

struct PlanOptions {
  int threads = 1;
  bool use_dnnl = true;   // false: reference kernels only (tests, debugging)
  ConvLayout conv_layout = ConvLayout::kAuto;
  bool deterministic = false;  // no Winograd (a timing-based choice)
};

class Plan {
 public:
  std::shared_ptr<const Graph> graph;  // nodes referenced by kernels live here
  std::vector<PlanValue> values;
  std::vector<PlanStep> steps;
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::deque<Tensor> constants;  // folded values, inputs fixed for this plan, packed data
  std::vector<PlanBuffer> buffers;
  std::vector<int> inputs;   // value id per graph input
  std::vector<int> outputs;  // value id per graph output
  size_t arena_bytes = 0;
  size_t scratchpad_bytes = 0;
  size_t live_peak_bytes = 0;  // the largest set of simultaneously live buffers (lower bound)
  int threads = 1;
  ConvLayout conv_layout = ConvLayout::kAuto;
  int convs = 0;  // oneDNN convolution steps (whether choosing a layout policy matters)
};

// Builds a plan for these input descriptions (in Graph::inputs order). Inputs whose value
// decides shapes (plan_time_inputs) must carry their value in ValueDesc::value.
Result<std::unique_ptr<Plan>> build_plan(std::shared_ptr<const Graph> graph, const std::vector<ValueDesc>& inputs,
                                         const PlanOptions& opts);

// Assigns arena offsets (in-place reuse, greedy best fit by size). Part of build_plan.
void plan_memory(Plan& plan);

// Indices of graph inputs whose *values* are needed to plan (they reach an op's
// value_inputs other than through Shape). Such inputs are folded into the plan.
std::vector<bool> plan_time_inputs(const Graph& g);

}  // namespace calibra
