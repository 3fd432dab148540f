// Tensor: a dense, row-major (plain) n-dimensional array with a data type.
//
// Copies of a Tensor share the same buffer (a handle, like a shared_ptr); use clone() for a
// deep copy. Buffers are 64-byte aligned and zero-initialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calibra/status.h"

namespace calibra {

// Element types. Numbering is ours; onnx/tensor_proto.h maps to ONNX's.
enum class DType : uint8_t {
  kUndefined = 0,
  kF32,
  kF16,
  kBF16,
  kF64,
  kI8,
  kU8,
  kI16,
  kU16,
  kI32,
  kU32,
  kI64,
  kU64,
  kBool,
  kString,  // recognised so errors can name it; never stored
};

size_t dtype_size(DType t);
const char* dtype_name(DType t);  // "float32", "int64", ...
bool dtype_is_float(DType t);
bool dtype_is_integer(DType t);

using Shape = std::vector<int64_t>;

// Product of dims (1 for a scalar). Dims must be >= 0.
int64_t shape_numel(const Shape& s);
// "[1,3,224,224]"
std::string shape_str(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  // Allocates a zeroed buffer. Fails only on absurd sizes (caller validates shapes first).
  Tensor(DType dtype, Shape shape);
  // A tensor that refers to memory owned elsewhere (must outlive all copies).
  static Tensor borrow(DType dtype, Shape shape, void* data);
  // A safe constructor for sizes that come from outside (files, models): checks limits.
  static Result<Tensor> create(DType dtype, Shape shape);

  bool defined() const { return dtype_ != DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_[i]; }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* data() { return data_; }
  const void* data() const { return data_; }
  template <typename T>
  T* data_as() { return static_cast<T*>(data_); }
  template <typename T>
  const T* data_as() const { return static_cast<const T*>(data_); }

  Tensor clone() const;
  // Same buffer, new shape with the same element count.
  Tensor reshaped(Shape shape) const;

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

// Largest tensor Calibra will allocate from sizes found in a file (elements). Protects
// against allocation bombs in malformed models; raise with CALIBRA_MAX_TENSOR_ELEMENTS.
int64_t max_tensor_elements();
// The element count of `shape` (dimensions >= 0), or nothing when it exceeds
// max_tensor_elements(); never overflows, whatever the dimensions.
std::optional<int64_t> elements_within_limit(const Shape& shape);

}  // namespace calibra
