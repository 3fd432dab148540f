// JPEG (libjpeg-turbo) and PNG (libpng) decoding and encoding, with errors as values.
// Headers are read first so that absurd sizes are refused before any pixel is allocated.
#pragma once

#include <string>

#include "calibra/dataset.h"

namespace calibra {

struct ImageHeader {
  int64_t height = 0, width = 0, channels = 0;  // channels after decoding (1 or 3)
  std::string format;                           // "jpeg" or "png"
};

// Format by content (magic bytes), not by file name.
bool looks_like_image(const std::string& bytes);
Result<ImageHeader> read_image_header(const std::string& bytes, const std::string& what);
// Decodes to gray (1 channel) or RGB (3). Alpha is dropped; 16-bit PNGs are reduced to 8 bits.
Result<Image> decode_image(const std::string& bytes, const std::string& what, int64_t max_pixels);
Result<Image> load_image(const std::string& path, int64_t max_pixels);

Result<std::string> encode_png(const Image& img);
Result<std::string> encode_jpeg(const Image& img, int quality = 95);

}  // namespace calibra
