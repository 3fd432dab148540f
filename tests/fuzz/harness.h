// Fuzz harnesses: one per parser of outside input. Each is `int fuzz_one(const uint8_t*,
// size_t)` in its own namespace (tests/fuzz/fuzz_<name>.cpp), called by the libFuzzer binary
// fuzz_<name> (libfuzzer_main.cpp, clang, -DCALIBRA_FUZZ=ON) and by the gtest replay of the
// committed seeds and crash reproducers (replay_test.cpp, every build). See docs/RELIABILITY.md.
//
// A harness returns 0 for every input. Bugs show up as crashes: sanitizer reports, uncaught
// exceptions, or fuzz_fail() when a library invariant is broken (an error message that is
// empty or longer than one line, a decoded image whose buffer does not match its size, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "calibra/status.h"

namespace calibra::fuzz {

using FuzzFn = int (*)(const uint8_t* data, size_t size);

#define CALIBRA_FUZZ_DECLARE(ns) \
  namespace ns {                 \
  int fuzz_one(const uint8_t* data, size_t size); \
  }
CALIBRA_FUZZ_DECLARE(model)          // ONNX model bytes: load, validate, optimise, plan
CALIBRA_FUZZ_DECLARE(tensor_pb)      // serialised TensorProto (.pb input files)
CALIBRA_FUZZ_DECLARE(npy)            // NumPy .npy input files
CALIBRA_FUZZ_DECLARE(image)          // JPEG / PNG decoding (pixel limit), then preprocessing
CALIBRA_FUZZ_DECLARE(idx)            // IDX images + labels (gzipped or plain)
CALIBRA_FUZZ_DECLARE(cifar)          // CIFAR-10/100 binary batches
CALIBRA_FUZZ_DECLARE(annotation)     // val.txt of an image folder dataset
CALIBRA_FUZZ_DECLARE(usage_json)     // model usage config file
CALIBRA_FUZZ_DECLARE(settings_json)  // inference settings file
CALIBRA_FUZZ_DECLARE(workbench)      // the workbench's JSON request bodies
CALIBRA_FUZZ_DECLARE(archive)        // uploaded dataset archives (zip, tar, tar.gz, ...)
#undef CALIBRA_FUZZ_DECLARE

struct Target {
  const char* name;  // folder name under tests/fuzz/seeds/ and tests/fuzz/reproducers/
  FuzzFn fn;
};
const std::vector<Target>& targets();

// Process-wide setup, called once before the first input: a low tensor element limit (so
// allocation bombs are refused quickly and within the fuzzer's memory limit) and one thread.
void init();

// A private scratch folder for this process (removed at exit). Under $CALIBRA_FUZZ_TMP, else
// /dev/shm, else the system temp folder.
const std::string& scratch_dir();
// Writes bytes to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, const uint8_t* data, size_t size);
// An empty folder scratch_dir()/name (emptied if it exists).
std::string fresh_scratch_dir(const std::string& name);

// Reports a broken invariant and aborts (a finding, like a sanitizer report).
[[noreturn]] void fuzz_fail(const std::string& what);
// Every error a user can cause must carry a non-empty, one-line message (the CLI prints it
// as "calibra: error: <message>").
void check_status(const Status& s, const char* where);

}  // namespace calibra::fuzz
