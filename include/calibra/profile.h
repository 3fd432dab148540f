// Per-layer profile (`calibra bench --profile`): for every executed step, the ONNX nodes it
// computes, its op, runtime precision (U8 / I8 / FP32), implementation, output shape and
// layout, and its median time over several runs; inserted reorders appear as their own
// rows. Summaries group time by precision and by op type.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calibra/model.h"
#include "calibra/session.h"

namespace calibra {

struct ProfileRow {
  LayerProfile layer;  // with ms = the median over runs
  double share = 0;    // of the total
};

struct ModelProfile {
  std::vector<ProfileRow> rows;           // execution order
  double total_ms = 0;                    // median total per run
  double layers_ms = 0;                   // sum of the per-layer medians
  double unprofiled_ms = 0;               // median time of plain runs interleaved with the profiled ones
  double overhead = 0;                    // profiled / plain run time - 1 (wall clock, medians)
  std::map<std::string, double> by_precision, by_op;  // ms
  std::map<std::string, int> layers_by_precision;     // compute layers (not reorders)
  int runs = 0;
};

Result<ModelProfile> profile_model(std::shared_ptr<const Model> model, const std::vector<Tensor>& inputs,
                                   const SessionOptions& opts, int runs = 30);

}  // namespace calibra
