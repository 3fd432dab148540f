// Whole-file reads and writes with errors as values.
#pragma once

#include <cstdint>
#include <string>

#include "calibra/status.h"

namespace calibra {

// A positive integer limit from the environment variable `name`, else `fallback`.
int64_t env_limit(const char* name, int64_t fallback);
// The largest model file Calibra reads: 16 GiB, or CALIBRA_MAX_MODEL_BYTES.
size_t max_model_bytes();

// Reads a whole file; refuses files larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes = size_t(1) << 34);
// Writes atomically: to a temporary file next to `path`, then rename.
Status write_file(const std::string& path, const std::string& bytes);

}  // namespace calibra
