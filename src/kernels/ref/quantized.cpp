// Reference INT8 kernels: QuantizeLinear, DequantizeLinear, and the quantized forms of
// Conv, Gemm/MatMul and Add. Accumulation is exact (int64); requantization is computed in
// double on the real value, so these are the ground truth the oneDNN kernels must match
// within 1 LSB (their float32 arithmetic may round a .5 case the other way):
//   v = s_x * s_w[c] * sum((x - zp_x) * w) + bias[c]      (real units)
//   v = post_ops(v)   (activations; residual sum adds s_r * (r - zp_r))
//   y = saturate(round_half_even(v / s_y) + zp_y)    or  y = float(v) for a float output
#include <cmath>

#include "ir/quant.h"
#include "kernels/ref/ref_kernels.h"
#include "ops/conv.h"
#include "ops/matmul.h"
#include "ops/quantize.h"

namespace calibra::ref {

namespace {

int32_t load_q(const void* p, DType t, int64_t i) {
  return t == DType::kU8 ? static_cast<const uint8_t*>(p)[i] : t == DType::kI8 ? static_cast<const int8_t*>(p)[i]
                                                                               : static_cast<const int32_t*>(p)[i];
}

// Writes the real value v to element i of the output (quantized or float).
void store_out(void* dst, const QuantParam& q, int64_t i, size_t c, double v) {
  if (!q.quantized()) {
    static_cast<float*>(dst)[i] = static_cast<float>(v);
    return;
  }
  double r = std::nearbyint(v / static_cast<double>(q.s(c))) + q.zp(c);
  r = std::clamp(r, static_cast<double>(qmin(q.dtype)), static_cast<double>(qmax(q.dtype)));
  if (q.dtype == DType::kU8) static_cast<uint8_t*>(dst)[i] = static_cast<uint8_t>(r);
  else static_cast<int8_t*>(dst)[i] = static_cast<int8_t>(r);
}

double apply_post(const Node& n, const QuantOpInfo& q, double v, const ExecCtx& ctx, int64_t i) {
  for (const PostOp& p : n.post_ops) {
    if (p.kind == PostOp::Kind::kActivation) {
      v = p.act.apply(v);
    } else {
      const QuantParam& rp = q.src[static_cast<size_t>(p.input_index)];
      const int32_t r = load_q(ctx.src[static_cast<size_t>(p.input_index)], rp.dtype, i);
      v += static_cast<double>(rp.s()) * (r - rp.zp());
    }
  }
  return v;
}

}  // namespace

Factory quantize(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(a.node, a.src));
  const Shape x = a.src[0].shape;
  const bool from_int = a.src[0].dtype == DType::kI32;
  int64_t inner = 1, channels = 1;
  if (p.scale.size() > 1) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(a.node, p.axis, static_cast<int64_t>(x.size())));
    channels = x[static_cast<size_t>(ax)];
    for (size_t i = static_cast<size_t>(ax) + 1; i < x.size(); ++i) inner *= x[i];
  }
  const int64_t n = shape_numel(x);
  return make_fn_kernel([=](ExecCtx& ctx) {
    for (int64_t i = 0; i < n; ++i) {
      const size_t c = static_cast<size_t>((i / inner) % channels);
      const double v = from_int ? static_cast<double>(ctx.in<int32_t>(0)[i]) : static_cast<double>(ctx.in<float>(0)[i]);
      // ONNX: round(x / scale) in float32, then + zero point, saturate.
      const float div = static_cast<float>(v) / p.s(c);
      double r = std::nearbyint(static_cast<double>(div)) + p.zp(c);
      r = std::isnan(div) ? p.zp(c) : std::clamp(r, static_cast<double>(qmin(p.dtype)), static_cast<double>(qmax(p.dtype)));
      if (p.dtype == DType::kU8) ctx.out<uint8_t>(0)[i] = static_cast<uint8_t>(r);
      else ctx.out<int8_t>(0)[i] = static_cast<int8_t>(r);
    }
    return Status::ok();
  });
}

Factory dequantize(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(QuantParam p, qdq_param(a.node, a.src));
  const Shape x = a.src[0].shape;
  const DType t = a.src[0].dtype;
  int64_t inner = 1, channels = 1;
  if (p.scale.size() > 1) {
    CALIBRA_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(a.node, p.axis, static_cast<int64_t>(x.size())));
    channels = x[static_cast<size_t>(ax)];
    for (size_t i = static_cast<size_t>(ax) + 1; i < x.size(); ++i) inner *= x[i];
  }
  const int64_t n = shape_numel(x);
  return make_fn_kernel([=](ExecCtx& ctx) {
    for (int64_t i = 0; i < n; ++i) {
      const size_t c = static_cast<size_t>((i / inner) % channels);
      ctx.out<float>(0)[i] = static_cast<float>(load_q(ctx.src[0], t, i) - p.zp(c)) * p.s(c);
    }
    return Status::ok();
  });
}

Factory qconv(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv(n, a.src[0].shape, a.src[1].shape));
  if (p.win.nsp < 1 || p.win.nsp > 3) return unsupported_node(n, "1-3 spatial dims");
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
  const size_t off = 3 - p.win.nsp;
  for (size_t i = 0; i < p.win.nsp; ++i) {
    in[off + i] = p.win.in[i];
    out[off + i] = p.win.out[i];
    k[off + i] = p.win.kernel[i];
    s[off + i] = p.win.strides[i];
    d[off + i] = p.win.dilations[i];
    pb[off + i] = p.win.pad_begin[i];
  }
  const int64_t N = a.src[0].shape[0], C = p.in_channels, M = p.out_channels, G = p.group, Cg = C / G, Mg = M / G;
  const bool has_bias = a.src.size() > 2 && a.src[2].present();
  const DType xt = a.src[0].dtype, wt = a.src[1].dtype;
  const Node* node = &n;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const QuantOpInfo& qi = *node->quant;
    const int64_t in_sp = in[0] * in[1] * in[2], out_sp = out[0] * out[1] * out[2], k_sp = k[0] * k[1] * k[2];
    const int32_t zx = qi.src[0].zp();
    for (int64_t ni = 0; ni < N; ++ni)
      for (int64_t m = 0; m < M; ++m) {
        const int64_t g = m / Mg;
        for (int64_t od = 0; od < out[0]; ++od)
          for (int64_t oh = 0; oh < out[1]; ++oh)
            for (int64_t ow = 0; ow < out[2]; ++ow) {
              int64_t acc = 0;
              for (int64_t cg = 0; cg < Cg; ++cg) {
                const int64_t c = g * Cg + cg;
                for (int64_t kd = 0; kd < k[0]; ++kd) {
                  const int64_t id = od * s[0] - pb[0] + kd * d[0];
                  if (id < 0 || id >= in[0]) continue;
                  for (int64_t kh = 0; kh < k[1]; ++kh) {
                    const int64_t ih = oh * s[1] - pb[1] + kh * d[1];
                    if (ih < 0 || ih >= in[1]) continue;
                    for (int64_t kw = 0; kw < k[2]; ++kw) {
                      const int64_t iw = ow * s[2] - pb[2] + kw * d[2];
                      if (iw < 0 || iw >= in[2]) continue;
                      const int32_t xv = load_q(ctx.src[0], xt, (ni * C + c) * in_sp + (id * in[1] + ih) * in[2] + iw) - zx;
                      const int32_t wv = load_q(ctx.src[1], wt, ((m * Cg + cg) * k[0] + kd) * k[1] * k[2] + kh * k[2] + kw);
                      acc += static_cast<int64_t>(xv) * wv;
                    }
                  }
                }
              }
              const int64_t o = (ni * M + m) * out_sp + (od * out[1] + oh) * out[2] + ow;
              double v = static_cast<double>(qi.src[0].s()) * qi.weight.s(static_cast<size_t>(m)) * static_cast<double>(acc);
              if (has_bias) v += ctx.in<float>(2)[m];
              v = apply_post(*node, qi, v, ctx, o);
              store_out(ctx.dst[0], qi.dst, o, 0, v);
            }
      }
    (void)k_sp;
    return Status::ok();
  });
}

// Gemm (A [M,K] x B^T [N,K] or B [K,N]) and MatMul (2-D after batch flattening) in INT8.
Factory qgemm(const KernelArgs& a) {
  const Node& n = a.node;
  const bool is_gemm = n.op_type == "Gemm";
  int64_t M, N, K, batch = 1;
  bool tb = false;
  if (is_gemm) {
    CALIBRA_ASSIGN_OR_RETURN(GemmParams p, resolve_gemm(n, a.src[0].shape, a.src[1].shape));
    if (p.trans_a || p.alpha != 1.f || (a.src.size() > 2 && a.src[2].present() && p.beta != 1.f))
      return unsupported_node(n, "quantized Gemm needs transA=0, alpha=1, beta=1");
    M = p.m, N = p.n, K = p.k, tb = p.trans_b;
  } else {
    CALIBRA_ASSIGN_OR_RETURN(MatMulParams p, resolve_matmul(n, a.src[0].shape, a.src[1].shape));
    if (a.src[1].shape.size() != 2) return unsupported_node(n, "quantized MatMul needs 2-D weights");
    batch = shape_numel(p.batch);
    M = p.m, N = p.n, K = p.k;
  }
  const bool has_bias = a.src.size() > 2 && a.src[2].present();
  const Shape bias_shape = has_bias ? a.src[2].shape : Shape{};
  const DType xt = a.src[0].dtype, wt = a.src[1].dtype;
  const Node* node = &n;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const QuantOpInfo& qi = *node->quant;
    const int32_t zx = qi.src[0].zp();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          int64_t acc = 0;
          for (int64_t k = 0; k < K; ++k)
            acc += static_cast<int64_t>(load_q(ctx.src[0], xt, (b * M + i) * K + k) - zx) *
                   load_q(ctx.src[1], wt, tb ? j * K + k : k * N + j);
          double v = static_cast<double>(qi.src[0].s()) * qi.weight.s(static_cast<size_t>(j)) * static_cast<double>(acc);
          if (has_bias) {
            // Bias broadcast to [M, N]: [N], [1,N] or [M,N].
            const int64_t bi = shape_numel(bias_shape) == N ? j : i * N + j;
            v += ctx.in<float>(2)[bi];
          }
          const int64_t o = (b * M + i) * N + j;
          v = apply_post(*node, qi, v, ctx, o);
          store_out(ctx.dst[0], qi.dst, o, 0, v);
        }
    return Status::ok();
  });
}

// Add of two quantized tensors of one shape (the quantizer only quantizes those).
Factory qadd(const KernelArgs& a) {
  const Node& n = a.node;
  if (a.src[0].shape != a.src[1].shape) return unsupported_node(n, "quantized Add needs equal shapes");
  const int64_t count = a.dst[0].numel();
  const DType t0 = a.src[0].dtype, t1 = a.src[1].dtype;
  const Node* node = &n;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const QuantOpInfo& qi = *node->quant;
    for (int64_t i = 0; i < count; ++i) {
      double v = static_cast<double>(qi.src[0].s()) * (load_q(ctx.src[0], t0, i) - qi.src[0].zp()) +
                 static_cast<double>(qi.src[1].s()) * (load_q(ctx.src[1], t1, i) - qi.src[1].zp());
      for (const PostOp& p : node->post_ops)
        if (p.kind == PostOp::Kind::kActivation) v = p.act.apply(v);
      store_out(ctx.dst[0], qi.dst, i, 0, v);
    }
    return Status::ok();
  });
}

}  // namespace calibra::ref
