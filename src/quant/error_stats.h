// Numeric error of a tensor against a reference: SQNR and cosine similarity, accumulated
// over many samples; and dequantization of observed integer tensors for that comparison.
#pragma once

#include <cmath>
#include <vector>

#include "calibra/tensor.h"
#include "ir/quant.h"

namespace calibra {

struct ErrorAcc {
  double signal = 0, noise = 0, dot = 0, na = 0, nb = 0;
  size_t count = 0;
  void add(const std::vector<double>& ref, const std::vector<double>& got) {
    for (size_t i = 0; i < ref.size() && i < got.size(); ++i) {
      const double r = ref[i], g = got[i];
      signal += r * r;
      noise += (r - g) * (r - g);
      dot += r * g;
      na += r * r;
      nb += g * g;
    }
    count += std::min(ref.size(), got.size());
  }
  // 10 log10(signal / noise); 200 dB stands for "identical" (no noise at all).
  double sqnr_db() const { return noise > 0 ? (signal > 0 ? 10 * std::log10(signal / noise) : -200.0) : 200.0; }
  double cosine() const { return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : (na == nb ? 1.0 : 0.0); }
};

// A float, u8 or s8 tensor as doubles (integers dequantized with a per-tensor `p`).
inline void values_of(const Tensor& t, const QuantParam* p, std::vector<double>* out) {
  out->resize(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v;
    if (t.dtype() == DType::kF32) v = t.data_as<float>()[i];
    else {
      const int32_t q = t.dtype() == DType::kU8 ? t.data_as<uint8_t>()[i] : t.data_as<int8_t>()[i];
      v = p ? static_cast<double>(p->s()) * (q - p->zp()) : q;
    }
    (*out)[static_cast<size_t>(i)] = v;
  }
}

}  // namespace calibra
