#include "server/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace calibra::server {

namespace fs = std::filesystem;

namespace {
// libarchive's message, which is NULL for some failures (found by fuzz_archive).
std::string error_text(struct archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}
}  // namespace

Status check_entry_path(const std::string& path) {
  if (path.empty()) return Status::invalid_argument("an archive entry has an empty name");
  if (path[0] == '/' || path[0] == '\\' || (path.size() > 1 && path[1] == ':'))
    return Status::invalid_argument("archive entry '" + path + "' has an absolute path; entries must be relative");
  if (path.find('\0') != std::string::npos) return Status::invalid_argument("archive entry name contains a NUL byte");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find_first_of("/\\", start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0)
      return Status::invalid_argument("archive entry '" + path + "' has a '..' component (it would be written outside "
                                      "the dataset folder); repack the archive without it");
    start = end + 1;
  }
  return Status::ok();
}

Result<ExtractStats> extract_archive(const std::string& archive_path, const std::string& dest, const ExtractLimits& limits) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
    return Status::invalid_argument(std::string("not a readable zip or tar archive (") + error_text(a.get()) + ")");
  ExtractStats stats;
  const fs::path root(dest);
  struct archive_entry* e = nullptr;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      return Status::invalid_argument(std::string("the archive is corrupt (") + error_text(a.get()) + ")");
    const char* raw = archive_entry_pathname(e);
    const std::string name = raw ? raw : "";
    CALIBRA_TRY(check_entry_path(name));
    const std::string base = fs::path(name).filename().string();
    if (name.rfind("__MACOSX/", 0) == 0 || base.rfind("._", 0) == 0) continue;
    if (++stats.files > limits.max_entries)
      return Status::resource_exhausted("the archive has more than " + std::to_string(limits.max_entries) + " entries");
    const auto type = archive_entry_filetype(e);
    if (archive_entry_hardlink(e) || type == AE_IFLNK)
      return Status::invalid_argument("archive entry '" + name + "' is a link; datasets must hold plain files");
    const fs::path out = root / fs::path(name).lexically_normal();
    std::error_code ec;
    if (type == AE_IFDIR) {
      fs::create_directories(out, ec);
      if (ec) return Status::io_error("cannot create '" + out.string() + "': " + ec.message());
      --stats.files;
      continue;
    }
    if (type != AE_IFREG)
      return Status::invalid_argument("archive entry '" + name + "' is not a regular file or folder");
    fs::create_directories(out.parent_path(), ec);
    if (ec) return Status::io_error("cannot create '" + out.parent_path().string() + "': " + ec.message());
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Status::invalid_argument("archive entry '" + name + "' appears twice or cannot be written");
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        ::close(fd);
        return Status::invalid_argument("archive entry '" + name + "' is corrupt (" + error_text(a.get()) + ")");
      }
      stats.bytes += static_cast<uint64_t>(n);
      if (stats.bytes > limits.max_bytes) {
        ::close(fd);
        return Status::resource_exhausted("the archive expands to more than " + std::to_string(limits.max_bytes >> 20) +
                                          " MiB; upload a smaller dataset or register the folder by path");
      }
      if (::write(fd, buf.data(), static_cast<size_t>(n)) != n) {
        ::close(fd);
        return Status::io_error("writing '" + out.string() + "' failed (disk full?)");
      }
    }
    if (::close(fd) != 0) return Status::io_error("writing '" + out.string() + "' failed");
  }
  return stats;
}

}  // namespace calibra::server
