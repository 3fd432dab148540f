#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "harness.h"

namespace calibra::fuzz {

namespace fs = std::filesystem;

const std::vector<Target>& targets() {
  static const std::vector<Target> k = {
      {"model", model::fuzz_one},           {"tensor_pb", tensor_pb::fuzz_one},
      {"npy", npy::fuzz_one},               {"image", image::fuzz_one},
      {"idx", idx::fuzz_one},               {"cifar", cifar::fuzz_one},
      {"annotation", annotation::fuzz_one}, {"usage_json", usage_json::fuzz_one},
      {"settings_json", settings_json::fuzz_one}, {"workbench", workbench::fuzz_one},
      {"archive", archive::fuzz_one},
  };
  return k;
}

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // 2^22 elements (16 MiB of float32): far above what the seeds need, far below the
    // fuzzer's memory limit. Must be set before the library first reads it.
    setenv("CALIBRA_MAX_TENSOR_ELEMENTS", "4194304", 0);
    setenv("OMP_NUM_THREADS", "1", 0);
    (void)scratch_dir();
  });
}

namespace {
void remove_scratch() {
  std::error_code ec;
  fs::remove_all(scratch_dir(), ec);
}
}  // namespace

const std::string& scratch_dir() {
  // Never destroyed: remove_scratch runs at exit, after the destructors of statics that were
  // constructed later than its registration (this one included) have already run.
  static const std::string* const dir = new std::string([] {
    fs::path base;
    std::error_code ec;
    if (const char* e = std::getenv("CALIBRA_FUZZ_TMP"); e && *e) base = e;
    else if (fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    else base = fs::temp_directory_path();
    fs::path d = base / ("calibra-fuzz-" + std::to_string(getpid()));
    fs::remove_all(d, ec);
    fs::create_directories(d, ec);
    if (ec) {
      std::fprintf(stderr, "fuzz: cannot create scratch folder %s: %s\n", d.c_str(), ec.message().c_str());
      std::abort();
    }
    std::atexit(remove_scratch);
    return d.string();
  }());
  return *dir;
}

std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = (fs::path(scratch_dir()) / name).string();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  f.close();
  if (!f) fuzz_fail("cannot write scratch file " + path);
  return path;
}

std::string fresh_scratch_dir(const std::string& name) {
  const fs::path d = fs::path(scratch_dir()) / name;
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d, ec);
  if (ec) fuzz_fail("cannot create scratch folder " + d.string());
  return d.string();
}

void fuzz_fail(const std::string& what) {
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_status(const Status& s, const char* where) {
  if (s.is_ok()) return;
  const std::string& m = s.message();
  static const bool verbose = std::getenv("CALIBRA_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "fuzz: %s: %s\n", where, m.c_str());
  if (m.empty()) fuzz_fail(std::string(where) + ": an error with an empty message");
  if (m.find('\n') != std::string::npos || m.find('\r') != std::string::npos)
    fuzz_fail(std::string(where) + ": an error message of more than one line: " + m);
}

}  // namespace calibra::fuzz
