// oneDNN kernel factories (see dnnl_build.h for the contract). Each returns a plan, or a
// declined plan when oneDNN cannot do the node; never an error for something the reference
// kernel can still run.
#pragma once

#include <atomic>

#include "kernels/dnnl/dnnl_build.h"

namespace calibra::dnnl_k {

using Factory = Result<DnnlKernelPlan>;

Factory conv(const DnnlBuildCtx& c);
// Whether Conv may use Winograd where it measures faster (default on; off with
// CALIBRA_NO_WINOGRAD=1 or by setting the flag). Winograd results differ from direct
// convolution in the last bits (measured: 1.5e-6 relative on resnet18).
std::atomic<bool>& winograd_enabled();
bool winograd_allowed();

Factory conv_transpose(const DnnlBuildCtx& c);
Factory batchnorm(const DnnlBuildCtx& c);
Factory lrn(const DnnlBuildCtx& c);
Factory eltwise(const DnnlBuildCtx& c);
Factory prelu(const DnnlBuildCtx& c);
Factory binary(const DnnlBuildCtx& c);
Factory pow(const DnnlBuildCtx& c);
Factory variadic(const DnnlBuildCtx& c);
Factory pool(const DnnlBuildCtx& c);
Factory gemm(const DnnlBuildCtx& c);
Factory matmul(const DnnlBuildCtx& c);
Factory transpose(const DnnlBuildCtx& c);
Factory concat(const DnnlBuildCtx& c);
Factory resize(const DnnlBuildCtx& c);
Factory reduce(const DnnlBuildCtx& c);
Factory softmax(const DnnlBuildCtx& c);
// Exact QuantizeLinear / DequantizeLinear on any per-tensor layout (kernels/native/).
Factory quantize(const DnnlBuildCtx& c);
Factory dequantize(const DnnlBuildCtx& c);
// INT8 forms for quantized nodes (kernels/dnnl/quantized.cpp).
Factory qconv(const DnnlBuildCtx& c);
Factory qgemm(const DnnlBuildCtx& c);  // Gemm and MatMul
Factory qadd(const DnnlBuildCtx& c);

// A reorder between two layouts of the same f32 tensor (the planner's glue).
Result<std::unique_ptr<Kernel>> make_reorder(const ValueDesc& v, const Layout& from, const Layout& to);

}  // namespace calibra::dnnl_k
