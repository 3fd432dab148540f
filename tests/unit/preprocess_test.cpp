// Preprocessing against hand-computed values and an independently written reference
// (separable interpolation in double precision).
#include <cmath>

#include "calibra/usage.h"
#include "testutil.h"

namespace calibra::test {
namespace {

Image make(int64_t h, int64_t w, int64_t c, std::vector<uint8_t> px) {
  Image i;
  i.height = h;
  i.width = w;
  i.channels = c;
  i.pixels = std::move(px);
  return i;
}

TEST(Preprocess, BilinearKnownValues) {
  // OpenCV INTER_LINEAR (half-pixel centres, edge clamp) of [[0,100],[200,255]] to 4x4.
  PreprocessConfig p;
  p.color = "gray";
  p.resize.mode = "exact";
  p.resize.height = p.resize.width = 4;
  auto out = preprocess_image(make(2, 2, 1, {0, 100, 200, 255}), p);
  ASSERT_TRUE(out.is_ok());
  const std::vector<uint8_t> row0{0, 25, 75, 100}, row3{200, 214, 241, 255};
  EXPECT_EQ(std::vector<uint8_t>(out->pixels.begin(), out->pixels.begin() + 4), row0);
  EXPECT_EQ(std::vector<uint8_t>(out->pixels.begin() + 12, out->pixels.end()), row3);
}

// Reference: interpolate along x for every source row, then along y.
Image reference_resize(const Image& img, int64_t oh, int64_t ow) {
  auto taps = [](int64_t in, int64_t out, int64_t o, int64_t* a, int64_t* b, double* w) {
    double src = (static_cast<double>(o) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
    if (src < 0) src = 0;
    *a = std::min<int64_t>(static_cast<int64_t>(std::floor(src)), in - 1);
    *b = std::min<int64_t>(*a + 1, in - 1);
    *w = src - static_cast<double>(*a);
  };
  Image out = make(oh, ow, img.channels, std::vector<uint8_t>(static_cast<size_t>(oh * ow * img.channels)));
  std::vector<double> rows(static_cast<size_t>(img.height * ow * img.channels));
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < ow; ++x) {
      int64_t a, b;
      double w;
      taps(img.width, ow, x, &a, &b, &w);
      for (int64_t c = 0; c < img.channels; ++c)
        rows[static_cast<size_t>((y * ow + x) * img.channels + c)] =
            (1 - w) * img.pixels[static_cast<size_t>((y * img.width + a) * img.channels + c)] +
            w * img.pixels[static_cast<size_t>((y * img.width + b) * img.channels + c)];
    }
  for (int64_t y = 0; y < oh; ++y) {
    int64_t a, b;
    double w;
    taps(img.height, oh, y, &a, &b, &w);
    for (int64_t x = 0; x < ow * img.channels; ++x)
      out.pixels[static_cast<size_t>(y * ow * img.channels + x)] = static_cast<uint8_t>(std::clamp(
          std::nearbyint((1 - w) * rows[static_cast<size_t>(a * ow * img.channels + x)] + w * rows[static_cast<size_t>(b * ow * img.channels + x)]),
          0.0, 255.0));
  }
  return out;
}

TEST(Preprocess, BilinearMatchesReferenceOnRandomImages) {
  std::mt19937_64 rng(3);
  size_t total = 0, off_by_one = 0;
  for (int it = 0; it < 20; ++it) {
    const int64_t h = 3 + static_cast<int64_t>(rng() % 40), w = 3 + static_cast<int64_t>(rng() % 40);
    const int64_t oh = 2 + static_cast<int64_t>(rng() % 50), ow = 2 + static_cast<int64_t>(rng() % 50);
    Image img = make(h, w, 3, {});
    for (int64_t i = 0; i < h * w * 3; ++i) img.pixels.push_back(static_cast<uint8_t>(rng() % 256));
    PreprocessConfig p;
    p.resize.mode = "exact";
    p.resize.height = oh;
    p.resize.width = ow;
    auto got = preprocess_image(img, p);
    Image want = reference_resize(img, oh, ow);
    ASSERT_TRUE(got.is_ok());
    ASSERT_EQ(got->pixels.size(), want.pixels.size());
    for (size_t i = 0; i < want.pixels.size(); ++i) {
      int d = std::abs(static_cast<int>(got->pixels[i]) - want.pixels[i]);
      EXPECT_LE(d, 1);  // the two orders of arithmetic may round an exact .5 differently
      off_by_one += d == 1;
      ++total;
    }
  }
  EXPECT_LT(off_by_one, total / 100) << off_by_one << " of " << total;
}

TEST(Preprocess, ShorterSideAndCentreCropLikeTorchvision) {
  // 10x20 image, shorter side to 5 -> 5x10; centre crop 4x5: top = round_half_even(0.5) = 0,
  // left = round_half_even(2.5) = 2.
  Image img = make(10, 20, 1, {});
  for (int i = 0; i < 200; ++i) img.pixels.push_back(static_cast<uint8_t>(i));
  PreprocessConfig p;
  p.color = "gray";
  p.resize.mode = "shorter";
  p.resize.size = 5;
  auto resized = preprocess_image(img, p);
  ASSERT_TRUE(resized.is_ok());
  EXPECT_EQ(resized->height, 5);
  EXPECT_EQ(resized->width, 10);
  p.crop_height = 4;
  p.crop_width = 5;
  auto cropped = preprocess_image(img, p);
  ASSERT_TRUE(cropped.is_ok());
  EXPECT_EQ(cropped->pixels[0], resized->pixels[2]);
  EXPECT_EQ(cropped->pixels[5], resized->pixels[10 + 2]);
  p.crop_height = 6;  // larger than the resized image
  auto bad = preprocess_image(img, p);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("does not fit"), std::string::npos);
}

TEST(Preprocess, ColorConversions) {
  Image rgb = make(1, 2, 3, {255, 0, 0, 10, 20, 30});
  PreprocessConfig p;
  p.color = "gray";
  EXPECT_EQ(preprocess_image(rgb, p)->pixels, (std::vector<uint8_t>{76, 18}));  // PIL's L for pure red is 76
  p.color = "bgr";
  EXPECT_EQ(preprocess_image(rgb, p)->pixels, (std::vector<uint8_t>{0, 0, 255, 30, 20, 10}));
  p.color = "rgb";
  EXPECT_EQ(preprocess_image(make(1, 1, 1, {7}), p)->pixels, (std::vector<uint8_t>{7, 7, 7}));
}

TEST(Preprocess, NormalisationIsExactFloat32AndLayouts) {
  Image img = make(2, 2, 3, {0, 1, 2, 50, 100, 150, 200, 250, 255, 3, 4, 5});
  PreprocessConfig p;
  p.mean = {0.485f, 0.456f, 0.406f};
  p.std = {0.229f, 0.224f, 0.225f};
  std::vector<float> chw(12), hwc(12);
  ASSERT_TRUE(preprocess(img, p, {3, 2, 2}, chw.data()).is_ok());
  p.layout = "NHWC";
  ASSERT_TRUE(preprocess(img, p, {2, 2, 3}, hwc.data()).is_ok());
  for (int64_t y = 0; y < 2; ++y)
    for (int64_t x = 0; x < 2; ++x)
      for (int64_t c = 0; c < 3; ++c) {
        const float want = (static_cast<float>(img.pixels[static_cast<size_t>((y * 2 + x) * 3 + c)]) / 255.0f - p.mean[static_cast<size_t>(c)]) /
                           p.std[static_cast<size_t>(c)];
        EXPECT_EQ(chw[static_cast<size_t>((c * 2 + y) * 2 + x)], want);  // bit-exact
        EXPECT_EQ(hwc[static_cast<size_t>((y * 2 + x) * 3 + c)], want);
      }
  std::vector<float> small(3);
  auto mismatch = preprocess(img, p, {1, 1, 3}, small.data());
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_NE(mismatch.message().find("model takes"), std::string::npos);
}

}  // namespace
}  // namespace calibra::test
