// Calibration statistics, collected in one pass over the calibration subset with bounded
// memory (no activation is kept): per tensor min, max, a histogram, and per-channel sums
// (channel = axis 1) for bias correction. NaN and Inf values are skipped and counted.
//
// The histogram covers [-R, R) with kBins bins. R starts at the first batch's largest |x|
// and doubles when a later batch exceeds it; doubling merges bin pairs into the middle half
// exactly, so the result does not depend on how the data was batched beyond that growth.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "calibra/tensor.h"

namespace calibra {

class Histogram {
 public:
  static constexpr int64_t kBins = 8192;
  void add(const float* x, size_t n, double abs_max);
  double range() const { return range_; }  // R
  double bin_width() const { return 2 * range_ / static_cast<double>(kBins); }
  double bin_center(int64_t i) const { return -range_ + (static_cast<double>(i) + 0.5) * bin_width(); }
  const std::vector<uint64_t>& bins() const { return bins_; }
  uint64_t total() const { return total_; }
  // |x| histogram: kBins/2 bins over [0, R).
  std::vector<uint64_t> folded() const;

 private:
  void grow();
  double range_ = 0;
  std::vector<uint64_t> bins_;
  uint64_t total_ = 0;
};

struct TensorStats {
  double min = 0, max = 0;
  bool seen = false;
  uint64_t count = 0;        // finite values seen
  uint64_t non_finite = 0;   // NaN/Inf skipped
  uint64_t zeros = 0;        // exact zeros (ReLU's), representable at any scale
  Histogram hist;
  std::vector<double> channel_sum;  // per axis-1 channel (rank >= 2)
  uint64_t per_channel_count = 0;   // values per channel summed
  std::vector<double> channel_mean() const;
};

class StatsCollector {
 public:
  // `with_histograms`: min/max only when false (cheaper; minmax needs no histogram).
  explicit StatsCollector(bool with_histograms) : hist_(with_histograms) {}
  void observe(const std::string& name, const Tensor& t);
  const std::map<std::string, TensorStats>& stats() const { return stats_; }
  uint64_t non_finite_total() const;

 private:
  bool hist_;
  std::map<std::string, TensorStats> stats_;
};

}  // namespace calibra
