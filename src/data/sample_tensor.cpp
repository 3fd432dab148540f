#include "data/sample_tensor.h"

namespace calibra {

Result<Tensor> sample_tensor(const Dataset& d, size_t i, const ModelUsage& u, const Shape& sample) {
  CALIBRA_ASSIGN_OR_RETURN(Sample s, d.get(i));
  Shape shape{1};
  shape.insert(shape.end(), sample.begin(), sample.end());
  Tensor t(DType::kF32, shape);
  if (s.tensor.defined()) return s.tensor.reshaped(shape);
  CALIBRA_TRY(preprocess(s.image, u.preprocessing, sample, t.data_as<float>()));
  return t;
}

}  // namespace calibra
