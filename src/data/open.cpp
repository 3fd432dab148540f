// Dataset spec parsing (see calibra/dataset.h), generated datasets, and format detection.
#include <cstring>
#include <filesystem>
#include <random>

#include "core/file_util.h"
#include "data/image_io.h"
#include "data/readers.h"

namespace calibra {

namespace fs = std::filesystem;

int64_t Dataset::label_of(size_t index) const {
  auto s = get(index);
  return s.is_ok() ? s->label : -1;
}

const char* dataset_kind_name(DatasetKind k) {
  switch (k) {
    case DatasetKind::kAnnotatedFolder: return "annotated folder";
    case DatasetKind::kClassFolders: return "class folders";
    case DatasetKind::kImageFolder: return "image folder (not annotated)";
    case DatasetKind::kIdx: return "IDX";
    case DatasetKind::kCifar: return "CIFAR";
    case DatasetKind::kGenerated: return "generated";
  }
  return "?";
}

namespace {

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

class GeneratedDataset final : public Dataset {
 public:
  GeneratedDataset(DatasetInfo info, Shape shape, DType dtype, uint64_t seed) : shape_(std::move(shape)), dtype_(dtype), seed_(seed) {
    info_ = std::move(info);
  }
  Result<Sample> get(size_t i) const override {
    if (i >= info_.size) return Status::out_of_range("sample " + std::to_string(i) + " is past the end");
    Sample s;
    s.tensor = Tensor(dtype_, shape_);
    std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ull + i);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    if (dtype_ == DType::kF32)
      for (int64_t k = 0; k < s.tensor.numel(); ++k) s.tensor.data_as<float>()[k] = u(rng);
    s.source = "generated#" + std::to_string(i);
    return s;
  }

 private:
  Shape shape_;
  DType dtype_;
  uint64_t seed_;
};

// "train-images-idx3-ubyte.gz" -> "train-labels-idx1-ubyte.gz"
std::string labels_next_to(const std::string& images) {
  fs::path p(images);
  std::string name = p.filename().string();
  auto pos = name.find("images-idx3");
  if (pos == std::string::npos) return "";
  name.replace(pos, std::string("images-idx3").size(), "labels-idx1");
  fs::path l = p.parent_path() / name;
  return fs::exists(l) ? l.string() : "";
}

bool has_prefix(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace

Result<std::unique_ptr<Dataset>> open_generated(size_t count, const std::string& spec, const DatasetOptions& opts) {
  if (opts.generated_shape.empty()) return Status::invalid_argument("a generated dataset needs the model's input shape");
  DatasetInfo info;
  info.kind = DatasetKind::kGenerated;
  info.spec = spec;
  info.size = count;
  info.generated = true;
  info.description = std::to_string(count) + " generated random inputs " + shape_str(opts.generated_shape) +
                     " (seed " + std::to_string(opts.seed) + "; for baseline speed only, not for accuracy or INT8)";
  return std::unique_ptr<Dataset>(std::make_unique<GeneratedDataset>(std::move(info), opts.generated_shape, opts.generated_dtype, opts.seed));
}

int64_t default_max_image_pixels() {
  static const int64_t limit = env_limit("CALIBRA_MAX_IMAGE_PIXELS", int64_t(1) << 28);
  return limit;
}

Result<std::unique_ptr<Dataset>> open_dataset(const std::string& spec, const DatasetOptions& opts) {
  if (spec.empty()) return Status::invalid_argument("empty dataset spec (see 'calibra eval --help')");
  if (spec == "fashion-mnist" || has_prefix(spec, "fashion-mnist:")) {
    std::string split = spec == "fashion-mnist" ? "test" : spec.substr(14);
    if (split != "test" && split != "train")
      return Status::invalid_argument("unknown Fashion-MNIST split '" + split + "' (use fashion-mnist:train or :test)");
    const std::string prefix = std::string(kFashionDir) + "/" + (split == "test" ? "t10k" : "train");
    if (!fs::exists(prefix + "-images-idx3-ubyte.gz"))
      return Status::not_found("Fashion-MNIST is not installed (" + prefix +
                               "-images-idx3-ubyte.gz); install Debian's dataset-fashion-mnist (scripts/setup-deps.sh does)");
    auto r = open_idx(prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz", spec, opts);
    if (r.is_ok()) {
      DatasetInfo& info = const_cast<DatasetInfo&>((*r)->info());
      info.class_names = fashion_mnist_classes();
      info.description = "Fashion-MNIST " + split + " set: " + info.description;
    }
    return r;
  }
  if (spec == "generated" || has_prefix(spec, "generated:")) {
    size_t n = opts.generated_count;
    if (spec != "generated") {
      char* end = nullptr;
      long long v = std::strtoll(spec.c_str() + 10, &end, 10);
      if (*end != '\0' || v <= 0 || v > 10000000) return Status::invalid_argument("generated:N needs a positive count");
      n = static_cast<size_t>(v);
    }
    return open_generated(n, spec, opts);
  }
  if (has_prefix(spec, "mnist-idx:") || has_prefix(spec, "idx:")) {
    std::string rest = spec.substr(spec.find(':') + 1);
    auto comma = rest.find(',');
    std::string images = rest.substr(0, comma), labels = comma == std::string::npos ? labels_next_to(images) : rest.substr(comma + 1);
    return open_idx(images, labels, spec, opts);
  }
  if (has_prefix(spec, "cifar:")) {
    std::string rest = spec.substr(6), split = "test";
    for (const char* s : {":train", ":test"})
      if (rest.size() > std::strlen(s) && rest.compare(rest.size() - std::strlen(s), std::string::npos, s) == 0) {
        split = s + 1;
        rest = rest.substr(0, rest.size() - std::strlen(s));
      }
    return open_cifar(rest, split, spec, opts);
  }
  if (has_prefix(spec, "folder:")) {
    std::string rest = spec.substr(7);
    std::string ann;
    // folder:DIR:ANNOTATION (a colon after the folder part)
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && fs::is_directory(rest.substr(0, colon))) {
      ann = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
    }
    return open_folder(rest, ann, spec, opts);
  }
  // A bare path: detect.
  std::error_code ec;
  if (fs::is_directory(spec, ec)) return open_folder(spec, "", spec, opts);
  if (!fs::exists(spec, ec))
    return Status::not_found("dataset '" + spec +
                             "' does not exist (give a folder, an IDX or CIFAR file, fashion-mnist[:train|:test], or generated[:N])");
  const std::string name = fs::path(spec).filename().string();
  if (name.find("idx3") != std::string::npos) return open_idx(spec, labels_next_to(spec), spec, opts);
  if (name.size() > 4 && name.substr(name.size() - 4) == ".bin") return open_cifar(spec, "test", spec, opts);
  return Status::invalid_argument("cannot tell what dataset '" + spec +
                                  "' is: give a folder of images, an IDX images file (*idx3*), a CIFAR .bin batch, "
                                  "or use a prefix (idx:, cifar:, folder:)");
}

}  // namespace calibra
