// Shared pieces of the oneDNN adapter: the CPU engine, type/shape conversion, activation
// mapping, and PrimitiveKernel (a primitive plus how to bind its arguments per context).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <optional>
#include <string>
#include <vector>

#include "kernels/dnnl/dnnl_build.h"

namespace calibra::dnnl_k {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

const dnnl::engine& cpu_engine();

std::optional<dt> to_dnnl(DType t);
memory::dims to_dims(const Shape& s);
// Dense row-major descriptor (rank 1..12; a scalar becomes [1]).
memory::desc plain_md(const Shape& s, DType t);
memory::desc plain_md(const memory::dims& d, dt type);
// The descriptor a value currently has: its oneDNN layout, or plain.
memory::desc current_md(const ValueDesc& v, const Layout& l);

// The format tag that describes `md` (for activation layouts: plain, channels-last,
// channel-blocked by 4/8/16), so a tensor of other dims can take the same layout.
std::optional<tag> tag_of(const memory::desc& md);

// Appends the oneDNN post-op(s) for an activation; false when oneDNN has no equivalent.
bool append_activation(dnnl::post_ops& ops, const Activation& a);
// Builds the post-ops of a fused node (activations and the residual sum).
bool build_post_ops(const Node& n, dnnl::post_ops& ops);
// A primitive_attr with user scratchpad and the node's post-ops; false when unsupported.
bool make_attr(const Node& n, dnnl::primitive_attr& attr);

// A copy of `src` (plain, a constant) in the layout `md`, reordered once at build time.
dnnl::memory pack_constant(const Tensor& src, const memory::desc& src_md, const memory::desc& md);

// How one primitive argument is bound when the kernel runs.
struct ArgSpec {
  int arg = 0;  // DNNL_ARG_*
  enum class From { kSrc, kDst, kFixed } from = From::kSrc;
  int index = -1;         // input/output index for kSrc/kDst
  memory::desc md;        // the layout the primitive reads/writes
  dnnl::memory fixed;     // kFixed: e.g. weights packed at build time
  // kSrc only: the input arrives in this layout and is reordered into `md` on every run
  // (weights that are graph inputs rather than initializers).
  std::optional<memory::desc> reorder_from;
};

class PrimitiveKernel : public Kernel {
 public:
  PrimitiveKernel(dnnl::primitive prim, std::vector<ArgSpec> args, std::string impl,
                  std::optional<memory::desc> scratch_md);
  Status run(ExecCtx& ctx) const override;
  std::string impl() const override { return impl_; }

 protected:
  // Runs before the primitive each time (e.g. copying a residual into dst for a sum post-op).
  virtual void before(ExecCtx& ctx) const {}

 private:
  struct State;
  dnnl::primitive prim_;
  std::vector<ArgSpec> args_;
  std::string impl_;
  std::optional<memory::desc> scratch_md_;
  std::vector<std::optional<dnnl::reorder>> reorders_;  // per arg with reorder_from
};

// A primitive with a fused sum post-op whose residual input must be in dst first.
class SumPostOpKernel final : public PrimitiveKernel {
 public:
  SumPostOpKernel(dnnl::primitive prim, std::vector<ArgSpec> args, std::string impl,
                  std::optional<memory::desc> scratch_md, int residual_src, size_t dst_bytes)
      : PrimitiveKernel(std::move(prim), std::move(args), std::move(impl), std::move(scratch_md)),
        residual_src_(residual_src), dst_bytes_(dst_bytes) {}

 protected:
  void before(ExecCtx& ctx) const override;

 private:
  int residual_src_;
  size_t dst_bytes_;
};

// Index of the node input fused as a residual sum, or -1.
int residual_input(const Node& n);

// Plan skeleton: inputs not read at run time unless set, outputs plain.
DnnlKernelPlan make_plan(const DnnlBuildCtx& c);

// Median-free quick timing of a primitive on scratch buffers (min over `runs` after one
// warm-up), in ms. Used to choose between implementations at plan time.
double time_primitive(const dnnl::primitive_desc& pd, const dnnl::primitive& prim, int runs = 3);

// Scratchpad bytes of a primitive descriptor.
size_t scratchpad_bytes(const dnnl::primitive_desc_base& pd);

}  // namespace calibra::dnnl_k

namespace calibra::dnnl_k {

// Collects a primitive's argument bindings; finish() makes the kernel and fills the
// plan's scratchpad size.
class KernelBuilder {
 public:
  KernelBuilder& src(int arg, int index, const memory::desc& md) {
    ArgSpec a;
    a.arg = arg;
    a.index = index;
    a.md = md;
    args_.push_back(a);
    return *this;
  }
  KernelBuilder& dst(int arg, int index, const memory::desc& md) {
    ArgSpec a;
    a.arg = arg;
    a.from = ArgSpec::From::kDst;
    a.index = index;
    a.md = md;
    args_.push_back(a);
    return *this;
  }
  KernelBuilder& fixed(int arg, const dnnl::memory& m) {
    ArgSpec a;
    a.arg = arg;
    a.from = ArgSpec::From::kFixed;
    a.md = m.get_desc();
    a.fixed = m;
    args_.push_back(a);
    return *this;
  }
  void finish(DnnlKernelPlan& plan, const dnnl::primitive_desc_base& pd, const dnnl::primitive& prim) {
    plan.scratchpad_bytes = scratchpad_bytes(pd);
    auto scratch = plan.scratchpad_bytes ? std::optional<memory::desc>(pd.scratchpad_desc()) : std::nullopt;
    plan.kernel = std::make_unique<PrimitiveKernel>(prim, std::move(args_), pd.impl_info_str(), scratch);
  }

 private:
  std::vector<ArgSpec> args_;
};

inline dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

}  // namespace calibra::dnnl_k
