// A small FP32 image classifier for the harnesses that check configs against a model:
// input [N,3,8,8] -> Conv 3->4 (3x3, pad 1) -> GlobalAveragePool -> Flatten -> output [N,4].
#pragma once

#include <string>

#include "calibra/model.h"

namespace calibra::fuzz {

const Model& tiny_image_model();
std::shared_ptr<const Model> tiny_image_model_ptr();
// The model as ONNX bytes, and saved as scratch_dir()/tiny.onnx (path returned).
const std::string& tiny_image_model_bytes();
const std::string& tiny_image_model_path();

}  // namespace calibra::fuzz
