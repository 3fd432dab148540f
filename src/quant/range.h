// Range algorithms: statistics -> the range [lo, hi] a tensor is quantized over.
// One file each (range_minmax.cpp, range_percentile.cpp, range_kl.cpp, range_mse.cpp);
// `auto` (range.cpp) evaluates each on the tensor's histogram and keeps the lowest error.
//
// Shape of the range: kSymmetric [-T, T] (signed, zero point at the middle), kUnsigned
// [0, T] (non-negative tensors, e.g. after ReLU), kAsymmetric [lo, hi] (mixed preset).
// `levels` is the number of quantization steps over the range (255 for 8 bits).
#pragma once

#include <string>
#include <vector>

#include "calibra/status.h"
#include "quant/statistics.h"

namespace calibra {

enum class RangeShape { kSymmetric, kUnsigned, kAsymmetric };

struct RangeRequest {
  RangeShape shape = RangeShape::kSymmetric;
  int levels = 255;
  double percentile = 99.99;  // for "percentile"
};

struct Range {
  double lo = 0, hi = 0;
  std::string algorithm;  // which one produced it ("kl", "mse", ...; for auto: the winner)
};

Range range_minmax(const TensorStats& s, const RangeRequest& r);
Range range_percentile(const TensorStats& s, const RangeRequest& r);
Range range_kl(const TensorStats& s, const RangeRequest& r);
Range range_mse(const TensorStats& s, const RangeRequest& r);

// Expected squared error of quantizing the histogram's data over [lo, hi] with `levels` steps.
double quantization_mse(const Histogram& h, double lo, double hi, int levels);

// By name: minmax | percentile | kl | mse | auto.
Result<Range> compute_range(const std::string& algorithm, const TensorStats& s, const RangeRequest& r);
const std::vector<std::string>& range_algorithms();

// A histogram's threshold T such that the fraction `frac` of |x| (or x) lies below it.
double histogram_quantile(const std::vector<uint64_t>& bins, double bin_width, double origin, double frac);

}  // namespace calibra
