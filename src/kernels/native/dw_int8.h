// Calibra's own INT8 depthwise convolution (2-D, K x K with K = 3 or 5, stride 1 or 2, any
// pads, dilation 1), for CPUs where oneDNN's int8 depthwise kernel is slow: on AVX2 without
// VNNI oneDNN 2.6 runs it with a generic kernel at about 0.6x the speed of its FP32
// depthwise kernel. The layout is channels-last (NHWC, oneDNN tag acdb), what the
// surrounding oneDNN int8 convolutions use. See dw_int8.cpp for the formula and the data
// layout of the AVX2 path.
#pragma once

#include <atomic>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "calibra/tensor.h"
#include "kernels/kernel.h"
#include "ops/op_def.h"

namespace calibra::native {

// One quantized depthwise convolution: shapes, integer data and requantization parameters.
struct DwInt8Spec {
  int64_t batch = 1, channels = 0;  // C = group = input channels = output channels
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int kernel = 3;  // K x K
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;  // the end pads follow from the output size
  DType src_type = DType::kU8;    // kU8 or kI8, per-tensor scale and zero point
  float src_scale = 1.f;
  int32_t src_zp = 0;
  std::vector<int8_t> weights;       // [C, K, K], symmetric (zero point 0)
  std::vector<float> weight_scales;  // [C] (per channel) or [1]
  std::vector<float> bias;           // [C] in real units, or empty
  DType dst_type = DType::kU8;       // kU8, kI8 (per-tensor scale, zero point) or kF32
  float dst_scale = 1.f;
  int32_t dst_zp = 0;
  // The node's activations (Relu, Clip, in order) composed into one clamp in real units.
  float act_lo = -INFINITY, act_hi = INFINITY;
};

// The spec of a quantized Conv node (Node::quant) this kernel can run, or the reason it
// cannot (empty spec.channels). `src`/`dst` are the node's inputs and output as planned.
DwInt8Spec dw_int8_spec(const Node& n, std::span<const ValueDesc> src, const ValueDesc& dst,
                        std::string* why);

class DwInt8Kernel final : public Kernel {
 public:
  // The kernel for `spec`, run by up to `threads` OpenMP threads; nullptr and *why when the
  // spec is outside the kernel's domain. `simd` false: always the portable scalar path.
  static std::unique_ptr<DwInt8Kernel> make(const DwInt8Spec& spec, int threads, std::string* why,
                                            bool simd = true);
  ~DwInt8Kernel() override;

  // src = ctx.src[0] (NHWC), dst = ctx.dst[0] (NHWC), per-thread buffers in ctx.scratchpad.
  Status run(ExecCtx& ctx) const override;
  // "native_dw_int8" (AVX2), or "native_dw_int8_portable".
  std::string impl() const override;

  // Bytes of ExecCtx::scratchpad the kernel uses.
  size_t scratchpad_bytes() const;
  // The computation on raw NHWC buffers.
  void compute(const void* src, void* dst, void* scratch) const;
  // Whether this kernel runs the AVX2 path (the CPU has AVX2 and FMA, and simd was allowed).
  bool simd() const;
  static bool simd_available();

  struct Impl;

 private:
  explicit DwInt8Kernel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Who runs quantized depthwise convolutions that this kernel can do: the faster of it and
// oneDNN, measured once per shape (kAuto, the default); always this kernel (kForce), on
// its portable path (kForcePortable; both for tests); never (kOff; also with
// CALIBRA_NO_NATIVE_DW=1 in the environment).
enum class DwInt8Mode { kAuto, kForce, kForcePortable, kOff };
std::atomic<DwInt8Mode>& dw_int8_mode();

}  // namespace calibra::native
