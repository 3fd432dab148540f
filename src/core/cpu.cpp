#include "core/cpu.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace calibra {

bool cpu_has_avx512() {
  using I = dnnl::cpu_isa;
  const I i = dnnl::get_effective_cpu_isa();
  return i == I::avx512_core || i == I::avx512_core_vnni || i == I::avx512_core_bf16 || i == I::avx512_core_amx;
}

bool cpu_has_vnni() {
  using I = dnnl::cpu_isa;
  const I i = dnnl::get_effective_cpu_isa();
  return i == I::avx2_vnni || i == I::avx512_core_vnni || i == I::avx512_core_bf16 || i == I::avx512_core_amx;
}

std::string cpu_isa_name() {
  using I = dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case I::sse41: return "sse41";
    case I::avx: return "avx";
    case I::avx2: return "avx2";
    case I::avx2_vnni: return "avx2_vnni";
    case I::avx512_core: return "avx512_core";
    case I::avx512_core_vnni: return "avx512_core_vnni";
    case I::avx512_core_bf16: return "avx512_core_bf16";
    case I::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

}  // namespace calibra
