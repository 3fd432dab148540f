// percentile: clip at the p-th percentile of |x| (symmetric), of x (unsigned), or at the
// (100-p)-th and p-th percentiles (asymmetric). Never wider than min/max.
#include <cmath>

#include "quant/range.h"

namespace calibra {

double histogram_quantile(const std::vector<uint64_t>& bins, double bin_width, double origin, double frac) {
  uint64_t total = 0;
  for (uint64_t b : bins) total += b;
  if (total == 0) return origin;
  const double target = frac * static_cast<double>(total);
  double acc = 0;
  for (size_t i = 0; i < bins.size(); ++i) {
    const double next = acc + static_cast<double>(bins[i]);
    if (next >= target && bins[i] > 0) {
      const double within = (target - acc) / static_cast<double>(bins[i]);  // linear inside the bin
      return origin + (static_cast<double>(i) + within) * bin_width;
    }
    acc = next;
  }
  return origin + static_cast<double>(bins.size()) * bin_width;
}

Range range_percentile(const TensorStats& s, const RangeRequest& r) {
  Range out;
  out.algorithm = "percentile";
  const Histogram& h = s.hist;
  if (h.bins().empty()) return range_minmax(s, r);
  const double p = r.percentile / 100.0;
  switch (r.shape) {
    case RangeShape::kSymmetric: {
      const double t = std::min(histogram_quantile(h.folded(), h.bin_width(), 0.0, p), std::max(std::abs(s.min), std::abs(s.max)));
      out.lo = -t, out.hi = t;
      break;
    }
    case RangeShape::kUnsigned:
      out.lo = 0;
      out.hi = std::min(std::max(0.0, histogram_quantile(h.bins(), h.bin_width(), -h.range(), p)), s.max);
      break;
    case RangeShape::kAsymmetric:
      out.lo = std::min(0.0, std::max(s.min, histogram_quantile(h.bins(), h.bin_width(), -h.range(), 1 - p)));
      out.hi = std::max(0.0, std::min(s.max, histogram_quantile(h.bins(), h.bin_width(), -h.range(), p)));
      break;
  }
  return out;
}

}  // namespace calibra
