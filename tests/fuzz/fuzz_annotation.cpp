// The annotation file (val.txt: `relative/file label` per line) of an image folder dataset.
// The folder holds three small images (a.png, b.jpg, sub/c.png) and, when the input's first
// byte is odd, a labels.txt naming 3 classes; the rest of the input is val.txt.
#include <filesystem>
#include <fstream>

#include "calibra/dataset.h"
#include "data/image_io.h"
#include "harness.h"

namespace calibra::fuzz::annotation {

namespace fs = std::filesystem;

namespace {

const std::string& dataset_dir() {
  static const std::string dir = [] {
    const std::string d = fresh_scratch_dir("annotated");
    Image img;
    img.height = 4;
    img.width = 5;
    img.channels = 3;
    for (int i = 0; i < 4 * 5 * 3; ++i) img.pixels.push_back(static_cast<uint8_t>(i * 7));
    fs::create_directories(fs::path(d) / "sub");
    const std::string png = *encode_png(img), jpg = *encode_jpeg(img);
    std::ofstream(fs::path(d) / "a.png", std::ios::binary) << png;
    std::ofstream(fs::path(d) / "b.jpg", std::ios::binary) << jpg;
    std::ofstream(fs::path(d) / "sub" / "c.png", std::ios::binary) << png;
    std::ofstream(fs::path(d) / "not_an_image.jpg", std::ios::binary) << "hello";
    return d;
  }();
  return dir;
}

}  // namespace

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  if (size < 1) return 0;
  const fs::path dir = dataset_dir();
  std::error_code ec;
  if (data[0] & 1) std::ofstream(dir / "labels.txt") << "cat\ndog\nbird\n";
  else fs::remove(dir / "labels.txt", ec);
  {
    std::ofstream f(dir / "val.txt", std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  DatasetOptions o;
  o.skip_bad = data[0] & 2;
  o.max_image_pixels = 1000;
  auto d = open_dataset(dir.string(), o);
  if (!d.is_ok()) {
    check_status(d.status(), "open_dataset(folder)");
    return 0;
  }
  const DatasetInfo& info = (*d)->info();
  if (info.size == 0) fuzz_fail("an annotated dataset without samples was accepted");
  for (size_t i = 0; i < info.size && i < 8; ++i) {
    auto s = (*d)->get(i);
    if (!s.is_ok()) {
      check_status(s.status(), "FolderDataset::get");
      continue;
    }
    if (s->label < 0 || s->label >= info.num_classes) fuzz_fail("annotated label out of the dataset's class range");
    const fs::path src = fs::weakly_canonical(dir / s->source);
    const std::string root = fs::weakly_canonical(dir).string() + "/";
    if (src.string().rfind(root, 0) != 0) fuzz_fail("a sample outside the dataset folder: " + s->source);
  }
  return 0;
}

}  // namespace calibra::fuzz::annotation
