// Determinism (docs/RELIABILITY.md): the same model, data and settings give a byte-identical
// INT8 model and the same report, apart from times (stage_seconds, fp32_inference_ms,
// peak_rss_kb and the measured milliseconds in a speed-check reason), across runs and across
// thread counts 1 and 2. With the speed check off, byte for byte. With it on (the default),
// the same wherever the check kept the same layers in FP32: it is a measurement (one thread,
// FP32 and INT8 runs alternating), and a layer near its 15% margin may measure either way
// on a busy machine; that is reported, not failed.
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "app/json.h"
#include "calibra/calibrate.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

// The report without what measures time or memory.
std::string report_without_times(const CalibrationReport& r) {
  nlohmann::json j = app::to_json(r);
  j.erase("stage_seconds");
  j.erase("fp32_inference_ms");
  j.erase("peak_rss_kb");
  static const std::regex ms(R"(\([0-9.]+ ms vs [0-9.]+ ms in FP32\))");
  for (auto& l : j["layers"])
    if (l.contains("reason")) l["reason"] = std::regex_replace(l["reason"].get<std::string>(), ms, "(times)");
  return j.dump(1);
}

// The first few lines that differ between two texts (for a readable failure).
std::string first_difference(const std::string& a, const std::string& b) {
  auto lines = [](const std::string& t) {
    std::vector<std::string> v;
    std::istringstream in(t);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  };
  const auto la = lines(a), lb = lines(b);
  std::string out;
  int shown = 0;
  for (size_t i = 0; i < std::max(la.size(), lb.size()) && shown < 6; ++i) {
    const std::string x = i < la.size() ? la[i] : "<end>", y = i < lb.size() ? lb[i] : "<end>";
    if (x == y) continue;
    out += "\n  line " + std::to_string(i + 1) + ": " + x + "\n  line " + std::to_string(i + 1) + ": " + y;
    ++shown;
  }
  return out;
}

struct Run {
  std::string name, onnx, report;
  std::set<std::string> speed_fp32;  // layers the speed check kept in FP32
};

// Calibrates with 1, 2, 1, 2 threads and compares every run with the first.
void expect_deterministic(const std::string& model, const Dataset& data, CalibrateOptions o, const std::string& what) {
  std::vector<Run> runs;
  for (int threads : {1, 2, 1, 2}) {
    o.threads = threads;
    auto r = calibrate(model, data, o);
    ASSERT_TRUE(r.is_ok()) << what << ": " << r.status().to_string();
    Run run{std::to_string(threads) + " thread(s), run " + std::to_string(runs.size() / 2 + 1), r->onnx,
            report_without_times(r->report), {}};
    for (const auto& l : r->report.layers)
      if (l.reason.rfind("INT8 slower", 0) == 0) run.speed_fp32.insert(l.node);
    runs.push_back(std::move(run));
  }
  const Run& ref = runs[0];
  for (size_t i = 1; i < runs.size(); ++i) {
    const Run& run = runs[i];
    if (run.speed_fp32 != ref.speed_fp32) {
      // Only possible with the speed check on: a layer whose INT8 and FP32 times lie near the
      // 15% margin measured differently (a measurement, not a bug; see RELIABILITY.md).
      // Everything else is compared with the check off below.
      EXPECT_TRUE(o.speed_check);
      std::printf("%s: the speed check measured differently in %s (%zu vs %zu layers kept in FP32)\n", what.c_str(),
                  run.name.c_str(), run.speed_fp32.size(), ref.speed_fp32.size());
      continue;
    }
    size_t at = 0;
    while (at < ref.onnx.size() && at < run.onnx.size() && ref.onnx[at] == run.onnx[at]) ++at;
    EXPECT_TRUE(run.onnx == ref.onnx) << what << ": the INT8 model of " << run.name << " differs from " << ref.name
                                      << " from byte " << at << " (sizes " << run.onnx.size() << ", " << ref.onnx.size() << ")";
    EXPECT_TRUE(run.report == ref.report) << what << ": the report of " << run.name << " differs from " << ref.name
                                          << first_difference(ref.report, run.report);
  }
}

class Determinism : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("calibra_det_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    tiny_ = new TinyClassifier(write_tiny_classifier(dir_->string()));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete tiny_;
  }
  static fs::path* dir_;
  static TinyClassifier* tiny_;
};
fs::path* Determinism::dir_ = nullptr;
TinyClassifier* Determinism::tiny_ = nullptr;

TEST_F(Determinism, TinyClassifierAcrossRunsAndThreadCounts) {
  auto m = Model::load(tiny_->model);
  auto d = open_dataset(tiny_->images);
  ASSERT_TRUE(m.is_ok() && d.is_ok());
  CalibrateOptions o;
  o.usage = default_usage(**m, (*d)->info());
  o.subset = 200;
  for (bool speed_check : {false, true}) {
    o.speed_check = speed_check;
    for (const char* alg : {"percentile", "kl", "mse"}) {
      o.algorithm = alg;
      expect_deterministic(tiny_->model, **d, o, std::string("tiny, ") + alg + (speed_check ? ", speed check" : ""));
    }
  }
  // Accuracy-aware mode adds validation runs and reverts: also reproducible.
  o.speed_check = false;
  o.algorithm = "percentile";
  o.max_drop = 0.0;
  o.validation_subset = 100;
  expect_deterministic(tiny_->model, **d, o, "tiny, accuracy-aware");
}

// A real architecture with depthwise convolutions (the native INT8 depthwise kernel and
// oneDNN's convolutions, batched statistics) on Fashion-MNIST.
TEST_F(Determinism, ZooMobileNetV2AcrossRunsAndThreadCounts) {
  auto d = open_dataset("fashion-mnist:test");
  if (!d.is_ok()) GTEST_SKIP() << "fashion-mnist is not installed: " << d.status().to_string();
  const std::string base = source_dir() + "/zoo/fmnist_mobilenetv2";
  auto usage = app::load_usage(base + ".usage.json");
  ASSERT_TRUE(usage.is_ok()) << usage.status().to_string();
  CalibrateOptions o;
  o.usage = *usage;
  o.subset = 64;
  for (bool speed_check : {false, true}) {
    o.speed_check = speed_check;
    expect_deterministic(base + ".onnx", **d, o, std::string("fmnist_mobilenetv2") + (speed_check ? ", speed check" : ""));
  }
}

}  // namespace
}  // namespace calibra::test
