// Reading and writing single elements of any type as double: for kernels where types mix
// (Cast, Pow's exponent). Float -> integer truncates toward zero and saturates; NaN -> 0.
// Float -> bfloat16 truncates, as ONNX's reference implementation does.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "calibra/tensor.h"
#include "core/half.h"

namespace calibra::ref {

// Loads element i of any supported type as double (F16/BF16 decoded).
inline double load_element(const void* p, DType t, int64_t i) {
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
T saturate_int(double v) {
  if (std::isnan(v)) return T(0);
  v = std::trunc(v);
  if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

inline void store_element(void* p, DType t, int64_t i, double v) {
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
    case DType::kI8: static_cast<int8_t*>(p)[i] = saturate_int<int8_t>(v); break;
    case DType::kU8: static_cast<uint8_t*>(p)[i] = saturate_int<uint8_t>(v); break;
    case DType::kI16: static_cast<int16_t*>(p)[i] = saturate_int<int16_t>(v); break;
    case DType::kU16: static_cast<uint16_t*>(p)[i] = saturate_int<uint16_t>(v); break;
    case DType::kI32: static_cast<int32_t*>(p)[i] = saturate_int<int32_t>(v); break;
    case DType::kU32: static_cast<uint32_t*>(p)[i] = saturate_int<uint32_t>(v); break;
    case DType::kI64: static_cast<int64_t*>(p)[i] = saturate_int<int64_t>(v); break;
    case DType::kU64: static_cast<uint64_t*>(p)[i] = saturate_int<uint64_t>(v); break;
    case DType::kBool: static_cast<uint8_t*>(p)[i] = v != 0; break;
    default: break;
  }
}


}  // namespace calibra::ref
