// Real architectures: torchvision models exported by Debian's PyTorch (scripts/
// export_torchvision.py, run by `make models`) must match PyTorch's own outputs, at batch 1
// and at batch 2 through the dynamic batch dimension. Never silently green: a missing
// cache or a missing exporter is a failure that says what to run.
#include <filesystem>

#include "core/npy.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

const char* kModels[] = {"resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "efficientnet_b0"};

std::string cache_dir() { return source_dir() + "/.cache/models"; }

// max |a - b| / max |b|
double max_rel_error(const Tensor& a, const Tensor& b) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    num = std::max(num, std::abs(static_cast<double>(a.data_as<float>()[i]) - b.data_as<float>()[i]));
    den = std::max(den, std::abs(static_cast<double>(b.data_as<float>()[i])));
  }
  return den > 0 ? num / den : num;
}

class Torchvision : public ::testing::TestWithParam<const char*> {};

TEST_P(Torchvision, MatchesPyTorch) {
  const std::string name = GetParam();
  const std::string base = cache_dir() + "/" + name;
  ASSERT_TRUE(fs::exists(base + ".onnx"))
      << base << ".onnx is missing: run 'make models' (exports torchvision models with Debian's PyTorch; "
      << "needs python3-torch and python3-torchvision, installed by scripts/setup-deps.sh)";
  auto m = Model::load(base + ".onnx");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  auto s = Session::create(*m);
  ASSERT_TRUE(s.is_ok());
  for (const char* suffix : {"", "_b2"}) {
    auto x = read_npy(base + ".input" + suffix + ".npy");
    auto want = read_npy(base + ".output" + suffix + ".npy");
    ASSERT_TRUE(x.is_ok()) << x.status().to_string();
    ASSERT_TRUE(want.is_ok()) << want.status().to_string();
    auto y = (*s)->run({*x});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    ASSERT_EQ((*y)[0].shape(), want->shape());
    const double err = max_rel_error((*y)[0], *want);
    std::printf("%s%s: max relative error vs PyTorch %.2e\n", name.c_str(), suffix, err);
    EXPECT_LT(err, 1e-4) << name << suffix;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, Torchvision, ::testing::ValuesIn(kModels),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

}  // namespace
}  // namespace calibra::test
