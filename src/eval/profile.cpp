#include "calibra/profile.h"

#include <algorithm>
#include <chrono>

namespace calibra {

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
}  // namespace

Result<ModelProfile> profile_model(std::shared_ptr<const Model> model, const std::vector<Tensor>& inputs,
                                   const SessionOptions& opts, int runs) {
  if (runs < 1) return Status::invalid_argument("profile runs must be at least 1");
  CALIBRA_ASSIGN_OR_RETURN(auto s, Session::create(model, opts));
  for (int i = 0; i < 3; ++i) CALIBRA_TRY(s->run(inputs).status());
  // Profiled and plain runs alternate, so the profiling overhead is measured under the same
  // machine conditions.
  std::vector<RunProfile> profiles(static_cast<size_t>(runs));
  std::vector<double> plain, profiled;
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point a) { return std::chrono::duration<double, std::milli>(clock::now() - a).count(); };
  for (auto& p : profiles) {
    auto a = clock::now();
    CALIBRA_TRY(s->run_profiled(inputs, &p).status());
    profiled.push_back(ms_since(a));
    a = clock::now();
    CALIBRA_TRY(s->run(inputs).status());
    plain.push_back(ms_since(a));
  }
  ModelProfile mp;
  mp.runs = runs;
  std::vector<double> totals;
  for (const auto& p : profiles) totals.push_back(p.total_ms);
  mp.total_ms = median(totals);
  mp.unprofiled_ms = median(plain);
  mp.overhead = mp.unprofiled_ms > 0 ? median(profiled) / mp.unprofiled_ms - 1 : 0;
  const size_t n = profiles[0].layers.size();
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> v;
    for (const auto& p : profiles) v.push_back(p.layers[i].ms);
    ProfileRow r;
    r.layer = profiles[0].layers[i];
    r.layer.ms = median(v);
    mp.layers_ms += r.layer.ms;
    mp.by_precision[r.layer.precision] += r.layer.ms;
    mp.by_op[r.layer.op_type] += r.layer.ms;
    if (r.layer.op_type != "Reorder") mp.layers_by_precision[r.layer.precision]++;
    mp.rows.push_back(std::move(r));
  }
  for (auto& r : mp.rows) r.share = mp.total_ms > 0 ? r.layer.ms / mp.total_ms : 0;
  return mp;
}

}  // namespace calibra
