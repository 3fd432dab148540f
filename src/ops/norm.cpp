// BatchNormalization (inference form) and LRN shape rules.
//   BN:  y = scale * (x - mean) / sqrt(var + epsilon) + B, per channel (axis 1).
//   LRN: y = x / (bias + alpha / size * sum_{c' in window} x[c']^2) ^ beta,
//        window = [c - floor((size-1)/2), c + ceil((size-1)/2)].
#include "ops/norm.h"

namespace calibra {

Status infer_batchnorm(InferCtx& c) {
  const Node& n = c.node;
  if (c.src.size() < 5) return bad_node(n, "needs 5 inputs (X, scale, B, mean, var)");
  for (size_t i = 0; i < 5; ++i)
    if (!c.has(i)) return bad_node(n, "input " + std::to_string(i) + " is missing");
  const Shape& x = c.src[0].shape;
  if (x.size() < 2) return bad_node(n, "input must be at least N x C");
  if (n.attr_int("training_mode", 0) != 0 || (n.opset < 7 && n.attr_int("is_test", 0) == 0 && n.outputs.size() > 1))
    return unsupported_node(n, "training mode is not supported; export the model in eval mode");
  if (n.opset < 9 && n.attr_int("spatial", 1) == 0)
    return unsupported_node(n, "spatial=0 (per-activation statistics) is not supported");
  for (size_t i = 1; i < 5; ++i)
    if (c.src[i].shape != Shape{x[1]})
      return bad_node(n, "parameter " + std::to_string(i) + " has shape " + shape_str(c.src[i].shape) +
                             ", expected [" + std::to_string(x[1]) + "]");
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (!n.outputs[i].empty()) return unsupported_node(n, "training outputs (running mean/var) are not supported");
  c.set(0, c.src[0].dtype, x);
  for (size_t i = 1; i < c.dst.size(); ++i) c.set(i, c.src[0].dtype, {x[1]});
  return Status::ok();
}

Status infer_lrn(InferCtx& c) {
  if (!c.has(0)) return bad_node(c.node, "needs an input");
  if (c.src[0].shape.size() < 3) return bad_node(c.node, "input must be N x C x spatial...");
  if (c.node.attr_int("size", 0) <= 0) return bad_node(c.node, "size attribute must be positive");
  c.set(0, c.src[0].dtype, c.src[0].shape);
  return Status::ok();
}

}  // namespace calibra
