// Reference kernels for Identity-like ops, Dropout, Shape, Cast and ConstantOfShape.
#include "ops/shape_ops.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/element_io.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory copy(const KernelArgs& a) {
  const size_t bytes = static_cast<size_t>(a.src[0].numel()) * dtype_size(a.src[0].dtype);
  return make_fn_kernel([bytes](ExecCtx& ctx) {
    if (bytes && ctx.dst[0] != ctx.src[0]) std::memmove(ctx.dst[0], ctx.src[0], bytes);
    return Status::ok();
  });
}

Factory dropout(const KernelArgs& a) {
  const size_t bytes = static_cast<size_t>(a.src[0].numel()) * dtype_size(a.src[0].dtype);
  const bool mask = a.dst.size() > 1;
  const DType mask_type = mask ? a.dst[1].dtype : DType::kBool;
  const int64_t count = a.src[0].numel();
  return make_fn_kernel([=](ExecCtx& ctx) {
    if (bytes && ctx.dst[0] != ctx.src[0]) std::memmove(ctx.dst[0], ctx.src[0], bytes);
    if (mask && ctx.dst[1]) {
      if (mask_type == DType::kBool) std::memset(ctx.dst[1], 1, static_cast<size_t>(count));
      else if (mask_type == DType::kF32) std::fill_n(ctx.out<float>(1), count, 1.f);
      else if (mask_type == DType::kF64) std::fill_n(ctx.out<double>(1), count, 1.0);
    }
    return Status::ok();
  });
}

Factory shape(const KernelArgs& a) {
  auto [s, e] = shape_op_range(a.node, static_cast<int64_t>(a.src[0].shape.size()));
  std::vector<int64_t> dims(a.src[0].shape.begin() + s, a.src[0].shape.begin() + e);
  return make_fn_kernel([dims](ExecCtx& ctx) {
    std::copy(dims.begin(), dims.end(), ctx.out<int64_t>(0));
    return Status::ok();
  });
}

Factory cast(const KernelArgs& a) {
  const DType from = a.src[0].dtype, to = a.dst[0].dtype;
  const int64_t count = a.src[0].numel();
  // 64-bit integers do not round-trip through double: copy them exactly between int types.
  const bool int64_exact = dtype_is_integer(from) && dtype_is_integer(to) &&
                           (from == DType::kI64 || from == DType::kU64 || to == DType::kI64 || to == DType::kU64);
  return make_fn_kernel([=](ExecCtx& ctx) {
    if (from == to) {
      std::memmove(ctx.dst[0], ctx.src[0], static_cast<size_t>(count) * dtype_size(from));
      return Status::ok();
    }
    if (int64_exact) {
      return visit_numeric(from, [&](auto ftag) -> Status {
        using F = decltype(ftag);
        return visit_numeric(to, [&](auto ttag) -> Status {
          using T = decltype(ttag);
          const F* x = ctx.in<F>(0);
          T* y = ctx.out<T>(0);
          for (int64_t i = 0; i < count; ++i) y[i] = static_cast<T>(x[i]);  // two's complement wrap
          return Status::ok();
        });
      });
    }
    for (int64_t i = 0; i < count; ++i) store_element(ctx.dst[0], to, i, load_element(ctx.src[0], from, i));
    return Status::ok();
  });
}

Factory constant_of_shape(const KernelArgs& a) {
  const DType t = a.dst[0].dtype;
  const int64_t count = a.dst[0].numel();
  const size_t es = dtype_size(t);
  std::vector<uint8_t> value(es, 0);
  if (const Tensor* v = a.node.attr_tensor("value")) std::memcpy(value.data(), v->data(), es);
  return make_fn_kernel([=](ExecCtx& ctx) {
    auto* y = static_cast<uint8_t*>(ctx.dst[0]);
    for (int64_t i = 0; i < count; ++i) std::memcpy(y + static_cast<size_t>(i) * es, value.data(), es);
    return Status::ok();
  });
}

}  // namespace calibra::ref
