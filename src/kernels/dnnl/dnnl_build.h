// The oneDNN adapter's contract with the planner.
//
// A oneDNN factory sees the node, its inputs (type, shape, plan-time value, current memory
// layout) and output shapes. It returns the kernel plus the layouts it needs: for each
// input the layout it must arrive in (the planner inserts reorders) or nullopt when the
// input was consumed at build time (weights packed once), and the layout of each output
// (blocked layouts such as nChw8c flow on to the next oneDNN op). A factory declines
// (kernel == nullptr) when oneDNN cannot do the job; the reference kernel then runs.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ops/op_def.h"

namespace calibra {

// Where a value's bytes are laid out: plain row-major, or a oneDNN memory descriptor.
struct Layout {
  bool plain = true;
  dnnl::memory::desc md;  // meaningful when !plain

  static Layout plain_layout() { return Layout{}; }
  // A oneDNN descriptor; normalised to plain when it is the dense row-major layout.
  static Layout from_md(const dnnl::memory::desc& md);
  bool operator==(const Layout& o) const { return plain == o.plain && (plain || md == o.md); }
  bool operator!=(const Layout& o) const { return !(*this == o); }
  size_t bytes(const Shape& s, DType t) const;
  std::string str() const;  // "plain", "aBcd8b", ...
};

// How convolutions lay out their activations in a plan. The session times both policies
// on the first input and keeps the faster plan (see runtime/session.cpp).
enum class ConvLayout {
  kAuto,     // oneDNN's own preference per layer (format_tag::any)
  kBlocked,  // channel-blocked (aBcd16b on AVX-512, aBcd8b on AVX2) everywhere it applies
};

struct DnnlBuildCtx {
  const Node& node;
  std::span<const ValueDesc> src;
  std::span<const Layout> src_layout;
  std::span<const ValueDesc> dst;
  const dnnl::engine& engine;
  ConvLayout conv_layout = ConvLayout::kAuto;
  bool deterministic = false;  // no timing-based kernel choices
};

struct DnnlKernelPlan {
  std::unique_ptr<Kernel> kernel;  // nullptr: declined
  std::vector<std::optional<Layout>> src_layouts;
  std::vector<Layout> dst_layouts;
  int may_alias_src = -1;  // dst 0 may reuse this input's buffer when the input dies here
  size_t scratchpad_bytes = 0;
  std::string precision = "FP32";
  std::string decline_reason;

  static DnnlKernelPlan decline(std::string why) {
    DnnlKernelPlan p;
    p.decline_reason = std::move(why);
    return p;
  }
};

}  // namespace calibra
