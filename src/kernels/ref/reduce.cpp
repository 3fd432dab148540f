// Reference ReduceMean and Softmax/LogSoftmax.
#include "ops/reduce.h"

#include <cmath>
#include <limits>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory reduce(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(ReduceParams p, resolve_reduce(a.node, a.src[0].shape));
  const Shape x = a.src[0].shape;
  const DType dt = a.src[0].dtype;
  // Output index of each input element: drop (or zero) the reduced coordinates.
  Shape kept;
  for (size_t i = 0; i < x.size(); ++i) kept.push_back(p.reduce[i] ? 1 : x[i]);
  const int64_t out_count = shape_numel(kept), in_count = shape_numel(x);
  const int64_t group = out_count > 0 ? in_count / out_count : 0;
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* src = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      std::vector<double> acc(static_cast<size_t>(out_count), 0.0);
      const size_t r = x.size();
      std::vector<int64_t> idx(r, 0);
      for (int64_t i = 0; i < in_count; ++i) {
        int64_t o = 0;
        for (size_t d = 0; d < r; ++d) o = o * kept[d] + (p.reduce[d] ? 0 : idx[d]);
        acc[static_cast<size_t>(o)] += static_cast<double>(src[i]);
        for (size_t d = r; d-- > 0;) {
          if (++idx[d] < x[d]) break;
          idx[d] = 0;
        }
      }
      for (int64_t o = 0; o < out_count; ++o)
        y[o] = static_cast<T>(group > 0 ? acc[static_cast<size_t>(o)] / static_cast<double>(group)
                                        : std::numeric_limits<double>::quiet_NaN());
      return Status::ok();
    });
  });
}

Factory softmax(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(SoftmaxParams p, resolve_softmax(a.node, a.src[0].shape));
  const DType dt = a.src[0].dtype;
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_float(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* x = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      for (int64_t o = 0; o < p.outer; ++o)
        for (int64_t i = 0; i < p.inner; ++i) {
          const int64_t base = o * p.axis_len * p.inner + i;
          double mx = -std::numeric_limits<double>::infinity();
          for (int64_t k = 0; k < p.axis_len; ++k) mx = std::max<double>(mx, x[base + k * p.inner]);
          double sum = 0;
          for (int64_t k = 0; k < p.axis_len; ++k) sum += std::exp(static_cast<double>(x[base + k * p.inner]) - mx);
          for (int64_t k = 0; k < p.axis_len; ++k) {
            double v = static_cast<double>(x[base + k * p.inner]) - mx;
            y[base + k * p.inner] = static_cast<T>(p.log ? v - std::log(sum) : std::exp(v) / sum);
          }
        }
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
