// Type dispatch for reference kernels: call a generic lambda with a value of the C++ type
// that matches a DType.
#pragma once

#include <cstdint>
#include <string>

#include "calibra/status.h"
#include "calibra/tensor.h"

namespace calibra::ref {

// float, double.
template <typename F>
Status visit_float(DType t, F&& f) {
  switch (t) {
    case DType::kF32: return f(float{});
    case DType::kF64: return f(double{});
    default: return Status::unsupported(std::string("type ") + dtype_name(t) + " (float32/float64 expected)");
  }
}

// Every arithmetic type (bool excluded).
template <typename F>
Status visit_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kF32: return f(float{});
    case DType::kF64: return f(double{});
    case DType::kI8: return f(int8_t{});
    case DType::kU8: return f(uint8_t{});
    case DType::kI16: return f(int16_t{});
    case DType::kU16: return f(uint16_t{});
    case DType::kI32: return f(int32_t{});
    case DType::kU32: return f(uint32_t{});
    case DType::kI64: return f(int64_t{});
    case DType::kU64: return f(uint64_t{});
    default: return Status::unsupported(std::string("type ") + dtype_name(t) + " is not supported here");
  }
}

// Signed types and floats (for ops like Neg/Abs/Relu whose ONNX schema lists them).
template <typename F>
Status visit_signed(DType t, F&& f) {
  switch (t) {
    case DType::kF32: return f(float{});
    case DType::kF64: return f(double{});
    case DType::kI8: return f(int8_t{});
    case DType::kI16: return f(int16_t{});
    case DType::kI32: return f(int32_t{});
    case DType::kI64: return f(int64_t{});
    default: return Status::unsupported(std::string("type ") + dtype_name(t) + " is not supported here");
  }
}

}  // namespace calibra::ref
