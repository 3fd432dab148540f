// One dataset sample as a model input: [1, ...sample] float32, preprocessed with a usage.
#pragma once

#include "calibra/dataset.h"
#include "calibra/usage.h"

namespace calibra {

// Sample `i` of `d` preprocessed with `u` into a [1, ...sample] tensor (tensor samples, e.g.
// from .npy datasets, are reshaped as they are).
Result<Tensor> sample_tensor(const Dataset& d, size_t i, const ModelUsage& u, const Shape& sample);

}  // namespace calibra
