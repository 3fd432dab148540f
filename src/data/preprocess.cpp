#include <algorithm>
#include <cmath>

#include "calibra/usage.h"

namespace calibra {

namespace {

Image to_color(const Image& img, const std::string& color) {
  Image out;
  out.height = img.height;
  out.width = img.width;
  const size_t n = static_cast<size_t>(img.height * img.width);
  if (color == "gray") {
    out.channels = 1;
    if (img.channels == 1) {
      out.pixels = img.pixels;
      return out;
    }
    out.pixels.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = img.pixels[3 * i], g = img.pixels[3 * i + 1], b = img.pixels[3 * i + 2];
      out.pixels[i] = static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    }
    return out;
  }
  out.channels = 3;
  out.pixels.resize(3 * n);
  const bool bgr = color == "bgr";
  for (size_t i = 0; i < n; ++i) {
    uint8_t r, g, b;
    if (img.channels == 1) r = g = b = img.pixels[i];
    else {
      r = img.pixels[3 * i];
      g = img.pixels[3 * i + 1];
      b = img.pixels[3 * i + 2];
    }
    out.pixels[3 * i] = bgr ? b : r;
    out.pixels[3 * i + 1] = g;
    out.pixels[3 * i + 2] = bgr ? r : b;
  }
  return out;
}

Image resize(const Image& img, int64_t oh, int64_t ow, bool bilinear) {
  Image out;
  out.height = oh;
  out.width = ow;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(oh * ow * img.channels));
  const double sy = static_cast<double>(img.height) / static_cast<double>(oh);
  const double sx = static_cast<double>(img.width) / static_cast<double>(ow);
  const int64_t C = img.channels;
  auto px = [&](int64_t y, int64_t x, int64_t c) { return static_cast<double>(img.pixels[static_cast<size_t>((y * img.width + x) * C + c)]); };
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x)
      for (int64_t c = 0; c < C; ++c) {
        double v;
        if (!bilinear) {
          int64_t iy = std::min<int64_t>(static_cast<int64_t>(std::floor((static_cast<double>(y) + 0.5) * sy)), img.height - 1);
          int64_t ix = std::min<int64_t>(static_cast<int64_t>(std::floor((static_cast<double>(x) + 0.5) * sx)), img.width - 1);
          v = px(iy, ix, c);
        } else {
          double fy = std::max(0.0, (static_cast<double>(y) + 0.5) * sy - 0.5);
          double fx = std::max(0.0, (static_cast<double>(x) + 0.5) * sx - 0.5);
          int64_t y0 = std::min<int64_t>(static_cast<int64_t>(fy), img.height - 1), x0 = std::min<int64_t>(static_cast<int64_t>(fx), img.width - 1);
          int64_t y1 = std::min<int64_t>(y0 + 1, img.height - 1), x1 = std::min<int64_t>(x0 + 1, img.width - 1);
          double wy = fy - static_cast<double>(y0), wx = fx - static_cast<double>(x0);
          v = (1 - wy) * ((1 - wx) * px(y0, x0, c) + wx * px(y0, x1, c)) + wy * ((1 - wx) * px(y1, x0, c) + wx * px(y1, x1, c));
        }
        out.pixels[static_cast<size_t>((y * ow + x) * C + c)] = static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0));
      }
  return out;
}

Image center_crop(const Image& img, int64_t ch, int64_t cw) {
  const int64_t top = static_cast<int64_t>(std::nearbyint(static_cast<double>(img.height - ch) / 2.0));
  const int64_t left = static_cast<int64_t>(std::nearbyint(static_cast<double>(img.width - cw) / 2.0));
  Image out;
  out.height = ch;
  out.width = cw;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(ch * cw * img.channels));
  for (int64_t y = 0; y < ch; ++y)
    std::copy_n(img.pixels.begin() + static_cast<long>(((top + y) * img.width + left) * img.channels), cw * img.channels,
                out.pixels.begin() + static_cast<long>(y * cw * img.channels));
  return out;
}

// Resize targets come from usage configs and (for "shorter") from an image's aspect ratio:
// refuse absurd ones before allocating (or overflowing int64) rather than crash.
Status check_resize(double oh, double ow, int64_t channels) {
  if (oh * ow * static_cast<double>(channels) > static_cast<double>(max_tensor_elements()))
    return Status::resource_exhausted("resizing to " + std::to_string(static_cast<long long>(ow)) + "x" +
                                      std::to_string(static_cast<long long>(oh)) +
                                      " exceeds the tensor element limit (" + std::to_string(max_tensor_elements()) +
                                      "); check resize in the model usage config");
  return Status::ok();
}

}  // namespace

Result<Image> preprocess_image(const Image& img, const PreprocessConfig& p) {
  if (img.channels != 1 && img.channels != 3) return Status::invalid_argument("images must have 1 or 3 channels");
  if (img.height <= 0 || img.width <= 0 || img.pixels.size() != static_cast<size_t>(img.height * img.width * img.channels))
    return Status::invalid_argument("the image is empty or its pixels do not match its size");
  if (p.color != "gray" && p.color != "rgb" && p.color != "bgr")
    return Status::invalid_argument("preprocessing color must be gray, rgb or bgr, not '" + p.color + "'");
  Image cur = to_color(img, p.color);
  const bool bilinear = p.resize.interpolation != "nearest";
  if (p.resize.mode == "exact") {
    if (p.resize.height <= 0 || p.resize.width <= 0) return Status::invalid_argument("resize exact needs height and width");
    CALIBRA_TRY(check_resize(static_cast<double>(p.resize.height), static_cast<double>(p.resize.width), cur.channels));
    cur = resize(cur, p.resize.height, p.resize.width, bilinear);
  } else if (p.resize.mode == "shorter") {
    if (p.resize.size <= 0) return Status::invalid_argument("resize shorter needs a size");
    const int64_t s = p.resize.size;
    const double long_side = static_cast<double>(s) * static_cast<double>(std::max(cur.height, cur.width)) /
                             static_cast<double>(std::min(cur.height, cur.width));
    CALIBRA_TRY(check_resize(static_cast<double>(s), long_side, cur.channels));
    int64_t oh, ow;
    if (cur.height <= cur.width) {
      oh = s;
      ow = std::max<int64_t>(1, s * cur.width / cur.height);
    } else {
      ow = s;
      oh = std::max<int64_t>(1, s * cur.height / cur.width);
    }
    cur = resize(cur, oh, ow, bilinear);
  } else if (p.resize.mode != "none") {
    return Status::invalid_argument("resize mode must be none, exact or shorter, not '" + p.resize.mode + "'");
  }
  if (p.crop_height > 0 || p.crop_width > 0) {
    if (p.crop_height > cur.height || p.crop_width > cur.width || p.crop_height <= 0 || p.crop_width <= 0)
      return Status::invalid_argument("crop " + std::to_string(p.crop_width) + "x" + std::to_string(p.crop_height) +
                                      " does not fit the " + std::to_string(cur.width) + "x" + std::to_string(cur.height) +
                                      " image (resize first, or crop less)");
    cur = center_crop(cur, p.crop_height, p.crop_width);
  }
  return cur;
}

Status preprocess(const Image& img, const PreprocessConfig& p, const Shape& s, float* dst) {
  CALIBRA_ASSIGN_OR_RETURN(Image cur, preprocess_image(img, p));
  const bool nchw = p.layout != "NHWC";
  const int64_t C = nchw ? s[0] : s[2], H = nchw ? s[1] : s[0], W = nchw ? s[2] : s[1];
  if (cur.channels != C || cur.height != H || cur.width != W)
    return Status::invalid_argument("the preprocessed image is " + std::to_string(cur.width) + "x" +
                                    std::to_string(cur.height) + "x" + std::to_string(cur.channels) +
                                    " but the model takes " + std::to_string(W) + "x" + std::to_string(H) + "x" +
                                    std::to_string(C) + " (set resize/crop in the model usage config)");
  const float divide = static_cast<float>(p.divide);
  for (int64_t c = 0; c < C; ++c) {
    const float mean = p.mean.empty() ? 0.f : p.mean[p.mean.size() == 1 ? 0 : static_cast<size_t>(c)];
    const float sd = p.std.empty() ? 1.f : p.std[p.std.size() == 1 ? 0 : static_cast<size_t>(c)];
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        float v = static_cast<float>(cur.pixels[static_cast<size_t>((y * W + x) * C + c)]) / divide;
        v = (v - mean) / sd;
        dst[nchw ? (c * H + y) * W + x : (y * W + x) * C + c] = v;
      }
  }
  return Status::ok();
}

Result<Shape> sample_shape(const ModelUsage& u, const Model& model) {
  if (model.inputs().empty()) return Status::invalid_argument("the model has no inputs");
  const TensorSpec& in = model.inputs()[0];
  if (model.inputs().size() != 1)
    return Status::unsupported("the model has " + std::to_string(model.inputs().size()) +
                               " inputs; dataset evaluation feeds single-input image models");
  if (in.dims.size() != 4 || in.dtype != DType::kF32)
    return Status::unsupported("input '" + in.name + "' is " + in.str().substr(in.name.size() + 2) +
                               "; dataset evaluation needs a float32 image input [N,C,H,W] or [N,H,W,C]");
  Shape s(in.dims.begin() + 1, in.dims.end());
  for (int64_t d : s)
    if (d < 0)
      return Status::unsupported("input '" + in.name + "' has dynamic image dimensions " + in.str() +
                                 "; export the model with a fixed image size");
  (void)u;
  return s;
}

ModelUsage default_usage(const Model& model, const DatasetInfo& ds) {
  ModelUsage u;
  u.source = "defaults";
  PreprocessConfig& p = u.preprocessing;
  const TensorSpec* in = model.inputs().empty() ? nullptr : &model.inputs()[0];
  if (!in || in->dims.size() != 4) return u;
  // NHWC when the last dim looks like channels and the second does not.
  const bool nhwc = (in->dims[3] == 1 || in->dims[3] == 3) && in->dims[1] != 1 && in->dims[1] != 3;
  p.layout = nhwc ? "NHWC" : "NCHW";
  const int64_t C = nhwc ? in->dims[3] : in->dims[1], H = nhwc ? in->dims[1] : in->dims[2], W = nhwc ? in->dims[2] : in->dims[3];
  p.color = C == 1 ? "gray" : "rgb";
  if (C == 1) {
    p.mean = {0.5f};
    p.std = {0.5f};
  } else {
    p.mean = {0.485f, 0.456f, 0.406f};
    p.std = {0.229f, 0.224f, 0.225f};
  }
  if (H > 0 && W > 0 && !(ds.height == H && ds.width == W)) {
    p.resize.mode = "shorter";
    p.resize.size = static_cast<int64_t>(std::lround(static_cast<double>(std::min(H, W)) / 0.875));
    p.crop_height = H;
    p.crop_width = W;
  }
  return u;
}

Status validate_usage(const ModelUsage& u, const Model& model, const DatasetInfo& ds) {
  if (u.task != "classification")
    return Status::unsupported("task '" + u.task + "' is not supported yet (classification is)");
  for (const auto& m : u.metrics)
    if (m != "top1" && m != "top5") return Status::invalid_argument("unknown metric '" + m + "' (top1, top5)");
  const PreprocessConfig& p = u.preprocessing;
  if (p.layout != "NCHW" && p.layout != "NHWC") return Status::invalid_argument("layout must be NCHW or NHWC");
  if (!(p.divide > 0)) return Status::invalid_argument("divide must be positive");
  for (float s : p.std)
    if (!(s > 0) && !(s < 0)) return Status::invalid_argument("std values must be non-zero");
  if (u.label_offset < 0 || u.label_offset > 1000) return Status::invalid_argument("label_offset must be 0..1000");
  if (ds.generated) return Status::ok();  // generated inputs are model-shaped already
  CALIBRA_ASSIGN_OR_RETURN(Shape s, sample_shape(u, model));
  const int64_t C = p.layout == "NCHW" ? s[0] : s[2];
  if (C != 1 && C != 3)
    return Status::invalid_argument("in layout " + p.layout + " the model's input " + shape_str(s) + " has " +
                                    std::to_string(C) + " channels, but images have 1 (gray) or 3 (rgb, bgr); check layout");
  if ((p.color == "gray") != (C == 1))
    return Status::invalid_argument("the model takes " + std::to_string(C) + " channel(s) but preprocessing color is '" +
                                    p.color + "'");
  if (!p.mean.empty() && p.mean.size() != 1 && static_cast<int64_t>(p.mean.size()) != C)
    return Status::invalid_argument("mean has " + std::to_string(p.mean.size()) + " values for " + std::to_string(C) + " channels");
  if (!p.std.empty() && p.std.size() != 1 && static_cast<int64_t>(p.std.size()) != C)
    return Status::invalid_argument("std has " + std::to_string(p.std.size()) + " values for " + std::to_string(C) + " channels");
  if (p.resize.mode == "none" && p.crop_height == 0 && ds.height == 0 && !ds.generated)
    return Status::invalid_argument("the dataset's images have different sizes; set resize (and crop) in the model usage config");
  return Status::ok();
}

}  // namespace calibra
