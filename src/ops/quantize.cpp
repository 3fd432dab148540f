#include "ops/quantize.h"

#include <cmath>

namespace calibra {

Result<QuantParam> qdq_param(const Node& n, std::span<const ValueDesc> src) {
  if (src.size() < 2 || !src[1].present()) return bad_node(n, "needs a scale");
  if (!src[1].value) return unsupported_node(n, "scale must be a constant");
  QuantParam p;
  const Tensor& s = *src[1].value;
  if (s.dtype() != DType::kF32) return unsupported_node(n, std::string("scale of type ") + dtype_name(s.dtype()));
  p.scale.assign(s.data_as<float>(), s.data_as<float>() + s.numel());
  for (float v : p.scale)
    if (!(v > 0) || std::isinf(v)) return bad_node(n, "scales must be positive and finite");
  p.dtype = DType::kU8;
  if (src.size() > 2 && src[2].present()) {
    if (!src[2].value) return unsupported_node(n, "zero point must be a constant");
    const Tensor& z = *src[2].value;
    if (z.numel() != s.numel()) return bad_node(n, "zero point and scale sizes differ");
    p.dtype = z.dtype();
    for (int64_t i = 0; i < z.numel(); ++i) {
      if (z.dtype() == DType::kU8) p.zero_point.push_back(z.data_as<uint8_t>()[i]);
      else if (z.dtype() == DType::kI8) p.zero_point.push_back(z.data_as<int8_t>()[i]);
      else if (z.dtype() == DType::kI32) p.zero_point.push_back(z.data_as<int32_t>()[i]);
      else return unsupported_node(n, std::string("zero point of type ") + dtype_name(z.dtype()));
    }
  } else {
    p.zero_point.assign(p.scale.size(), 0);
  }
  if (s.numel() > 1 || s.rank() == 1) {
    p.axis = n.attr_int("axis", 1);
    if (s.numel() == 1) p.axis = -1;
  }
  if (n.opset < 13 && s.numel() != 1) return bad_node(n, "per-axis scales need opset 13");
  return p;
}

namespace {
Status check_axis(InferCtx& c, QuantParam& p) {
  if (p.scale.size() <= 1) return Status::ok();
  CALIBRA_ASSIGN_OR_RETURN(p.axis, normalize_axis(c.node, p.axis, static_cast<int64_t>(c.src[0].shape.size())));
  if (c.src[0].shape[static_cast<size_t>(p.axis)] != static_cast<int64_t>(p.scale.size()))
    return bad_node(c.node, "per-axis scale has " + std::to_string(p.scale.size()) + " values for dimension " +
                                std::to_string(c.src[0].shape[static_cast<size_t>(p.axis)]));
  return Status::ok();
}
}  // namespace

Status infer_quantize(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  if (c.src[0].dtype != DType::kF32 && c.src[0].dtype != DType::kI32)
    return unsupported_node(c.node, std::string("quantizing ") + dtype_name(c.src[0].dtype));
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(c.node, c.src));
  if (p.dtype != DType::kU8 && p.dtype != DType::kI8) return unsupported_node(c.node, "output type must be uint8 or int8");
  CALIBRA_TRY(check_axis(c, p));
  c.set(0, p.dtype, c.src[0].shape);
  return Status::ok();
}

Status infer_dequantize(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  const DType t = c.src[0].dtype;
  if (t != DType::kU8 && t != DType::kI8 && t != DType::kI32)
    return unsupported_node(c.node, std::string("dequantizing ") + dtype_name(t));
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(c.node, c.src));
  if (c.has(2) && c.src[2].dtype != t) return bad_node(c.node, "zero point type differs from the input");
  CALIBRA_TRY(check_axis(c, p));
  c.set(0, DType::kF32, c.src[0].shape);
  return Status::ok();
}

}  // namespace calibra
