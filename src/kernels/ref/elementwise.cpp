// Reference element-wise kernels: unary math/activations, broadcast binary ops, variadic
// Sum/Max/Min, PRelu.
#include "ops/elementwise.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/ref/broadcast.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/element_io.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory unary(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(auto act, unary_activation(n, a.src));
  if (!act) return Status::internal(n.describe() + " is not a unary op");
  const Activation f = *act;
  const DType dt = a.src[0].dtype;
  const int64_t count = a.src[0].numel();
  // Ops defined on integers too: Relu (opset 14), Abs, Neg, Clip (opset 12+).
  const bool int_ok = f.kind == ActKind::kRelu || f.kind == ActKind::kAbs || f.kind == ActKind::kNeg ||
                      f.kind == ActKind::kClip;
  if (!dtype_is_float(dt) && !(int_ok && dtype_is_integer(dt)))
    return unsupported_node(n, std::string("type ") + dtype_name(dt) + " is not supported");
  // Integer Clip bounds come from the (typed) inputs; read them exactly.
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  if (f.kind == ActKind::kClip) {
    if (n.opset >= 11) {
      if (a.src.size() > 1 && a.src[1].present()) { CALIBRA_ASSIGN_OR_RETURN(lo, read_scalar(n, a.src[1], "min")); }
      if (a.src.size() > 2 && a.src[2].present()) { CALIBRA_ASSIGN_OR_RETURN(hi, read_scalar(n, a.src[2], "max")); }
    } else {
      lo = f.alpha;
      hi = f.beta;
    }
  }
  if (dt == DType::kF16 || dt == DType::kBF16)
    return unsupported_node(n, std::string("type ") + dtype_name(dt) + " is not supported");
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* x = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      if constexpr (std::is_floating_point_v<T>) {
        if (f.kind == ActKind::kClip) {
          for (int64_t i = 0; i < count; ++i) {
            T v = x[i];
            y[i] = std::isnan(v) ? v : static_cast<T>(std::min<double>(std::max<double>(v, lo), hi));
          }
        } else {
          for (int64_t i = 0; i < count; ++i) y[i] = static_cast<T>(f.apply(static_cast<double>(x[i])));
        }
      } else {
        for (int64_t i = 0; i < count; ++i) {
          T v = x[i];
          switch (f.kind) {
            case ActKind::kRelu: y[i] = v > T(0) ? v : T(0); break;
            case ActKind::kAbs:
              if constexpr (std::is_signed_v<T>) y[i] = v < 0 ? static_cast<T>(-v) : v;
              else y[i] = v;
              break;
            case ActKind::kNeg: y[i] = static_cast<T>(-v); break;
            default: {
              double d = static_cast<double>(v);
              y[i] = static_cast<T>(std::min(std::max(d, lo), hi));
            }
          }
        }
      }
      return Status::ok();
    });
  });
}

namespace {

template <typename T>
Status binary_apply(BinaryOp op, T x, T y, T* out) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::kAdd: *out = x + y; break;
      case BinaryOp::kSub: *out = x - y; break;
      case BinaryOp::kMul: *out = x * y; break;
      case BinaryOp::kDiv: *out = x / y; break;
      case BinaryOp::kMax: *out = (std::isnan(x) || x >= y) ? x : y; break;
      case BinaryOp::kMin: *out = (std::isnan(x) || x <= y) ? x : y; break;
      default: *out = x; break;
    }
  } else {
    using W = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
    W a = x, b = y;
    switch (op) {
      case BinaryOp::kAdd: *out = static_cast<T>(a + b); break;
      case BinaryOp::kSub: *out = static_cast<T>(a - b); break;
      case BinaryOp::kMul: *out = static_cast<T>(a * b); break;
      case BinaryOp::kDiv:
        if (b == 0) return Status::out_of_range("integer division by zero");
        if constexpr (std::is_signed_v<T>) {
          if (a == std::numeric_limits<int64_t>::min() && b == -1) { *out = static_cast<T>(a); break; }
        }
        *out = static_cast<T>(a / b);
        break;
      case BinaryOp::kMax: *out = x >= y ? x : y; break;
      case BinaryOp::kMin: *out = x <= y ? x : y; break;
      default: *out = x; break;
    }
  }
  return Status::ok();
}

template <typename T>
T saturate_from_double(double v) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(v);
  else return saturate_int<T>(v);
}
}  // namespace

Factory binary(const KernelArgs& a) {
  const Node& n = a.node;
  const BinaryOp op = binary_op_of(n.op_type);
  const DType dt = a.src[0].dtype, dt_b = a.src[1].dtype;
  CALIBRA_ASSIGN_OR_RETURN(Shape b_shape, legacy_operand_shape(n, a.src[0].shape, a.src[1].shape, 1));
  const Shape a_shape = a.src[0].shape, out = a.dst[0].shape;
  const std::string where = n.describe();
  const Node* node = &n;
  if (dt == DType::kBool || dt == DType::kF16 || dt == DType::kBF16)
    return unsupported_node(n, std::string("type ") + dtype_name(dt) + " is not supported");
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* x = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      Status st;
      if (op == BinaryOp::kPow) {
        const void* e = ctx.src[1];
        for_each_broadcast<2>(out, {a_shape, b_shape}, [&](int64_t o, const std::array<int64_t, 2>& off) {
          y[o] = saturate_from_double<T>(std::pow(static_cast<double>(x[off[0]]), load_element(e, dt_b, off[1])));
        });
        return Status::ok();
      }
      const T* b = ctx.in<T>(1);
      for_each_broadcast<2>(out, {a_shape, b_shape}, [&](int64_t o, const std::array<int64_t, 2>& off) {
        Status s = binary_apply<T>(op, x[off[0]], b[off[1]], &y[o]);
        if (!s.is_ok() && st.is_ok()) st = s;
      });
      if constexpr (std::is_same_v<T, float>) apply_post_ops(*node, y, shape_numel(out), ctx);
      return st.is_ok() ? st : st.with_context(where);
    });
  });
}

Factory variadic(const KernelArgs& a) {
  const Node& n = a.node;
  const BinaryOp op = binary_op_of(n.op_type);
  const DType dt = a.src[0].dtype;
  std::vector<Shape> shapes;
  for (const auto& s : a.src) shapes.push_back(s.shape);
  const Shape out = a.dst[0].shape;
  if (dt == DType::kBool || dt == DType::kF16 || dt == DType::kBF16)
    return unsupported_node(n, std::string("type ") + dtype_name(dt) + " is not supported");
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      T* y = ctx.out<T>(0);
      for_each_broadcast<1>(out, {shapes[0]}, [&](int64_t o, const std::array<int64_t, 1>& off) {
        y[o] = ctx.in<T>(0)[off[0]];
      });
      for (size_t i = 1; i < shapes.size(); ++i) {
        const T* x = ctx.in<T>(i);
        for_each_broadcast<1>(out, {shapes[i]}, [&](int64_t o, const std::array<int64_t, 1>& off) {
          (void)binary_apply<T>(op, y[o], x[off[0]], &y[o]);
        });
      }
      return Status::ok();
    });
  });
}

Factory prelu(const KernelArgs& a) {
  const Node& n = a.node;
  const DType dt = a.src[0].dtype;
  const Shape x_shape = a.src[0].shape;
  const Shape s_shape = prelu_slope_shape(x_shape, a.src[1].shape);
  if (!dtype_is_float(dt) && dt != DType::kI32 && dt != DType::kI64)
    return unsupported_node(n, std::string("type ") + dtype_name(dt) + " is not supported");
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* x = ctx.in<T>(0);
      const T* s = ctx.in<T>(1);
      T* y = ctx.out<T>(0);
      for_each_broadcast<2>(x_shape, {x_shape, s_shape}, [&](int64_t o, const std::array<int64_t, 2>& off) {
        T v = x[off[0]];
        y[o] = v < T(0) ? static_cast<T>(s[off[1]] * v) : v;
      });
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
