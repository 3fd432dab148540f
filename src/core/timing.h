// Side-by-side timing for measured choices: two candidates run alternately, so that a burst
// of load on the machine lands on both rather than on one.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "calibra/status.h"

namespace calibra {

struct AlternatingTimes {
  std::vector<double> a, b;  // milliseconds per run, warm-up rounds left out
};

// Runs `a` then `b`, `rounds` times; the first `warmup` rounds are not recorded. Stops at
// the first error either returns.
Result<AlternatingTimes> time_alternating(const std::function<Status()>& a, const std::function<Status()>& b,
                                          int rounds, int warmup);

double min_of(const std::vector<double>& v);
double median_of(std::vector<double> v);  // the upper median for an even count

}  // namespace calibra
