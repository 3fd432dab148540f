// Broadcast iteration for reference kernels: visits every output element with the matching
// offsets into each (numpy-broadcast) operand. The innermost dimension is a tight loop.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "calibra/tensor.h"

namespace calibra::ref {

// Row-major strides of `s` aligned to `out` (right-aligned), 0 where `s` broadcasts.
inline std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t acc = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t si = s.size() - 1 - i, oi = out.size() - 1 - i;
    st[oi] = s[si] == 1 ? 0 : acc;
    acc *= s[si];
  }
  return st;
}

// fn(out_index, offsets[0..N)) for every element of `out`.
template <size_t N, typename Fn>
void for_each_broadcast(const Shape& out, const std::array<Shape, N>& ins, Fn&& fn) {
  const int64_t total = shape_numel(out);
  if (total == 0) return;
  std::array<std::vector<int64_t>, N> st;
  for (size_t k = 0; k < N; ++k) st[k] = broadcast_strides(ins[k], out);
  const size_t r = out.size();
  std::array<int64_t, N> off{};
  if (r == 0) {
    fn(int64_t{0}, off);
    return;
  }
  const int64_t inner = out[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t o = 0;
  while (o < total) {
    for (size_t k = 0; k < N; ++k) {
      off[k] = 0;
      for (size_t d = 0; d + 1 < r; ++d) off[k] += idx[d] * st[k][d];
    }
    for (int64_t j = 0; j < inner; ++j) {
      fn(o + j, off);
      for (size_t k = 0; k < N; ++k) off[k] += st[k][r - 1];
    }
    o += inner;
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace calibra::ref
