// IDX files (MNIST, Fashion-MNIST): big-endian header, magic 0x00000803 (uint8 images,
// 3 dims: count, rows, cols) and 0x00000801 (uint8 labels, 1 dim), gzipped or plain.
#include <zlib.h>

#include <cstring>
#include <filesystem>

#include "data/readers.h"

namespace calibra {

namespace fs = std::filesystem;

Result<std::string> read_maybe_gz(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::not_found("dataset file '" + path + "' does not exist");
  if (fs::is_directory(path, ec)) return Status::invalid_argument("'" + path + "' is a folder, not a file");
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files transparently
  if (!f) return Status::io_error("cannot open '" + path + "'");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      return Status::invalid_argument("'" + path + "' is corrupt (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      gzclose(f);
      return Status::resource_exhausted("'" + path + "' expands to more than " + std::to_string(max_bytes) +
                                        " bytes; refusing to read it");
    }
  }
  // A truncated gzip stream reads as a short file without an error from gzread; check.
  int code = 0;
  gzerror(f, &code);
  gzclose(f);
  if (code != Z_OK && code != Z_STREAM_END) return Status::invalid_argument("'" + path + "' is a truncated or corrupt gzip file");
  return out;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> k = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return k;
}

namespace {

uint32_t be32(const std::string& b, size_t off) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[off])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[off + 2])) << 8) | static_cast<uint32_t>(static_cast<uint8_t>(b[off + 3]));
}

class IdxDataset final : public Dataset {
 public:
  IdxDataset(DatasetInfo info, std::string pixels, std::string labels, std::string name)
      : pixels_(std::move(pixels)), labels_(std::move(labels)), name_(std::move(name)) {
    info_ = std::move(info);
  }
  Result<Sample> get(size_t i) const override {
    if (i >= info_.size) return Status::out_of_range("sample " + std::to_string(i) + " is past the end");
    Sample s;
    s.image.height = info_.height;
    s.image.width = info_.width;
    s.image.channels = 1;
    const size_t n = static_cast<size_t>(info_.height * info_.width);
    s.image.pixels.assign(pixels_.begin() + static_cast<long>(16 + i * n), pixels_.begin() + static_cast<long>(16 + (i + 1) * n));
    if (!labels_.empty()) s.label = static_cast<uint8_t>(labels_[8 + i]);
    s.source = name_ + "#" + std::to_string(i);
    return s;
  }
  int64_t label_of(size_t i) const override {
    return labels_.empty() || i >= info_.size ? -1 : static_cast<uint8_t>(labels_[8 + i]);
  }

 private:
  std::string pixels_, labels_, name_;
};

}  // namespace

Result<std::unique_ptr<Dataset>> open_idx(const std::string& images, const std::string& labels,
                                          const std::string& spec, const DatasetOptions& opts) {
  CALIBRA_ASSIGN_OR_RETURN(std::string px, read_maybe_gz(images, size_t(1) << 33));
  const std::string what = "IDX images file '" + images + "'";
  if (px.size() < 16 || be32(px, 0) != 0x00000803)
    return Status::invalid_argument(what + " does not start with the IDX magic 0x00000803 (uint8, 3 dims)");
  const uint64_t count = be32(px, 4), rows = be32(px, 8), cols = be32(px, 12);
  if (rows == 0 || cols == 0 || rows * cols > static_cast<uint64_t>(opts.max_image_pixels))
    return Status::invalid_argument(what + ": bad image size " + std::to_string(rows) + "x" + std::to_string(cols));
  if (px.size() - 16 != count * rows * cols)
    return Status::invalid_argument(what + ": header promises " + std::to_string(count) + " images of " +
                                    std::to_string(rows) + "x" + std::to_string(cols) + " but the file has " +
                                    std::to_string(px.size() - 16) + " pixel bytes (truncated?)");
  if (count == 0) return Status::invalid_argument(what + " holds no images");
  DatasetInfo info;
  info.kind = DatasetKind::kIdx;
  info.spec = spec;
  info.size = count;
  info.height = static_cast<int64_t>(rows);
  info.width = static_cast<int64_t>(cols);
  info.channels = 1;
  std::string lb;
  if (!labels.empty()) {
    CALIBRA_ASSIGN_OR_RETURN(lb, read_maybe_gz(labels, size_t(1) << 32));
    const std::string lwhat = "IDX labels file '" + labels + "'";
    if (lb.size() < 8 || be32(lb, 0) != 0x00000801)
      return Status::invalid_argument(lwhat + " does not start with the IDX magic 0x00000801 (uint8, 1 dim)");
    if (be32(lb, 4) != count || lb.size() - 8 != count)
      return Status::invalid_argument(lwhat + " has " + std::to_string(lb.size() - 8) + " labels for " +
                                      std::to_string(count) + " images");
    uint8_t mx = 0;
    for (size_t i = 8; i < lb.size(); ++i) mx = std::max(mx, static_cast<uint8_t>(lb[i]));
    info.annotated = true;
    info.num_classes = mx + 1;
  }
  info.description = std::to_string(count) + " images " + std::to_string(cols) + "x" + std::to_string(rows) +
                     " gray (IDX)" + (info.annotated ? ", " + std::to_string(info.num_classes) + " classes" : ", no labels");
  std::string name = std::filesystem::path(images).filename().string();
  return std::unique_ptr<Dataset>(std::make_unique<IdxDataset>(std::move(info), std::move(px), std::move(lb), name));
}

}  // namespace calibra
