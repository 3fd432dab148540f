// Reference Resize: nearest and n-linear over every axis (see ops/resize.h).
#include "ops/resize.h"

#include <cmath>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

Factory resize(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(ResizeParams p, resolve_resize(a.node, a.src));
  const Shape x = a.src[0].shape;
  const DType dt = a.src[0].dtype;
  const size_t r = x.size();
  if (p.linear && !dtype_is_float(dt)) return unsupported_node(a.node, "linear Resize needs float input");
  // Precompute per-axis source taps: for nearest one index, for linear two with weights.
  struct Tap { int64_t i0, i1; double w1; bool outside; };
  std::vector<std::vector<Tap>> taps(r);
  for (size_t d = 0; d < r; ++d) {
    for (int64_t o = 0; o < p.out[d]; ++o) {
      Tap t{0, 0, 0, false};
      if (!p.linear) {
        t.i0 = t.i1 = resize_nearest_index(p, d, o, x[d]);
        double xo = resize_source_coord(p, d, o, x[d]);
        t.outside = p.coord == "tf_crop_and_resize" && (xo < 0 || xo > static_cast<double>(x[d] - 1));
      } else {
        double xo = resize_source_coord(p, d, o, x[d]);
        t.outside = p.coord == "tf_crop_and_resize" && (xo < 0 || xo > static_cast<double>(x[d] - 1));
        xo = std::clamp(xo, 0.0, static_cast<double>(x[d] - 1));
        t.i0 = static_cast<int64_t>(std::floor(xo));
        t.i1 = std::min<int64_t>(t.i0 + 1, x[d] - 1);
        t.w1 = xo - static_cast<double>(t.i0);
      }
      taps[d].push_back(t);
    }
  }
  std::vector<int64_t> st(r, 1);
  for (size_t i = r; i-- > 1;) st[i - 1] = st[i] * x[i];
  const Shape out = p.out;
  const double extrapolation = p.extrapolation_value;
  const bool linear = p.linear;
  return make_fn_kernel([=](ExecCtx& ctx) {
    return visit_numeric(dt, [&](auto tag) -> Status {
      using T = decltype(tag);
      const T* src = ctx.in<T>(0);
      T* y = ctx.out<T>(0);
      const int64_t total = shape_numel(out);
      std::vector<int64_t> idx(r, 0);
      for (int64_t o = 0; o < total; ++o) {
        bool outside = false;
        for (size_t d = 0; d < r; ++d) outside = outside || taps[d][static_cast<size_t>(idx[d])].outside;
        if (outside) {
          y[o] = static_cast<T>(extrapolation);
        } else if (!linear) {
          int64_t off = 0;
          for (size_t d = 0; d < r; ++d) off += taps[d][static_cast<size_t>(idx[d])].i0 * st[d];
          y[o] = src[off];
        } else {
          // Sum over the 2^r corners (axes with w1 == 0 contribute one corner).
          double acc = 0;
          const size_t corners = size_t(1) << r;
          for (size_t c = 0; c < corners; ++c) {
            double w = 1;
            int64_t off = 0;
            for (size_t d = 0; d < r && w != 0; ++d) {
              const Tap& t = taps[d][static_cast<size_t>(idx[d])];
              bool hi = (c >> d) & 1;
              w *= hi ? t.w1 : 1 - t.w1;
              off += (hi ? t.i1 : t.i0) * st[d];
            }
            if (w != 0) acc += w * static_cast<double>(src[off]);
          }
          y[o] = static_cast<T>(acc);
        }
        for (size_t d = r; d-- > 0;) {
          if (++idx[d] < out[d]) break;
          idx[d] = 0;
        }
      }
      return Status::ok();
    });
  });
}

}  // namespace calibra::ref
