// Activations that can run standalone or fused into a producer (oneDNN eltwise post-op).
//
// One table serves the graph passes (which ops may fuse), the reference kernels (apply())
// and the oneDNN adapter (kernels/dnnl/activation_map.h). Formulas:
//   Relu      y = max(x, 0)                      LeakyRelu y = x >= 0 ? x : alpha*x
//   Clip      y = min(max(x, alpha), beta)       Sigmoid   y = 1 / (1 + exp(-x))
//   HardSigmoid y = max(0, min(1, alpha*x+beta)) HardSwish y = x * max(0, min(1, x/6 + 1/2))
//   Tanh      y = tanh(x)                         Elu       y = x >= 0 ? x : alpha*(exp(x)-1)
//   Swish     y = x * sigmoid(x)  (SiLU)          Exp, Sqrt, Abs, Neg ... see activation.cpp
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace calibra {

enum class ActKind {
  kRelu,
  kLeakyRelu,
  kClip,
  kSigmoid,
  kHardSigmoid,
  kHardSwish,
  kTanh,
  kElu,
  kSwish,
  kExp,
  kSqrt,
  kErf,
  kAbs,
  kNeg,
  kLog,
  kSoftplus,
  kGelu,  // erf form: 0.5 * x * (1 + erf(x / sqrt(2)))
};

struct Activation {
  ActKind kind = ActKind::kRelu;
  float alpha = 0.f;
  float beta = 0.f;

  float apply(float x) const;
  double apply(double x) const;
  std::string name() const;  // "Relu", "Clip(0,6)"
  bool operator==(const Activation&) const = default;
};

// What a fused producer does after its main computation, in order.
struct PostOp {
  enum class Kind { kActivation, kSum };
  Kind kind = Kind::kActivation;
  Activation act;       // kActivation
  int input_index = -1; // kSum: the node input added element-wise (same shape as the output)

  bool operator==(const PostOp&) const = default;
};

}  // namespace calibra
