#include <limits>

#include "quant/statistics.h"

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

void StatsCollector::observe(const std::string& name, const Tensor& t) {
  if (t.dtype() != DType::kF32 || t.numel() == 0) return;
  TensorStats& s = stats_[name];
  const float* x = t.data_as<float>();
  const int64_t n = t.numel();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  uint64_t bad = 0, zeros = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) {
      ++bad;
      continue;
    }
    zeros += v == 0.f;
    lo = std::min<double>(lo, v);
    hi = std::max<double>(hi, v);
  }
  s.non_finite += bad;
  s.zeros += zeros;
  const uint64_t good = static_cast<uint64_t>(n) - bad;
  if (good == 0) return;
  s.min = s.seen ? std::min(s.min, lo) : lo;
  s.max = s.seen ? std::max(s.max, hi) : hi;
  s.seen = true;
  s.count += good;
  if (hist_) s.hist.add(x, static_cast<size_t>(n), std::max(std::abs(lo), std::abs(hi)));
  // Per-channel sums along axis 1 (N, C, ...).
  if (t.rank() >= 2) {
    const int64_t N = t.dim(0), C = t.dim(1), inner = n / std::max<int64_t>(N * C, 1);
    if (s.channel_sum.empty()) s.channel_sum.assign(static_cast<size_t>(C), 0.0);
    if (static_cast<int64_t>(s.channel_sum.size()) == C) {
      for (int64_t b = 0; b < N; ++b)
        for (int64_t c = 0; c < C; ++c) {
          double acc = 0;
          const float* p = x + (b * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i)
            if (std::isfinite(p[i])) acc += p[i];
          s.channel_sum[static_cast<size_t>(c)] += acc;
        }
      s.per_channel_count += static_cast<uint64_t>(N * inner);
    }
  }
}

uint64_t StatsCollector::non_finite_total() const {
  uint64_t n = 0;
  for (const auto& [k, s] : stats_) n += s.non_finite;
  return n;
}

}  // namespace calibra
