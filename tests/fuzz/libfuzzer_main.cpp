// The libFuzzer entry points of fuzz_<name> (built with -DCALIBRA_FUZZ=ON; CALIBRA_FUZZ_NS
// names the harness's namespace).
#include "harness.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  calibra::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return calibra::fuzz::CALIBRA_FUZZ_NS::fuzz_one(data, size);
}
