// kl: TensorRT's entropy calibration. On the |x| histogram (kBins/2 bins, far more than the
// 128-bin variant whose coarse grid misplaces thresholds), for each candidate threshold bin
// i: P = the first i bins with everything beyond added to bin i-1; Q = those i bins merged
// into `q` equal groups and spread back over the non-empty bins of each group; choose the i
// minimising KL(P || Q). q = 128 for a signed range (0..127 per side), 256 for unsigned.
// Exact zeros (ReLU's spike, often most of a tensor) are left out: zero is representable at
// every scale, and their mass in the first group would otherwise dominate the divergence
// and pull the threshold far into the distribution.
#include <cmath>

#include <limits>

#include "quant/range.h"

namespace calibra {

namespace {

double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double ps = 0, qs = 0;
  for (double v : p) ps += v;
  for (double v : q) qs += v;
  if (ps <= 0 || qs <= 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    const double pi = p[i] / ps, qi = q[i] / qs;
    if (qi <= 0) return std::numeric_limits<double>::infinity();
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

}  // namespace

Range range_kl(const TensorStats& s, const RangeRequest& r) {
  const Histogram& h = s.hist;
  if (h.bins().empty()) return range_minmax(s, r);
  std::vector<uint64_t> abs = h.folded();
  if (!abs.empty()) abs[0] -= std::min<uint64_t>(abs[0], s.zeros);
  const double width = h.bin_width();
  const double amax = r.shape == RangeShape::kUnsigned ? std::max(0.0, s.max) : std::max(std::abs(s.min), std::abs(s.max));
  const int64_t last = std::min<int64_t>(static_cast<int64_t>(abs.size()), static_cast<int64_t>(std::ceil(amax / width)) + 1);
  const int64_t q = r.shape == RangeShape::kUnsigned ? 256 : 128;
  Range out;
  out.algorithm = "kl";
  if (last <= q) return range_minmax(s, r);  // fewer occupied bins than levels: nothing to clip
  double best = std::numeric_limits<double>::infinity();
  int64_t best_i = last;
  // Candidate thresholds: every bin from q up, thinned to about 600 candidates.
  const int64_t stride = std::max<int64_t>(1, (last - q) / 600);
  for (int64_t i = q; i <= last; i += stride) {
    std::vector<double> p(static_cast<size_t>(i));
    for (int64_t k = 0; k < i; ++k) p[static_cast<size_t>(k)] = static_cast<double>(abs[static_cast<size_t>(k)]);
    double outliers = 0;
    for (size_t k = static_cast<size_t>(i); k < abs.size(); ++k) outliers += static_cast<double>(abs[k]);
    std::vector<double> ref = p;
    ref[static_cast<size_t>(i - 1)] += outliers;
    std::vector<double> qd(static_cast<size_t>(i), 0.0);
    const double per = static_cast<double>(i) / static_cast<double>(q);
    for (int64_t g = 0; g < q; ++g) {
      const int64_t a = static_cast<int64_t>(std::floor(static_cast<double>(g) * per));
      const int64_t b = g == q - 1 ? i : static_cast<int64_t>(std::floor(static_cast<double>(g + 1) * per));
      double sum = 0;
      int64_t nonzero = 0;
      for (int64_t k = a; k < b; ++k) {
        sum += p[static_cast<size_t>(k)];
        nonzero += p[static_cast<size_t>(k)] > 0;
      }
      if (nonzero == 0) continue;
      for (int64_t k = a; k < b; ++k)
        if (p[static_cast<size_t>(k)] > 0) qd[static_cast<size_t>(k)] = sum / static_cast<double>(nonzero);
    }
    const double kl = kl_divergence(ref, qd);
    if (kl < best) {
      best = kl;
      best_i = i;
    }
  }
  const double t = std::min(amax, static_cast<double>(best_i) * width);
  switch (r.shape) {
    case RangeShape::kSymmetric: out.lo = -t, out.hi = t; break;
    case RangeShape::kUnsigned: out.lo = 0, out.hi = t; break;
    case RangeShape::kAsymmetric: out.lo = std::max(std::min(0.0, s.min), -t), out.hi = std::min(std::max(0.0, s.max), t); break;
  }
  return out;
}

}  // namespace calibra
