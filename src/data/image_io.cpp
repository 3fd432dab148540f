#include "data/image_io.h"

// clang-format off
#include <cstdio>
#include <jpeglib.h>
#include <png.h>
// clang-format on

#include <csetjmp>
#include <cstring>

#include "core/file_util.h"

namespace calibra {

namespace {

bool is_jpeg(const std::string& b) {
  return b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0xFF && static_cast<uint8_t>(b[1]) == 0xD8 &&
         static_cast<uint8_t>(b[2]) == 0xFF;
}
bool is_png(const std::string& b) { return b.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(b.data()), 0, 8) == 0; }

// libjpeg reports errors by calling error_exit; we jump back with the message.
struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};
void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}
void jpeg_silent(j_common_ptr) {}

// PNG reads from memory.
struct PngReader {
  const std::string* bytes;
  size_t pos;
};
void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (r->pos + n > r->bytes->size()) png_error(png, "truncated file");
  std::memcpy(out, r->bytes->data() + r->pos, n);
  r->pos += n;
}
void png_warning_silent(png_structp, png_const_charp) {}
void png_error_jump(png_structp png, png_const_charp msg) {
  auto* buf = static_cast<std::string*>(png_get_error_ptr(png));
  *buf = msg ? msg : "error";
  png_longjmp(png, 1);
}

Status too_large(const std::string& what, int64_t h, int64_t w, int64_t max_pixels) {
  return Status::resource_exhausted(what + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                                    ", more than the limit of " + std::to_string(max_pixels) +
                                    " pixels (CALIBRA_MAX_IMAGE_PIXELS raises it)");
}

Result<Image> decode_jpeg(const std::string& bytes, const std::string& what, int64_t max_pixels, bool header_only) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  err.mgr.output_message = jpeg_silent;
  Image img;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return Status::invalid_argument(what + ": unreadable JPEG (" + err.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  img.height = cinfo.image_height;
  img.width = cinfo.image_width;
  img.channels = cinfo.num_components == 1 ? 1 : 3;
  if (img.height <= 0 || img.width <= 0) {
    jpeg_destroy_decompress(&cinfo);
    return Status::invalid_argument(what + ": JPEG with an empty size");
  }
  if (img.height * img.width > max_pixels) {
    jpeg_destroy_decompress(&cinfo);
    return too_large(what, img.height, img.width, max_pixels);
  }
  if (header_only) {
    jpeg_destroy_decompress(&cinfo);
    return img;
  }
  jpeg_start_decompress(&cinfo);
  img.channels = cinfo.output_components;
  const size_t row = static_cast<size_t>(img.width * img.channels);
  img.pixels.resize(row * static_cast<size_t>(img.height));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW r = img.pixels.data() + row * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return img;
}

Result<Image> decode_png(const std::string& bytes, const std::string& what, int64_t max_pixels, bool header_only) {
  std::string message;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, png_error_jump, png_warning_silent);
  if (!png) return Status::internal("libpng: cannot create a reader");
  png_infop info = png_create_info_struct(png);
  Image img;
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::invalid_argument(what + ": unreadable PNG (" + message + ")");
  }
  PngReader reader{&bytes, 0};
  png_set_read_fn(png, &reader, png_read_mem);
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  const int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  img.height = h;
  img.width = w;
  const bool gray = (color & PNG_COLOR_MASK_COLOR) == 0;
  img.channels = gray ? 1 : 3;
  if (img.height * img.width > max_pixels) {
    png_destroy_read_struct(&png, &info, nullptr);
    return too_large(what, img.height, img.width, max_pixels);
  }
  if (header_only) {
    png_destroy_read_struct(&png, &info, nullptr);
    return img;
  }
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (gray && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (depth == 16) png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  img.channels = png_get_channels(png, info);
  if (img.channels != 1 && img.channels != 3) {
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::unsupported(what + ": PNG with " + std::to_string(img.channels) + " channels after conversion");
  }
  const size_t row = png_get_rowbytes(png, info);
  img.pixels.resize(row * h);
  rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = img.pixels.data() + row * y;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return img;
}

struct PngWriter {
  std::string* out;
};
void png_write_mem(png_structp png, png_bytep data, png_size_t n) {
  static_cast<PngWriter*>(png_get_io_ptr(png))->out->append(reinterpret_cast<const char*>(data), n);
}
void png_flush_mem(png_structp) {}

}  // namespace

bool looks_like_image(const std::string& bytes) { return is_jpeg(bytes) || is_png(bytes); }

Result<ImageHeader> read_image_header(const std::string& bytes, const std::string& what) {
  Result<Image> r = is_jpeg(bytes)  ? decode_jpeg(bytes, what, int64_t(1) << 62, true)
                    : is_png(bytes) ? decode_png(bytes, what, int64_t(1) << 62, true)
                                    : Result<Image>(Status::invalid_argument(what + ": not a JPEG or PNG image"));
  if (!r.is_ok()) return r.status();
  return ImageHeader{r->height, r->width, r->channels, is_jpeg(bytes) ? "jpeg" : "png"};
}

Result<Image> decode_image(const std::string& bytes, const std::string& what, int64_t max_pixels) {
  if (is_jpeg(bytes)) return decode_jpeg(bytes, what, max_pixels, false);
  if (is_png(bytes)) return decode_png(bytes, what, max_pixels, false);
  if (bytes.empty()) return Status::invalid_argument(what + ": empty file");
  return Status::invalid_argument(what + ": not a JPEG or PNG image");
}

Result<Image> load_image(const std::string& path, int64_t max_pixels) {
  CALIBRA_ASSIGN_OR_RETURN(std::string bytes, read_file(path, size_t(1) << 30));
  return decode_image(bytes, "'" + path + "'", max_pixels);
}

Result<std::string> encode_png(const Image& img) {
  if (img.channels != 1 && img.channels != 3) return Status::invalid_argument("PNG: 1 or 3 channels");
  std::string out;
  std::string message;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message, png_error_jump, png_warning_silent);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Status::internal("PNG encoding failed: " + message);
  }
  PngWriter w{&out};
  png_set_write_fn(png, &w, png_write_mem, png_flush_mem);
  png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
               img.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t row = static_cast<size_t>(img.width * img.channels);
  for (int64_t y = 0; y < img.height; ++y)
    png_write_row(png, const_cast<png_bytep>(img.pixels.data() + row * static_cast<size_t>(y)));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

Result<std::string> encode_jpeg(const Image& img, int quality) {
  if (img.channels != 1 && img.channels != 3) return Status::invalid_argument("JPEG: 1 or 3 channels");
  jpeg_compress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(buf);
    return Status::internal(std::string("JPEG encoding failed: ") + err.message);
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = static_cast<JDIMENSION>(img.width);
  cinfo.image_height = static_cast<JDIMENSION>(img.height);
  cinfo.input_components = static_cast<int>(img.channels);
  cinfo.in_color_space = img.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const size_t row = static_cast<size_t>(img.width * img.channels);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = const_cast<JSAMPROW>(img.pixels.data() + row * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buf), size);
  jpeg_destroy_compress(&cinfo);
  std::free(buf);
  return out;
}

}  // namespace calibra
