// CIFAR-10/100 binary batches: records of [label] (CIFAR-10: 1 byte) or [coarse, fine]
// (CIFAR-100: 2 bytes, the fine label is used) followed by 3072 bytes: 32x32 R, G, B planes.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "data/readers.h"

namespace calibra {

namespace fs = std::filesystem;

namespace {

class CifarDataset final : public Dataset {
 public:
  CifarDataset(DatasetInfo info, std::vector<std::pair<std::string, std::string>> files, size_t label_bytes)
      : files_(std::move(files)), label_bytes_(label_bytes) {
    info_ = std::move(info);
    for (const auto& [name, bytes] : files_) starts_.push_back(total_), total_ += bytes.size() / record();
  }
  Result<Sample> get(size_t i) const override {
    if (i >= info_.size) return Status::out_of_range("sample " + std::to_string(i) + " is past the end");
    size_t f = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin()) - 1;
    const size_t k = i - starts_[f];
    const std::string& b = files_[f].second;
    const size_t off = k * record();
    Sample s;
    s.label = static_cast<uint8_t>(b[off + label_bytes_ - 1]);
    s.image.height = s.image.width = 32;
    s.image.channels = 3;
    s.image.pixels.resize(32 * 32 * 3);
    for (size_t c = 0; c < 3; ++c)
      for (size_t p = 0; p < 1024; ++p) s.image.pixels[p * 3 + c] = static_cast<uint8_t>(b[off + label_bytes_ + c * 1024 + p]);
    s.source = files_[f].first + "#" + std::to_string(k);
    return s;
  }

 private:
  size_t record() const { return label_bytes_ + 3072; }
  std::vector<std::pair<std::string, std::string>> files_;
  size_t label_bytes_;
  std::vector<size_t> starts_;
  size_t total_ = 0;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> r;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) r.push_back(line);
  }
  return r;
}

}  // namespace

Result<std::unique_ptr<Dataset>> open_cifar(const std::string& path, const std::string& split,
                                            const std::string& spec, const DatasetOptions& opts) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path)) {
      const std::string n = e.path().filename().string();
      const bool test = n == "test_batch.bin" || n == "test.bin";
      const bool train = n.rfind("data_batch_", 0) == 0 || n == "train.bin";
      if ((split == "test" && test) || (split == "train" && train)) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      return Status::not_found("no CIFAR " + split + " batches in '" + path +
                               "' (expected test_batch.bin / data_batch_N.bin, or test.bin / train.bin)");
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return Status::not_found("CIFAR file '" + path + "' does not exist");
  }
  std::vector<std::pair<std::string, std::string>> loaded;
  size_t label_bytes = 0, count = 0;
  for (const auto& f : files) {
    CALIBRA_ASSIGN_OR_RETURN(std::string b, read_maybe_gz(f.string(), size_t(1) << 31));
    size_t lb = b.size() % 3073 == 0 && !b.empty() ? 1 : b.size() % 3074 == 0 && !b.empty() ? 2 : 0;
    if (lb == 0)
      return Status::invalid_argument("'" + f.string() + "' is not a CIFAR binary batch: its size (" +
                                      std::to_string(b.size()) + " bytes) is not a multiple of 3073 or 3074");
    if (label_bytes && lb != label_bytes)
      return Status::invalid_argument("'" + f.string() + "' mixes CIFAR-10 and CIFAR-100 records with other files");
    label_bytes = lb;
    const size_t n = b.size() / (lb + 3072);
    const size_t limit = lb == 1 ? 10 : 100;
    for (size_t i = 0; i < n; ++i) {
      size_t label = static_cast<uint8_t>(b[i * (lb + 3072) + lb - 1]);
      if (label >= limit)
        return Status::invalid_argument("'" + f.string() + "' record " + std::to_string(i) + ": label " +
                                        std::to_string(label) + " is out of range for CIFAR-" + std::to_string(limit));
    }
    count += n;
    loaded.emplace_back(f.filename().string(), std::move(b));
  }
  (void)opts;
  DatasetInfo info;
  info.kind = DatasetKind::kCifar;
  info.spec = spec;
  info.size = count;
  info.annotated = true;
  info.num_classes = label_bytes == 1 ? 10 : 100;
  info.height = info.width = 32;
  info.channels = 3;
  fs::path dir = fs::is_directory(path) ? fs::path(path) : fs::path(path).parent_path();
  for (const char* names : {"batches.meta.txt", "fine_label_names.txt"})
    if (fs::exists(dir / names)) {
      auto lines = read_lines(dir / names);
      if (static_cast<int64_t>(lines.size()) == info.num_classes) info.class_names = lines;
    }
  info.description = std::to_string(count) + " images 32x32 RGB (CIFAR-" + std::to_string(info.num_classes) + " " + split + ")";
  return std::unique_ptr<Dataset>(std::make_unique<CifarDataset>(std::move(info), std::move(loaded), label_bytes));
}

}  // namespace calibra
