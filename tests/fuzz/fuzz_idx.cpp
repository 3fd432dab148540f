// IDX images and labels files (MNIST, Fashion-MNIST), gzipped or plain. The input is
// [2 bytes: little-endian length L of the images file][L bytes: images][rest: labels file,
// absent when empty].
#include "calibra/dataset.h"
#include "harness.h"

namespace calibra::fuzz::idx {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  if (size < 2) return 0;
  const size_t len = std::min<size_t>(size - 2, static_cast<size_t>(data[0]) | (static_cast<size_t>(data[1]) << 8));
  const std::string images = write_scratch("f-images-idx3-ubyte", data + 2, len);
  std::string spec = "idx:" + images;
  if (size - 2 - len > 0) spec += "," + write_scratch("f-labels-idx1-ubyte", data + 2 + len, size - 2 - len);
  DatasetOptions o;
  o.max_image_pixels = int64_t{1} << 16;
  auto d = open_dataset(spec, o);
  if (!d.is_ok()) {
    check_status(d.status(), "open_dataset(idx)");
    return 0;
  }
  const DatasetInfo& info = (*d)->info();
  if (info.size == 0) fuzz_fail("an IDX dataset without samples was accepted");
  for (size_t i : {size_t{0}, info.size / 2, info.size - 1, info.size}) {
    auto s = (*d)->get(i);
    if (i >= info.size) {
      if (s.is_ok()) fuzz_fail("get() past the end succeeded");
      continue;
    }
    if (!s.is_ok()) fuzz_fail("get(" + std::to_string(i) + ") failed on an opened IDX dataset: " + s.status().message());
    if (s->image.pixels.size() != static_cast<size_t>(info.height * info.width)) fuzz_fail("IDX sample of the wrong size");
    const int64_t label = (*d)->label_of(i);
    if (info.annotated && (label < 0 || label >= info.num_classes)) fuzz_fail("IDX label out of the dataset's class range");
  }
  return 0;
}

}  // namespace calibra::fuzz::idx
