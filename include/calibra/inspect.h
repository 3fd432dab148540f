// Model inspection (`calibra info`): structure, size, cost, precision, and whether INT8
// calibration can be applied.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "calibra/model.h"

namespace calibra {

struct ModelInfo {
  std::string path;
  uint64_t file_bytes = 0;
  int64_t ir_version = 0;
  int64_t opset = 0;
  std::string producer;
  std::vector<TensorSpec> inputs, outputs;
  std::map<std::string, int> op_histogram;  // ONNX op -> node count
  int64_t nodes = 0;
  int64_t parameters = 0;         // elements in initializers (weights)
  uint64_t parameter_bytes = 0;
  double gflops = 0;              // per inference at batch 1 (2 x MACs of Conv/Gemm/MatMul + element ops)
  bool flops_complete = true;     // false when some shapes were unknown
  std::string precision;          // "FP32", "FP16", "BF16", "INT8 (QDQ)", "INT8 (integer ops)"
  std::vector<std::string> unsupported;  // "Op (node 'x')" entries
  bool runnable = false;          // every op is supported
  bool int8_possible = false;
  std::string int8_reason;        // why not (or what will be quantized)
  int quantizable_layers = 0;     // Conv / ConvTranspose / Gemm / MatMul nodes
  bool dynamic_batch = false;
  // Runtime precision of each executed layer (after fusion), when the model runs.
  struct Layer {
    std::string name, op, precision;
  };
  std::vector<Layer> layers;
  std::map<std::string, int> layers_by_precision;  // U8 / I8 / FP32
};

Result<ModelInfo> inspect_model(const std::string& path);

}  // namespace calibra
