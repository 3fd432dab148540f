// What the CPU (as oneDNN sees it, honouring ONEDNN_MAX_CPU_ISA) can do.
#pragma once

#include <string>

namespace calibra {

// AVX-512 (core) kernels are available.
bool cpu_has_avx512();
// VNNI dot-product instructions (AVX512-VNNI or AVX-VNNI): int8 u8 x s8 products
// accumulate without 16-bit saturation. Without VNNI, oneDNN's int8 kernels saturate
// u8 x s8 pair sums at 16 bits (weights must stay within +-63) and halve weights for
// signed (s8) sources (so sources should be u8).
bool cpu_has_vnni();
// oneDNN's name for the effective ISA ("avx512_core_vnni", "avx2", ...).
std::string cpu_isa_name();

}  // namespace calibra
