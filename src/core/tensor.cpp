#include "calibra/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/file_util.h"

namespace calibra {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32: case DType::kI32: case DType::kU32: return 4;
    case DType::kF16: case DType::kBF16: case DType::kI16: case DType::kU16: return 2;
    case DType::kF64: case DType::kI64: case DType::kU64: return 8;
    case DType::kI8: case DType::kU8: case DType::kBool: return 1;
    case DType::kUndefined: case DType::kString: return 0;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kUndefined: return "undefined";
    case DType::kF32: return "float32";
    case DType::kF16: return "float16";
    case DType::kBF16: return "bfloat16";
    case DType::kF64: return "float64";
    case DType::kI8: return "int8";
    case DType::kU8: return "uint8";
    case DType::kI16: return "int16";
    case DType::kU16: return "uint16";
    case DType::kI32: return "int32";
    case DType::kU32: return "uint32";
    case DType::kI64: return "int64";
    case DType::kU64: return "uint64";
    case DType::kBool: return "bool";
    case DType::kString: return "string";
  }
  return "?";
}

bool dtype_is_float(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kF64;
}

bool dtype_is_integer(DType t) {
  switch (t) {
    case DType::kI8: case DType::kU8: case DType::kI16: case DType::kU16: case DType::kI32:
    case DType::kU32: case DType::kI64: case DType::kU64: return true;
    default: return false;
  }
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ",";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

int64_t max_tensor_elements() {
  // 2^31 elements (8 GiB of float32) unless CALIBRA_MAX_TENSOR_ELEMENTS says otherwise.
  static const int64_t limit = env_limit("CALIBRA_MAX_TENSOR_ELEMENTS", int64_t(1) << 31);
  return limit;
}

std::optional<int64_t> elements_within_limit(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d > 0 && n > max_tensor_elements() / d) return std::nullopt;
    n *= d;
  }
  return n;
}

namespace {
constexpr size_t kAlign = 64;

std::shared_ptr<void> allocate(size_t bytes) {
  size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) rounded = kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}
}  // namespace

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  owner_ = allocate(nbytes());
  data_ = owner_.get();
}

Tensor Tensor::borrow(DType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  return t;
}

Result<Tensor> Tensor::create(DType dtype, Shape shape) {
  if (dtype_size(dtype) == 0)
    return Status::unsupported(std::string("tensors of type ") + dtype_name(dtype) + " are not supported");
  for (int64_t d : shape)
    if (d < 0) return Status::invalid_argument("negative dimension in shape " + shape_str(shape));
  if (!elements_within_limit(shape))
    return Status::resource_exhausted("tensor of shape " + shape_str(shape) + " exceeds the element limit (" +
                                      std::to_string(max_tensor_elements()) +
                                      "; raise CALIBRA_MAX_TENSOR_ELEMENTS if it is real)");
  try {
    return Tensor(dtype, shape);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory allocating a tensor of shape " + shape_str(shape));
  }
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

}  // namespace calibra
