// Building blocks of the INT8 op tests (int8_test.cpp, dw_int8_test.cpp): QDQ models made
// with ModelBuilder, and output comparison in quantization steps.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "testutil.h"

namespace calibra::test {

// Adds scale/zero-point constants named BASE.s / BASE.z (scalars when one value is given)
// and returns {scale_name, zp_name}.
std::pair<std::string, std::string> qparams(ModelBuilder& b, const std::string& base, std::vector<float> scale,
                                            std::vector<int32_t> zp, DType t);
// y = QuantizeLinear(x) / DequantizeLinear(x) with per-tensor parameters.
void q(ModelBuilder& b, const std::string& x, const std::string& y, float s, int32_t zp, DType t);
void dq(ModelBuilder& b, const std::string& x, const std::string& y, float s, int32_t zp, DType t);
// Int8 weights NAME_q in [-wmax, wmax] (63 for the 7-bit rule), seeded, dequantized per output
// channel into NAME; the per-channel scales go to `scales` when given.
void weights(ModelBuilder& b, const std::string& name, const Shape& shape, int wmax, uint64_t seed,
             std::vector<float>* scales = nullptr);
// Max difference in LSB (8-bit outputs) or in units of `float_step` (float outputs); 1e9 (and
// a test failure) when the types or shapes differ.
double max_steps(const Tensor& a, const Tensor& b, double float_step);

}  // namespace calibra::test
