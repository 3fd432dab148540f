// Quantization parameters in the IR.
//
//   x = scale * (q - zero_point)
//   q = saturate(round_half_to_even(x / scale) + zero_point)     (ONNX QuantizeLinear)
//
// Weights are symmetric (zero point 0), int8, per output channel. Activations are per
// tensor: uint8 after ReLU-like ops, int8 otherwise. On CPUs without VNNI, oneDNN's int8
// kernels multiply u8 x s8 pairs into saturating 16-bit sums (vpmaddubsw), so weights are
// limited to 7 bits (|q| <= 63) there; see quant/scheme.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calibra/tensor.h"

namespace calibra {

struct QuantParam {
  DType dtype = DType::kF32;  // kU8 / kI8 when quantized; kF32: not quantized
  std::vector<float> scale;   // one (per tensor) or one per channel along `axis`
  std::vector<int32_t> zero_point;
  int64_t axis = -1;          // per-channel axis, -1 per tensor

  bool quantized() const { return dtype == DType::kU8 || dtype == DType::kI8; }
  bool per_channel() const { return scale.size() > 1 || axis >= 0; }
  float s(size_t c = 0) const { return scale[scale.size() == 1 ? 0 : c]; }
  int32_t zp(size_t c = 0) const { return zero_point.empty() ? 0 : zero_point[zero_point.size() == 1 ? 0 : c]; }
  bool same_as(const QuantParam& o) const {
    return dtype == o.dtype && scale == o.scale && zero_point == o.zero_point && axis == o.axis;
  }
  std::string str() const;  // "u8 s=0.0123 zp=0", "s8 per-channel(64)"
};

// What a quantized node (Conv, Gemm, MatMul, pooling, Concat, Add) computes in integers:
// its quantized inputs' parameters, its weights' (Conv/Gemm/MatMul), and its output's.
// dst.dtype == kF32 means the node writes dequantized float output.
struct QuantOpInfo {
  std::vector<QuantParam> src;  // one per node input (kF32 for inputs that stay float, e.g. bias)
  QuantParam weight;            // Conv/Gemm/MatMul: weights (int8 constant in input 1)
  QuantParam dst;
  std::vector<std::string> absorbed;  // names of the Q/DQ nodes folded into this node
};

// Integer limits of a quantized type.
inline int32_t qmin(DType t) { return t == DType::kU8 ? 0 : -128; }
inline int32_t qmax(DType t) { return t == DType::kU8 ? 255 : 127; }

}  // namespace calibra
