// Reference Gemm and MatMul (double accumulation, broadcast batch dims for MatMul).
#include "ops/matmul.h"

#include "kernels/ref/broadcast.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory gemm(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(GemmParams p, resolve_gemm(n, a.src[0].shape, a.src[1].shape));
  const DType dt = a.src[0].dtype;
  const bool has_c = a.src.size() > 2 && a.src[2].present();
  const Shape c_shape = has_c ? a.src[2].shape : Shape{};
  const Node* node = &n;
  if (!dtype_is_float(dt) && dt != DType::kI32 && dt != DType::kI64 && dt != DType::kU32 && dt != DType::kU64)
    return unsupported_node(n, std::string("Gemm on ") + dtype_name(dt));
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* A = ctx.in<T>(0);
      const T* B = ctx.in<T>(1);
      const T* C = has_c ? ctx.in<T>(2) : nullptr;
      T* Y = ctx.out<T>(0);
      const auto cst = broadcast_strides(c_shape, {p.m, p.n});
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
          double acc = 0;
          for (int64_t k = 0; k < p.k; ++k) {
            double av = A[p.trans_a ? k * p.m + i : i * p.k + k];
            double bv = B[p.trans_b ? j * p.k + k : k * p.n + j];
            acc += av * bv;
          }
          double v = p.alpha * acc;
          if (C) v += static_cast<double>(p.beta) * static_cast<double>(C[i * cst[0] + j * cst[1]]);
          Y[i * p.n + j] = static_cast<T>(v);
        }
      if constexpr (std::is_same_v<T, float>) apply_post_ops(*node, Y, p.m * p.n, ctx);
      return Status::ok();
    });
  });
}

Factory matmul(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(MatMulParams p, resolve_matmul(n, a.src[0].shape, a.src[1].shape));
  const DType dt = a.src[0].dtype;
  const Node* node = &n;
  if (dt == DType::kBool || !(dtype_is_float(dt) || dtype_is_integer(dt)) || dt == DType::kF16)
    return unsupported_node(n, std::string("MatMul on ") + dtype_name(dt));
  const int64_t out_numel = a.dst[0].numel();
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* A = ctx.in<T>(0);
      const T* B = ctx.in<T>(1);
      T* Y = ctx.out<T>(0);
      const int64_t mk = p.m * p.k, kn = p.k * p.n, mn = p.m * p.n;
      for_each_broadcast<2>(p.batch, {p.a_batch, p.b_batch}, [&](int64_t bi, const std::array<int64_t, 2>& off) {
        const T* a0 = A + off[0] * mk;
        const T* b0 = B + off[1] * kn;
        T* y0 = Y + bi * mn;
        for (int64_t i = 0; i < p.m; ++i)
          for (int64_t j = 0; j < p.n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < p.k; ++k)
              acc += static_cast<double>(a0[i * p.k + k]) * static_cast<double>(b0[k * p.n + j]);
            y0[i * p.n + j] = static_cast<T>(acc);
          }
      });
      if constexpr (std::is_same_v<T, float>) apply_post_ops(*node, Y, out_numel, ctx);
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
