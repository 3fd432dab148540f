// calibra_extract_check: the server's archive extraction (src/server/archive.cpp) as a
// command, for the malformed-input corpus (scripts/run_bad_inputs.py), since the CLI does
// not read archives. Errors are one line, "calibra: error: ...", exit 1, like the CLI's.
//
//   calibra_extract_check ARCHIVE --dest DIR [--max-mb N] [--max-entries N]
//
// Extracts into DIR/box/x and then checks that nothing landed beside it (in DIR/box).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/archive.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string archive, dest;
  calibra::server::ExtractLimits lim;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--dest" && i + 1 < argc) dest = argv[++i];
    else if (a == "--max-mb" && i + 1 < argc) lim.max_bytes = std::strtoull(argv[++i], nullptr, 10) << 20;
    else if (a == "--max-entries" && i + 1 < argc) lim.max_entries = std::strtoull(argv[++i], nullptr, 10);
    else if (archive.empty() && a[0] != '-') archive = a;
    else {
      std::fprintf(stderr, "calibra: error: usage: calibra_extract_check ARCHIVE --dest DIR [--max-mb N] [--max-entries N]\n");
      return 2;
    }
  }
  if (archive.empty() || dest.empty()) {
    std::fprintf(stderr, "calibra: error: usage: calibra_extract_check ARCHIVE --dest DIR [--max-mb N] [--max-entries N]\n");
    return 2;
  }
  const fs::path box = fs::path(dest) / "box", x = box / "x";
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::create_directories(x, ec);
  auto r = calibra::server::extract_archive(archive, x.string(), lim);
  for (const auto& e : fs::directory_iterator(box, ec))
    if (e.path() != x) {
      std::fprintf(stderr, "calibra: error: internal error: '%s' was written outside the extraction folder\n", e.path().c_str());
      return 3;
    }
  if (!r.is_ok()) {
    std::fprintf(stderr, "calibra: error: %s\n", r.status().message().c_str());
    return r.status().code() == calibra::StatusCode::kInternal ? 3 : 1;
  }
  std::printf("extracted %llu files, %llu bytes\n", static_cast<unsigned long long>(r->files),
              static_cast<unsigned long long>(r->bytes));
  return 0;
}
