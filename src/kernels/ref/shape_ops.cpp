// Reference kernels for Identity-like ops, Dropout, Shape, Cast and ConstantOfShape.
#include "ops/shape_ops.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "kernels/ref/dispatch.h"
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

namespace {

// Loads element i of any supported type as double (F16/BF16 decoded).
double load(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return static_cast<const float*>(p)[i];
    case DType::kF64: return static_cast<const double*>(p)[i];
    case DType::kF16: return half_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kBF16: return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kI8: return static_cast<const int8_t*>(p)[i];
    case DType::kU8: return static_cast<const uint8_t*>(p)[i];
    case DType::kI16: return static_cast<const int16_t*>(p)[i];
    case DType::kU16: return static_cast<const uint16_t*>(p)[i];
    case DType::kI32: return static_cast<const int32_t*>(p)[i];
    case DType::kU32: return static_cast<const uint32_t*>(p)[i];
    case DType::kI64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
    case DType::kU64: return static_cast<double>(static_cast<const uint64_t*>(p)[i]);
    case DType::kBool: return static_cast<const uint8_t*>(p)[i] ? 1.0 : 0.0;
    default: return 0;
  }
}

template <typename T>
T to_int(double v) {
  if (std::isnan(v)) return T(0);
  v = std::trunc(v);
  if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

void store(void* p, DType t, int64_t i, double v) {
  switch (t) {
    case DType::kF32: static_cast<float*>(p)[i] = static_cast<float>(v); break;
    case DType::kF64: static_cast<double*>(p)[i] = v; break;
    case DType::kF16: static_cast<uint16_t*>(p)[i] = float_to_half(static_cast<float>(v)); break;
    case DType::kBF16: {
      // Truncation, as ONNX's reference implementation and test data for Cast do.
      float f = static_cast<float>(v);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      static_cast<uint16_t*>(p)[i] = static_cast<uint16_t>(bits >> 16);
      break;
    }
    case DType::kI8: static_cast<int8_t*>(p)[i] = to_int<int8_t>(v); break;
    case DType::kU8: static_cast<uint8_t*>(p)[i] = to_int<uint8_t>(v); break;
    case DType::kI16: static_cast<int16_t*>(p)[i] = to_int<int16_t>(v); break;
    case DType::kU16: static_cast<uint16_t*>(p)[i] = to_int<uint16_t>(v); break;
    case DType::kI32: static_cast<int32_t*>(p)[i] = to_int<int32_t>(v); break;
    case DType::kU32: static_cast<uint32_t*>(p)[i] = to_int<uint32_t>(v); break;
    case DType::kI64: static_cast<int64_t*>(p)[i] = to_int<int64_t>(v); break;
    case DType::kU64: static_cast<uint64_t*>(p)[i] = to_int<uint64_t>(v); break;
    case DType::kBool: static_cast<uint8_t*>(p)[i] = v != 0; break;
    default: break;
  }
}

}  // namespace

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
    for (int64_t i = 0; i < count; ++i) store(ctx.dst[0], to, i, load(ctx.src[0], from, i));
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
