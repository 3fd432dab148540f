// Reference pooling (max with optional indices, average with/without pad counting, global).
#include "ops/pool.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory pool(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(PoolParams p, resolve_pool(n, a.src[0].shape));
  const Window w = p.win;
  if (w.nsp > 3) return unsupported_node(n, "more than 3 spatial dimensions");
  const DType dt = a.src[0].dtype;
  if (!dtype_is_float(dt) && dt != DType::kI8 && dt != DType::kU8)
    return unsupported_node(n, std::string("pooling on ") + dtype_name(dt) + " is not supported");
  // Fold onto a 3-D box.
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t pb[3] = {0, 0, 0}, pe[3] = {0, 0, 0};
  const size_t off = 3 - w.nsp;
  for (size_t i = 0; i < w.nsp; ++i) {
    in[off + i] = w.in[i];
    out[off + i] = w.out[i];
    k[off + i] = w.kernel[i];
    s[off + i] = w.strides[i];
    d[off + i] = w.dilations[i];
    pb[off + i] = w.pad_begin[i];
    pe[off + i] = w.pad_end[i];
  }
  const int64_t NC = a.src[0].shape[0] * a.src[0].shape[1];
  const bool want_idx = a.dst.size() > 1;
  const int64_t storage_order = p.storage_order;
  const bool is_max = p.is_max, include_pad = p.count_include_pad;
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* x = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      int64_t* idx = want_idx ? ctx.out<int64_t>(1) : nullptr;
      const int64_t in_sp = in[0] * in[1] * in[2], out_sp = out[0] * out[1] * out[2];
      for (int64_t c = 0; c < NC; ++c)
        for (int64_t od = 0; od < out[0]; ++od)
          for (int64_t oh = 0; oh < out[1]; ++oh)
            for (int64_t ow = 0; ow < out[2]; ++ow) {
              double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
              int64_t best = -1, count = 0, padded_count = 0;
              for (int64_t kd = 0; kd < k[0]; ++kd) {
                int64_t id = od * s[0] - pb[0] + kd * d[0];
                for (int64_t kh = 0; kh < k[1]; ++kh) {
                  int64_t ih = oh * s[1] - pb[1] + kh * d[1];
                  for (int64_t kw = 0; kw < k[2]; ++kw) {
                    int64_t iw = ow * s[2] - pb[2] + kw * d[2];
                    bool in_pads = id < in[0] + pe[0] && ih < in[1] + pe[1] && iw < in[2] + pe[2];
                    if (in_pads) ++padded_count;
                    if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) continue;
                    const int64_t sp = (id * in[1] + ih) * in[2] + iw;
                    const double v = static_cast<double>(x[c * in_sp + sp]);
                    ++count;
                    if (is_max) {
                      if (v > acc || best < 0) {
                        acc = v;
                        best = storage_order == 0 ? c * in_sp + sp
                                                  : c * in_sp + (iw * in[1] + ih) * in[0] + id;
                      }
                    } else {
                      acc += v;
                    }
                  }
                }
              }
              const int64_t o = c * out_sp + (od * out[1] + oh) * out[2] + ow;
              if (is_max) {
                y[o] = static_cast<T>(acc);
                if (idx) idx[o] = best;
              } else {
                int64_t div = include_pad ? padded_count : count;
                const double avg = div > 0 ? acc / static_cast<double>(div) : 0.0;
                if constexpr (std::is_integral_v<T>) y[o] = static_cast<T>(std::nearbyint(avg));  // INT8 pooling
                else y[o] = static_cast<T>(avg);
              }
            }
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
