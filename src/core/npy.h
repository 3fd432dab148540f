// NumPy .npy files (format versions 1-3, little-endian, C order).
#pragma once

#include <string>

#include "calibra/status.h"
#include "calibra/tensor.h"

namespace calibra {

Result<Tensor> read_npy(const std::string& path);
Result<Tensor> parse_npy(const std::string& bytes, const std::string& what);
Status write_npy(const Tensor& t, const std::string& path);

}  // namespace calibra
