// INT8 depthwise convolution, channels-last, exact integer accumulation.
//
// For output pixel (n, oh, ow) and channel c (padded taps contribute 0, as in the integer
// reference ref::qconv):
//   acc[c] = sum_{kh,kw} (x[n, oh*sh + kh - pad_t, ow*sw + kw - pad_l, c] - zp_x) * w[c, kh, kw]
//   quantized dst:  y = clamp(round_half_even(acc * mul[c] + add[c]), lo, hi)
//        mul[c] = s_x * s_w[c] / s_y,  add[c] = bias[c] / s_y + zp_y,
//        [lo, hi] = the activations' clamp (Relu, Clip) in output units, within u8/s8
//   float dst:      y = clamp(acc * s_x * s_w[c] + bias[c], act_lo, act_hi)
// acc is exact (int32). The requantization is one float32 FMA, which differs from the
// reference's double arithmetic only at rounding ties: within 1 LSB. Rounding commutes
// with clamping (both monotone), so the activations run on integers after rounding.
// Products are never saturated: x - zp_x widens to int16 and vpmaddwd sums pairs of
// int16 products into int32, so full-range weights (+-127) are as exact as the 7-bit
// weights used without VNNI.
//
// AVX2 data layout. Source rows are combined in pairs, padded rows 2j and 2j+1 (padded row
// = ih + pad_t), into a pair row of int16 [padded column][16-channel block][half][8 x
// (x_2j - zp, x_2j+1 - zp)], 0 in the padding. Per 16 channels that is vpunpcklwd /
// vpunpckhwd of the two widened rows: half 0 holds channels 0-3 and 8-11, half 1 channels
// 4-7 and 12-15, and vpackssdw of the two halves' results restores the natural order.
// Output row oh reads padded rows oh*sh + kh, which lie in pair rows j0 = (oh*sh) / 2 ..
// j0 + (K-1)/2; with parity = (oh*sh) & 1, one vpmaddwd with the weight pairs (w[kh],
// w[kh+1]), kh = 2q - parity (0 outside the kernel), adds two taps for 8 channels:
// K * (K+1)/2 instructions per 8 outputs instead of K*K multiplies (6 for 3x3, one slot in
// four unused). Each pair row is built once and read by every output row that needs it
// (two for 3x3), from a small per-thread ring in the scratchpad. Output rows are split
// between OpenMP threads; each walks its rows in order, building pair rows as they come
// into view. Per row, tile of columns and 16-channel block, each half's weights stay in
// registers while the tile's sums go to the scratchpad; both halves are then requantized.
// The portable path computes the same formula with plain loops.
#include "kernels/native/dw_int8.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "ir/quant.h"
#include "ops/conv.h"

namespace calibra::native {

namespace {

constexpr int kBlock = 16;  // channels per block (two int32 vectors of 8)
constexpr int kTile = 32;   // output columns per tile (their accumulators wait in the scratchpad)
constexpr size_t kAlign = 64;

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

// Channel of lane l (0..7) in half h of a block, in the vpunpck{l,h}wd order.
int lane_channel(int h, int l) {
  return (l < 4 ? l : l + 4) + 4 * h;
}

}  // namespace

struct DwInt8Kernel::Impl {
  DwInt8Spec s;
  int threads = 1;
  bool simd = true;    // the AVX2 path
  int64_t blocks = 0;  // 16-channel blocks (the last may be partial)
  int pairs = 0;       // pair rows per output row: (K + 1) / 2
  int64_t cols = 0;    // padded source columns read: (OW - 1) * sw + K
  int64_t pair_rows = 0;
  size_t slot_bytes = 0, thread_bytes = 0;
  // Natural channel order (the portable path).
  std::vector<float> mul, add;
  int32_t qlo = 0, qhi = 0;  // quantized dst: the clamp after rounding
  float flo = 0, fhi = 0;    // float dst
  // AVX2 path: per block and half, channels in lane order.
  std::vector<int16_t> wpairs;  // [parity][block][half][q][kw][8 x 2]
  std::vector<float> mul_b, add_b;

  // The (K+1)/2 x K weight-pair vectors of one parity, block and half.
  size_t weights_at(int parity, int64_t b, int h) const {
    return static_cast<size_t>(((parity * blocks + b) * 2 + h) * pairs * s.kernel) * 16;
  }
};

DwInt8Kernel::DwInt8Kernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DwInt8Kernel::~DwInt8Kernel() = default;

std::unique_ptr<DwInt8Kernel> DwInt8Kernel::make(const DwInt8Spec& s, int threads, std::string* why,
                                                 bool simd) {
  auto fail = [&](const char* m) {
    *why = m;
    return nullptr;
  };
  const int64_t C = s.channels, K = s.kernel;
  if (K != 3 && K != 5) return fail("kernel not 3x3 or 5x5");
  if ((s.stride_h != 1 && s.stride_h != 2) || (s.stride_w != 1 && s.stride_w != 2))
    return fail("stride not 1 or 2");
  if (s.src_type != DType::kU8 && s.src_type != DType::kI8) return fail("source not u8/s8");
  if (s.dst_type != DType::kU8 && s.dst_type != DType::kI8 && s.dst_type != DType::kF32)
    return fail("dst type");
  if (C < 1 || s.batch < 1 || s.out_h < 1 || s.out_w < 1 || s.pad_top < 0 || s.pad_left < 0)
    return fail("shape");
  if (static_cast<int64_t>(s.weights.size()) != C * K * K) return fail("weights not [C,1,K,K]");
  if (s.weight_scales.size() != 1 && static_cast<int64_t>(s.weight_scales.size()) != C)
    return fail("weight scales");
  if (!s.bias.empty() && static_cast<int64_t>(s.bias.size()) != C) return fail("bias size");
  if (!(s.act_lo <= s.act_hi)) return fail("empty activation range");

  auto k = std::make_unique<Impl>();
  k->s = s;
  k->threads = std::max(1, threads);
  k->simd = simd && simd_available();
  k->blocks = (C + kBlock - 1) / kBlock;
  k->pairs = static_cast<int>((K + 1) / 2);
  k->cols = (s.out_w - 1) * s.stride_w + K;
  k->pair_rows = ((s.out_h - 1) * s.stride_h + K + 1) / 2;
  k->slot_bytes = align_up(static_cast<size_t>(k->cols * k->blocks) * 64);
  k->thread_bytes = k->slot_bytes * static_cast<size_t>(k->pairs) + align_up(kTile * 64);

  const bool qdst = s.dst_type != DType::kF32;
  const float units = qdst ? s.dst_scale : 1.f;
  const double max_dx = s.src_type == DType::kU8 ? std::max(s.src_zp, 255 - s.src_zp)
                                                 : std::max(s.src_zp + 128, 127 - s.src_zp);
  k->mul.resize(static_cast<size_t>(C));
  k->add.resize(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    int32_t sum_abs = 0;
    for (int64_t i = 0; i < K * K; ++i)
      sum_abs += std::abs(s.weights[static_cast<size_t>(c * K * K + i)]);
    const float ws = s.weight_scales[s.weight_scales.size() == 1 ? 0 : static_cast<size_t>(c)];
    const float b = s.bias.empty() ? 0.f : s.bias[static_cast<size_t>(c)];
    k->mul[static_cast<size_t>(c)] =
        static_cast<float>(static_cast<double>(s.src_scale) * ws / units);
    k->add[static_cast<size_t>(c)] =
        static_cast<float>(b / static_cast<double>(units) + (qdst ? s.dst_zp : 0));
    // cvtps2dq must not overflow: |acc * mul + add| < 2^30.
    if (qdst && sum_abs * max_dx * std::abs(k->mul[static_cast<size_t>(c)]) +
                        std::abs(k->add[static_cast<size_t>(c)]) >
                    1e9)
      return fail("output scale too small for int32 requantization");
  }
  if (qdst) {
    const double lo = qmin(s.dst_type), hi = qmax(s.dst_type);
    auto bound = [&](float a) {
      if (std::isinf(a)) return a < 0 ? lo : hi;
      return std::clamp(std::nearbyint(static_cast<double>(a) / s.dst_scale) + s.dst_zp, lo, hi);
    };
    k->qlo = static_cast<int32_t>(bound(s.act_lo));
    k->qhi = static_cast<int32_t>(bound(s.act_hi));
  } else {
    k->flo = s.act_lo;
    k->fhi = s.act_hi;
  }

  // AVX2 tables, channels past C (the last block's padding) with zero weights.
  const int64_t B = k->blocks;
  k->wpairs.assign(static_cast<size_t>(2 * B * 2 * k->pairs * K * 16), 0);
  k->mul_b.assign(static_cast<size_t>(B * 16), 0.f);
  k->add_b.assign(static_cast<size_t>(B * 16), 0.f);
  for (int parity = 0; parity < 2; ++parity)
    for (int64_t b = 0; b < B; ++b)
      for (int h = 0; h < 2; ++h) {
        int16_t* w = k->wpairs.data() + k->weights_at(parity, b, h);
        for (int q = 0; q < k->pairs; ++q)
          for (int64_t kw = 0; kw < K; ++kw)
            for (int l = 0; l < 8; ++l) {
              const int64_t c = b * kBlock + lane_channel(h, l);
              for (int e = 0; e < 2; ++e) {
                const int64_t kh = 2 * q - parity + e;
                const bool in = c < C && kh >= 0 && kh < K;
                w[((q * K + kw) * 8 + l) * 2 + e] =
                    in ? s.weights[static_cast<size_t>((c * K + kh) * K + kw)] : 0;
              }
            }
      }
  for (int64_t b = 0; b < B; ++b)
    for (int h = 0; h < 2; ++h)
      for (int l = 0; l < 8; ++l) {
        const int64_t c = b * kBlock + lane_channel(h, l);
        const size_t i = static_cast<size_t>((b * 2 + h) * 8 + l);
        if (c >= C) continue;
        k->mul_b[i] = k->mul[static_cast<size_t>(c)];
        k->add_b[i] = k->add[static_cast<size_t>(c)];
      }
  return std::unique_ptr<DwInt8Kernel>(new DwInt8Kernel(std::move(k)));
}

size_t DwInt8Kernel::scratchpad_bytes() const {
  return impl_->thread_bytes * static_cast<size_t>(impl_->threads);
}

bool DwInt8Kernel::simd_available() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

namespace {

using Impl = DwInt8Kernel::Impl;

// ---- Portable path: the formula at the top, loop by loop. ----

template <typename Src, typename Dst>
void rows_scalar(const Impl& k, const Src* src, Dst* dst, int64_t r0, int64_t r1) {
  const DwInt8Spec& s = k.s;
  const int64_t C = s.channels, H = s.in_h, W = s.in_w, OH = s.out_h, OW = s.out_w, K = s.kernel;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / OH, oh = r % OH;
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t c = 0; c < C; ++c) {
        int32_t acc = 0;
        for (int64_t kh = 0; kh < K; ++kh) {
          const int64_t ih = oh * s.stride_h + kh - s.pad_top;
          for (int64_t kw = 0; kw < K; ++kw) {
            const int64_t iw = ow * s.stride_w + kw - s.pad_left;
            const bool in = ih >= 0 && ih < H && iw >= 0 && iw < W;
            const int32_t x = in ? src[((n * H + ih) * W + iw) * C + c] - s.src_zp : 0;
            acc += x * s.weights[static_cast<size_t>((c * K + kh) * K + kw)];
          }
        }
        const float u =
            static_cast<float>(acc) * k.mul[static_cast<size_t>(c)] + k.add[static_cast<size_t>(c)];
        Dst* d = dst + (r * OW + ow) * C + c;
        if constexpr (std::is_same_v<Dst, float>) {
          *d = std::min(std::max(u, k.flo), k.fhi);
        } else {
          const float v = std::nearbyint(std::min(std::max(u, -1e9f), 1e9f));
          *d = static_cast<Dst>(std::min(std::max(static_cast<int32_t>(v), k.qlo), k.qhi));
        }
      }
  }
}

// ---- AVX2 path. ----

template <typename Src>
__attribute__((target("avx2"))) inline __m256i widen16(const Src* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (std::is_same_v<Src, uint8_t>)
    return _mm256_cvtepu8_epi16(v);
  else
    return _mm256_cvtepi8_epi16(v);
}

// Pair row j of batch n: padded rows 2j and 2j+1 as x - zp_x, 0 outside the image.
template <bool kZp, typename Src>
__attribute__((target("avx2"))) void build_pair_row(const Impl& k, const Src* src, int64_t n,
                                                    int64_t j, __m256i* out) {
  const DwInt8Spec& s = k.s;
  const int64_t C = s.channels, H = s.in_h, W = s.in_w, full = C / kBlock, tail = C % kBlock;
  const Src* rows[2];
  for (int i = 0; i < 2; ++i) {
    const int64_t ih = 2 * j + i - s.pad_top;
    rows[i] = ih >= 0 && ih < H ? src + (n * H + ih) * W * C : nullptr;
  }
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(s.src_zp)),
                zero = _mm256_setzero_si256();
  auto load = [&](const Src* p) __attribute__((target("avx2"))) {
    const __m256i v = widen16(p);
    return kZp ? _mm256_sub_epi16(v, zp) : v;
  };
  alignas(16) Src part[2][kBlock] = {};
  for (int64_t col = 0; col < k.cols; ++col) {
    const int64_t iw = col - s.pad_left;
    const bool in = iw >= 0 && iw < W;
    const Src* a = in && rows[0] ? rows[0] + iw * C : nullptr;
    const Src* b = in && rows[1] ? rows[1] + iw * C : nullptr;
    for (int64_t blk = 0; blk < full; ++blk) {
      const __m256i va = a ? load(a + blk * kBlock) : zero, vb = b ? load(b + blk * kBlock) : zero;
      _mm256_storeu_si256(out++, _mm256_unpacklo_epi16(va, vb));
      _mm256_storeu_si256(out++, _mm256_unpackhi_epi16(va, vb));
    }
    if (tail) {  // the last, partial block: copied so that no load reads past the tensor
      if (a) std::memcpy(part[0], a + full * kBlock, static_cast<size_t>(tail) * sizeof(Src));
      if (b) std::memcpy(part[1], b + full * kBlock, static_cast<size_t>(tail) * sizeof(Src));
      const __m256i va = a ? load(part[0]) : zero, vb = b ? load(part[1]) : zero;
      _mm256_storeu_si256(out++, _mm256_unpacklo_epi16(va, vb));
      _mm256_storeu_si256(out++, _mm256_unpackhi_epi16(va, vb));
    }
  }
}

// One block's requantization constants, in registers while its columns are stored.
struct BlockOut {
  __m256 mul0, mul1, add0, add1;  // per half (lane order)
  __m256 flo, fhi;                // float dst: the activation clamp
  __m256i qlo, qhi;               // 8-bit dst: the clamp in every byte
  bool clamp;                     // 8-bit dst: [qlo, qhi] narrower than the type's range
  int64_t count;                  // channels of this block to store (16 but in the last)
};

template <typename Dst>
__attribute__((target("avx2"))) inline BlockOut block_out(const Impl& k, int64_t b) {
  BlockOut o;
  const float* mul = k.mul_b.data() + b * kBlock;
  const float* add = k.add_b.data() + b * kBlock;
  o.mul0 = _mm256_loadu_ps(mul), o.mul1 = _mm256_loadu_ps(mul + 8);
  o.add0 = _mm256_loadu_ps(add), o.add1 = _mm256_loadu_ps(add + 8);
  o.flo = _mm256_set1_ps(k.flo), o.fhi = _mm256_set1_ps(k.fhi);
  o.qlo = _mm256_set1_epi8(static_cast<char>(k.qlo)),
  o.qhi = _mm256_set1_epi8(static_cast<char>(k.qhi));
  o.clamp = k.qlo > qmin(k.s.dst_type) || k.qhi < qmax(k.s.dst_type);
  o.count = std::min<int64_t>(kBlock, k.s.channels - b * kBlock);
  return o;
}

template <typename T>
inline void store_part(T* d, const T* t, int64_t count) {
  std::memcpy(d, t, static_cast<size_t>(count) * sizeof(T));
}

// acc * mul + add for one column (a0, a1: the halves), in lane order.
__attribute__((target("avx2,fma"))) inline void scale(const BlockOut& o, __m256i a0, __m256i a1,
                                                      __m256* f0, __m256* f1) {
  *f0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a0), o.mul0, o.add0);
  *f1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a1), o.mul1, o.add1);
}

// Rounds (half to even, the MXCSR default) one column to int16 in natural channel order
// (vpackssdw undoes the halves' lane order).
__attribute__((target("avx2,fma"))) inline __m256i round16(const BlockOut& o, __m256i a0,
                                                           __m256i a1) {
  __m256 f0, f1;
  scale(o, a0, a1, &f0, &f1);
  return _mm256_packs_epi32(_mm256_cvtps_epi32(f0), _mm256_cvtps_epi32(f1));
}

// Requantizes and stores columns a and b (b may be null) of one block: 8-bit dst.
template <typename Dst>
__attribute__((target("avx2,fma"))) inline void store_cols(const BlockOut& o, __m256i a0,
                                                           __m256i a1, __m256i b0, __m256i b1,
                                                           Dst* da, Dst* db) {
  const __m256i wa = round16(o, a0, a1), wb = round16(o, b0, b1);
  __m256i y;  // [a 0-15 | b 0-15] after the qword permute
  if constexpr (std::is_same_v<Dst, uint8_t>) {
    y = _mm256_permute4x64_epi64(_mm256_packus_epi16(wa, wb), 0xD8);
    if (o.clamp) y = _mm256_min_epu8(_mm256_max_epu8(y, o.qlo), o.qhi);
  } else {
    y = _mm256_permute4x64_epi64(_mm256_packs_epi16(wa, wb), 0xD8);
    if (o.clamp) y = _mm256_min_epi8(_mm256_max_epi8(y, o.qlo), o.qhi);
  }
  if (o.count == kBlock) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(da), _mm256_castsi256_si128(y));
    if (db) _mm_storeu_si128(reinterpret_cast<__m128i*>(db), _mm256_extracti128_si256(y, 1));
  } else {
    alignas(32) Dst t[2 * kBlock];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), y);
    store_part(da, t, o.count);
    if (db) store_part(db, t + kBlock, o.count);
  }
}

// Float dst: one column, clamped, halves back in natural order.
__attribute__((target("avx2,fma"))) inline void store_col_f32(const BlockOut& o, __m256i a0,
                                                              __m256i a1, float* d) {
  __m256 f0, f1;
  scale(o, a0, a1, &f0, &f1);
  f0 = _mm256_min_ps(_mm256_max_ps(f0, o.flo), o.fhi);
  f1 = _mm256_min_ps(_mm256_max_ps(f1, o.flo), o.fhi);
  const __m256 y0 = _mm256_permute2f128_ps(f0, f1, 0x20), y1 = _mm256_permute2f128_ps(f0, f1, 0x31);
  if (o.count == kBlock) {
    _mm256_storeu_ps(d, y0);
    _mm256_storeu_ps(d + 8, y1);
  } else {
    alignas(32) float t[kBlock];
    _mm256_store_ps(t, y0);
    _mm256_store_ps(t + 8, y1);
    store_part(d, t, o.count);
  }
}

// One half-block (8 channels) of one output column: K * (K+1)/2 vpmaddwd. P[q] are the
// pair rows at the column's first tap, w[q][kw] the weight pairs.
template <int K>
__attribute__((target("avx2"))) inline __m256i mac(const __m256i* const* P, int64_t off,
                                                   int64_t col_stride,
                                                   const __m256i (&w)[(K + 1) / 2][K]) {
  __m256i acc = _mm256_setzero_si256();
#pragma GCC unroll 8
  for (int q = 0; q < (K + 1) / 2; ++q)
#pragma GCC unroll 8
    for (int kw = 0; kw < K; ++kw) {
      acc = _mm256_add_epi32(
          acc, _mm256_madd_epi16(_mm256_loadu_si256(P[q] + off + kw * col_stride), w[q][kw]));
      // One running sum: a tree of partial sums would push the 5x5 weights out of registers.
      if constexpr (K > 3) __asm__("" : "+x"(acc));
    }
  return acc;
}

template <int K>
__attribute__((target("avx2"))) inline void load_weights(const Impl& k, int parity, int64_t b,
                                                         int h, __m256i (&w)[(K + 1) / 2][K]) {
  const __m256i* src =
      reinterpret_cast<const __m256i*>(k.wpairs.data() + k.weights_at(parity, b, h));
#pragma GCC unroll 8
  for (int q = 0; q < (K + 1) / 2; ++q)
#pragma GCC unroll 8
    for (int kw = 0; kw < K; ++kw) w[q][kw] = _mm256_loadu_si256(src + q * K + kw);
}

// Output rows [r0, r1) of the flattened (n, oh), in order. Per row: the pair rows it reads
// are built into the ring if they are not there yet; then per tile of columns and
// 16-channel block, each half's weights go into registers and the tile's sums into the
// scratchpad, and both halves are requantized together.
template <int K, typename Src, typename Dst>
__attribute__((target("avx2,fma"))) void rows_avx2(const Impl& k, const Src* src, Dst* dst,
                                                   uint8_t* scratch, int64_t r0, int64_t r1) {
  constexpr int NP = (K + 1) / 2;
  const DwInt8Spec& s = k.s;
  const int64_t C = s.channels, OH = s.out_h, OW = s.out_w, B = k.blocks, sw = s.stride_w;
  const int64_t col_stride = B * 2;  // vectors from one padded column to the next
  __m256i* slots[NP];
  int64_t tags[NP];
  for (int i = 0; i < NP; ++i) {
    slots[i] = reinterpret_cast<__m256i*>(scratch + static_cast<size_t>(i) * k.slot_bytes);
    tags[i] = -1;
  }
  __m256i* acc_tmp = reinterpret_cast<__m256i*>(scratch + static_cast<size_t>(NP) * k.slot_bytes);
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / OH, oh = r % OH, base = oh * s.stride_h, j0 = base / 2;
    const int parity = static_cast<int>(base & 1);
    const __m256i* P[NP];
    for (int q = 0; q < NP; ++q) {
      const int64_t j = j0 + q, slot = j % NP, tag = n * k.pair_rows + j;
      if (tags[slot] != tag) {
        if (s.src_zp)
          build_pair_row<true>(k, src, n, j, slots[slot]);
        else
          build_pair_row<false>(k, src, n, j, slots[slot]);
        tags[slot] = tag;
      }
      P[q] = slots[slot];
    }
    Dst* drow = dst + r * OW * C;
    for (int64_t ow0 = 0; ow0 < OW; ow0 += kTile) {
      const int64_t tn = std::min<int64_t>(kTile, OW - ow0);
      for (int64_t b = 0; b < B; ++b) {
        for (int h = 0; h < 2; ++h) {
          __m256i w[NP][K];
          load_weights<K>(k, parity, b, h, w);
          for (int64_t t = 0; t < tn; ++t)
            _mm256_storeu_si256(acc_tmp + 2 * t + h,
                                mac<K>(P, (ow0 + t) * sw * col_stride + b * 2 + h, col_stride, w));
        }
        const BlockOut o = block_out<Dst>(k, b);
        Dst* d = drow + ow0 * C + b * kBlock;
        if constexpr (std::is_same_v<Dst, float>) {
          for (int64_t t = 0; t < tn; ++t)
            store_col_f32(o, _mm256_loadu_si256(acc_tmp + 2 * t),
                          _mm256_loadu_si256(acc_tmp + 2 * t + 1), d + t * C);
        } else {
          // Two columns at a time: 8-bit stores pack two columns into one vector.
          for (int64_t t = 0; t < tn; t += 2) {
            const bool two = t + 1 < tn;
            const __m256i* a = acc_tmp + 2 * t;
            const __m256i a0 = _mm256_loadu_si256(a), a1 = _mm256_loadu_si256(a + 1);
            const __m256i b0 = two ? _mm256_loadu_si256(a + 2) : a0,
                          b1 = two ? _mm256_loadu_si256(a + 3) : a1;
            store_cols(o, a0, a1, b0, b1, d + t * C, two ? d + (t + 1) * C : nullptr);
          }
        }
      }
    }
  }
}

template <typename Src, typename Dst>
void rows(const Impl& k, const Src* src, Dst* dst, uint8_t* scratch, int64_t r0, int64_t r1,
          bool simd) {
  if (!simd) return rows_scalar(k, src, dst, r0, r1);
  if (k.s.kernel == 3)
    rows_avx2<3>(k, src, dst, scratch, r0, r1);
  else
    rows_avx2<5>(k, src, dst, scratch, r0, r1);
}

template <typename Src>
void rows(const Impl& k, const Src* src, void* dst, uint8_t* scratch, int64_t r0, int64_t r1,
          bool simd) {
  switch (k.s.dst_type) {
    case DType::kU8:
      return rows(k, src, static_cast<uint8_t*>(dst), scratch, r0, r1, simd);
    case DType::kI8:
      return rows(k, src, static_cast<int8_t*>(dst), scratch, r0, r1, simd);
    default:
      return rows(k, src, static_cast<float*>(dst), scratch, r0, r1, simd);
  }
}

}  // namespace

bool DwInt8Kernel::simd() const {
  return impl_->simd;
}

std::string DwInt8Kernel::impl() const {
  return impl_->simd ? "native_dw_int8" : "native_dw_int8_portable";
}

void DwInt8Kernel::compute(const void* src, void* dst, void* scratch) const {
  const Impl& k = *impl_;
  const bool simd = k.simd;
  const int64_t total = k.s.batch * k.s.out_h;
  const int nt = static_cast<int>(std::min<int64_t>({k.threads, omp_get_max_threads(), total}));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int t = omp_get_thread_num(), nth = omp_get_num_threads();
    const int64_t r0 = total * t / nth, r1 = total * (t + 1) / nth;
    uint8_t* mine = static_cast<uint8_t*>(scratch) + k.thread_bytes * static_cast<size_t>(t);
    if (k.s.src_type == DType::kU8)
      rows(k, static_cast<const uint8_t*>(src), dst, mine, r0, r1, simd);
    else
      rows(k, static_cast<const int8_t*>(src), dst, mine, r0, r1, simd);
  }
}

Status DwInt8Kernel::run(ExecCtx& ctx) const {
  compute(ctx.src[0], ctx.dst[0], ctx.scratchpad);
  return Status::ok();
}

DwInt8Spec dw_int8_spec(const Node& n, std::span<const ValueDesc> src, const ValueDesc& dst,
                        std::string* why) {
  DwInt8Spec s;
  auto fail = [&](const char* m) {
    *why = m;
    return DwInt8Spec{};
  };
  if (n.op_type != "Conv" || !n.quant || src.size() < 2) return fail("not a quantized Conv");
  const QuantOpInfo& q = *n.quant;
  const ValueDesc &x = src[0], &w = src[1];
  if (x.rank() != 4 || w.rank() != 4) return fail("not 2-D");
  if (!w.value || w.dtype != DType::kI8) return fail("weights not constant int8");
  if (x.dtype != DType::kU8 && x.dtype != DType::kI8) return fail("source not u8/s8");
  if (q.src.empty() || q.src[0].dtype != x.dtype || q.src[0].scale.size() != 1 ||
      q.src[0].zero_point.size() > 1)
    return fail("source not per-tensor quantized");
  for (int32_t z : q.weight.zero_point)
    if (z != 0) return fail("asymmetric weights");
  auto p = resolve_conv(n, x.shape, w.shape);
  if (!p.is_ok()) return fail("conv attributes");
  const ConvParams& cp = *p;
  const int64_t C = x.shape[1];
  if (cp.win.nsp != 2 || cp.group != C || cp.in_channels != C || cp.out_channels != C ||
      w.shape[1] != 1)
    return fail("not depthwise");
  if (cp.win.kernel[0] != cp.win.kernel[1]) return fail("kernel not square");
  if (cp.win.dilations[0] != 1 || cp.win.dilations[1] != 1) return fail("dilation");
  const bool bias = src.size() > 2 && src[2].present();
  if (bias && (!src[2].value || src[2].dtype != DType::kF32 || src[2].numel() != C))
    return fail("bias not a constant [C]");
  if (q.weight.scale.size() != 1 && static_cast<int64_t>(q.weight.scale.size()) != C)
    return fail("weight scales");
  if (q.dst.quantized()
          ? (q.dst.dtype != dst.dtype || q.dst.scale.size() != 1 || q.dst.zero_point.size() > 1)
          : dst.dtype != DType::kF32)
    return fail("destination");
  for (const PostOp& po : n.post_ops) {
    if (po.kind != PostOp::Kind::kActivation) return fail("residual sum");
    float a, b;
    if (po.act.kind == ActKind::kRelu)
      a = 0.f, b = INFINITY;
    else if (po.act.kind == ActKind::kClip)
      a = po.act.alpha, b = po.act.beta;
    else
      return fail("activation other than Relu/Clip");
    if (!(a <= b)) return fail("empty Clip range");
    // clamp(clamp(v, lo, hi), a, b) is the clamp with bounds clamp(lo, a, b), clamp(hi, a, b).
    s.act_lo = std::clamp(s.act_lo, a, b);
    s.act_hi = std::clamp(s.act_hi, a, b);
  }
  s.batch = x.shape[0];
  s.in_h = cp.win.in[0], s.in_w = cp.win.in[1], s.out_h = cp.win.out[0], s.out_w = cp.win.out[1];
  s.kernel = static_cast<int>(cp.win.kernel[0]);
  s.stride_h = static_cast<int>(cp.win.strides[0]),
  s.stride_w = static_cast<int>(cp.win.strides[1]);
  s.pad_top = static_cast<int>(cp.win.pad_begin[0]),
  s.pad_left = static_cast<int>(cp.win.pad_begin[1]);
  s.src_type = x.dtype;
  s.src_scale = q.src[0].s();
  s.src_zp = q.src[0].zp();
  s.weights.assign(w.value->data_as<int8_t>(), w.value->data_as<int8_t>() + w.numel());
  s.weight_scales = q.weight.scale;
  if (bias) s.bias.assign(src[2].value->data_as<float>(), src[2].value->data_as<float>() + C);
  s.dst_type = dst.dtype;
  if (q.dst.quantized()) s.dst_scale = q.dst.s(), s.dst_zp = q.dst.zp();
  s.channels = C;
  return s;
}

std::atomic<DwInt8Mode>& dw_int8_mode() {
  static std::atomic<DwInt8Mode> mode{[] {
    const char* e = std::getenv("CALIBRA_NO_NATIVE_DW");
    return e && *e && std::strcmp(e, "0") != 0 ? DwInt8Mode::kOff : DwInt8Mode::kAuto;
  }()};
  return mode;
}

}  // namespace calibra::native
