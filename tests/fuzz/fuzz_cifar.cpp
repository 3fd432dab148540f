// A CIFAR-10/100 binary batch (gzipped or plain), opened as a file.
#include "calibra/dataset.h"
#include "harness.h"

namespace calibra::fuzz::cifar {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string path = write_scratch("test_batch.bin", data, size);
  auto d = open_dataset("cifar:" + path);
  if (!d.is_ok()) {
    check_status(d.status(), "open_dataset(cifar)");
    return 0;
  }
  const DatasetInfo& info = (*d)->info();
  if (info.size == 0) fuzz_fail("a CIFAR dataset without samples was accepted");
  for (size_t i : {size_t{0}, info.size - 1, info.size}) {
    auto s = (*d)->get(i);
    if (i >= info.size) {
      if (s.is_ok()) fuzz_fail("get() past the end succeeded");
      continue;
    }
    if (!s.is_ok()) fuzz_fail("get() failed on an opened CIFAR dataset: " + s.status().message());
    if (s->image.pixels.size() != 32 * 32 * 3) fuzz_fail("CIFAR sample of the wrong size");
    if (s->label < 0 || s->label >= info.num_classes) fuzz_fail("CIFAR label out of range");
  }
  return 0;
}

}  // namespace calibra::fuzz::cifar
