// The quantization scheme: how ranges become QuantParams, and how weights are quantized.
//
// Weights: symmetric, per output channel (or per tensor), int8 with |q| <= 127, or <= 63
// ("7-bit") on CPUs without VNNI, where oneDNN's u8 x s8 pair sums saturate at 16 bits.
// Activations, per tensor:
//   non-negative (after ReLU-like ops)   u8, zero point 0, s = hi / 255
//   signed, performance preset           symmetric: s8 (s = T / 127) on VNNI CPUs; u8 with
//                                        zero point 128 without VNNI (the same grid, but a
//                                        u8 source, which those CPUs need)
//   signed, mixed preset, unbalanced     asymmetric u8: s = (hi - lo) / 255, zp = -lo / s
#pragma once

#include <string>

#include "calibra/tensor.h"
#include "ir/quant.h"
#include "quant/range.h"

namespace calibra {

enum class Preset { kPerformance, kMixed };

struct QuantScheme {
  Preset preset = Preset::kPerformance;
  int weight_bits = 8;          // 8, or 7 without VNNI
  bool u8_sources = false;      // signed activations as u8 with zero point 128
  bool per_channel_weights = true;
  std::string isa;              // what this was decided for, for the report
};

// The default for this CPU (honours ONEDNN_MAX_CPU_ISA). `weight_bits` 0 = decide.
QuantScheme default_scheme(Preset preset, int weight_bits = 0);

// Which range shape a tensor with these statistics gets under the scheme.
RangeShape range_shape(const TensorStats& s, const QuantScheme& scheme);
// Quantization parameters for an activation range.
QuantParam activation_param(const Range& r, RangeShape shape, const QuantScheme& scheme);
// Number of steps over the range for a shape (for the range algorithms).
int range_levels(RangeShape shape, const QuantScheme& scheme);

// Quantizes float weights along `axis` (the output channel; -1: per tensor), symmetric.
// All-zero channels get scale 1 (they stay zero). Returns the int8 tensor and the params.
std::pair<Tensor, QuantParam> quantize_weights(const Tensor& w, int64_t axis, const QuantScheme& scheme);
// The weights as the quantized model sees them: q * s (for bias correction and errors).
Tensor dequantize_weights(const Tensor& wq, const QuantParam& p);

}  // namespace calibra
