// The `calibra` command line: --help with examples, one-line errors with non-zero exits on
// bad input, JSON outputs with the documented keys, files written by `run`.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/npy.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("calibra_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    ModelBuilder b(13);
    b.input("input", DType::kF32, {-1, 3, 8, 8});
    b.initializer("w", random_tensor({4, 3, 3, 3}, 1));
    b.node("Conv", {"input", "w"}, {"c"}).node("Relu", {"c"}, {"r"});
    b.node("GlobalAveragePool", {"r"}, {"g"}).node("Flatten", {"g"}, {"output"}).output("output");
    model_ = path("model.onnx");
    std::ofstream(model_, std::ios::binary) << bytes_of(b);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string bytes_of(ModelBuilder& b) {
    std::string p = b.save(), s;
    std::ifstream f(p, std::ios::binary);
    s.assign(std::istreambuf_iterator<char>(f), {});
    fs::remove(p);
    return s;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  int calibra(const std::string& args, std::string* out) const { return run_command(calibra_binary() + " " + args, out); }
  // A failing command prints exactly one line, starting "calibra: error: ".
  void expect_one_line_error(const std::string& args, const std::string& needle, int code = 1) const {
    std::string out;
    int rc = calibra(args, &out);
    EXPECT_EQ(rc, code) << args << "\n" << out;
    EXPECT_EQ(out.rfind("calibra: error: ", 0), 0u) << args << "\n" << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << "\n" << out;
    EXPECT_NE(out.find(needle), std::string::npos) << args << "\n" << out;
  }

  fs::path dir_;
  std::string model_;
};

TEST_F(Cli, HelpHasExamplesForEveryCommand) {
  for (const char* cmd : {"", "info", "run", "bench", "eval", "conformance"}) {
    std::string out;
    EXPECT_EQ(calibra(std::string(cmd) + " --help", &out), 0) << cmd;
    EXPECT_NE(out.find("Examples"), std::string::npos) << cmd << out;
  }
}

TEST_F(Cli, BadInputsGiveOneLineErrors) {
  std::ofstream(path("text.onnx")) << "not a model";
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(path("junk.onnx"), std::ios::binary) << junk;
  expect_one_line_error("info " + path("missing.onnx"), "does not exist");
  expect_one_line_error("run " + path("text.onnx"), "not an ONNX model");
  expect_one_line_error("bench " + path("junk.onnx"), "ONNX");
  expect_one_line_error("run " + dir_.string(), "is a folder");
  // Wrong input shape from a file.
  ASSERT_TRUE(write_npy(random_tensor({1, 4, 8, 8}, 1), path("bad.npy")).is_ok());
  expect_one_line_error("run " + model_ + " -i input=" + path("bad.npy"), "has shape [1,4,8,8]");
  expect_one_line_error("run " + model_ + " -i nope=" + path("bad.npy"), "no input named 'nope'", 2);
  expect_one_line_error("run " + model_ + " -i input=" + path("missing.npy"), "does not exist");
  // Unsupported op: every unsupported op named.
  ModelBuilder u(13);
  u.input("x", DType::kF32, {2}).node("Cos", {"x"}, {"c"}, {}, "cosine").node("Sin", {"c"}, {"y"}, {}, "sine").output("y");
  std::ofstream(path("unsup.onnx"), std::ios::binary) << bytes_of(u);
  expect_one_line_error("run " + path("unsup.onnx"), "'cosine'");
  expect_one_line_error("bench " + path("unsup.onnx"), "Sin");
  // Flag errors: exit 2.
  expect_one_line_error("bench " + model_ + " --batch 0", "batch", 2);
  expect_one_line_error("bench " + model_ + " --streams x", "streams", 2);
  expect_one_line_error("frobnicate", "frobnicate", 2);
  expect_one_line_error("conformance --filter '('", "regular expression");
}

TEST_F(Cli, RunWritesOutputsThatMatchTheLibrary) {
  Tensor x = random_tensor({2, 3, 8, 8}, 4);
  ASSERT_TRUE(write_npy(x, path("x.npy")).is_ok());
  std::string out;
  ASSERT_EQ(calibra("run " + model_ + " -i input=" + path("x.npy") + " -o " + path("out"), &out), 0) << out;
  auto y = read_npy(path("out/output.npy"));
  ASSERT_TRUE(y.is_ok()) << out;
  auto m = Model::load(model_);
  auto s = Session::create(*m);
  auto want = (*s)->run({x});
  ASSERT_EQ(y->shape(), (*want)[0].shape());
  EXPECT_LT(max_abs_diff(*y, (*want)[0]), 1e-6);
  ASSERT_EQ(calibra("run " + model_ + " -o " + path("pb") + " --format pb", &out), 0) << out;
  EXPECT_TRUE(fs::exists(path("pb/output.pb")));
}

TEST_F(Cli, JsonOutputs) {
  std::string out;
  ASSERT_EQ(calibra("info " + model_ + " --json", &out), 0) << out;
  auto info = nlohmann::json::parse(out);
  EXPECT_EQ(info["precision"], "FP32");
  EXPECT_EQ(info["int8"]["possible"], true);
  EXPECT_EQ(info["op_histogram"]["Conv"], 1);
  EXPECT_EQ(info["inputs"][0]["shape"][0], "N");
  EXPECT_GT(info["gflops"].get<double>(), 0);
  ASSERT_EQ(calibra("bench " + model_ + " -n 5 --json --batch 2", &out), 0) << out;
  auto b = nlohmann::json::parse(out);
  EXPECT_GT(b["latency_ms"]["median"].get<double>(), 0);
  EXPECT_GT(b["latency_ms"]["p90"].get<double>(), 0);
  EXPECT_GT(b["throughput_fps"].get<double>(), 0);
  EXPECT_EQ(b["batch"], 2);
}

TEST_F(Cli, EvalJsonAndUsageDiscovery) {
  std::string out;
  // The model takes 3x8x8 inputs; a generated dataset feeds them directly.
  ASSERT_EQ(calibra("eval " + model_ + " -d generated:6 -b 3 --json", &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["samples"], 6);
  EXPECT_TRUE(j["top1"].is_null());
  EXPECT_EQ(j["dataset"]["generated"], true);
  // Errors: unknown dataset, and a gray dataset for an RGB model with a usage saying gray.
  expect_one_line_error("eval " + model_ + " -d " + path("nowhere"), "does not exist");
  std::ofstream(path("model.usage.json")) << R"({"preprocessing": {"color": "gray"}})";
  expect_one_line_error("eval " + model_ + " -d fashion-mnist --limit 10", "color is 'gray'");
}

TEST_F(Cli, ConformanceEndsWithTheSummaryLine) {
  std::string out;
  ASSERT_EQ(calibra("conformance --filter '^test_relu$'", &out), 0) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("conformance: 1 passed, 0 failed, 0 skipped\n$"))) << out;
}

}  // namespace
}  // namespace calibra::test
