// Range algorithms by name, and `auto`: each algorithm's range, scored by its expected
// quantization error on the tensor's histogram; the lowest wins (ties: the earlier one).
#include <limits>

#include "quant/range.h"

namespace calibra {

const std::vector<std::string>& range_algorithms() {
  static const std::vector<std::string> k = {"minmax", "percentile", "kl", "mse", "auto"};
  return k;
}

Result<Range> compute_range(const std::string& algorithm, const TensorStats& s, const RangeRequest& r) {
  if (algorithm == "minmax") return range_minmax(s, r);
  if (algorithm == "percentile") return range_percentile(s, r);
  if (algorithm == "kl") return range_kl(s, r);
  if (algorithm == "mse") return range_mse(s, r);
  if (algorithm == "auto") {
    Range best;
    double best_err = std::numeric_limits<double>::infinity();
    for (auto* f : {&range_minmax, &range_percentile, &range_kl, &range_mse}) {
      Range c = f(s, r);
      const double e = quantization_mse(s.hist, c.lo, c.hi, r.levels);
      if (e < best_err) {
        best_err = e;
        best = c;
      }
    }
    best.algorithm = "auto:" + best.algorithm;
    return best;
  }
  return Status::invalid_argument("unknown range algorithm '" + algorithm + "' (minmax, percentile, kl, mse, auto)");
}

}  // namespace calibra
