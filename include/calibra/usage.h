// Model usage (DL Workbench's "Configure Accuracy"): how dataset images become model inputs
// and how outputs are scored. Stored as JSON next to results so a run can be reproduced
// (format in README "Model usage config"; the JSON mapping lives in src/app/).
//
// Preprocessing, in this order, in float32 exactly as written:
//   1. color:  to gray (PIL's L = (19595 R + 38470 G + 7471 B + 2^15) >> 16), RGB, or BGR
//   2. resize: none | exact HxW | shorter side to S (aspect kept, size rounded down);
//              bilinear with half-pixel centres and no antialiasing (OpenCV INTER_LINEAR),
//              or nearest; results rounded to uint8
//   3. crop:   centre crop HxW, top/left = round_half_even((size - crop) / 2) (torchvision)
//   4. value:  x = (float(pixel) / divide - mean[c]) / std[c]
//   5. layout: NCHW or NHWC
#pragma once

#include <string>
#include <vector>

#include "calibra/dataset.h"
#include "calibra/model.h"

namespace calibra {

struct ResizeSpec {
  std::string mode = "none";  // none | exact | shorter
  int64_t height = 0, width = 0;  // exact
  int64_t size = 0;               // shorter
  std::string interpolation = "bilinear";  // bilinear | nearest
};

struct PreprocessConfig {
  std::string color = "rgb";  // gray | rgb | bgr
  ResizeSpec resize;
  int64_t crop_height = 0, crop_width = 0;  // 0: no crop
  double divide = 255.0;
  std::vector<float> mean, std;  // one per channel (or one for all)
  std::string layout = "NCHW";   // NCHW | NHWC
};

struct ModelUsage {
  std::string task = "classification";  // the only task for now; the format leaves room
  PreprocessConfig preprocessing;
  int64_t label_offset = 0;  // model class = dataset label + offset (e.g. 1 for 1001-class models)
  std::vector<std::string> metrics = {"top1", "top5"};
  std::string source;  // where it came from: "defaults", "zoo/x.usage.json", ...
};

// Defaults inferred from the model's first input (N,C,H,W or N,H,W,C) and the dataset:
// gray for 1 channel, RGB for 3; no resize when the dataset's images already have the
// input's size, else shorter side to H/0.875 and a centre crop to HxW (the ImageNet
// recipe); x/255 normalised with ImageNet mean/std for RGB, (x/255 - 0.5)/0.5 for gray.
ModelUsage default_usage(const Model& model, const DatasetInfo& dataset);
// Checks a usage against a model and dataset before a job runs (channels, sizes, task).
Status validate_usage(const ModelUsage& u, const Model& model, const DatasetInfo& dataset);
// The input shape of one sample ([C,H,W] or [H,W,C]) the model expects.
Result<Shape> sample_shape(const ModelUsage& u, const Model& model);

// Turns one decoded image into the model's input for one sample (numel of sample_shape).
Status preprocess(const Image& img, const PreprocessConfig& p, const Shape& sample_shape, float* dst);
// The image after color, resize and crop, before normalisation (for previews and tests).
Result<Image> preprocess_image(const Image& img, const PreprocessConfig& p);

}  // namespace calibra
