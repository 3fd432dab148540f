#include "ir/activation.h"
#include "ir/quant.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace calibra {

namespace {
template <typename T>
T apply_act(const Activation& a, T x) {
  const T alpha = static_cast<T>(a.alpha), beta = static_cast<T>(a.beta);
  switch (a.kind) {
    case ActKind::kRelu: return x > T(0) ? x : T(0);
    case ActKind::kLeakyRelu: return x >= T(0) ? x : alpha * x;
    case ActKind::kClip: return std::min(std::max(x, alpha), beta);
    case ActKind::kSigmoid: return T(1) / (T(1) + std::exp(-x));
    case ActKind::kHardSigmoid: return std::max(T(0), std::min(T(1), alpha * x + beta));
    case ActKind::kHardSwish: return x * std::max(T(0), std::min(T(1), x / T(6) + T(0.5)));
    case ActKind::kTanh: return std::tanh(x);
    case ActKind::kElu: return x >= T(0) ? x : alpha * (std::exp(x) - T(1));
    case ActKind::kSwish: return x / (T(1) + std::exp(-x));
    case ActKind::kExp: return std::exp(x);
    case ActKind::kSqrt: return std::sqrt(x);
    case ActKind::kErf: return std::erf(x);
    case ActKind::kAbs: return std::abs(x);
    case ActKind::kNeg: return -x;
    case ActKind::kLog: return std::log(x);
    case ActKind::kSoftplus: return std::log1p(std::exp(-std::abs(x))) + std::max(x, T(0));
    case ActKind::kGelu: return T(0.5) * x * (T(1) + std::erf(x / std::sqrt(T(2))));
  }
  return x;
}
}  // namespace

float Activation::apply(float x) const { return apply_act<float>(*this, x); }
double Activation::apply(double x) const { return apply_act<double>(*this, x); }

std::string Activation::name() const {
  char buf[64];
  switch (kind) {
    case ActKind::kRelu: return "Relu";
    case ActKind::kLeakyRelu: std::snprintf(buf, sizeof buf, "LeakyRelu(%g)", alpha); return buf;
    case ActKind::kClip: std::snprintf(buf, sizeof buf, "Clip(%g,%g)", alpha, beta); return buf;
    case ActKind::kSigmoid: return "Sigmoid";
    case ActKind::kHardSigmoid:
      std::snprintf(buf, sizeof buf, "HardSigmoid(%g,%g)", alpha, beta);
      return buf;
    case ActKind::kHardSwish: return "HardSwish";
    case ActKind::kTanh: return "Tanh";
    case ActKind::kElu: std::snprintf(buf, sizeof buf, "Elu(%g)", alpha); return buf;
    case ActKind::kSwish: return "Swish";
    case ActKind::kExp: return "Exp";
    case ActKind::kSqrt: return "Sqrt";
    case ActKind::kErf: return "Erf";
    case ActKind::kAbs: return "Abs";
    case ActKind::kNeg: return "Neg";
    case ActKind::kLog: return "Log";
    case ActKind::kSoftplus: return "Softplus";
    case ActKind::kGelu: return "Gelu";
  }
  return "?";
}

std::string QuantParam::str() const {
  if (!quantized()) return "f32";
  char buf[96];
  const char* t = dtype == DType::kU8 ? "u8" : "s8";
  if (scale.size() > 1) std::snprintf(buf, sizeof buf, "%s per-channel(%zu, axis %lld)", t, scale.size(), static_cast<long long>(axis));
  else std::snprintf(buf, sizeof buf, "%s s=%g zp=%d", t, scale.empty() ? 0.f : scale[0], zp());
  return buf;
}

}  // namespace calibra
