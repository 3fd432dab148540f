// Safe extraction of uploaded dataset archives (.zip, .tar, .tar.gz, .tgz, ...) with
// libarchive. Refused, naming the entry: absolute paths, ".." components, links and device
// files; and archives that expand beyond a size or entry limit (zip bombs). macOS metadata
// (__MACOSX/, ._*) is skipped.
#pragma once

#include <cstdint>
#include <string>

#include "calibra/status.h"

namespace calibra::server {

struct ExtractLimits {
  uint64_t max_bytes = uint64_t{16} << 30;  // uncompressed total
  uint64_t max_entries = 5'000'000;
};

struct ExtractStats {
  uint64_t files = 0, bytes = 0;
};

// Extracts `archive` into the existing empty folder `dest`.
Result<ExtractStats> extract_archive(const std::string& archive, const std::string& dest, const ExtractLimits& limits = {});

// Checks one entry path: relative, no "..", no empty or "." components after normalising.
Status check_entry_path(const std::string& path);

}  // namespace calibra::server
