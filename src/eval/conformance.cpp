#include "eval/conformance.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <regex>

#include "calibra/session.h"
#include "onnx/tensor_proto.h"

namespace calibra {

namespace fs = std::filesystem;

std::vector<std::string> default_conformance_dirs() {
  const std::string root = "/usr/share/libonnx-testdata/data";
  return {root + "/node", root + "/pytorch-converted", root + "/pytorch-operator", root + "/simple"};
}

namespace {

double as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kF32: return t.data_as<float>()[i];
    case DType::kF64: return t.data_as<double>()[i];
    default: return 0;
  }
}

// Empty string when equal; else a description of the first mismatch.
std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype())
    return std::string("type ") + dtype_name(got.dtype()) + ", expected " + dtype_name(want.dtype());
  if (got.shape() != want.shape()) return "shape " + shape_str(got.shape()) + ", expected " + shape_str(want.shape());
  const int64_t n = got.numel();
  if (got.dtype() == DType::kF32 || got.dtype() == DType::kF64) {
    for (int64_t i = 0; i < n; ++i) {
      double a = as_double(got, i), b = as_double(want, i);
      if (std::isnan(a) && std::isnan(b)) continue;
      if (std::isinf(a) || std::isinf(b)) {
        if (a == b) continue;
      } else if (std::abs(a - b) <= atol + rtol * std::abs(b)) {
        continue;
      }
      return "value[" + std::to_string(i) + "] = " + std::to_string(a) + ", expected " + std::to_string(b);
    }
    return "";
  }
  if (got.nbytes() && std::memcmp(got.data(), want.data(), got.nbytes()) != 0) {
    // Bools may be stored as any non-zero byte.
    if (got.dtype() == DType::kBool) {
      for (int64_t i = 0; i < n; ++i)
        if ((got.data_as<uint8_t>()[i] != 0) != (want.data_as<uint8_t>()[i] != 0))
          return "value[" + std::to_string(i) + "] differs";
      return "";
    }
    return std::string("values differ (") + dtype_name(got.dtype()) + ")";
  }
  return "";
}

ConformanceCase run_one(const fs::path& dir, const std::string& suite, const ConformanceOptions& opts) {
  ConformanceCase c;
  c.suite = suite;
  c.name = dir.filename().string();
  auto t0 = std::chrono::steady_clock::now();
  auto done = [&](ConformanceCase::Outcome o, std::string d) {
    c.outcome = o;
    c.detail = std::move(d);
    c.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return c;
  };
  auto model = Model::load((dir / "model.onnx").string());
  if (!model.is_ok()) {
    if (model.status().code() == StatusCode::kUnsupported) return done(ConformanceCase::Outcome::kSkip, model.status().message());
    return done(ConformanceCase::Outcome::kFail, model.status().to_string());
  }
  SessionOptions so;
  so.threads = opts.threads;
  so.use_dnnl = opts.use_dnnl;
  auto session = Session::create(*model, so);
  if (!session.is_ok()) return done(ConformanceCase::Outcome::kFail, session.status().to_string());
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return done(ConformanceCase::Outcome::kFail, "no test_data_set_* folders");
  for (const auto& set : sets) {
    std::vector<Tensor> inputs, want;
    const size_t n_in = (*model)->inputs().size();
    for (size_t i = 0; i < n_in; ++i) {
      auto t = read_tensor_pb((set / ("input_" + std::to_string(i) + ".pb")).string());
      if (!t.is_ok()) {
        if (t.status().code() == StatusCode::kUnsupported) return done(ConformanceCase::Outcome::kSkip, t.status().message());
        return done(ConformanceCase::Outcome::kFail, t.status().to_string());
      }
      // The ONNX test generator stores bfloat16 data as uint16.
      const auto& spec = (*model)->inputs()[i];
      if (t->dtype() == DType::kU16 && spec.dtype == DType::kBF16) *t = Tensor::borrow(DType::kBF16, t->shape(), t->data()).clone();
      // A few ONNX tests ship data that contradicts the model's own declared shapes; running
      // them would test the data, not us. Say so instead of failing or guessing.
      bool fits = t->rank() == spec.dims.size();
      for (size_t d = 0; fits && d < spec.dims.size(); ++d) fits = spec.dims[d] < 0 || spec.dims[d] == t->dim(d);
      if (spec.has_shape && !fits)
        return done(ConformanceCase::Outcome::kSkip, "test data: input '" + spec.name + "' has shape " +
                                                         shape_str(t->shape()) + " but the model declares " + spec.str() +
                                                         " (a defect in this ONNX test)");
      inputs.push_back(*t);
    }
    for (size_t i = 0;; ++i) {
      fs::path p = set / ("output_" + std::to_string(i) + ".pb");
      if (!fs::exists(p)) break;
      auto t = read_tensor_pb(p.string());
      if (!t.is_ok()) {
        if (t.status().code() == StatusCode::kUnsupported) return done(ConformanceCase::Outcome::kSkip, t.status().message());
        return done(ConformanceCase::Outcome::kFail, t.status().to_string());
      }
      if (t->dtype() == DType::kU16 && i < (*model)->outputs().size() && (*model)->outputs()[i].dtype == DType::kBF16)
        *t = Tensor::borrow(DType::kBF16, t->shape(), t->data()).clone();
      want.push_back(*t);
    }
    auto got = (*session)->run(inputs);
    if (!got.is_ok()) {
      if (got.status().code() == StatusCode::kUnsupported) return done(ConformanceCase::Outcome::kSkip, got.status().message());
      return done(ConformanceCase::Outcome::kFail, got.status().to_string());
    }
    if (got->size() != want.size())
      return done(ConformanceCase::Outcome::kFail, "produced " + std::to_string(got->size()) + " outputs, expected " +
                                                       std::to_string(want.size()));
    for (size_t i = 0; i < want.size(); ++i) {
      std::string diff = compare((*got)[i], want[i], opts.rtol, opts.atol);
      if (!diff.empty())
        return done(ConformanceCase::Outcome::kFail,
                    set.filename().string() + " output " + std::to_string(i) + ": " + diff);
    }
  }
  return done(ConformanceCase::Outcome::kPass, "");
}

}  // namespace

Result<std::vector<ConformanceCase>> run_conformance(const ConformanceOptions& opts,
                                                     const std::function<void(const ConformanceCase&)>& on_case) {
  std::regex filter;
  try {
    filter = std::regex(opts.filter.empty() ? ".*" : opts.filter);
  } catch (const std::regex_error& e) {
    return Status::invalid_argument("--filter '" + opts.filter + "' is not a valid regular expression");
  }
  std::vector<std::pair<fs::path, std::string>> tests;
  for (const auto& d : opts.dirs) {
    fs::path p(d);
    if (!fs::is_directory(p)) return Status::not_found("conformance folder '" + d + "' does not exist");
    if (fs::exists(p / "model.onnx")) {
      tests.emplace_back(p, p.parent_path().filename().string());
      continue;
    }
    std::vector<fs::path> sub;
    for (const auto& e : fs::directory_iterator(p))
      if (e.is_directory() && fs::exists(e.path() / "model.onnx")) sub.push_back(e.path());
    std::sort(sub.begin(), sub.end());
    for (auto& s : sub) tests.emplace_back(s, p.filename().string());
  }
  std::vector<ConformanceCase> results;
  for (const auto& [path, suite] : tests) {
    if (!std::regex_search(path.filename().string(), filter)) continue;
    results.push_back(run_one(path, suite, opts));
    if (on_case) on_case(results.back());
  }
  return results;
}

}  // namespace calibra
