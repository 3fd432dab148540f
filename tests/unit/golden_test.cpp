// Golden calibration reports for a tiny model: what must not drift (ranges, scales, zero
// points, layer precisions, errors). Timings are left out. The scheme depends on the CPU
// (7-bit weights and u8 sources without VNNI), so there is one file per kind of CPU:
// tests/golden/tiny_calibration.{vnni,novnni}.json (the latter made with
// ONEDNN_MAX_CPU_ISA=AVX2). Regenerate with CALIBRA_REGENERATE_GOLDEN=1 after a deliberate
// change, and review the diff.
#include <filesystem>
#include <fstream>

#include "app/json.h"
#include "calibra/calibrate.h"
#include "core/cpu.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

TEST(Golden, TinyCalibrationReport) {
  const fs::path dir = fs::temp_directory_path() / ("calibra_golden_" + std::to_string(getpid()));
  fs::create_directories(dir);
  ModelBuilder b(13);
  b.input("input", DType::kF32, {-1, 1, 8, 8});
  b.initializer("w1", random_tensor({4, 1, 3, 3}, 11, -0.6f, 0.6f)).initializer("b1", random_tensor({4}, 12, -0.1f, 0.1f));
  b.initializer("w2", random_tensor({4, 4, 3, 3}, 13, -0.3f, 0.3f)).initializer("fc", random_tensor({3, 4}, 14));
  b.node("Conv", {"input", "w1", "b1"}, {"c1"}, {ais("pads", {1, 1, 1, 1})}).node("Relu", {"c1"}, {"r1"});
  b.node("Conv", {"r1", "w2"}, {"c2"}, {ais("pads", {1, 1, 1, 1})}).node("Add", {"c2", "r1"}, {"a"});
  b.node("GlobalAveragePool", {"a"}, {"g"}).node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", "fc"}, {"output"}, {ai("transB", 1)}).output("output");
  const std::string model = (dir / "tiny.onnx").string();
  {
    std::string p = b.save();
    fs::copy_file(p, model);
    fs::remove(p);
  }
  std::string imgs = std::string("\0\0\x08\x03", 4) + std::string("\0\0\0\x40", 4) + std::string("\0\0\0\x08", 4) + std::string("\0\0\0\x08", 4);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 64 * 64; ++i) imgs += static_cast<char>(rng() % 256);
  std::ofstream(dir / "g-images-idx3-ubyte", std::ios::binary) << imgs;
  auto data = open_dataset((dir / "g-images-idx3-ubyte").string());
  ASSERT_TRUE(data.is_ok()) << data.status().to_string();
  auto m = Model::load(model);
  CalibrateOptions o;
  o.usage = default_usage(**m, (*data)->info());
  o.subset = 32;
  o.threads = 1;
  o.speed_check = false;  // timing-based: not golden
  auto r = calibrate(model, **data, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  app::json j = app::to_json(r->report);
  for (const char* k : {"stage_seconds", "fp32_inference_ms", "peak_rss_kb", "model", "dataset"}) j.erase(k);
  j["scheme"].erase("isa");
  const std::string golden = source_dir() + "/tests/golden/tiny_calibration." + (cpu_has_vnni() ? "vnni" : "novnni") + ".json";
  if (std::getenv("CALIBRA_REGENERATE_GOLDEN")) {
    std::ofstream(golden) << j.dump(2) << "\n";
    std::printf("regenerated %s\n", golden.c_str());
  }
  std::ifstream f(golden);
  ASSERT_TRUE(f) << golden << " is missing (CALIBRA_REGENERATE_GOLDEN=1 makes it)";
  app::json want = app::json::parse(f);
  EXPECT_EQ(j, want) << "calibration drifted from " << golden << "; if deliberate, regenerate with CALIBRA_REGENERATE_GOLDEN=1\n"
                     << "got:\n" << j.dump(2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace calibra::test
