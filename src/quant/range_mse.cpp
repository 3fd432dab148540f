// mse: the clipping range that minimises the expected squared quantization error over the
// tensor's histogram (bin centres weighted by counts), searched over 200 shrink factors of
// the min/max range.
#include <cmath>

#include <limits>

#include "quant/range.h"

namespace calibra {

double quantization_mse(const Histogram& h, double lo, double hi, int levels) {
  if (h.bins().empty() || !(hi > lo)) return 0;
  const double step = (hi - lo) / static_cast<double>(levels);
  double err = 0, n = 0;
  for (int64_t i = 0; i < Histogram::kBins; ++i) {
    const uint64_t c = h.bins()[static_cast<size_t>(i)];
    if (!c) continue;
    const double x = h.bin_center(i);
    const double clipped = std::min(hi, std::max(lo, x));
    const double q = lo + std::nearbyint((clipped - lo) / step) * step;
    err += static_cast<double>(c) * (x - q) * (x - q);
    n += static_cast<double>(c);
  }
  return n > 0 ? err / n : 0;
}

Range range_mse(const TensorStats& s, const RangeRequest& r) {
  const Range full = range_minmax(s, r);
  if (s.hist.bins().empty() || !(full.hi > full.lo)) return Range{full.lo, full.hi, "mse"};
  double best = std::numeric_limits<double>::infinity();
  Range out{full.lo, full.hi, "mse"};
  for (int k = 0; k < 200; ++k) {
    const double f = 1.0 - 0.0045 * k;  // 1.0 .. 0.1
    const double lo = full.lo * f, hi = full.hi * f;
    const double e = quantization_mse(s.hist, lo, hi, r.levels);
    if (e < best) {
      best = e;
      out.lo = lo;
      out.hi = hi;
    }
  }
  return out;
}

}  // namespace calibra
