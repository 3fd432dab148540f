// Calibration statistics, collected in one pass over the calibration subset with bounded
// memory (no activation is kept): per tensor min, max, a histogram, and per-channel sums
// (channel = axis 1) for bias correction. NaN and Inf values are skipped and counted.
//
// The histogram covers [-R, R) with kBins bins. R starts at the first batch's largest |x|
// and doubles when a later batch exceeds it; doubling merges bin pairs into the middle half
// exactly, so the result does not depend on how the data was batched beyond that growth.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "calibra/session.h"
#include "calibra/tensor.h"

namespace calibra {

class Histogram {
 public:
  static constexpr int64_t kBins = 8192;
  // Adds the finite values of x[0..n) after making room for |x| up to abs_max.
  void add(const float* x, size_t n, double abs_max);
  // The same in pieces, for data in several runs: make room once, then add the finite
  // non-zero values of each run, and the zeros (all in one bin) by count.
  void reserve(double abs_max);
  void add_nonzero(const float* x, size_t n);
  void add_zeros(uint64_t count);
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
  // A value as the plan keeps it (plain, channel-blocked or channels-last): no copy.
  void observe(const std::string& name, const ValueView& v);
  const std::map<std::string, TensorStats>& stats() const { return stats_; }
  uint64_t non_finite_total() const;

 private:
  bool hist_;
  std::map<std::string, TensorStats> stats_;
};

// Runs `session` (a model with one input) over samples 0..n-1 in batches of `batch` and
// feeds every value named in `watch` to `collector` where the plan keeps it (no copies to
// plain layout). `fill(i, dst)` writes sample i (shape `sample`, without the batch axis).
// A last, partial batch is padded to `batch` with repeats of its own samples, so that it
// runs on the same plan (a second plan costs as much as dozens of samples of a small
// model); only its real samples are observed (values whose first axis is the batch's).
// `on_batch(done)` after each batch: false cancels. Inference time goes to *infer_ms.
Status observe_in_batches(Session& session, const Shape& sample, size_t n, size_t batch,
                          const std::function<Status(size_t i, float* dst)>& fill, const std::vector<std::string>& watch,
                          StatsCollector& collector, const std::function<bool(size_t done)>& on_batch, double* infer_ms);

}  // namespace calibra
