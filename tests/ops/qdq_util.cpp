#include "qdq_util.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace calibra::test {

std::pair<std::string, std::string> qparams(ModelBuilder& b, const std::string& base, std::vector<float> scale,
                                            std::vector<int32_t> zp, DType t) {
  Tensor s(DType::kF32, scale.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(scale.size())});
  std::copy(scale.begin(), scale.end(), s.data_as<float>());
  Tensor z(t, zp.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(zp.size())});
  for (size_t i = 0; i < zp.size(); ++i) {
    if (t == DType::kU8)
      z.data_as<uint8_t>()[i] = static_cast<uint8_t>(zp[i]);
    else
      z.data_as<int8_t>()[i] = static_cast<int8_t>(zp[i]);
  }
  b.initializer(base + ".s", s).initializer(base + ".z", z);
  return {base + ".s", base + ".z"};
}

void q(ModelBuilder& b, const std::string& x, const std::string& y, float s, int32_t zp, DType t) {
  auto [sn, zn] = qparams(b, y, {s}, {zp}, t);
  b.node("QuantizeLinear", {x, sn, zn}, {y});
}

void dq(ModelBuilder& b, const std::string& x, const std::string& y, float s, int32_t zp, DType t) {
  auto [sn, zn] = qparams(b, y, {s}, {zp}, t);
  b.node("DequantizeLinear", {x, sn, zn}, {y});
}

void weights(ModelBuilder& b, const std::string& name, const Shape& shape, int wmax, uint64_t seed,
             std::vector<float>* scales) {
  Tensor w = random_int_tensor(DType::kI8, shape, seed, -wmax, wmax);
  b.initializer(name + "_q", w);
  std::vector<float> s;
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < shape[0]; ++i) s.push_back(0.002f + 0.01f * static_cast<float>(rng() % 100) / 100.f);
  auto [sn, zn] = qparams(b, name, s, std::vector<int32_t>(s.size(), 0), DType::kI8);
  b.node("DequantizeLinear", {name + "_q", sn, zn}, {name}, {ai("axis", 0)});
  if (scales) *scales = std::move(s);
}

double max_steps(const Tensor& a, const Tensor& b, double float_step) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return 1e9;
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x, y;
    switch (a.dtype()) {
      case DType::kU8:
        x = a.data_as<uint8_t>()[i], y = b.data_as<uint8_t>()[i];
        break;
      case DType::kI8:
        x = a.data_as<int8_t>()[i], y = b.data_as<int8_t>()[i];
        break;
      default:
        x = a.data_as<float>()[i] / float_step, y = b.data_as<float>()[i] / float_step;
    }
    m = std::max(m, std::abs(x - y));
  }
  return m;
}

}  // namespace calibra::test
