// ONNX model bytes: import (protobuf, ONNX checker, shape inference, our structural checks),
// optimisation passes, then a plan for small random inputs (shape rules, plan-time constant
// folding, kernel selection, memory plan). Nothing is executed beyond constant folding.
#include "calibra/model.h"
#include "calibra/session.h"
#include "harness.h"

namespace calibra::fuzz::model {

namespace {
constexpr int64_t kMaxInputElements = int64_t{1} << 16;

int64_t elements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) return -1;
    if (d > 0 && n > kMaxInputElements / d) return kMaxInputElements + 1;
    n *= d;
  }
  return n;
}
}  // namespace

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  LoadOptions lo;
  lo.for_quantization = (size % 3) == 1;  // both pass pipelines, chosen by the input itself
  auto m = Model::load_bytes(bytes, "fuzz.onnx", lo);
  if (!m.is_ok()) {
    check_status(m.status(), "Model::load_bytes");
    return 0;
  }
  int64_t total = 0;
  for (const auto& in : (*m)->inputs()) {
    const int64_t n = elements(in.concrete(1));
    if (n < 0 || n > kMaxInputElements) return 0;
    total += n;
  }
  if (total > kMaxInputElements) return 0;
  SessionOptions so;
  so.threads = 1;
  so.tune = false;  // timing both layouts would execute the model
  so.deterministic = true;
  so.use_dnnl = (size % 2) == 0;  // oneDNN kernel selection and weight packing, or reference only
  auto s = Session::create(*m, so);
  if (!s.is_ok()) {
    check_status(s.status(), "Session::create");
    return 0;
  }
  auto st = (*s)->plan_stats(random_inputs(**m, 0, 1));
  if (!st.is_ok()) check_status(st.status(), "Session::plan_stats");
  return 0;
}

}  // namespace calibra::fuzz::model
