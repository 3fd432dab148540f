// QuantizeLinear / DequantizeLinear, fast and exact (bit-identical to the ONNX reference:
// x / scale in float32, round half to even, saturate; (q - zero_point) * scale). oneDNN's
// reorder multiplies by 1/scale instead, which can differ by one step.
//
// Per-tensor parameters make these element-wise over whatever layout the data is in (a
// blocked layout's padding is quantized too and stays unused), so values flow between
// oneDNN ops without a reorder to plain. Per-channel forms run on plain data.
#include <cmath>
#include <cstring>

#include "kernels/dnnl/dnnl_common.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "ops/quantize.h"

namespace calibra::dnnl_k {

namespace {

// One clone per ISA, picked at load time. clang (the fuzz build) does not clone templates.
// ThreadSanitizer instruments the ifunc resolvers, which the loader runs before the TSan
// runtime is up (a crash at start): the TSan build uses the default version only.
#if defined(__clang__) || defined(__SANITIZE_THREAD__)
#define CALIBRA_ISA_CLONES
#else
#define CALIBRA_ISA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

template <typename Q>
CALIBRA_ISA_CLONES void quantize_loop(const float* x, Q* y, size_t n, float scale, float zp, float lo, float hi) {
  for (size_t i = 0; i < n; ++i) {
    float v = std::nearbyint(x[i] / scale) + zp;
    v = v < lo ? lo : v > hi ? hi : v;
    y[i] = static_cast<Q>(v);
  }
}

template <typename Q>
CALIBRA_ISA_CLONES void dequantize_loop(const Q* x, float* y, size_t n, float scale, float zp) {
  for (size_t i = 0; i < n; ++i) y[i] = (static_cast<float>(x[i]) - zp) * scale;
}

// The padded element count of a layout (what the loops run over).
size_t padded_elements(const ValueDesc& v, const Layout& l) {
  return l.plain ? static_cast<size_t>(v.numel()) : l.md.get_size() / dtype_size(v.dtype);
}

// The same layout with another element type (the per-tensor loops keep positions).
std::optional<Layout> retyped(const Layout& l, DType t) {
  if (l.plain) return Layout::plain_layout();
  auto tg = tag_of(l.md);
  auto dt = to_dnnl(t);
  if (!tg || !dt) return std::nullopt;
  return Layout::from_md(memory::desc(l.md.dims(), *dt, *tg));
}

}  // namespace

Factory quantize(const DnnlBuildCtx& c) {
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(c.node, c.src));
  if (c.src[0].dtype != DType::kF32 || p.scale.size() != 1) return DnnlKernelPlan::decline("per-channel or int input");
  auto out = retyped(c.src_layout[0], p.dtype);
  if (!out) return DnnlKernelPlan::decline("layout");
  DnnlKernelPlan plan = make_plan(c);
  plan.src_layouts[0] = c.src_layout[0];
  plan.dst_layouts[0] = *out;
  const size_t n = padded_elements(c.src[0], c.src_layout[0]);
  const float s = p.s(), zp = static_cast<float>(p.zp()), lo = static_cast<float>(qmin(p.dtype)),
              hi = static_cast<float>(qmax(p.dtype));
  const bool u8 = p.dtype == DType::kU8;
  plan.kernel = std::make_unique<FnKernel>(
      [=](ExecCtx& ctx) {
        if (u8) quantize_loop(ctx.in<float>(0), ctx.out<uint8_t>(0), n, s, zp, lo, hi);
        else quantize_loop(ctx.in<float>(0), ctx.out<int8_t>(0), n, s, zp, lo, hi);
        return Status::ok();
      },
      "native");
  plan.precision = u8 ? "U8" : "I8";
  return plan;
}

Factory dequantize(const DnnlBuildCtx& c) {
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(c.node, c.src));
  const DType t = c.src[0].dtype;
  if ((t != DType::kU8 && t != DType::kI8) || p.scale.size() != 1) return DnnlKernelPlan::decline("per-channel or int32 input");
  auto out = retyped(c.src_layout[0], DType::kF32);
  if (!out) return DnnlKernelPlan::decline("layout");
  DnnlKernelPlan plan = make_plan(c);
  plan.src_layouts[0] = c.src_layout[0];
  plan.dst_layouts[0] = *out;
  const size_t n = padded_elements(c.src[0], c.src_layout[0]);
  const float s = p.s(), zp = static_cast<float>(p.zp());
  plan.kernel = std::make_unique<FnKernel>(
      [=](ExecCtx& ctx) {
        if (t == DType::kU8) dequantize_loop(ctx.in<uint8_t>(0), ctx.out<float>(0), n, s, zp);
        else dequantize_loop(ctx.in<int8_t>(0), ctx.out<float>(0), n, s, zp);
        return Status::ok();
      },
      "native");
  return plan;
}

}  // namespace calibra::dnnl_k
