// The op registry: one row per ONNX op Calibra runs. Adding an op means a shape rule in
// ops/<family>.cpp, a reference kernel in kernels/ref/<family>.cpp, optionally a oneDNN
// kernel in kernels/dnnl/<family>.cpp, and a row here.
#include <algorithm>
#include <map>
#include <set>

#include "kernels/dnnl/dnnl_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/matmul.h"
#include "ops/movement.h"
#include "ops/norm.h"
#include "ops/op_def.h"
#include "ops/pool.h"
#include "ops/quantize.h"
#include "ops/reduce.h"
#include "ops/resize.h"
#include "ops/shape_ops.h"

namespace calibra {

const std::vector<OpDef>& all_ops() {
  // type, min opset, plan-time value inputs, shape rule, reference, oneDNN, flags
  static const std::vector<OpDef> kOps = {
      {"Conv", 1, {}, infer_conv, ref::conv, dnnl_k::conv, kOpNone, ref::qconv, dnnl_k::qconv},
      {"ConvTranspose", 1, {}, infer_conv_transpose, ref::conv_transpose, dnnl_k::conv_transpose},
      {"BatchNormalization", 1, {}, infer_batchnorm, ref::batchnorm, dnnl_k::batchnorm},
      {"LRN", 1, {}, infer_lrn, ref::lrn, dnnl_k::lrn},

      {"Relu", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"LeakyRelu", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Clip", 1, {1, 2}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Sigmoid", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"HardSigmoid", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"HardSwish", 14, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Tanh", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Elu", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Exp", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Sqrt", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Erf", 9, {}, infer_unary, ref::unary, nullptr},
      {"Abs", 1, {}, infer_unary, ref::unary, dnnl_k::eltwise},
      {"Neg", 1, {}, infer_unary, ref::unary, nullptr},
      {"Log", 1, {}, infer_unary, ref::unary, nullptr},  // oneDNN log: ~1e-6 absolute error at 1
      {"Softplus", 1, {}, infer_unary, ref::unary, nullptr},
      {"PRelu", 1, {}, infer_prelu, ref::prelu, dnnl_k::prelu},

      {"Add", 1, {}, infer_binary, ref::binary, dnnl_k::binary, kOpNone, ref::qadd, dnnl_k::qadd},
      {"Sub", 1, {}, infer_binary, ref::binary, dnnl_k::binary},
      {"Mul", 1, {}, infer_binary, ref::binary, dnnl_k::binary},
      {"Div", 1, {}, infer_binary, ref::binary, dnnl_k::binary},
      {"Pow", 1, {}, infer_binary, ref::binary, dnnl_k::pow},
      {"Sum", 1, {}, infer_variadic, ref::variadic, dnnl_k::variadic},
      {"Max", 1, {}, infer_variadic, ref::variadic, dnnl_k::variadic},
      {"Min", 1, {}, infer_variadic, ref::variadic, dnnl_k::variadic},

      {"MaxPool", 1, {}, infer_pool, ref::pool, dnnl_k::pool},
      {"AveragePool", 1, {}, infer_pool, ref::pool, dnnl_k::pool},
      {"GlobalAveragePool", 1, {}, infer_pool, ref::pool, dnnl_k::pool},
      {"GlobalMaxPool", 1, {}, infer_pool, ref::pool, dnnl_k::pool},

      {"Gemm", 1, {}, infer_gemm, ref::gemm, dnnl_k::gemm, kOpNone, ref::qgemm, dnnl_k::qgemm},
      {"MatMul", 1, {}, infer_matmul, ref::matmul, dnnl_k::matmul, kOpNone, ref::qgemm, dnnl_k::qgemm},

      {"Flatten", 1, {}, infer_flatten, ref::copy, nullptr, kOpView},
      {"Reshape", 1, {1}, infer_reshape, ref::copy, nullptr, kOpView},
      {"Squeeze", 1, {1}, infer_squeeze, ref::copy, nullptr, kOpView},
      {"Unsqueeze", 1, {1}, infer_unsqueeze, ref::copy, nullptr, kOpView},
      {"Identity", 1, {}, infer_identity, ref::copy, nullptr, kOpView},
      {"Dropout", 1, {1, 2}, infer_dropout, ref::dropout, nullptr},
      {"Shape", 1, {}, infer_shape, ref::shape, nullptr, kOpShapeOnly},
      {"Cast", 1, {}, infer_cast, ref::cast, nullptr},
      {"ConstantOfShape", 9, {0}, infer_constant_of_shape, ref::constant_of_shape, nullptr},
      {"Constant", 1, {}, infer_constant, ref::copy, nullptr},

      {"Transpose", 1, {}, infer_transpose, ref::transpose, dnnl_k::transpose},
      {"Concat", 1, {}, infer_concat, ref::concat, dnnl_k::concat},
      {"Split", 1, {1}, infer_split, ref::split, nullptr},
      {"Slice", 1, {1, 2, 3, 4}, infer_slice, ref::slice, nullptr},
      {"Gather", 1, {}, infer_gather, ref::gather, nullptr},
      {"Expand", 8, {1}, infer_expand, ref::expand, nullptr},
      {"Pad", 1, {1}, infer_pad, ref::pad, nullptr},
      {"DepthToSpace", 1, {}, infer_depth_to_space, ref::depth_to_space, nullptr},
      {"SpaceToDepth", 1, {}, infer_space_to_depth, ref::space_to_depth, nullptr},
      {"Resize", 10, {1, 2, 3}, infer_resize, ref::resize, dnnl_k::resize},

      {"ReduceMean", 1, {}, infer_reduce, ref::reduce, dnnl_k::reduce},
      {"Softmax", 1, {}, infer_softmax, ref::softmax, dnnl_k::softmax},
      {"LogSoftmax", 1, {}, infer_softmax, ref::softmax, dnnl_k::softmax},

      {"QuantizeLinear", 10, {1, 2}, infer_quantize, ref::quantize, dnnl_k::quantize},
      {"DequantizeLinear", 10, {1, 2}, infer_dequantize, ref::dequantize, dnnl_k::dequantize},
  };
  return kOps;
}

const OpDef* find_op(const std::string& domain, const std::string& type) {
  if (!domain.empty() && domain != "ai.onnx") return nullptr;
  static const std::map<std::string, const OpDef*> index = [] {
    std::map<std::string, const OpDef*> m;
    for (const OpDef& d : all_ops()) m[d.type] = &d;
    return m;
  }();
  auto it = index.find(type);
  return it == index.end() ? nullptr : it->second;
}

Status check_ops_supported(const Graph& g) {
  std::map<std::string, std::vector<std::string>> missing;  // op -> nodes
  for (const auto& n : g.nodes) {
    const OpDef* d = find_op(n->domain, n->op_type);
    std::string key = n->domain.empty() ? n->op_type : n->domain + "::" + n->op_type;
    if (!d) missing[key].push_back(n->name);
    else if (n->opset < d->min_opset)
      missing[key + " (opset " + std::to_string(n->opset) + "; supported from " + std::to_string(d->min_opset) + ")"]
          .push_back(n->name);
  }
  if (missing.empty()) return Status::ok();
  std::string msg = "the model uses " + std::to_string(missing.size()) + " unsupported op" +
                    (missing.size() > 1 ? "s" : "") + ": ";
  bool first = true;
  for (const auto& [op, nodes] : missing) {
    if (!first) msg += "; ";
    first = false;
    msg += op + " (node" + (nodes.size() > 1 ? "s " : " ");
    for (size_t i = 0; i < nodes.size() && i < 5; ++i) msg += (i ? ", '" : "'") + nodes[i] + "'";
    if (nodes.size() > 5) msg += ", ... " + std::to_string(nodes.size() - 5) + " more";
    msg += ")";
  }
  msg += ". See README 'Supported ops' for the list";
  return Status::unsupported(msg);
}

}  // namespace calibra
