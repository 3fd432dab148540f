#include "quant/scheme.h"

#include <algorithm>
#include <cmath>

#include "core/cpu.h"

namespace calibra {

QuantScheme default_scheme(Preset preset, int weight_bits) {
  QuantScheme s;
  s.preset = preset;
  const bool vnni = cpu_has_vnni();
  s.weight_bits = weight_bits > 0 ? weight_bits : (vnni ? 8 : 7);
  s.u8_sources = !vnni;
  s.isa = cpu_isa_name();
  return s;
}

RangeShape range_shape(const TensorStats& s, const QuantScheme& scheme) {
  if (s.min >= 0) return RangeShape::kUnsigned;
  if (scheme.preset == Preset::kMixed) {
    // Asymmetric where the range is far from sign-balanced.
    const double lo = -s.min, hi = s.max;
    const double ratio = std::min(lo, hi) / std::max(std::max(lo, hi), 1e-30);
    if (ratio < 0.5) return RangeShape::kAsymmetric;
  }
  return RangeShape::kSymmetric;
}

int range_levels(RangeShape shape, const QuantScheme&) { return shape == RangeShape::kSymmetric ? 254 : 255; }

QuantParam activation_param(const Range& r, RangeShape shape, const QuantScheme& scheme) {
  QuantParam p;
  constexpr double kTiny = 1e-8;  // constant tensors (zero range) still get a valid scale
  switch (shape) {
    case RangeShape::kUnsigned:
      p.dtype = DType::kU8;
      p.scale = {static_cast<float>(std::max(r.hi, kTiny) / 255.0)};
      p.zero_point = {0};
      break;
    case RangeShape::kSymmetric: {
      const double t = std::max(std::max(std::abs(r.lo), std::abs(r.hi)), kTiny);
      p.scale = {static_cast<float>(t / 127.0)};
      if (scheme.u8_sources) {
        p.dtype = DType::kU8;
        p.zero_point = {128};
      } else {
        p.dtype = DType::kI8;
        p.zero_point = {0};
      }
      break;
    }
    case RangeShape::kAsymmetric: {
      const double lo = std::min(0.0, r.lo), hi = std::max(0.0, r.hi);
      const double s = std::max(hi - lo, kTiny) / 255.0;
      p.dtype = DType::kU8;
      p.scale = {static_cast<float>(s)};
      p.zero_point = {static_cast<int32_t>(std::clamp(std::nearbyint(-lo / s), 0.0, 255.0))};
      break;
    }
  }
  return p;
}

std::pair<Tensor, QuantParam> quantize_weights(const Tensor& w, int64_t axis, const QuantScheme& scheme) {
  const int32_t qmax_w = scheme.weight_bits >= 8 ? 127 : (1 << (scheme.weight_bits - 1)) - 1;
  QuantParam p;
  p.dtype = DType::kI8;
  const int64_t channels = axis < 0 ? 1 : w.dim(static_cast<size_t>(axis));
  int64_t inner = 1;
  if (axis >= 0)
    for (size_t i = static_cast<size_t>(axis) + 1; i < w.rank(); ++i) inner *= w.dim(i);
  else
    inner = w.numel();
  const int64_t outer = w.numel() / (channels * inner);
  std::vector<double> amax(static_cast<size_t>(channels), 0.0);
  const float* x = w.data_as<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i)
        amax[static_cast<size_t>(c)] = std::max<double>(amax[static_cast<size_t>(c)], std::abs(x[(o * channels + c) * inner + i]));
  for (int64_t c = 0; c < channels; ++c) {
    const double a = amax[static_cast<size_t>(c)];
    p.scale.push_back(a > 0 ? static_cast<float>(a / qmax_w) : 1.0f);
    p.zero_point.push_back(0);
  }
  p.axis = axis;
  Tensor q(DType::kI8, w.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * channels + c) * inner + i;
        const double v = std::nearbyint(static_cast<double>(x[k]) / p.scale[static_cast<size_t>(c)]);
        q.data_as<int8_t>()[k] = static_cast<int8_t>(std::clamp<double>(v, -qmax_w, qmax_w));
      }
  return {q, p};
}

Tensor dequantize_weights(const Tensor& wq, const QuantParam& p) {
  Tensor w(DType::kF32, wq.shape());
  const int64_t channels = p.scale.size();
  int64_t inner = 1;
  if (p.axis >= 0)
    for (size_t i = static_cast<size_t>(p.axis) + 1; i < wq.rank(); ++i) inner *= wq.dim(i);
  else
    inner = wq.numel();
  for (int64_t k = 0; k < wq.numel(); ++k) {
    const size_t c = static_cast<size_t>((k / inner) % channels);
    w.data_as<float>()[k] = static_cast<float>(wq.data_as<int8_t>()[k]) * p.scale[c];
  }
  return w;
}

}  // namespace calibra
