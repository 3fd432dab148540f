// Element-wise ops (activations, broadcast binary ops, PRelu, Pow, Sum/Max/Min): oneDNN vs
// reference on seeded random shapes, on plain inputs and on blocked (nChw8c-style) inputs
// produced by a preceding Conv.
#include "testutil.h"

namespace calibra::test {
namespace {

constexpr double kNmse = 1e-10;

std::vector<int64_t> random_shape(std::mt19937_64& rng, size_t rank) {
  std::vector<int64_t> s;
  for (size_t i = 0; i < rank; ++i) s.push_back(std::uniform_int_distribution<int64_t>(1, i == 1 ? 19 : 9)(rng));
  return s;
}

// Adds "x" -> [1x1 Conv, so the value arrives blocked] -> "x2" when `blocked`.
std::string maybe_conv(ModelBuilder& b, const std::vector<int64_t>& shape, bool blocked, uint64_t seed) {
  b.input("x", DType::kF32, shape);
  if (!blocked) return "x";
  b.initializer("cw", random_tensor({shape[1], shape[1], 1, 1}, seed));
  b.node("Conv", {"x", "cw"}, {"x2"});
  return "x2";
}

struct Unary {
  const char* op;
  std::vector<Attr> attrs;
  float lo, hi;
};

TEST(EltwiseOp, ActivationsMatchReference) {
  const std::vector<Unary> ops = {
      {"Relu", {}, -2, 2},          {"LeakyRelu", {af("alpha", 0.1f)}, -2, 2},
      {"Sigmoid", {}, -6, 6},       {"HardSigmoid", {af("alpha", 0.3f), af("beta", 0.4f)}, -4, 4},
      {"HardSwish", {}, -5, 5},     {"Tanh", {}, -3, 3},
      {"Elu", {af("alpha", 0.7f)}, -3, 3}, {"Exp", {}, -3, 3},
      {"Sqrt", {}, 0.01f, 4},       {"Abs", {}, -2, 2},
      {"Erf", {}, -2, 2},           {"Neg", {}, -2, 2},
      {"Log", {}, 0.01f, 4},        {"Softplus", {}, -3, 3},
  };
  std::mt19937_64 rng(11);
  for (const auto& u : ops)
    for (int blocked = 0; blocked < 2; ++blocked)
      for (int it = 0; it < 3; ++it) {
        auto shape = random_shape(rng, 4);
        ModelBuilder b(14);
        std::string x = maybe_conv(b, shape, blocked, it);
        b.node(u.op, {x}, {"y"}, u.attrs).output("y");
        auto m = b.load(false);  // unfused: test the standalone kernel
        ASSERT_TRUE(m);
        auto c = run_both(m, {random_tensor(Shape(shape.begin(), shape.end()), it, u.lo, u.hi)});
        ASSERT_EQ(c.fast.size(), 1u) << u.op;
        EXPECT_LT(nmse(c.fast[0], c.ref[0]), kNmse) << u.op << " " << shape_str(Shape(shape.begin(), shape.end()));
      }
}

TEST(EltwiseOp, StandaloneActivationsUseOneDnn) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Elu", "HardSwish", "Exp", "Sqrt", "Abs"}) {
    ModelBuilder b(14);
    b.input("x", DType::kF32, {2, 16, 5, 5}).node(op, {"x"}, {"y"}).output("y");
    auto m = b.load(false);
    ASSERT_TRUE(m);
    auto c = run_both(m, {random_tensor({2, 16, 5, 5}, 1, 0.1f, 2.f)});
    EXPECT_TRUE(used_dnnl(c, op)) << op;
  }
}

TEST(EltwiseOp, ClipWithConstantAndRuntimeBounds) {
  for (int opset : {6, 11, 13}) {
    ModelBuilder b(opset);
    b.input("x", DType::kF32, {3, 7});
    if (opset < 11) {
      b.node("Clip", {"x"}, {"y"}, {af("min", -0.25f), af("max", 0.5f)});
    } else {
      Tensor lo(DType::kF32, {}), hi(DType::kF32, {});
      *lo.data_as<float>() = -0.25f;
      *hi.data_as<float>() = 0.5f;
      b.initializer("lo", lo).initializer("hi", hi).node("Clip", {"x", "lo", "hi"}, {"y"});
    }
    b.output("y");
    auto m = b.load(false);
    ASSERT_TRUE(m);
    Tensor x = random_tensor({3, 7}, 5);
    auto c = run_both(m, {x});
    ASSERT_EQ(c.fast.size(), 1u);
    EXPECT_LT(nmse(c.fast[0], c.ref[0]), kNmse);
    for (int64_t i = 0; i < x.numel(); ++i)
      EXPECT_FLOAT_EQ(c.ref[0].data_as<float>()[i], std::min(0.5f, std::max(-0.25f, x.data_as<float>()[i])));
  }
}

TEST(BinaryOp, BroadcastShapesMatchReference) {
  std::mt19937_64 rng(21);
  int dnnl_used = 0, cases = 0;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"})
    for (int it = 0; it < 8; ++it) {
      const bool blocked = it % 2 == 1;
      auto a = random_shape(rng, 4);
      // b: a with some dims set to 1, and possibly fewer leading dims.
      std::vector<int64_t> bs = a;
      for (auto& d : bs)
        if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) d = 1;
      size_t drop = std::uniform_int_distribution<size_t>(0, 2)(rng);
      bs.erase(bs.begin(), bs.begin() + static_cast<long>(drop));
      const bool swap = it % 4 >= 2 && std::string(op) != "Sub" && std::string(op) != "Div";
      ModelBuilder mb(13);
      std::string x = maybe_conv(mb, a, blocked, it);
      mb.input("b", DType::kF32, bs);
      if (swap) mb.node(op, {"b", x}, {"y"});
      else mb.node(op, {x, "b"}, {"y"});
      mb.output("y");
      auto m = mb.load(false);
      ASSERT_TRUE(m);
      auto c = run_both(m, {random_tensor(Shape(a.begin(), a.end()), it), random_tensor(Shape(bs.begin(), bs.end()), it + 50, 0.5f, 2.f)});
      ASSERT_EQ(c.fast.size(), 1u);
      EXPECT_LT(nmse(c.fast[0], c.ref[0]), kNmse) << op << " a=" << shape_str(Shape(a.begin(), a.end())) << " b="
                                                 << shape_str(Shape(bs.begin(), bs.end())) << (swap ? " swapped" : "");
      dnnl_used += used_dnnl(c, op);
      ++cases;
    }
  EXPECT_GE(dnnl_used, cases * 3 / 4);
}

TEST(BinaryOp, IntegerArithmeticAndDivisionByZero) {
  ModelBuilder b(13);
  b.input("a", DType::kI64, {4}).input("b", DType::kI64, {4}).node("Div", {"a", "b"}, {"y"}).output("y", DType::kI64);
  auto m = b.load();
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  ASSERT_TRUE(s.is_ok());
  Tensor a(DType::kI64, {4}), d(DType::kI64, {4});
  int64_t av[] = {7, -7, 9, 100}, dv[] = {2, 2, -3, 7};
  std::copy(av, av + 4, a.data_as<int64_t>());
  std::copy(dv, dv + 4, d.data_as<int64_t>());
  auto y = (*s)->run({a, d});
  ASSERT_TRUE(y.is_ok());
  int64_t want[] = {3, -3, -3, 14};  // C++ / ONNX Runtime truncation
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*y)[0].data_as<int64_t>()[i], want[i]);
  d.data_as<int64_t>()[2] = 0;
  auto bad = (*s)->run({a, d});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("division by zero"), std::string::npos);
}

TEST(BinaryOp, PReluPowAndVariadic) {
  std::mt19937_64 rng(31);
  for (int it = 0; it < 6; ++it) {
    auto shape = random_shape(rng, 4);
    Shape s(shape.begin(), shape.end());
    ModelBuilder b(13);
    std::string x = maybe_conv(b, shape, it % 2, it);
    b.initializer("slope", random_tensor({shape[1], 1, 1}, it));
    Tensor e(DType::kF32, {});
    *e.data_as<float>() = 2.f;
    b.initializer("e", e);
    b.input("z", DType::kF32, shape);
    b.node("PRelu", {x, "slope"}, {"p"});
    b.node("Pow", {"p", "e"}, {"q"});
    b.node("Sum", {"q", "z"}, {"r"});
    b.node("Max", {"r", "z"}, {"y1"});
    b.node("Min", {"r", "z", "p"}, {"y2"});
    b.output("y1").output("y2");
    auto m = b.load(false);
    ASSERT_TRUE(m);
    auto c = run_both(m, {random_tensor(s, it), random_tensor(s, it + 9)});
    ASSERT_EQ(c.fast.size(), 2u);
    EXPECT_LT(nmse(c.fast[0], c.ref[0]), kNmse);
    EXPECT_LT(nmse(c.fast[1], c.ref[1]), kNmse);
    EXPECT_TRUE(used_dnnl(c, "PRelu"));
    EXPECT_TRUE(used_dnnl(c, "Pow"));
  }
}

}  // namespace
}  // namespace calibra::test
