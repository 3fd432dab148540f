#include <cmath>

#include "ops/op_def.h"

namespace calibra {

Status node_error(const Node& n, StatusCode code, const std::string& msg) {
  return Status(code, n.describe() + ": " + msg);
}

Result<int64_t> normalize_axis(const Node& n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return bad_node(n, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Result<Shape> broadcast_shapes(const Node& n, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else
      return bad_node(n, "shapes " + shape_str(a) + " and " + shape_str(b) + " cannot be broadcast");
  }
  return out;
}

Result<std::vector<int64_t>> read_ints(const Node& n, const ValueDesc& v, const char* what) {
  if (!v.value)
    return unsupported_node(n, std::string(what) +
                                   " must be known before running (a constant or computed from "
                                   "shapes); data-dependent shapes are not supported");
  const Tensor& t = *v.value;
  std::vector<int64_t> r(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::kI64) {
    std::copy(t.data_as<int64_t>(), t.data_as<int64_t>() + t.numel(), r.begin());
  } else if (t.dtype() == DType::kI32) {
    std::copy(t.data_as<int32_t>(), t.data_as<int32_t>() + t.numel(), r.begin());
  } else {
    return bad_node(n, std::string(what) + " must be int32 or int64, not " + dtype_name(t.dtype()));
  }
  return r;
}

Result<double> read_scalar(const Node& n, const ValueDesc& v, const char* what) {
  if (!v.value)
    return unsupported_node(n, std::string(what) + " must be a constant");
  const Tensor& t = *v.value;
  if (t.numel() != 1) return bad_node(n, std::string(what) + " must have exactly one element");
  switch (t.dtype()) {
    case DType::kF32: return static_cast<double>(*t.data_as<float>());
    case DType::kF64: return *t.data_as<double>();
    case DType::kI64: return static_cast<double>(*t.data_as<int64_t>());
    case DType::kI32: return static_cast<double>(*t.data_as<int32_t>());
    case DType::kI8: return static_cast<double>(*t.data_as<int8_t>());
    case DType::kU8: return static_cast<double>(*t.data_as<uint8_t>());
    case DType::kI16: return static_cast<double>(*t.data_as<int16_t>());
    case DType::kU16: return static_cast<double>(*t.data_as<uint16_t>());
    case DType::kU32: return static_cast<double>(*t.data_as<uint32_t>());
    case DType::kU64: return static_cast<double>(*t.data_as<uint64_t>());
    case DType::kBool: return *t.data_as<uint8_t>() ? 1.0 : 0.0;
    default: return unsupported_node(n, std::string(what) + " of type " + dtype_name(t.dtype()));
  }
}

}  // namespace calibra
