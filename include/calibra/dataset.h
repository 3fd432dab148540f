// Datasets: where samples (an image and, when annotated, a label) come from.
//
// Formats: an image folder with a `file label` annotation file (ImageNet's val.txt), one
// sub-folder per class, a plain folder of images (not annotated), IDX files (MNIST,
// Fashion-MNIST; gzipped or not), CIFAR-10/100 binary batches, and "generated" random
// inputs (baseline only: INT8 calibration refuses them). The spec strings are described in
// open_dataset() below and in the README.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "calibra/status.h"
#include "calibra/tensor.h"

namespace calibra {

// A decoded image: height x width x channels (1 = gray, 3 = RGB), uint8, row-major HWC.
struct Image {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

struct Sample {
  Image image;            // decoded image (empty for generated datasets)
  Tensor tensor;          // generated datasets: the model input itself
  int64_t label = -1;     // -1: not annotated
  std::string source;     // file name, or "file#index" for IDX/CIFAR records
};

enum class DatasetKind { kAnnotatedFolder, kClassFolders, kImageFolder, kIdx, kCifar, kGenerated };
const char* dataset_kind_name(DatasetKind k);

struct DatasetInfo {
  DatasetKind kind = DatasetKind::kImageFolder;
  std::string spec;         // as given
  std::string description;  // "Fashion-MNIST test set (IDX): 10000 images 28x28 gray, 10 classes"
  size_t size = 0;          // usable samples
  bool annotated = false;
  int64_t num_classes = 0;  // 0 when not annotated
  std::vector<std::string> class_names;  // when known
  // Image size when every sample has the same one (0 otherwise).
  int64_t height = 0, width = 0, channels = 0;
  bool generated = false;
  size_t skipped = 0;                 // bad items skipped with skip_bad
  std::vector<std::string> skipped_examples;  // the first few, with the reason
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  const DatasetInfo& info() const { return info_; }
  size_t size() const { return info_.size; }
  // Thread-safe: loader threads call it concurrently.
  virtual Result<Sample> get(size_t index) const = 0;
  // The label of a sample without decoding it (-1 when not annotated).
  virtual int64_t label_of(size_t index) const;

 protected:
  DatasetInfo info_;
};

int64_t default_max_image_pixels();

struct DatasetOptions {
  bool skip_bad = false;          // skip unreadable images instead of failing (counted)
  // Refuse images larger than this (decode bombs): 2^28, or CALIBRA_MAX_IMAGE_PIXELS.
  int64_t max_image_pixels = default_max_image_pixels();
  // Generated datasets: how many samples, of what shape (the model's input), seeded.
  size_t generated_count = 100;
  Shape generated_shape;
  DType generated_dtype = DType::kF32;
  uint64_t seed = 0;
};

// Opens and validates a dataset before any long job starts: missing files, unreadable or
// truncated images, labels out of range, empty folders, malformed annotation lines are
// reported with the file (and line) at fault.
//
// SPEC is one of:
//   fashion-mnist[:train|:test]       Debian's dataset-fashion-mnist (default: test)
//   mnist-idx:IMAGES[,LABELS]         IDX files (.gz or plain); labels found next to images
//   cifar:FILE_OR_FOLDER              CIFAR-10/100 binary batches
//   generated[:N]                     N seeded random inputs of the model's shape
//   PATH                              a folder: annotation file (val.txt/labels.txt with
//                                     `file label` lines), class sub-folders, or plain images;
//                                     an IDX images file; a CIFAR .bin file
//   folder:PATH[:ANNOTATION]          the same, saying so explicitly
Result<std::unique_ptr<Dataset>> open_dataset(const std::string& spec, const DatasetOptions& opts = {});

}  // namespace calibra
