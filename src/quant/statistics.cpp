#include <limits>

#include "quant/statistics.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace calibra {

void Histogram::grow() {
  // [-R, R) -> [-2R, 2R): old bins 2i, 2i+1 land in new bin kBins/4 + i.
  std::vector<uint64_t> merged(static_cast<size_t>(kBins), 0);
  for (int64_t i = 0; i < kBins; ++i) merged[static_cast<size_t>(kBins / 4 + i / 2)] += bins_[static_cast<size_t>(i)];
  bins_ = std::move(merged);
  range_ *= 2;
}

void Histogram::reserve(double abs_max) {
  if (bins_.empty()) {
    bins_.assign(static_cast<size_t>(kBins), 0);
    range_ = abs_max > 0 ? abs_max * (1 + 1e-6) : 1e-12;
  }
  while (abs_max >= range_) grow();
}

namespace {

// The bin of v: floor((v + R) * kBins / 2R), in double, clamped (|v| < R after reserve).
inline int64_t bin_of(float v, double range, double inv) {
  int64_t b = static_cast<int64_t>((static_cast<double>(v) + range) * inv);
  return b < 0 ? 0 : b >= Histogram::kBins ? Histogram::kBins - 1 : b;
}

void add_nonzero_scalar(const float* x, size_t n, double range, double inv, uint64_t* bins, uint64_t* total) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v == 0.f || !std::isfinite(v)) continue;
    ++bins[bin_of(v, range, inv)];
    ++*total;
  }
}

// The same bins as bin_of (the same double operations, truncation = floor for the
// non-negative (v + R) * inv), eight values at a time; zeros and NaN/Inf are skipped.
// Branch-free, since whether a value is zero is a coin toss after ReLU: lane j counts into
// way j % 4 of `ways` ([bin][4] 16-bit counters, 32 KiB: in L1; the caller merges them, at
// most 2 per vector, before they can overflow; activations crowd into few bins, and one
// counter incremented back to back would wait on its own store), and skipped values into a
// spare bin kBins. Returns how many were counted; *first/*last: the range of bins touched.
constexpr int kWays = 4;

__attribute__((target("avx2"))) uint64_t add_nonzero_avx2(const float* x, size_t n, double range, double inv,
                                                           uint16_t* ways, int64_t* first, int64_t* last) {
  const __m256d r = _mm256_set1_pd(range), s = _mm256_set1_pd(inv);
  const __m256i lo = _mm256_setzero_si256(), hi = _mm256_set1_epi32(static_cast<int>(Histogram::kBins - 1));
  const __m256i spare = _mm256_set1_epi32(static_cast<int>(Histogram::kBins));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3);
  const __m256 zero = _mm256_setzero_ps();
  __m256i tmin = hi, tmax = lo;
  alignas(32) int32_t idx[8];
  uint64_t added = 0;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    // finite (v * 0 == 0: Inf * 0 and NaN give NaN) and not zero
    const __m256 ok = _mm256_and_ps(_mm256_cmp_ps(_mm256_mul_ps(v, zero), zero, _CMP_EQ_OQ), _mm256_cmp_ps(v, zero, _CMP_NEQ_OQ));
    const __m128i b0 = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), r), s));
    const __m128i b1 = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), r), s));
    const __m256i c = _mm256_min_epi32(_mm256_max_epi32(_mm256_set_m128i(b1, b0), lo), hi);
    const __m256i okm = _mm256_castps_si256(ok);
    tmin = _mm256_min_epi32(tmin, _mm256_blendv_epi8(hi, c, okm));
    tmax = _mm256_max_epi32(tmax, _mm256_blendv_epi8(lo, c, okm));
    const __m256i bin = _mm256_blendv_epi8(spare, c, okm);
    _mm256_store_si256(reinterpret_cast<__m256i*>(idx), _mm256_add_epi32(_mm256_slli_epi32(bin, 2), lane));
    added += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(ok))));
    for (int j = 0; j < 8; ++j) ++ways[idx[j]];
  }
  alignas(32) int32_t a[8], b[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a), tmin);
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), tmax);
  for (int k = 0; k < 8; ++k) {
    *first = std::min<int64_t>(*first, a[k]);
    *last = std::max<int64_t>(*last, b[k]);
  }
  return added;
}

}  // namespace

void Histogram::add_nonzero(const float* x, size_t n) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (n == 0) return;
  const double inv = static_cast<double>(kBins) / (2 * range_);
  const size_t vec = avx2 && n < (size_t{1} << 32) ? n / 8 * 8 : 0;
  if (vec > 0) {
    // Zero between calls; bin kBins is the spare, never read.
    static thread_local std::vector<uint16_t> ways(static_cast<size_t>((kBins + 1) * kWays), 0);
    // 16-bit counters, two increments per vector at most: merge every 16384 vectors.
    for (size_t at = 0; at < vec; at += size_t{8} << 14) {
      int64_t first = kBins, last = -1;
      total_ += add_nonzero_avx2(x + at, std::min(vec - at, size_t{8} << 14), range_, inv, ways.data(), &first, &last);
      for (int64_t b = first; b <= last; ++b) {
        uint16_t* w = ways.data() + b * kWays;
        bins_[static_cast<size_t>(b)] += uint64_t{w[0]} + w[1] + w[2] + w[3];
        std::fill_n(w, kWays, uint16_t{0});
      }
    }
  }
  add_nonzero_scalar(x + vec, n - vec, range_, inv, bins_.data(), &total_);
}

void Histogram::add_zeros(uint64_t count) {
  if (count == 0) return;
  bins_[static_cast<size_t>(bin_of(0.f, range_, static_cast<double>(kBins) / (2 * range_)))] += count;
  total_ += count;
}

void Histogram::add(const float* x, size_t n, double abs_max) {
  reserve(abs_max);
  add_nonzero(x, n);
  uint64_t zeros = 0;
  for (size_t i = 0; i < n; ++i) zeros += x[i] == 0.f;  // no branch: zeros come at random
  add_zeros(zeros);
}

std::vector<uint64_t> Histogram::folded() const {
  std::vector<uint64_t> f(static_cast<size_t>(kBins / 2), 0);
  if (bins_.empty()) return f;
  for (int64_t j = 0; j < kBins / 2; ++j)
    f[static_cast<size_t>(j)] = bins_[static_cast<size_t>(kBins / 2 + j)] + bins_[static_cast<size_t>(kBins / 2 - 1 - j)];
  return f;
}

std::vector<double> TensorStats::channel_mean() const {
  std::vector<double> m(channel_sum.size(), 0.0);
  if (per_channel_count == 0) return m;
  for (size_t c = 0; c < m.size(); ++c) m[c] = channel_sum[c] / static_cast<double>(per_channel_count);
  return m;
}

namespace {

struct PlaneStats {
  float min, max;
  double sum;
  uint64_t zeros;
};

// min, max, sum and exact-zero count of a plane, ignoring nothing: callers check the sum
// for NaN/Inf and redo the plane with plane_stats_checked when it is not finite.
PlaneStats plane_stats_scalar(const float* x, size_t n) {
  PlaneStats p{x[0], x[0], 0.0, 0};
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    p.min = v < p.min ? v : p.min;
    p.max = v > p.max ? v : p.max;
    sum += v;
    p.zeros += v == 0.f;
  }
  p.sum = sum;
  return p;
}

__attribute__((target("avx2"))) PlaneStats plane_stats_avx2(const float* x, size_t n) {
  if (n < 16) return plane_stats_scalar(x, n);
  __m256 mn = _mm256_loadu_ps(x), mx = mn, sum = _mm256_setzero_ps();
  const __m256 zero = _mm256_setzero_ps();
  uint64_t zeros = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    mn = _mm256_min_ps(mn, v);
    mx = _mm256_max_ps(mx, v);
    sum = _mm256_add_ps(sum, v);
    zeros += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_EQ_OQ)))));
  }
  alignas(32) float a[8], b[8], c[8];
  _mm256_store_ps(a, mn);
  _mm256_store_ps(b, mx);
  _mm256_store_ps(c, sum);
  PlaneStats p{a[0], b[0], 0.0, zeros};
  double total = 0;
  for (int k = 0; k < 8; ++k) {
    p.min = std::min(p.min, a[k]);
    p.max = std::max(p.max, b[k]);
    total += c[k];
  }
  for (; i < n; ++i) {
    p.min = std::min(p.min, x[i]);
    p.max = std::max(p.max, x[i]);
    total += x[i];
    p.zeros += x[i] == 0.f;
  }
  p.sum = total;
  return p;
}

// The slow path for planes holding NaN or Inf: skip them, count them.
PlaneStats plane_stats_checked(const float* x, size_t n, uint64_t* bad) {
  PlaneStats p{std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 0.0, 0};
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) {
      ++*bad;
      continue;
    }
    p.min = std::min(p.min, v);
    p.max = std::max(p.max, v);
    p.sum += v;
    p.zeros += v == 0.f;
  }
  return p;
}

PlaneStats plane_stats(const float* x, size_t n, uint64_t* bad) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  PlaneStats p = avx2 ? plane_stats_avx2(x, n) : plane_stats_scalar(x, n);
  if (!std::isfinite(p.sum) || !std::isfinite(p.min) || !std::isfinite(p.max)) p = plane_stats_checked(x, n, bad);
  return p;
}

// Stats of `rows` rows of 8 lanes, `stride` floats apart: min, max, zeros over all, a float
// sum per lane. The caller checks min/max/sums for NaN/Inf as for planes.
struct LaneStats {
  float min, max;
  float sum[8];
  uint64_t zeros;
};

LaneStats lanes8_scalar(const float* x, size_t rows, size_t stride, size_t lanes) {
  LaneStats r{x[0], x[0], {}, 0};
  for (size_t k = 0; k < rows; ++k)
    for (size_t j = 0; j < lanes; ++j) {
      const float v = x[k * stride + j];
      r.min = v < r.min ? v : r.min;
      r.max = v > r.max ? v : r.max;
      r.sum[j] += v;
      r.zeros += v == 0.f;
    }
  return r;
}

__attribute__((target("avx2"))) LaneStats lanes8_avx2(const float* x, size_t rows, size_t stride) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 mn0 = _mm256_loadu_ps(x), mx0 = mn0, mn1 = mn0, mx1 = mn0, s0 = zero, s1 = zero;
  __m256i z0 = _mm256_setzero_si256(), z1 = z0;  // minus the zero count per lane
  size_t k = 0;
  for (; k + 2 <= rows; k += 2) {
    const __m256 a = _mm256_loadu_ps(x + k * stride), b = _mm256_loadu_ps(x + (k + 1) * stride);
    mn0 = _mm256_min_ps(mn0, a);
    mx0 = _mm256_max_ps(mx0, a);
    s0 = _mm256_add_ps(s0, a);
    z0 = _mm256_add_epi32(z0, _mm256_castps_si256(_mm256_cmp_ps(a, zero, _CMP_EQ_OQ)));
    mn1 = _mm256_min_ps(mn1, b);
    mx1 = _mm256_max_ps(mx1, b);
    s1 = _mm256_add_ps(s1, b);
    z1 = _mm256_add_epi32(z1, _mm256_castps_si256(_mm256_cmp_ps(b, zero, _CMP_EQ_OQ)));
  }
  if (k < rows) {
    const __m256 a = _mm256_loadu_ps(x + k * stride);
    mn0 = _mm256_min_ps(mn0, a);
    mx0 = _mm256_max_ps(mx0, a);
    s0 = _mm256_add_ps(s0, a);
    z0 = _mm256_add_epi32(z0, _mm256_castps_si256(_mm256_cmp_ps(a, zero, _CMP_EQ_OQ)));
  }
  alignas(32) float a[8], b[8];
  alignas(32) int32_t z[8];
  LaneStats r{};
  _mm256_store_ps(a, _mm256_min_ps(mn0, mn1));
  _mm256_store_ps(b, _mm256_max_ps(mx0, mx1));
  _mm256_storeu_ps(r.sum, _mm256_add_ps(s0, s1));
  _mm256_store_si256(reinterpret_cast<__m256i*>(z), _mm256_add_epi32(z0, z1));
  r.min = a[0];
  r.max = b[0];
  for (int j = 0; j < 8; ++j) {
    r.min = std::min(r.min, a[j]);
    r.max = std::max(r.max, b[j]);
    r.zeros += static_cast<uint64_t>(-static_cast<int64_t>(z[j]));
  }
  return r;
}

// The slow path for lanes holding NaN or Inf: skip them, count them.
LaneStats lanes_checked(const float* x, size_t rows, size_t stride, size_t lanes, uint64_t* bad) {
  LaneStats r{std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), {}, 0};
  for (size_t k = 0; k < rows; ++k)
    for (size_t j = 0; j < lanes; ++j) {
      const float v = x[k * stride + j];
      if (!std::isfinite(v)) {
        ++*bad;
        continue;
      }
      r.min = std::min(r.min, v);
      r.max = std::max(r.max, v);
      r.sum[j] += v;
      r.zeros += v == 0.f;
    }
  return r;
}

LaneStats lane_stats(const float* x, size_t rows, size_t stride, size_t lanes, uint64_t* bad) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  LaneStats r = avx2 && lanes == 8 && rows >= 1 ? lanes8_avx2(x, rows, stride) : lanes8_scalar(x, rows, stride, lanes);
  bool finite = std::isfinite(r.min) && std::isfinite(r.max);
  for (size_t j = 0; j < lanes; ++j) finite = finite && std::isfinite(r.sum[j]);
  if (!finite) r = lanes_checked(x, rows, stride, lanes, bad);
  return r;
}

// A stretch of a value: `rows` rows `stride` floats apart, of which the first `lanes` (at
// most 8) are data for channels first_channel, first_channel + 1, ...; or, when `plane`, one
// run of `lanes` values all of channel first_channel (a plane of a plain value).
struct Segment {
  const float* x;
  size_t rows, stride, lanes;
  int64_t first_channel;  // -1: no channel (rank < 2)
  bool plane;
};

std::vector<Segment> segments_of(const ValueView& v) {
  const float* x = static_cast<const float*>(v.data);
  const Shape& sh = v.shape;
  std::vector<Segment> segs;
  const int64_t n = shape_numel(sh);
  if (sh.size() < 2) {
    segs.push_back({x, 1, static_cast<size_t>(n), static_cast<size_t>(n), -1, true});
    return segs;
  }
  const int64_t N = sh[0], C = sh[1];
  const int64_t S = N * C > 0 ? n / (N * C) : 0;
  // Plain [N, C] (or [N, C, 1, 1]) reads as channels last: C lanes per row, not C runs of 1.
  const ValueView::Kind kind = v.kind == ValueView::Kind::kPlain && S == 1 ? ValueView::Kind::kChannelsLast : v.kind;
  switch (kind) {
    case ValueView::Kind::kPlain:
      for (int64_t b = 0; b < N; ++b)
        for (int64_t c = 0; c < C; ++c)
          segs.push_back({x + (b * C + c) * S, 1, static_cast<size_t>(S), static_cast<size_t>(S), c, true});
      break;
    case ValueView::Kind::kChannelBlocked: {
      const int64_t k = v.block, Cb = (C + k - 1) / k;
      for (int64_t b = 0; b < N; ++b)
        for (int64_t cb = 0; cb < Cb; ++cb)
          for (int64_t j = 0; j < k && cb * k + j < C; j += 8)
            segs.push_back({x + ((b * Cb + cb) * S) * k + j, static_cast<size_t>(S), static_cast<size_t>(k),
                            static_cast<size_t>(std::min<int64_t>(8, C - cb * k - j)), cb * k + j, false});
      break;
    }
    case ValueView::Kind::kChannelsLast:
      for (int64_t b = 0; b < N; ++b)
        for (int64_t j = 0; j < C; j += 8)
          segs.push_back({x + b * S * C + j, static_cast<size_t>(S), static_cast<size_t>(C),
                          static_cast<size_t>(std::min<int64_t>(8, C - j)), j, false});
      break;
  }
  return segs;
}

}  // namespace

void StatsCollector::observe(const std::string& name, const Tensor& t) {
  observe(name, ValueView{ValueView::Kind::kPlain, t.dtype(), t.shape(), t.data(), 0});
}

void StatsCollector::observe(const std::string& name, const ValueView& v) {
  const int64_t n = shape_numel(v.shape);
  if (v.dtype != DType::kF32 || n <= 0) return;
  TensorStats& s = stats_[name];
  const int64_t C = v.shape.size() >= 2 ? v.shape[1] : 1;
  const bool per_channel = v.shape.size() >= 2;
  if (per_channel && s.channel_sum.empty()) s.channel_sum.assign(static_cast<size_t>(C), 0.0);
  const bool channels_ok = per_channel && static_cast<int64_t>(s.channel_sum.size()) == C;
  const std::vector<Segment> segs = segments_of(v);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  uint64_t bad = 0, zeros = 0;
  for (const Segment& g : segs) {
    uint64_t seg_bad = 0;
    if (g.plane) {
      const PlaneStats p = plane_stats(g.x, g.lanes, &seg_bad);
      bad += seg_bad;
      if (seg_bad == g.lanes) continue;
      lo = std::min<double>(lo, p.min);
      hi = std::max<double>(hi, p.max);
      zeros += p.zeros;
      if (channels_ok && g.first_channel >= 0) s.channel_sum[static_cast<size_t>(g.first_channel)] += p.sum;
      continue;
    }
    const LaneStats r = lane_stats(g.x, g.rows, g.stride, g.lanes, &seg_bad);
    bad += seg_bad;
    if (seg_bad == g.rows * g.lanes) continue;
    lo = std::min<double>(lo, r.min);
    hi = std::max<double>(hi, r.max);
    zeros += r.zeros;
    if (channels_ok)
      for (size_t j = 0; j < g.lanes; ++j) s.channel_sum[static_cast<size_t>(g.first_channel) + j] += r.sum[j];
  }
  s.non_finite += bad;
  s.zeros += zeros;
  if (channels_ok) s.per_channel_count += static_cast<uint64_t>(n / C);
  const uint64_t good = static_cast<uint64_t>(n) - bad;
  if (good == 0) return;
  s.min = s.seen ? std::min(s.min, lo) : lo;
  s.max = s.seen ? std::max(s.max, hi) : hi;
  s.seen = true;
  s.count += good;
  if (!hist_) return;
  // The histogram does not care about order: whole buffers at once, except the padding
  // lanes of a last, partial channel block.
  s.hist.reserve(std::max(std::abs(lo), std::abs(hi)));
  const float* x = static_cast<const float*>(v.data);
  if (v.kind != ValueView::Kind::kChannelBlocked || C % v.block == 0) {
    s.hist.add_nonzero(x, static_cast<size_t>(n));
  } else {
    const int64_t k = v.block, Cb = (C + k - 1) / k, S = n / (v.shape[0] * C);
    for (int64_t b = 0; b < v.shape[0]; ++b)
      for (int64_t cb = 0; cb < Cb; ++cb) {
        const float* blk = x + (b * Cb + cb) * S * k;
        if (cb + 1 < Cb) {
          s.hist.add_nonzero(blk, static_cast<size_t>(S * k));
        } else {
          for (int64_t r = 0; r < S; ++r) s.hist.add_nonzero(blk + r * k, static_cast<size_t>(C - cb * k));
        }
      }
  }
  s.hist.add_zeros(zeros);
}

uint64_t StatsCollector::non_finite_total() const {
  uint64_t n = 0;
  for (const auto& [k, s] : stats_) n += s.non_finite;
  return n;
}

Status observe_in_batches(Session& session, const Shape& sample, size_t n, size_t batch,
                          const std::function<Status(size_t i, float* dst)>& fill, const std::vector<std::string>& watch,
                          StatsCollector& collector, const std::function<bool(size_t done)>& on_batch, double* infer_ms) {
  if (n == 0) return Status::ok();
  batch = std::max<size_t>(batch, 1);
  const int64_t per = shape_numel(sample);
  Shape shape{static_cast<int64_t>(std::min(batch, n))};
  shape.insert(shape.end(), sample.begin(), sample.end());
  Tensor x(DType::kF32, shape);
  float* data = x.data_as<float>();
  for (size_t k = 0; k < n; k += batch) {
    const int64_t nb = static_cast<int64_t>(std::min(batch, n - k));
    for (int64_t i = 0; i < nb; ++i) CALIBRA_TRY(fill(k + static_cast<size_t>(i), data + i * per));
    for (int64_t i = nb; i < shape[0]; ++i) std::copy_n(data + (i % nb) * per, per, data + i * per);
    const auto t0 = std::chrono::steady_clock::now();
    CALIBRA_ASSIGN_OR_RETURN(auto out, session.run_observed_views({x}, watch, [&](const std::string& name, const ValueView& v) {
      if (nb == shape[0] || v.shape.empty() || v.shape[0] != shape[0]) return collector.observe(name, v);
      ValueView real = v;
      real.shape[0] = nb;
      collector.observe(name, real);
    }));
    if (infer_ms) *infer_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (on_batch && !on_batch(k + static_cast<size_t>(nb))) return Status::cancelled("calibration cancelled");
  }
  return Status::ok();
}

}  // namespace calibra
