// Accuracy evaluation (`calibra eval`): a model over a dataset with a model usage config.
// Loading, decoding and preprocessing run ahead of inference on loader threads through a
// bounded queue (batches delivered in dataset order); inference runs on the calling thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "calibra/dataset.h"
#include "calibra/model.h"
#include "calibra/usage.h"

namespace calibra {

struct EvalOptions {
  size_t limit = 0;          // first N samples (0: all)
  int64_t batch = 1;
  int threads = 0;           // inference threads (0: all cores)
  int loader_threads = 1;    // decode/preprocess threads
  size_t queue_batches = 4;  // prefetch depth
  bool keep_outputs = false; // keep every sample's output row (for comparisons)
  bool use_dnnl = true;
  // Called about 4 times a second and at the end: (done, total, seconds). Return false to cancel.
  std::function<bool(size_t done, size_t total, double seconds)> progress;
};

struct EvalResult {
  size_t samples = 0;
  bool annotated = false;
  size_t correct_top1 = 0, correct_top5 = 0;
  double top1 = 0, top5 = 0;        // fractions (annotated datasets)
  std::vector<int32_t> predictions; // top-1 class per sample (after label_offset)
  std::vector<int64_t> labels;      // dataset labels (annotated)
  std::vector<std::string> sources; // sample names
  std::vector<float> outputs;       // keep_outputs: samples x classes
  int64_t classes = 0;
  double seconds = 0, samples_per_second = 0;
  ModelUsage usage;                 // as resolved and used
  DatasetInfo dataset;
};

Result<EvalResult> evaluate(std::shared_ptr<const Model> model, const Dataset& data, const ModelUsage& usage,
                            const EvalOptions& opts);

}  // namespace calibra
