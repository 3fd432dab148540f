#include "core/file_util.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace calibra {

namespace fs = std::filesystem;

int64_t env_limit(const char* name, int64_t fallback) {
  if (const char* e = std::getenv(name)) {
    const long long v = std::atoll(e);
    if (v > 0) return static_cast<int64_t>(v);
  }
  return fallback;
}

size_t max_model_bytes() {
  static const size_t limit = static_cast<size_t>(env_limit("CALIBRA_MAX_MODEL_BYTES", int64_t(1) << 34));
  return limit;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::not_found("file '" + path + "' does not exist");
  if (fs::is_directory(st)) return Status::invalid_argument("'" + path + "' is a folder, not a file");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return Status::io_error("cannot open '" + path + "': " + std::strerror(errno));
  std::streamoff size = f.tellg();
  if (size < 0) return Status::io_error("cannot read '" + path + "'");
  if (static_cast<size_t>(size) > max_bytes)
    return Status::resource_exhausted("file '" + path + "' is larger than the limit of " +
                                      std::to_string(max_bytes) + " bytes");
  std::string bytes(static_cast<size_t>(size), '\0');
  f.seekg(0);
  f.read(bytes.data(), size);
  if (!f) return Status::io_error("error reading '" + path + "'");
  return bytes;
}

Status write_file(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::io_error("cannot write '" + path + "': " + std::strerror(errno));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return Status::io_error("error writing '" + path + "'");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::io_error("cannot write '" + path + "': " + ec.message());
  return Status::ok();
}

}  // namespace calibra
