// Datasets: every format read correctly, every kind of bad input refused with the file
// (and line) named, skip_bad counted; images decoded; evaluation pipeline scored.
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "app/json.h"
#include "calibra/evaluate.h"
#include "data/image_io.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

class Data : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("calibra_data_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  void write(const std::string& n, const std::string& bytes) const {
    fs::create_directories(fs::path(path(n)).parent_path());
    std::ofstream(path(n), std::ios::binary) << bytes;
  }
  void write_gz(const std::string& n, const std::string& bytes) const {
    gzFile f = gzopen(path(n).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  }
  static Image gradient(int64_t h, int64_t w, int64_t c, int seed) {
    Image img;
    img.height = h;
    img.width = w;
    img.channels = c;
    for (int64_t i = 0; i < h * w * c; ++i) img.pixels.push_back(static_cast<uint8_t>((i * 37 + seed * 11) % 256));
    return img;
  }
  static std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  }
  fs::path dir_;
};

TEST_F(Data, IdxGzippedAndPlainWithLabels) {
  std::string imgs = be32(0x803) + be32(3) + be32(2) + be32(2), labels = be32(0x801) + be32(3);
  for (int i = 0; i < 12; ++i) imgs += static_cast<char>(i * 20);
  labels += std::string{2, 0, 7};
  write_gz("a-images-idx3-ubyte.gz", imgs);
  write_gz("a-labels-idx1-ubyte.gz", labels);
  write("b-images-idx3-ubyte", imgs);
  for (const std::string& spec : {path("a-images-idx3-ubyte.gz"), "idx:" + path("b-images-idx3-ubyte")}) {
    auto d = open_dataset(spec);
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    EXPECT_EQ((*d)->size(), 3u);
    auto s = (*d)->get(1);
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(s->image.pixels, (std::vector<uint8_t>{80, 100, 120, 140}));
    if (spec[0] == '/') {
      EXPECT_TRUE((*d)->info().annotated);
      EXPECT_EQ(s->label, 0);
      EXPECT_EQ((*d)->info().num_classes, 8);
    }
  }
}

TEST_F(Data, IdxErrorsNameTheProblem) {
  write("bad-images-idx3-ubyte", be32(0x999) + std::string(20, '\0'));
  auto bad = open_dataset(path("bad-images-idx3-ubyte"));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("magic"), std::string::npos);
  write("short-images-idx3-ubyte", be32(0x803) + be32(10) + be32(28) + be32(28) + std::string(100, 'x'));
  auto trunc = open_dataset(path("short-images-idx3-ubyte"));
  ASSERT_FALSE(trunc.is_ok());
  EXPECT_NE(trunc.status().message().find("truncated"), std::string::npos) << trunc.status().message();
  std::string imgs = be32(0x803) + be32(2) + be32(1) + be32(1) + std::string(2, 'x');
  write("c-images-idx3-ubyte", imgs);
  write("c-labels-idx1-ubyte", be32(0x801) + be32(3) + std::string(3, '\1'));
  auto mismatch = open_dataset(path("c-images-idx3-ubyte"));
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_NE(mismatch.status().message().find("3 labels for 2 images"), std::string::npos) << mismatch.status().message();
  // A corrupt gzip stream.
  write("d-images-idx3-ubyte.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  EXPECT_FALSE(open_dataset(path("d-images-idx3-ubyte.gz")).is_ok());
}

TEST_F(Data, FashionMnistAlias) {
  auto d = open_dataset("fashion-mnist:test");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ((*d)->size(), 10000u);
  EXPECT_EQ((*d)->info().num_classes, 10);
  EXPECT_EQ((*d)->info().class_names[9], "Ankle boot");
  EXPECT_EQ((*d)->get(0)->label, 9);  // the first test image is an ankle boot
  EXPECT_EQ((*open_dataset("fashion-mnist:train"))->size(), 60000u);
  EXPECT_FALSE(open_dataset("fashion-mnist:validation").is_ok());
}

TEST_F(Data, CifarRecords) {
  std::string rec;
  for (int r = 0; r < 3; ++r) {
    rec += static_cast<char>(r * 3);  // label
    for (int c = 0; c < 3; ++c) rec += std::string(1024, static_cast<char>(c * 100 + r));
  }
  write("test_batch.bin", rec);
  auto d = open_dataset("cifar:" + dir_.string());
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ((*d)->size(), 3u);
  auto s = (*d)->get(2);
  EXPECT_EQ(s->label, 6);
  EXPECT_EQ(s->image.pixels[0], 2);      // R of pixel 0
  EXPECT_EQ(s->image.pixels[1], 102);    // G
  EXPECT_EQ(s->image.pixels[2], 202);    // B
  write("odd.bin", std::string(100, 'x'));
  auto odd = open_dataset("cifar:" + path("odd.bin"));
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.status().message().find("multiple of 3073"), std::string::npos);
  rec[0] = 42;  // label 42 in CIFAR-10
  write("bad/test_batch.bin", rec);
  auto bad = open_dataset("cifar:" + path("bad"));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("label 42"), std::string::npos);
}

TEST_F(Data, ImageCodecs) {
  Image rgb = gradient(5, 7, 3, 1), gray = gradient(4, 3, 1, 2);
  for (const Image& img : {rgb, gray}) {
    auto png = encode_png(img);
    ASSERT_TRUE(png.is_ok());
    auto back = decode_image(*png, "png", 1 << 20);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back->pixels, img.pixels);  // PNG is lossless
    auto jpg = encode_jpeg(img, 100);
    auto j = decode_image(*jpg, "jpg", 1 << 20);
    ASSERT_TRUE(j.is_ok());
    EXPECT_EQ(j->channels, img.channels);
    EXPECT_EQ(j->height, img.height);
  }
  auto jpg = encode_jpeg(rgb, 90);
  auto truncated = decode_image(jpg->substr(0, jpg->size() / 2), "half.jpg", 1 << 20);
  // libjpeg pads a truncated stream with gray (with a warning); it must not crash, and a
  // stream cut before the image data must be an error.
  auto header_only = decode_image(jpg->substr(0, 20), "cut.jpg", 1 << 20);
  EXPECT_FALSE(header_only.is_ok());
  EXPECT_NE(header_only.status().message().find("cut.jpg"), std::string::npos);
  auto big = decode_image(*encode_png(gradient(64, 64, 1, 0)), "big.png", 100);
  ASSERT_FALSE(big.is_ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(decode_image("GIF89a....", "x.gif", 100).is_ok());
}

TEST_F(Data, AnnotatedFolderClassFoldersAndPlainImages) {
  write("val/a.png", *encode_png(gradient(4, 4, 3, 1)));
  write("val/sub/b.jpg", *encode_jpeg(gradient(4, 4, 3, 2)));
  write("val/val.txt", "a.png 3\nsub/b.jpg 0\n");
  auto ann = open_dataset(path("val"));
  ASSERT_TRUE(ann.is_ok()) << ann.status().to_string();
  EXPECT_EQ((*ann)->info().kind, DatasetKind::kAnnotatedFolder);
  EXPECT_EQ((*ann)->size(), 2u);
  EXPECT_EQ((*ann)->info().num_classes, 4);
  EXPECT_EQ((*ann)->get(1)->label, 0);
  write("classes/cat/1.png", *encode_png(gradient(4, 4, 1, 3)));
  write("classes/dog/2.png", *encode_png(gradient(4, 4, 1, 4)));
  write("classes/dog/3.png", *encode_png(gradient(4, 4, 1, 5)));
  auto cls = open_dataset(path("classes"));
  ASSERT_TRUE(cls.is_ok()) << cls.status().to_string();
  EXPECT_EQ((*cls)->info().kind, DatasetKind::kClassFolders);
  EXPECT_EQ((*cls)->info().class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ((*cls)->get(2)->label, 1);
  write("plain/x.png", *encode_png(gradient(4, 4, 1, 6)));
  auto plain = open_dataset(path("plain"));
  ASSERT_TRUE(plain.is_ok());
  EXPECT_FALSE((*plain)->info().annotated);
  EXPECT_EQ((*plain)->get(0)->label, -1);
}

TEST_F(Data, FolderErrorsNameFileAndLine) {
  auto expect_error = [&](const std::string& spec, const std::string& needle) {
    auto d = open_dataset(spec);
    ASSERT_FALSE(d.is_ok()) << spec;
    EXPECT_NE(d.status().message().find(needle), std::string::npos) << d.status().message();
  };
  fs::create_directories(path("empty"));
  expect_error(path("empty"), "has no .jpg/.jpeg/.png images");
  write("v1/a.png", *encode_png(gradient(4, 4, 1, 1)));
  write("v1/val.txt", "a.png 1\nmissing.png 2\n");
  expect_error(path("v1"), "val.txt line 2: file 'missing.png' does not exist");
  write("v2/a.png", *encode_png(gradient(4, 4, 1, 1)));
  write("v2/val.txt", "a.png cat\n");
  expect_error(path("v2"), "val.txt line 1: label 'cat'");
  write("v3/val.txt", "../../etc/passwd 1\n");
  expect_error(path("v3"), "outside the dataset folder");
  write("v4/a.png", *encode_png(gradient(4, 4, 1, 1)));
  write("v4/labels.txt", "zero\none\n");
  write("v4/val.txt", "a.png 5\n");
  expect_error(path("v4"), "label 5 is out of range");
  write("v5/good.png", *encode_png(gradient(4, 4, 1, 1)));
  write("v5/broken.png", "this is not a png");
  expect_error(path("v5"), "broken.png");
  DatasetOptions skip;
  skip.skip_bad = true;
  auto d = open_dataset(path("v5"), skip);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ((*d)->size(), 1u);
  EXPECT_EQ((*d)->info().skipped, 1u);
  expect_error(path("nowhere"), "does not exist");
}

// A model whose class scores are its input pixels: prediction = argmax over 10 pixels.
std::shared_ptr<Model> pixel_argmax_model() {
  ModelBuilder b(13);
  b.input("input", DType::kF32, {-1, 1, 1, 10});
  Tensor shape(DType::kI64, {2});
  shape.data_as<int64_t>()[0] = -1;
  shape.data_as<int64_t>()[1] = 10;
  b.initializer("shape", shape).node("Reshape", {"input", "shape"}, {"output"}).output("output");
  return b.load();
}

TEST_F(Data, EvaluationScoresTopOneAndTopFive) {
  // 20 images of 1x10 pixels; image i has its brightest pixel at i % 10 and label (i % 10)
  // for even i, (i + 1) % 10 for odd i: top-1 = 50%; the label is the 2nd brightest for odd i.
  std::string imgs = be32(0x803) + be32(20) + be32(1) + be32(10), labels = be32(0x801) + be32(20);
  for (int i = 0; i < 20; ++i) {
    for (int p = 0; p < 10; ++p) imgs += static_cast<char>(p == i % 10 ? 200 : p == (i + 1) % 10 ? 150 : 10);
    labels += static_cast<char>(i % 2 == 0 ? i % 10 : (i + 1) % 10);
  }
  write("e-images-idx3-ubyte", imgs);
  write("e-labels-idx1-ubyte", labels);
  auto data = open_dataset(path("e-images-idx3-ubyte"));
  ASSERT_TRUE(data.is_ok());
  auto m = pixel_argmax_model();
  ModelUsage u = default_usage(*m, (*data)->info());
  EXPECT_EQ(u.preprocessing.color, "gray");
  EXPECT_EQ(u.preprocessing.resize.mode, "none");
  for (int64_t batch : {1, 3, 8}) {
    EvalOptions o;
    o.batch = batch;
    o.loader_threads = 2;
    auto r = evaluate(m, **data, u, o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->samples, 20u);
    EXPECT_EQ(r->correct_top1, 10u);
    EXPECT_EQ(r->correct_top5, 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(r->predictions[static_cast<size_t>(i)], i % 10);
  }
  // label_offset: the model's class k is dataset label k - 1.
  u.label_offset = 1;
  auto shifted = evaluate(m, **data, u, EvalOptions{});
  ASSERT_TRUE(shifted.is_ok());
  EXPECT_EQ(shifted->predictions[3], 2);
  // --limit
  EvalOptions lim;
  lim.limit = 5;
  EXPECT_EQ(evaluate(m, **data, u, lim)->samples, 5u);
}

TEST_F(Data, GeneratedDatasetsHaveNoAccuracy) {
  auto m = pixel_argmax_model();
  DatasetOptions o;
  o.generated_shape = {1, 1, 10};
  auto d = open_dataset("generated:7", o);
  ASSERT_TRUE(d.is_ok());
  EXPECT_TRUE((*d)->info().generated);
  auto r = evaluate(m, **d, default_usage(*m, (*d)->info()), EvalOptions{});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->annotated);
  EXPECT_EQ(r->samples, 7u);
  // The same seed gives the same samples.
  auto again = open_dataset("generated:7", o);
  EXPECT_EQ(0, std::memcmp((*d)->get(3)->tensor.data(), (*again)->get(3)->tensor.data(), 40));
}

TEST_F(Data, UsageJsonRoundTripAndErrors) {
  ModelUsage u;
  u.preprocessing.color = "bgr";
  u.preprocessing.resize.mode = "shorter";
  u.preprocessing.resize.size = 256;
  u.preprocessing.crop_height = u.preprocessing.crop_width = 224;
  u.preprocessing.mean = {1, 2, 3};
  u.preprocessing.std = {4, 5, 6};
  u.label_offset = 1;
  auto back = app::usage_from_json(app::to_json(u));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(app::to_json(*back), app::to_json(u));
  auto bad = app::usage_from_json(app::json::parse(R"({"preprocessing": {"mean": "zero"}})"));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("preprocessing.mean"), std::string::npos);
  auto unknown = app::usage_from_json(app::json::parse(R"({"preprocesing": {}})"));
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("preprocesing"), std::string::npos);
  write("bad.json", "{ not json");
  auto parse = app::load_usage(path("bad.json"));
  ASSERT_FALSE(parse.is_ok());
  EXPECT_NE(parse.status().message().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace calibra::test
