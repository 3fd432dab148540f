// Reference BatchNormalization (inference) and LRN (across channels).
#include <cmath>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory batchnorm(const KernelArgs& a) {
  const Node& n = a.node;
  const Shape x = a.src[0].shape;
  const DType dt = a.src[0].dtype;
  const double eps = n.attr_float("epsilon", 1e-5f);
  const int64_t N = x[0], C = x[1], inner = shape_numel(x) / std::max<int64_t>(1, N * C);
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_float(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T *xs = ctx.in<T>(0), *scale = ctx.in<T>(1), *bias = ctx.in<T>(2), *mean = ctx.in<T>(3),
              *var = ctx.in<T>(4);
      T* y = ctx.out<T>(0);
      for (int64_t ni = 0; ni < N; ++ni)
        for (int64_t c = 0; c < C; ++c) {
          const double k = static_cast<double>(scale[c]) / std::sqrt(static_cast<double>(var[c]) + eps);
          const double m = mean[c], b = bias[c];
          const int64_t base = (ni * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) y[base + i] = static_cast<T>((xs[base + i] - m) * k + b);
        }
      return Status::ok();
    });
  });
}

Factory lrn(const KernelArgs& a) {
  const Node& n = a.node;
  const Shape x = a.src[0].shape;
  const DType dt = a.src[0].dtype;
  const double alpha = n.attr_float("alpha", 1e-4f), beta = n.attr_float("beta", 0.75f),
               bias = n.attr_float("bias", 1.0f);
  const int64_t size = n.attr_int("size", 1);
  const int64_t N = x[0], C = x[1], inner = shape_numel(x) / std::max<int64_t>(1, N * C);
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_float(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* xs = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      for (int64_t ni = 0; ni < N; ++ni)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < inner; ++i) {
            double sum = 0;
            for (int64_t cc = std::max<int64_t>(0, c - lo); cc <= std::min<int64_t>(C - 1, c + hi); ++cc) {
              double v = xs[(ni * C + cc) * inner + i];
              sum += v * v;
            }
            const int64_t o = (ni * C + c) * inner + i;
            y[o] = static_cast<T>(xs[o] / std::pow(bias + alpha / static_cast<double>(size) * sum, beta));
          }
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
