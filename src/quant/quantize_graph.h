// From an FP32 graph and calibration statistics to a standard QDQ graph.
//
// Layers: Conv, Gemm, MatMul (constant weights) are quantized when eligible; Add, pooling
// and Concat when at least one input comes from a quantized layer. A layer stays FP32 when
// ignored by the user, ineligible, or reverted (speed, accuracy); the reason is recorded.
// Tensors: every input of a quantized layer, and its output when a quantized layer reads
// it, get QuantizeLinear -> DequantizeLinear. Pooling and Concat share one parameter set
// between inputs and output (so they move integers unchanged). Weights become int8
// initializers with a per-channel DequantizeLinear; biases stay float.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/range.h"
#include "quant/scheme.h"
#include "quant/statistics.h"

namespace calibra {

struct LayerDecision {
  std::string node;   // node name in the FP32 graph
  std::string op;
  bool quantize = false;
  std::string reason;  // why FP32 (empty when quantized)
  bool compute = false;  // Conv/Gemm/MatMul (the layers with weights)
};

struct TensorQuant {
  Range range;
  RangeShape shape = RangeShape::kSymmetric;
  QuantParam param;
  double min = 0, max = 0;  // observed
};

struct QdqGraph {
  std::unique_ptr<Graph> graph;
  std::map<std::string, TensorQuant> tensors;   // activation tensors (FP32 graph names)
  std::map<std::string, QuantParam> weights;    // per quantized layer
  std::map<std::string, std::vector<float>> bias_shift;  // bias correction per layer
};

struct QuantizeOptions {
  QuantScheme scheme;
  std::string algorithm = "percentile";
  double percentile = 99.99;
  // Per-tensor algorithm overrides (accuracy-aware mode tries others per layer).
  std::map<std::string, std::string> tensor_algorithm;
  bool bias_correction = true;
};

// Which layers can be quantized (before statistics). `ignore` holds node names or op types.
std::vector<LayerDecision> plan_layers(const Graph& g, const std::set<std::string>& ignore);
// Re-derives the pass-through layers (Add, pooling, Concat) after compute layers changed.
void settle_layers(const Graph& g, std::vector<LayerDecision>& layers);
// The tensors whose statistics quantization needs (inputs and outputs of candidate layers).
std::vector<std::string> tensors_to_observe(const Graph& g, const std::vector<LayerDecision>& layers);

Result<QdqGraph> quantize_graph(const Graph& g, const std::vector<LayerDecision>& layers,
                                const std::map<std::string, TensorStats>& stats, const QuantizeOptions& opts);

}  // namespace calibra
