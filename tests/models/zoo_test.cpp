// The Fashion-MNIST zoo (zoo/, made by tools/train_zoo.py): Calibra's `eval` must reproduce
// PyTorch's recorded test accuracy exactly (same count of correct predictions on the 10k
// test set) and the same prediction for every sample.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "app/json.h"
#include "calibra/calibrate.h"
#include "calibra/evaluate.h"
#include "core/npy.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> zoo_models() {
  std::vector<std::string> names;
  const fs::path dir = fs::path(source_dir()) / "zoo";
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".onnx") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Zoo, HasTheThreeArchitectures) {
  auto names = zoo_models();
  for (const char* want : {"fmnist_resnet", "fmnist_mobilenetv2", "fmnist_effnet"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want << " is missing from zoo/";
}

TEST(Zoo, EvalReproducesPyTorchToTheSample) {
  auto data = open_dataset("fashion-mnist:test");
  ASSERT_TRUE(data.is_ok()) << data.status().to_string();
  for (const std::string& name : zoo_models()) {
    SCOPED_TRACE(name);
    const std::string base = source_dir() + "/zoo/" + name;
    std::ifstream rec_file(base + ".json");
    ASSERT_TRUE(rec_file) << base << ".json (the record of how the model was made) is missing";
    auto rec = nlohmann::json::parse(rec_file);
    auto model = Model::load(base + ".onnx");
    ASSERT_TRUE(model.is_ok()) << model.status().to_string();
    auto usage = app::load_usage(base + ".usage.json");
    ASSERT_TRUE(usage.is_ok()) << usage.status().to_string();
    EvalOptions o;
    o.batch = 50;
    o.threads = 1;  // the machine may be shared; one thread cannot collapse
    auto r = evaluate(*model, **data, *usage, o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    auto want = read_npy(base + ".test_predictions.npy");
    ASSERT_TRUE(want.is_ok()) << want.status().to_string();
    ASSERT_EQ(want->numel(), 10000);
    size_t differ = 0;
    for (size_t i = 0; i < 10000; ++i) differ += r->predictions[i] != want->data_as<uint8_t>()[i];
    std::printf("%s: top-1 %.4f (%zu correct; PyTorch %d), %zu predictions differ from PyTorch's\n", name.c_str(), r->top1,
                r->correct_top1, rec["test_correct_top1"].get<int>(), differ);
    EXPECT_EQ(r->correct_top1, rec["test_correct_top1"].get<size_t>());
    EXPECT_EQ(differ, 0u);
  }
}

// INT8 on the zoo: default calibration (300 training samples) keeps top-1 within 0.3 points
// of FP32 on the 10k test set, and accuracy-aware mode with --max-drop 0.1 within 0.1; the
// QDQ output runs as INT8 (layers report U8/I8).
TEST(Zoo, Int8AccuracyWithinBounds) {
  auto train = open_dataset("fashion-mnist:train");
  auto test = open_dataset("fashion-mnist:test");
  ASSERT_TRUE(train.is_ok() && test.is_ok());
  for (const std::string& name : zoo_models()) {
    SCOPED_TRACE(name);
    const std::string base = source_dir() + "/zoo/" + name;
    std::ifstream rec_file(base + ".json");
    auto rec = nlohmann::json::parse(rec_file);
    const double fp32 = rec["test_correct_top1"].get<double>() / 10000.0;
    auto usage = app::load_usage(base + ".usage.json");
    ASSERT_TRUE(usage.is_ok());
    for (double max_drop : {-1.0, 0.1}) {
      CalibrateOptions co;
      co.usage = *usage;
      co.threads = 1;
      if (max_drop >= 0) co.max_drop = max_drop;
      auto cal = calibrate(base + ".onnx", **train, co);
      ASSERT_TRUE(cal.is_ok()) << cal.status().to_string();
      auto m = Model::load_bytes(cal->onnx, name + " int8");
      ASSERT_TRUE(m.is_ok()) << m.status().to_string();
      EvalOptions eo;
      eo.batch = 50;
      eo.threads = 1;
      auto r = evaluate(*m, **test, *usage, eo);
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      const double drop = (fp32 - r->top1) * 100;
      int int8 = 0;
      for (const auto& l : cal->report.layers) int8 += l.precision != "FP32";
      std::printf("%s%s: FP32 %.4f INT8 %.4f (drop %.2f points), %d INT8 layers\n", name.c_str(),
                  max_drop >= 0 ? " --max-drop 0.1" : "", fp32, r->top1, drop, int8);
      EXPECT_LE(drop, max_drop >= 0 ? 0.1 : 0.3);
      EXPECT_GT(int8, 0);
    }
  }
}

}  // namespace
}  // namespace calibra::test
