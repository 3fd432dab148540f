#include "core/timing.h"

#include <algorithm>
#include <chrono>

namespace calibra {

Result<AlternatingTimes> time_alternating(const std::function<Status()>& a, const std::function<Status()>& b,
                                          int rounds, int warmup) {
  AlternatingTimes t;
  for (int r = 0; r < rounds; ++r)
    for (auto [run, out] : {std::pair{&a, &t.a}, std::pair{&b, &t.b}}) {
      const auto t0 = std::chrono::steady_clock::now();
      CALIBRA_TRY((*run)());
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (r >= warmup) out->push_back(ms);
    }
  return t;
}

double min_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace calibra
