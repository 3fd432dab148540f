// JPEG and PNG decoding through our libjpeg-turbo / libpng wrappers (header first, pixel
// limit), then the preprocessing a dataset image goes through (color, resize, crop).
#include "calibra/usage.h"
#include "data/image_io.h"
#include "harness.h"

namespace calibra::fuzz::image {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kMaxPixels = int64_t{1} << 20;
  auto h = read_image_header(bytes, "'fuzz'");
  if (!h.is_ok()) check_status(h.status(), "read_image_header");
  auto img = decode_image(bytes, "'fuzz'", kMaxPixels);
  if (!img.is_ok()) {
    check_status(img.status(), "decode_image");
    return 0;
  }
  if (img->height <= 0 || img->width <= 0 || img->height * img->width > kMaxPixels)
    fuzz_fail("decode_image: bad size " + std::to_string(img->width) + "x" + std::to_string(img->height));
  if (img->channels != 1 && img->channels != 3) fuzz_fail("decode_image: " + std::to_string(img->channels) + " channels");
  if (img->pixels.size() != static_cast<size_t>(img->height * img->width * img->channels))
    fuzz_fail("decode_image: pixel buffer does not match the image size");
  if (!h.is_ok() || h->height != img->height || h->width != img->width)
    fuzz_fail("decode_image succeeded where the header disagrees");
  PreprocessConfig p;
  p.color = size % 2 ? "gray" : "rgb";
  p.resize.mode = "shorter";
  p.resize.size = 9;
  p.resize.interpolation = size % 3 ? "bilinear" : "nearest";
  p.crop_height = p.crop_width = 7;
  auto out = preprocess_image(*img, p);
  if (!out.is_ok()) check_status(out.status(), "preprocess_image");
  return 0;
}

}  // namespace calibra::fuzz::image
