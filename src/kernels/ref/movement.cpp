// Reference data-movement kernels. They copy elements by size, so any element type works.
#include "ops/movement.h"

#include <cstring>

#include "kernels/ref/broadcast.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_kernels.h"

namespace calibra::ref {

namespace {
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}
inline void copy_elem(void* dst, int64_t di, const void* src, int64_t si, size_t es) {
  std::memcpy(static_cast<uint8_t*>(dst) + static_cast<size_t>(di) * es,
              static_cast<const uint8_t*>(src) + static_cast<size_t>(si) * es, es);
}
}  // namespace

void permute_copy(const void* src, void* dst, const Shape& src_shape, const std::vector<int64_t>& perm,
                  size_t es) {
  const size_t r = src_shape.size();
  Shape out(r);
  auto st = strides_of(src_shape);
  std::vector<int64_t> pst(r);
  for (size_t i = 0; i < r; ++i) {
    out[i] = src_shape[static_cast<size_t>(perm[i])];
    pst[i] = st[static_cast<size_t>(perm[i])];
  }
  const int64_t total = shape_numel(out);
  if (total == 0) return;
  if (r == 0) {
    copy_elem(dst, 0, src, 0, es);
    return;
  }
  std::vector<int64_t> idx(r, 0);
  for (int64_t o = 0; o < total; ++o) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += idx[d] * pst[d];
    copy_elem(dst, o, src, off, es);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

Factory transpose(const KernelArgs& a) {
  const Shape x = a.src[0].shape;
  auto perm = transpose_perm(a.node, x.size());
  for (auto& p : perm)
    if (p < 0) p += static_cast<int64_t>(x.size());
  const size_t es = dtype_size(a.src[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    permute_copy(ctx.src[0], ctx.dst[0], x, perm, es);
    return Status::ok();
  });
}

Factory concat(const KernelArgs& a) {
  const Node& n = a.node;
  const Shape out = a.dst[0].shape;
  CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", 1), static_cast<int64_t>(out.size())));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= out[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < out.size(); ++i) inner *= out[i];
  std::vector<int64_t> chunk;
  for (const auto& s : a.src) chunk.push_back(s.shape[static_cast<size_t>(axis)] * inner);
  const int64_t out_row = out[static_cast<size_t>(axis)] * inner;
  const size_t es = dtype_size(a.dst[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    auto* y = static_cast<uint8_t*>(ctx.dst[0]);
    int64_t col = 0;
    for (size_t i = 0; i < chunk.size(); ++i) {
      const auto* x = static_cast<const uint8_t*>(ctx.src[i]);
      const size_t bytes = static_cast<size_t>(chunk[i]) * es;
      if (bytes)
        for (int64_t o = 0; o < outer; ++o)
          std::memcpy(y + static_cast<size_t>(o * out_row + col) * es, x + static_cast<size_t>(o) * bytes, bytes);
      col += chunk[i];
    }
    return Status::ok();
  });
}

Factory split(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(SplitParams p, resolve_split(a.node, a.src, a.dst.size()));
  const Shape x = a.src[0].shape;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < p.axis; ++i) outer *= x[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(p.axis) + 1; i < x.size(); ++i) inner *= x[i];
  const int64_t in_row = x[static_cast<size_t>(p.axis)] * inner;
  const size_t es = dtype_size(a.src[0].dtype);
  const std::vector<int64_t> sizes = p.sizes;
  return make_fn_kernel([=](ExecCtx& ctx) {
    const auto* src = static_cast<const uint8_t*>(ctx.src[0]);
    int64_t col = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      const int64_t len = sizes[i] * inner;
      auto* y = static_cast<uint8_t*>(ctx.dst[i]);
      if (y && len)
        for (int64_t o = 0; o < outer; ++o)
          std::memcpy(y + static_cast<size_t>(o * len) * es, src + static_cast<size_t>(o * in_row + col) * es,
                      static_cast<size_t>(len) * es);
      col += len;
    }
    return Status::ok();
  });
}

Factory slice(const KernelArgs& a) {
  CALIBRA_ASSIGN_OR_RETURN(SliceParams p, resolve_slice(a.node, a.src));
  const Shape x = a.src[0].shape;
  const auto st = strides_of(x);
  const size_t es = dtype_size(a.src[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    const int64_t total = shape_numel(p.out);
    if (total == 0) return Status::ok();
    const size_t r = x.size();
    if (r == 0) {
      copy_elem(ctx.dst[0], 0, ctx.src[0], 0, es);
      return Status::ok();
    }
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < total; ++o) {
      int64_t off = 0;
      for (size_t d = 0; d < r; ++d) off += (p.start[d] + idx[d] * p.step[d]) * st[d];
      copy_elem(ctx.dst[0], o, ctx.src[0], off, es);
      for (size_t d = r; d-- > 0;) {
        if (++idx[d] < p.out[d]) break;
        idx[d] = 0;
      }
    }
    return Status::ok();
  });
}

Factory gather(const KernelArgs& a) {
  const Node& n = a.node;
  const Shape x = a.src[0].shape;
  CALIBRA_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.size())));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= x[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < x.size(); ++i) inner *= x[i];
  const int64_t dim = x[static_cast<size_t>(axis)];
  const int64_t count = a.src[1].numel();
  const bool i64 = a.src[1].dtype == DType::kI64;
  const size_t es = dtype_size(a.src[0].dtype);
  const std::string where = n.describe();
  return make_fn_kernel([=](ExecCtx& ctx) {
    auto* y = static_cast<uint8_t*>(ctx.dst[0]);
    const auto* src = static_cast<const uint8_t*>(ctx.src[0]);
    const size_t row = static_cast<size_t>(inner) * es;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < count; ++j) {
        int64_t k = i64 ? ctx.in<int64_t>(1)[j] : ctx.in<int32_t>(1)[j];
        if (k < 0) k += dim;
        if (k < 0 || k >= dim)
          return Status::out_of_range(where + ": index " + std::to_string(i64 ? ctx.in<int64_t>(1)[j] : ctx.in<int32_t>(1)[j]) +
                                      " is out of range for a dimension of " + std::to_string(dim));
        if (row)
          std::memcpy(y + static_cast<size_t>(o * count + j) * row, src + static_cast<size_t>(o * dim + k) * row, row);
      }
    return Status::ok();
  });
}

Factory expand(const KernelArgs& a) {
  const Shape x = a.src[0].shape, out = a.dst[0].shape;
  const size_t es = dtype_size(a.src[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    for_each_broadcast<1>(out, {x}, [&](int64_t o, const std::array<int64_t, 1>& off) {
      copy_elem(ctx.dst[0], o, ctx.src[0], off[0], es);
    });
    return Status::ok();
  });
}

Factory pad(const KernelArgs& a) {
  const Node& n = a.node;
  CALIBRA_ASSIGN_OR_RETURN(PadParams p, resolve_pad(n, a.src));
  const Shape x = a.src[0].shape, out = a.dst[0].shape;
  const DType dt = a.src[0].dtype;
  const size_t es = dtype_size(dt);
  const bool runtime_value = n.opset >= 11 && a.src.size() > 2 && a.src[2].present() && !a.src[2].value;
  const auto xst = strides_of(x);
  return make_fn_kernel([=](ExecCtx& ctx) {
    // The fill value as raw bytes of the element type.
    std::vector<uint8_t> fill(es, 0);
    if (runtime_value) {
      std::memcpy(fill.data(), ctx.src[2], es);
    } else if (p.value != 0) {
      Status s = visit_numeric(dt, [&](auto tag) -> Status {
        using T = decltype(tag);
        T v = static_cast<T>(p.value);
        std::memcpy(fill.data(), &v, es);
        return Status::ok();
      });
      (void)s;
    }
    const int64_t total = shape_numel(out);
    const size_t r = out.size();
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < total; ++o) {
      int64_t off = 0;
      bool inside = true;
      for (size_t d = 0; d < r; ++d) {
        int64_t i = idx[d] - p.begin[d];
        if (i < 0 || i >= x[d]) {
          if (p.mode == "constant") { inside = false; break; }
          if (p.mode == "edge") i = i < 0 ? 0 : x[d] - 1;
          else {  // reflect
            const int64_t period = 2 * (x[d] - 1);
            if (period == 0) i = 0;
            else {
              i = ((i % period) + period) % period;
              if (i >= x[d]) i = period - i;
            }
          }
        }
        off += i * xst[d];
      }
      if (inside) copy_elem(ctx.dst[0], o, ctx.src[0], off, es);
      else std::memcpy(static_cast<uint8_t*>(ctx.dst[0]) + static_cast<size_t>(o) * es, fill.data(), es);
      for (size_t d = r; d-- > 0;) {
        if (++idx[d] < out[d]) break;
        idx[d] = 0;
      }
    }
    return Status::ok();
  });
}

// DepthToSpace / SpaceToDepth as a reshape to 6-D, a permutation, and a reshape back.
Factory depth_to_space(const KernelArgs& a) {
  const Shape x = a.src[0].shape;
  const int64_t b = a.node.attr_int("blocksize", 1);
  const bool dcr = a.node.attr_string("mode", "DCR") == "DCR";
  const int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  Shape six = dcr ? Shape{N, b, b, C / (b * b), H, W} : Shape{N, C / (b * b), b, b, H, W};
  std::vector<int64_t> perm = dcr ? std::vector<int64_t>{0, 3, 4, 1, 5, 2} : std::vector<int64_t>{0, 1, 4, 2, 5, 3};
  const size_t es = dtype_size(a.src[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    permute_copy(ctx.src[0], ctx.dst[0], six, perm, es);
    return Status::ok();
  });
}

Factory space_to_depth(const KernelArgs& a) {
  const Shape x = a.src[0].shape;
  const int64_t b = a.node.attr_int("blocksize", 1);
  const int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  Shape six{N, C, H / b, b, W / b, b};
  std::vector<int64_t> perm{0, 3, 5, 1, 2, 4};
  const size_t es = dtype_size(a.src[0].dtype);
  return make_fn_kernel([=](ExecCtx& ctx) {
    permute_copy(ctx.src[0], ctx.dst[0], six, perm, es);
    return Status::ok();
  });
}

}  // namespace calibra::ref
