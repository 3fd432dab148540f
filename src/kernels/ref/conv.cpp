// Reference Conv / ConvTranspose: direct loops, double accumulation, 1-3 spatial dims
// (folded onto a D x H x W box), groups, dilations, asymmetric pads, fused post-ops.
#include "ops/conv.h"

#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

namespace {

// Spatial geometry on a 3-D box; missing leading dims are 1 (no padding, stride 1).
struct Box {
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {0, 0, 0};
};

Result<Box> to_box(const Node& n, const Window& w) {
  if (w.nsp < 1 || w.nsp > 3) return unsupported_node(n, "only 1-3 spatial dimensions are supported");
  Box b;
  size_t off = 3 - w.nsp;
  for (size_t i = 0; i < w.nsp; ++i) {
    b.in[off + i] = w.in[i];
    b.out[off + i] = w.out[i];
    b.k[off + i] = w.kernel[i];
    b.s[off + i] = w.strides[i];
    b.d[off + i] = w.dilations[i];
    b.p[off + i] = w.pad_begin[i];
  }
  return b;
}

}  // namespace

void apply_post_ops(const Node& node, float* dst, int64_t n, const ExecCtx& ctx) {
  for (const PostOp& p : node.post_ops) {
    if (p.kind == PostOp::Kind::kActivation) {
      for (int64_t i = 0; i < n; ++i) dst[i] = p.act.apply(dst[i]);
    } else {
      const float* r = ctx.in<float>(static_cast<size_t>(p.input_index));
      for (int64_t i = 0; i < n; ++i) dst[i] += r[i];
    }
  }
}

Factory conv(const KernelArgs& a) {
  const Node& n = a.node;
  if (a.src[0].dtype != DType::kF32 || a.src[1].dtype != DType::kF32)
    return unsupported_node(n, std::string("Conv on ") + dtype_name(a.src[0].dtype) + " is not supported");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv(n, a.src[0].shape, a.src[1].shape));
  CALIBRA_ASSIGN_OR_RETURN(Box b, to_box(n, p.win));
  const int64_t N = a.src[0].shape[0], C = p.in_channels, M = p.out_channels, G = p.group;
  const int64_t Cg = C / G, Mg = M / G;
  const bool has_bias = a.src.size() > 2 && a.src[2].present();
  const int64_t out_numel = a.dst[0].numel();
  const Node* node = &n;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const float* x = ctx.in<float>(0);
    const float* w = ctx.in<float>(1);
    const float* bias = has_bias ? ctx.in<float>(2) : nullptr;
    float* y = ctx.out<float>(0);
    const int64_t in_sp = b.in[0] * b.in[1] * b.in[2], out_sp = b.out[0] * b.out[1] * b.out[2];
    const int64_t k_sp = b.k[0] * b.k[1] * b.k[2];
    for (int64_t ni = 0; ni < N; ++ni)
      for (int64_t g = 0; g < G; ++g)
        for (int64_t mg = 0; mg < Mg; ++mg) {
          const int64_t m = g * Mg + mg;
          float* yo = y + (ni * M + m) * out_sp;
          for (int64_t od = 0; od < b.out[0]; ++od)
            for (int64_t oh = 0; oh < b.out[1]; ++oh)
              for (int64_t ow = 0; ow < b.out[2]; ++ow) {
                double acc = bias ? bias[m] : 0.0;
                for (int64_t cg = 0; cg < Cg; ++cg) {
                  const int64_t c = g * Cg + cg;
                  const float* xc = x + (ni * C + c) * in_sp;
                  const float* wc = w + (m * Cg + cg) * k_sp;
                  for (int64_t kd = 0; kd < b.k[0]; ++kd) {
                    int64_t id = od * b.s[0] - b.p[0] + kd * b.d[0];
                    if (id < 0 || id >= b.in[0]) continue;
                    for (int64_t kh = 0; kh < b.k[1]; ++kh) {
                      int64_t ih = oh * b.s[1] - b.p[1] + kh * b.d[1];
                      if (ih < 0 || ih >= b.in[1]) continue;
                      for (int64_t kw = 0; kw < b.k[2]; ++kw) {
                        int64_t iw = ow * b.s[2] - b.p[2] + kw * b.d[2];
                        if (iw < 0 || iw >= b.in[2]) continue;
                        acc += static_cast<double>(xc[(id * b.in[1] + ih) * b.in[2] + iw]) *
                               wc[(kd * b.k[1] + kh) * b.k[2] + kw];
                      }
                    }
                  }
                }
                yo[(od * b.out[1] + oh) * b.out[2] + ow] = static_cast<float>(acc);
              }
        }
    apply_post_ops(*node, y, out_numel, ctx);
    return Status::ok();
  });
}

Factory conv_transpose(const KernelArgs& a) {
  const Node& n = a.node;
  if (a.src[0].dtype != DType::kF32 || a.src[1].dtype != DType::kF32)
    return unsupported_node(n, std::string("ConvTranspose on ") + dtype_name(a.src[0].dtype) + " is not supported");
  CALIBRA_ASSIGN_OR_RETURN(ConvParams p, resolve_conv_transpose(n, a.src[0].shape, a.src[1].shape));
  CALIBRA_ASSIGN_OR_RETURN(Box b, to_box(n, p.win));
  const int64_t N = a.src[0].shape[0], C = p.in_channels, M = p.out_channels, G = p.group;
  const int64_t Cg = C / G, Mg = M / G;
  const bool has_bias = a.src.size() > 2 && a.src[2].present();
  const int64_t out_numel = a.dst[0].numel();
  const Node* node = &n;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const float* x = ctx.in<float>(0);
    const float* w = ctx.in<float>(1);  // [C, M/G, k...]
    const float* bias = has_bias ? ctx.in<float>(2) : nullptr;
    float* y = ctx.out<float>(0);
    const int64_t in_sp = b.in[0] * b.in[1] * b.in[2], out_sp = b.out[0] * b.out[1] * b.out[2];
    const int64_t k_sp = b.k[0] * b.k[1] * b.k[2];
    std::vector<double> acc(static_cast<size_t>(out_sp));
    for (int64_t ni = 0; ni < N; ++ni)
      for (int64_t m = 0; m < M; ++m) {
        const int64_t g = m / Mg, mg = m % Mg;
        std::fill(acc.begin(), acc.end(), bias ? bias[m] : 0.0);
        for (int64_t cg = 0; cg < Cg; ++cg) {
          const int64_t c = g * Cg + cg;
          const float* xc = x + (ni * C + c) * in_sp;
          const float* wc = w + (c * Mg + mg) * k_sp;
          for (int64_t id = 0; id < b.in[0]; ++id)
            for (int64_t ih = 0; ih < b.in[1]; ++ih)
              for (int64_t iw = 0; iw < b.in[2]; ++iw) {
                const double xv = xc[(id * b.in[1] + ih) * b.in[2] + iw];
                for (int64_t kd = 0; kd < b.k[0]; ++kd) {
                  int64_t od = id * b.s[0] - b.p[0] + kd * b.d[0];
                  if (od < 0 || od >= b.out[0]) continue;
                  for (int64_t kh = 0; kh < b.k[1]; ++kh) {
                    int64_t oh = ih * b.s[1] - b.p[1] + kh * b.d[1];
                    if (oh < 0 || oh >= b.out[1]) continue;
                    for (int64_t kw = 0; kw < b.k[2]; ++kw) {
                      int64_t ow = iw * b.s[2] - b.p[2] + kw * b.d[2];
                      if (ow < 0 || ow >= b.out[2]) continue;
                      acc[static_cast<size_t>((od * b.out[1] + oh) * b.out[2] + ow)] +=
                          xv * wc[(kd * b.k[1] + kh) * b.k[2] + kw];
                    }
                  }
                }
              }
        }
        float* yo = y + (ni * M + m) * out_sp;
        for (int64_t i = 0; i < out_sp; ++i) yo[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
      }
    apply_post_ops(*node, y, out_numel, ctx);
    return Status::ok();
  });
}

}  // namespace calibra::ref
