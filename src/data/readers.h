// Dataset readers, one per format (see calibra/dataset.h for the spec syntax).
#pragma once

#include <memory>
#include <string>

#include "calibra/dataset.h"

namespace calibra {

Result<std::unique_ptr<Dataset>> open_idx(const std::string& images, const std::string& labels,
                                          const std::string& spec, const DatasetOptions& opts);
Result<std::unique_ptr<Dataset>> open_cifar(const std::string& path, const std::string& split,
                                            const std::string& spec, const DatasetOptions& opts);
Result<std::unique_ptr<Dataset>> open_folder(const std::string& dir, const std::string& annotation,
                                             const std::string& spec, const DatasetOptions& opts);
Result<std::unique_ptr<Dataset>> open_generated(size_t count, const std::string& spec, const DatasetOptions& opts);

// Reads a whole file, gunzipping when it is gzip-compressed (by content).
Result<std::string> read_maybe_gz(const std::string& path, size_t max_bytes);

// The 10 Fashion-MNIST class names.
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace calibra
