// Whole-file reads and writes with errors as values.
#pragma once

#include <string>

#include "calibra/status.h"

namespace calibra {

// Reads a whole file; refuses files larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes = size_t(1) << 34);
// Writes atomically: to a temporary file next to `path`, then rename.
Status write_file(const std::string& path, const std::string& bytes);

}  // namespace calibra
