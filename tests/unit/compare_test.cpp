// `compare_models`: a model against itself (no drop, identical layers, no changed
// predictions), FP32 against its INT8 calibration (rows joined by node name, INT8
// precisions, finite errors, consistent prediction diff), refusals and cancellation; and the
// HTML report, whose every number must equal the JSON's.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "app/compare_html.h"
#include "app/json.h"
#include "calibra/calibrate.h"
#include "calibra/compare.h"
#include "core/file_util.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

class CompareTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("calibra_cmp_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    const auto tiny = write_tiny_classifier(dir_->string());
    model_ = new std::string(tiny.model);
    auto d = open_dataset(tiny.images);
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    data_ = d->release();
    auto m = Model::load(*model_);
    usage_ = new ModelUsage(default_usage(**m, data_->info()));
    CalibrateOptions co;
    co.usage = *usage_;
    co.subset = 100;
    co.threads = 1;
    co.speed_check = false;
    auto r = calibrate(*model_, *data_, co);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    int8_ = new std::string((*dir_ / "int8.onnx").string());
    ASSERT_TRUE(write_file(*int8_, r->onnx).is_ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete model_;
    delete int8_;
    delete data_;
    delete usage_;
  }
  CompareOptions options() const {
    CompareOptions o;
    o.speed.threads = 1;
    o.speed.iterations = 20;
    o.rounds = 2;
    o.profile_runs = 3;
    o.usage = *usage_;
    o.limit = 200;
    o.error_samples = 4;
    return o;
  }

  static fs::path* dir_;
  static std::string *model_, *int8_;
  static Dataset* data_;
  static ModelUsage* usage_;
};
fs::path* CompareTest::dir_ = nullptr;
std::string* CompareTest::model_ = nullptr;
std::string* CompareTest::int8_ = nullptr;
Dataset* CompareTest::data_ = nullptr;
ModelUsage* CompareTest::usage_ = nullptr;

TEST_F(CompareTest, AModelAgainstItselfShowsNoDifference) {
  auto r = compare_models(*model_, *model_, data_, options());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(r->top1_drop && r->predictions);
  EXPECT_EQ(*r->top1_drop, 0.0);
  EXPECT_EQ(*r->a.top1, 1.0);  // labels are the FP32 model's own predictions
  EXPECT_EQ(r->predictions->samples, 200u);
  EXPECT_EQ(r->predictions->changed, 0u);
  EXPECT_EQ(r->predictions->max_mse, 0.0);
  EXPECT_EQ(r->size_ratio, 1.0);
  EXPECT_GT(r->throughput_ratio, 0);
  EXPECT_EQ(r->a.speed.iterations, 20);  // 2 rounds x 10
  ASSERT_FALSE(r->layers.empty());
  for (const auto& l : r->layers) {
    ASSERT_TRUE(l.a && l.b) << l.nodes.front();
    EXPECT_EQ(l.a->precision, l.b->precision);
    if (l.op == "Reorder") continue;
    ASSERT_TRUE(l.sqnr_db) << l.nodes.front() << ": " << l.note;
    EXPECT_EQ(*l.sqnr_db, 200.0);  // "identical", never inf or NaN
    EXPECT_EQ(*l.cosine, 1.0);
  }
  // The JSON has no NaN/inf (they would be dumped as null).
  const auto j = app::to_json(*r);
  for (const auto& l : j["layers"]) {
    if (l["op"] != "Reorder") {
      EXPECT_TRUE(l["sqnr_db"].is_number());
    }
  }
}

TEST_F(CompareTest, Fp32AgainstInt8JoinsLayersByNodeName) {
  auto r = compare_models(*model_, *int8_, data_, options());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->a.precision, "FP32");
  EXPECT_EQ(r->b.precision, "INT8 (QDQ)");
  EXPECT_LT(r->b.weight_bytes, r->a.weight_bytes);  // int8 weights (the file of so tiny a model grows with Q/DQ nodes)
  EXPECT_GT(r->b.layers_by_precision["U8"] + r->b.layers_by_precision["I8"], 2);
  int joined_int8 = 0, only_b = 0;
  for (const auto& l : r->layers) {
    if (l.a && l.b && l.b->precision != "FP32" && (l.op == "Conv" || l.op == "Gemm")) {
      ++joined_int8;
      EXPECT_EQ(l.a->precision, "FP32");
      ASSERT_TRUE(l.sqnr_db) << l.nodes.front() << ": " << l.note;
      EXPECT_GT(*l.sqnr_db, 15.0) << l.nodes.front();  // 8-bit noise, not garbage
      EXPECT_LT(*l.sqnr_db, 200.0) << l.nodes.front();  // and not a comparison with itself
      EXPECT_GT(*l.cosine, 0.99);
    }
    if (!l.a) {
      ++only_b;
      EXPECT_EQ(l.note, "only in B");
    }
  }
  EXPECT_EQ(joined_int8, 3);  // two Convs and the Gemm
  EXPECT_GE(only_b, 1);       // at least the input's QuantizeLinear
  const PredictionDiff& d = *r->predictions;
  EXPECT_EQ(d.changed, d.changes.size());
  EXPECT_LE(d.fixed + d.broken, d.changed);
  EXPECT_EQ(d.broken, d.changed);  // A is always right here, so every change is a break
  EXPECT_EQ(d.mse.size(), d.samples);
  EXPECT_GT(d.max_mse, 0.0);
  EXPECT_NEAR(*r->top1_drop, static_cast<double>(d.broken) / static_cast<double>(d.samples), 1e-12);
  for (const auto& c : d.changes) {
    EXPECT_NE(c.pred_a, c.pred_b);
    EXPECT_EQ(c.label, c.pred_a);
    EXPECT_NE(c.source.find('#'), std::string::npos);  // "file#index" for IDX samples
  }
}

TEST_F(CompareTest, WithoutADatasetUsesRandomInputs) {
  auto o = options();
  auto r = compare_models(*model_, *int8_, nullptr, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->predictions);
  EXPECT_FALSE(r->top1_drop);
  EXPECT_EQ(r->error_samples, 4u);
}

TEST_F(CompareTest, RefusalsAndCancellation) {
  // Different inputs.
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 3, 8, 8});
  b.node("Relu", {"x"}, {"y"}).output("y");
  const std::string other = (*dir_ / "other.onnx").string();
  fs::copy_file(b.save(), other, fs::copy_options::overwrite_existing);
  auto r = compare_models(*model_, other, nullptr, options());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("different inputs"), std::string::npos) << r.status().message();
  // A missing file names which model.
  auto missing = compare_models(*model_, (*dir_ / "nope.onnx").string(), nullptr, options());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("model B"), std::string::npos) << missing.status().message();
  // Settings are validated.
  auto o = options();
  o.speed.streams = 2;
  auto bad = compare_models(*model_, *int8_, nullptr, o);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("stream"), std::string::npos);
  // Cancelled in the middle.
  o = options();
  o.progress = [](const std::string& stage, double) { return stage != "layer errors"; };
  auto c = compare_models(*model_, *int8_, data_, o);
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCancelled);
}

// Every number the HTML shows (data-key / data-value) equals the JSON's at that path.
TEST_F(CompareTest, HtmlNumbersEqualTheJson) {
  auto r = compare_models(*model_, *int8_, data_, options());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const app::json j = app::to_json(*r);
  const std::string html = app::compare_html(j, 0.0);
  const std::regex cellre("data-key=\"([^\"]+)\" data-value=\"([^\"]*)\"");
  int checked = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cellre); it != std::sregex_iterator(); ++it) {
    const std::string key = (*it)[1], value = (*it)[2];
    app::json::json_pointer ptr("/" + std::regex_replace(key, std::regex("\\."), "/"));
    ASSERT_TRUE(j.contains(ptr)) << key;
    EXPECT_EQ(j.at(ptr).dump(), value) << key;
    ++checked;
  }
  EXPECT_GT(checked, 20);
  // Self-contained: no external resources, and the embedded JSON cannot end its script early.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  const size_t data_at = html.find("id=\"report-data\">");
  ASSERT_NE(data_at, std::string::npos);
  const size_t end = html.find("</script>", data_at);
  const std::string embedded = html.substr(data_at + 17, end - data_at - 17);
  std::string unescaped = std::regex_replace(embedded, std::regex("<\\\\/"), "</");
  EXPECT_EQ(app::json::parse(unescaped), j);
}

}  // namespace
}  // namespace calibra::test
