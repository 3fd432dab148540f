// Kernel: one executable step of a plan (a reference loop, a oneDNN primitive, a reorder).
//
// Kernels are built once per plan with fully known shapes, dtypes and layouts, and run many
// times, possibly from several execution contexts (streams) at once: run() must not mutate
// the kernel. Per-context state (e.g. oneDNN memory objects bound to that context's arena)
// lives in ExecCtx::state, created lazily by the kernel on its first run in that context.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calibra/status.h"

namespace dnnl {
struct stream;
}

namespace calibra {

struct KernelState {
  virtual ~KernelState() = default;
};

struct ExecCtx {
  void* const* src = nullptr;  // one pointer per node input (nullptr for absent optionals)
  size_t n_src = 0;
  void* const* dst = nullptr;
  size_t n_dst = 0;
  std::unique_ptr<KernelState>* state = nullptr;  // this kernel's state in this context
  dnnl::stream* stream = nullptr;                 // the context's oneDNN stream
  void* scratchpad = nullptr;                     // the context's oneDNN scratchpad

  template <typename T>
  const T* in(size_t i) const { return static_cast<const T*>(src[i]); }
  template <typename T>
  T* out(size_t i) const { return static_cast<T*>(dst[i]); }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual Status run(ExecCtx& ctx) const = 0;
  // Implementation name for profiles: "ref", or oneDNN's impl_info_str() ("jit:avx2").
  virtual std::string impl() const { return "ref"; }
};

// A kernel from a lambda; what most reference kernels are.
class FnKernel final : public Kernel {
 public:
  using Fn = std::function<Status(ExecCtx&)>;
  explicit FnKernel(Fn fn, std::string impl = "ref") : fn_(std::move(fn)), impl_(std::move(impl)) {}
  Status run(ExecCtx& ctx) const override { return fn_(ctx); }
  std::string impl() const override { return impl_; }

 private:
  Fn fn_;
  std::string impl_;
};

inline std::unique_ptr<Kernel> make_fn_kernel(FnKernel::Fn fn) {
  return std::make_unique<FnKernel>(std::move(fn));
}

}  // namespace calibra
