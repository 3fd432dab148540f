// Uploaded dataset archives (zip, tar, tar.gz, ... through libarchive), extracted into an
// empty scratch folder with small limits. Whatever is accepted must stay inside the folder.
#include <filesystem>

#include "harness.h"
#include "server/archive.h"

namespace calibra::fuzz::archive {

namespace fs = std::filesystem;

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string path = write_scratch("upload.archive", data, size);
  // dest is box/x: an entry that escaped it by one level would show up in box/.
  const std::string box = fresh_scratch_dir("box"), dest = box + "/x";
  fs::create_directory(dest);
  server::ExtractLimits lim;
  lim.max_bytes = uint64_t{8} << 20;
  lim.max_entries = 1000;
  auto r = server::extract_archive(path, dest, lim);
  if (!r.is_ok()) check_status(r.status(), "extract_archive");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(box, ec))
    if (e.path().filename() != "x") fuzz_fail("extract_archive wrote outside its folder: " + e.path().string());
  uint64_t bytes = 0;
  for (auto it = fs::recursive_directory_iterator(dest, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink()) fuzz_fail("extract_archive created a link: " + it->path().string());
    if (it->is_regular_file()) bytes += it->file_size();
  }
  if (bytes > lim.max_bytes) fuzz_fail("extract_archive wrote more than its byte limit");
  if (r.is_ok() && r->bytes != bytes) fuzz_fail("extract_archive's byte count does not match the files");
  return 0;
}

}  // namespace calibra::fuzz::archive
