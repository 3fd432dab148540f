#include <limits>

#include "quant/statistics.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

namespace calibra {

void Histogram::grow() {
  // [-R, R) -> [-2R, 2R): old bins 2i, 2i+1 land in new bin kBins/4 + i.
  std::vector<uint64_t> merged(static_cast<size_t>(kBins), 0);
  for (int64_t i = 0; i < kBins; ++i) merged[static_cast<size_t>(kBins / 4 + i / 2)] += bins_[static_cast<size_t>(i)];
  bins_ = std::move(merged);
  range_ *= 2;
}

void Histogram::add(const float* x, size_t n, double abs_max) {
  if (bins_.empty()) {
    bins_.assign(static_cast<size_t>(kBins), 0);
    range_ = abs_max > 0 ? abs_max * (1 + 1e-6) : 1e-12;
  }
  while (abs_max >= range_) grow();
  const double inv = static_cast<double>(kBins) / (2 * range_);
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) continue;
    int64_t b = static_cast<int64_t>((static_cast<double>(v) + range_) * inv);
    b = b < 0 ? 0 : b >= kBins ? kBins - 1 : b;
    ++bins_[static_cast<size_t>(b)];
    ++total_;
  }
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

}  // namespace

void StatsCollector::observe(const std::string& name, const Tensor& t) {
  if (t.dtype() != DType::kF32 || t.numel() == 0) return;
  TensorStats& s = stats_[name];
  const float* x = t.data_as<float>();
  const int64_t n = t.numel();
  // Planes: (batch, channel) pairs along axis 1 for rank >= 2, else the whole tensor.
  const int64_t N = t.rank() >= 2 ? t.dim(0) : 1, C = t.rank() >= 2 ? t.dim(1) : 1;
  const int64_t inner = n / std::max<int64_t>(N * C, 1);
  const bool per_channel = t.rank() >= 2;
  if (per_channel && s.channel_sum.empty()) s.channel_sum.assign(static_cast<size_t>(C), 0.0);
  const bool channels_ok = per_channel && static_cast<int64_t>(s.channel_sum.size()) == C;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  uint64_t bad = 0, zeros = 0;
  for (int64_t b = 0; b < N; ++b)
    for (int64_t c = 0; c < C; ++c) {
      uint64_t plane_bad = 0;
      const PlaneStats p = plane_stats(x + (b * C + c) * inner, static_cast<size_t>(inner), &plane_bad);
      bad += plane_bad;
      if (plane_bad == static_cast<uint64_t>(inner)) continue;
      lo = std::min<double>(lo, p.min);
      hi = std::max<double>(hi, p.max);
      zeros += p.zeros;
      if (channels_ok) s.channel_sum[static_cast<size_t>(c)] += p.sum;
    }
  s.non_finite += bad;
  s.zeros += zeros;
  if (channels_ok) s.per_channel_count += static_cast<uint64_t>(N * inner);
  const uint64_t good = static_cast<uint64_t>(n) - bad;
  if (good == 0) return;
  s.min = s.seen ? std::min(s.min, lo) : lo;
  s.max = s.seen ? std::max(s.max, hi) : hi;
  s.seen = true;
  s.count += good;
  if (hist_) s.hist.add(x, static_cast<size_t>(n), std::max(std::abs(lo), std::abs(hi)));
}

uint64_t StatsCollector::non_finite_total() const {
  uint64_t n = 0;
  for (const auto& [k, s] : stats_) n += s.non_finite;
  return n;
}

}  // namespace calibra
