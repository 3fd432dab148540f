// The ONNX backend test runner (`calibra conformance`): each test directory holds
// model.onnx and test_data_set_N/{input,output}_K.pb. A test passes when every output
// matches in type, shape and value (|a - b| <= atol + rtol * |b|, NaN == NaN; integers
// exactly). It is skipped only when Calibra refuses the model as unsupported, with the
// reason recorded; any other error is a failure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "calibra/status.h"

namespace calibra {

struct ConformanceOptions {
  std::vector<std::string> dirs;  // suite folders (each with test_* subfolders) or test folders
  std::string filter;             // ECMAScript regex on the test name; empty = all
  int threads = 1;
  bool use_dnnl = true;
  double rtol = 1e-3, atol = 1e-7;  // the ONNX backend test defaults
};

struct ConformanceCase {
  std::string suite;  // "node", "pytorch-converted", ...
  std::string name;   // "test_conv_with_strides_padding"
  enum class Outcome { kPass, kFail, kSkip } outcome = Outcome::kFail;
  std::string detail;  // why it failed or was skipped
  double ms = 0;
};

// The folders Debian's libonnx-testdata installs.
std::vector<std::string> default_conformance_dirs();

Result<std::vector<ConformanceCase>> run_conformance(const ConformanceOptions& opts,
                                                     const std::function<void(const ConformanceCase&)>& on_case = {});

}  // namespace calibra
