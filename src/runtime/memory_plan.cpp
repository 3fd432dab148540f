// The memory plan: every runtime value gets a buffer; views share their source's buffer;
// a step may write its output into an input's buffer when that input dies there (in-place
// eltwise, residual sums); buffers whose lifetimes do not overlap share arena bytes
// (greedy by size, lowest fitting offset, as TFLite's arena planner does).
#include <algorithm>
#include <numeric>

#include "runtime/plan.h"

namespace calibra {

namespace {
constexpr size_t kAlign = 64;
size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

void plan_memory(Plan& plan) {
  const int n_steps = static_cast<int>(plan.steps.size());
  const size_t nv = plan.values.size();
  // Each value lives inside a parent at an offset (views, concat parts, in-place outputs);
  // a root owns a buffer.
  std::vector<int> parent(nv, -1);
  std::vector<size_t> offset(nv, 0);
  auto root_of = [&](int v, size_t* off) {
    size_t o = 0;
    while (parent[static_cast<size_t>(v)] >= 0) {
      o += offset[static_cast<size_t>(v)];
      v = parent[static_cast<size_t>(v)];
    }
    if (off) *off = o;
    return v;
  };
  std::vector<int> def(nv, n_steps), last(nv, -1);
  for (int id : plan.inputs) def[static_cast<size_t>(id)] = -1;
  for (int s = 0; s < n_steps; ++s) {
    for (int v : plan.steps[static_cast<size_t>(s)].dst) def[static_cast<size_t>(v)] = std::min(def[static_cast<size_t>(v)], s);
    for (int v : plan.steps[static_cast<size_t>(s)].src)
      if (v >= 0) last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], s);
  }
  for (int id : plan.outputs) last[static_cast<size_t>(id)] = n_steps;
  for (size_t v = 0; v < nv; ++v)
    if (plan.values[v].alias_of >= 0) {
      parent[v] = plan.values[v].alias_of;
      offset[v] = plan.values[v].alias_offset;
    }
  // A concat result has no step of its own: it starts when its first part is written.
  // Views start with their source. (Values are created in order, sources first.)
  for (size_t v = 0; v < nv; ++v) {
    const int p = plan.values[v].alias_of;
    if (p >= 0 && def[v] < n_steps && def[static_cast<size_t>(p)] >= def[v]) def[static_cast<size_t>(p)] = def[v];
  }
  for (size_t v = 0; v < nv; ++v)
    if (plan.values[v].alias_of >= 0 && def[v] == n_steps) def[v] = def[static_cast<size_t>(plan.values[v].alias_of)];
  // Per root: the last step any member is read.
  std::vector<int> root_last(nv, -1);
  for (size_t v = 0; v < nv; ++v) {
    int r = root_of(static_cast<int>(v), nullptr);
    root_last[static_cast<size_t>(r)] = std::max(root_last[static_cast<size_t>(r)], last[v]);
  }
  std::vector<bool> is_input(nv, false);
  for (int id : plan.inputs) is_input[static_cast<size_t>(id)] = true;
  // In-place decisions, in step order: dst 0 takes the buffer of a source that dies here.
  for (int s = 0; s < n_steps; ++s) {
    PlanStep& st = plan.steps[static_cast<size_t>(s)];
    if (st.may_alias_src < 0 || st.dst.empty()) continue;
    int u = st.src[static_cast<size_t>(st.may_alias_src)];
    const int d = st.dst[0];
    if (u < 0 || parent[static_cast<size_t>(d)] >= 0) continue;  // d already lives somewhere (concat part)
    const PlanValue& uv = plan.values[static_cast<size_t>(u)];
    const int r = root_of(u, nullptr);
    if (uv.constant || is_input[static_cast<size_t>(r)]) continue;
    if (root_last[static_cast<size_t>(r)] > s) continue;  // someone reads it later
    bool shared = false;
    for (size_t k = 0; k < st.src.size(); ++k)
      if (static_cast<int>(k) != st.may_alias_src && st.src[k] >= 0 && root_of(st.src[k], nullptr) == r) shared = true;
    if (shared) continue;
    if (plan.values[static_cast<size_t>(d)].bytes > uv.bytes) continue;
    const int rd = root_of(d, nullptr);  // d's own group (views of d)
    parent[static_cast<size_t>(d)] = u;
    offset[static_cast<size_t>(d)] = 0;
    root_last[static_cast<size_t>(r)] = std::max(root_last[static_cast<size_t>(r)], root_last[static_cast<size_t>(rd)]);
  }
  // Per-root lifetimes and sizes.
  std::vector<int> first(nv, n_steps + 1), lastr(nv, -2);
  std::vector<size_t> bytes(nv, 0);
  std::vector<bool> runtime(nv, false);
  std::vector<size_t> value_off(nv, 0);
  std::vector<int> value_root(nv, -1);
  for (size_t v = 0; v < nv; ++v) {
    const PlanValue& pv = plan.values[v];
    if (pv.constant) continue;
    size_t off = 0;
    int r = root_of(static_cast<int>(v), &off);
    value_root[v] = r;
    value_off[v] = off;
    runtime[static_cast<size_t>(r)] = true;
    first[static_cast<size_t>(r)] = std::min(first[static_cast<size_t>(r)], def[v]);
    lastr[static_cast<size_t>(r)] = std::max(lastr[static_cast<size_t>(r)], std::max(last[v], def[v]));
    bytes[static_cast<size_t>(r)] = std::max(bytes[static_cast<size_t>(r)], off + pv.bytes);
  }
  std::vector<int> buffer_of(nv, -1);
  plan.buffers.clear();
  for (size_t r = 0; r < nv; ++r) {
    if (!runtime[r] || parent[r] >= 0) continue;
    PlanBuffer b;
    b.bytes = align_up(std::max<size_t>(bytes[r], 1));
    b.first = first[r];
    b.last = lastr[r];
    buffer_of[r] = static_cast<int>(plan.buffers.size());
    plan.buffers.push_back(b);
  }
  for (size_t v = 0; v < nv; ++v)
    if (!plan.values[v].constant) {
      plan.values[v].buffer = buffer_of[static_cast<size_t>(value_root[v])];
      plan.values[v].buffer_offset = value_off[v];
    }

  // Offsets: largest first, lowest offset that does not collide with a placed, overlapping buffer.
  std::vector<size_t> order(plan.buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return plan.buffers[a].bytes > plan.buffers[b].bytes; });
  std::vector<size_t> placed;
  size_t arena = 0;
  for (size_t i : order) {
    PlanBuffer& b = plan.buffers[i];
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const PlanBuffer& o = plan.buffers[j];
      if (o.last < b.first || b.last < o.first) continue;
      busy.emplace_back(o.offset, o.offset + o.bytes);
    }
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (const auto& [lo, hi] : busy) {
      if (off + b.bytes <= lo) break;
      off = std::max(off, hi);
    }
    b.offset = off;
    arena = std::max(arena, off + b.bytes);
    placed.push_back(i);
  }
  plan.arena_bytes = arena;
  // Lower bound for comparison: the largest simultaneously live set.
  size_t peak = 0;
  for (int s = -1; s <= n_steps; ++s) {
    size_t live = 0;
    for (const PlanBuffer& b : plan.buffers)
      if (b.first <= s && s <= b.last) live += b.bytes;
    peak = std::max(peak, live);
  }
  plan.live_peak_bytes = peak;
}

}  // namespace calibra
