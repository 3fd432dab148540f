// minmax: the observed range, nothing clipped.
#include <cmath>

#include "quant/range.h"

namespace calibra {

Range range_minmax(const TensorStats& s, const RangeRequest& r) {
  Range out;
  out.algorithm = "minmax";
  const double amax = std::max(std::abs(s.min), std::abs(s.max));
  switch (r.shape) {
    case RangeShape::kSymmetric: out.lo = -amax, out.hi = amax; break;
    case RangeShape::kUnsigned: out.lo = 0, out.hi = std::max(0.0, s.max); break;
    case RangeShape::kAsymmetric: out.lo = std::min(0.0, s.min), out.hi = std::max(0.0, s.max); break;
  }
  return out;
}

}  // namespace calibra
