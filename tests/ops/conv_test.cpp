// Conv / ConvTranspose: the oneDNN kernel against the reference kernel on seeded random
// shapes (groups, depthwise, dilations, strides, asymmetric and auto pads, 1-3 spatial dims,
// batch > 1, channel counts that are not multiples of 8), with fused post-ops.
#include "ir/graph.h"
#include "testutil.h"

namespace calibra::test {
namespace {

constexpr double kNmse = 1e-10;

struct ConvCase {
  int64_t n, c, m, group, k, stride, dilation, nsp;
  std::vector<int64_t> spatial, pads;
  std::string auto_pad;
  bool bias;
};

ConvCase random_case(std::mt19937_64& rng) {
  auto pick = [&](std::vector<int64_t> v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  ConvCase cc;
  cc.nsp = pick({1, 2, 2, 2, 3});
  cc.n = pick({1, 1, 2, 3});
  cc.group = pick({1, 1, 1, 2, 3});
  bool depthwise = pick({0, 0, 1}) == 1;
  cc.c = cc.group * pick({1, 3, 5, 8, 13});
  cc.m = cc.group * pick({1, 4, 7, 16});
  if (depthwise) {
    cc.c = pick({3, 8, 17, 32});
    cc.group = cc.c;
    cc.m = cc.c * pick({1, 1, 2});
  }
  cc.k = pick({1, 2, 3, 3, 5});
  cc.stride = pick({1, 1, 2, 3});
  cc.dilation = pick({1, 1, 1, 2});
  const int64_t max_sp = cc.nsp == 3 ? 9 : 17;
  for (int64_t i = 0; i < cc.nsp; ++i) cc.spatial.push_back(std::uniform_int_distribution<int64_t>((cc.k - 1) * cc.dilation + 1, max_sp)(rng));
  cc.auto_pad = pick({0, 0, 0, 1, 2, 3}) == 0 ? "NOTSET" : (pick({0, 1}) ? "SAME_UPPER" : "SAME_LOWER");
  if (cc.auto_pad == "NOTSET")
    for (int64_t i = 0; i < 2 * cc.nsp; ++i) cc.pads.push_back(std::uniform_int_distribution<int64_t>(0, cc.k - 1)(rng));
  cc.bias = pick({0, 1, 1}) == 1;
  return cc;
}

TEST(ConvOp, DnnlMatchesReferenceOnRandomShapes) {
  std::mt19937_64 rng(42);
  int dnnl_used = 0;
  for (int it = 0; it < 60; ++it) {
    ConvCase cc = random_case(rng);
    Shape x{cc.n, cc.c};
    x.insert(x.end(), cc.spatial.begin(), cc.spatial.end());
    Shape w{cc.m, cc.c / cc.group};
    for (int64_t i = 0; i < cc.nsp; ++i) w.push_back(cc.k);
    ModelBuilder b;
    b.input("x", DType::kF32, std::vector<int64_t>(x.begin(), x.end()));
    b.initializer("w", random_tensor(w, it + 1000));
    std::vector<std::string> ins{"x", "w"};
    if (cc.bias) {
      b.initializer("b", random_tensor({cc.m}, it + 2000));
      ins.push_back("b");
    }
    std::vector<Attr> attrs{ai("group", cc.group), ais("strides", std::vector<int64_t>(cc.nsp, cc.stride)),
                            ais("dilations", std::vector<int64_t>(cc.nsp, cc.dilation)), as("auto_pad", cc.auto_pad)};
    if (!cc.pads.empty()) attrs.push_back(ais("pads", cc.pads));
    b.node("Conv", ins, {"y"}, attrs).output("y");
    auto m = b.load();
    ASSERT_TRUE(m);
    auto c = run_both(m, {random_tensor(x, it)});
    ASSERT_EQ(c.fast.size(), 1u);
    SCOPED_TRACE("case " + std::to_string(it) + " x=" + shape_str(x) + " w=" + shape_str(w) + " g=" +
                 std::to_string(cc.group) + " s=" + std::to_string(cc.stride) + " d=" + std::to_string(cc.dilation) +
                 " " + cc.auto_pad);
    EXPECT_LT(nmse(c.fast[0], c.ref[0]), kNmse);
    dnnl_used += used_dnnl(c, "Conv");
  }
  // Nearly every case must have run on oneDNN, or this test checks nothing.
  EXPECT_GE(dnnl_used, 55);
}

TEST(ConvOp, FusedBatchNormActivationAndResidualMatchUnfusedReference) {
  // x -> Conv -> BN -> Add(residual) -> Relu, and Conv -> Clip(0,6), checked three ways:
  // fused+oneDNN, fused+reference, unfused+reference (the passes are checked too).
  std::mt19937_64 rng(7);
  for (int it = 0; it < 12; ++it) {
    int64_t n = 1 + it % 2, c = 3 + it, h = 5 + it % 7;
    ModelBuilder b;
    b.input("x", DType::kF32, {n, c, h, h});
    b.initializer("w", random_tensor({c, c, 3, 3}, it));
    b.initializer("bias", random_tensor({c}, it + 1));
    b.initializer("scale", random_tensor({c}, it + 2, 0.5f, 1.5f));
    b.initializer("shift", random_tensor({c}, it + 3));
    b.initializer("mean", random_tensor({c}, it + 4));
    b.initializer("var", random_tensor({c}, it + 5, 0.2f, 2.f));
    b.initializer("w2", random_tensor({c, c, 1, 1}, it + 6));
    b.node("Conv", {"x", "w", "bias"}, {"c1"}, {ais("pads", {1, 1, 1, 1})});
    b.node("BatchNormalization", {"c1", "scale", "shift", "mean", "var"}, {"bn"});
    b.node("Add", {"bn", "x"}, {"sum"});
    b.node("Relu", {"sum"}, {"r"});
    b.node("Conv", {"r", "w2"}, {"c2"});
    b.node("Clip", {"c2", "lo", "hi"}, {"y"});
    b.initializer("lo", Tensor(DType::kF32, {}));
    Tensor hi(DType::kF32, {});
    *hi.data_as<float>() = 0.5f;
    b.initializer("hi", hi);
    b.output("y");
    auto fused = b.load(true);
    auto plain = b.load(false);
    ASSERT_TRUE(fused && plain);
    std::vector<Tensor> in{random_tensor({n, c, h, h}, 100 + it)};
    auto cf = run_both(fused, in);
    SessionOptions ro;
    ro.use_dnnl = false;
    auto sref = Session::create(plain, ro);
    ASSERT_TRUE(sref.is_ok());
    auto unfused = (*sref)->run(in);
    ASSERT_TRUE(unfused.is_ok());
    EXPECT_LT(nmse(cf.fast[0], cf.ref[0]), kNmse);
    EXPECT_LT(nmse(cf.ref[0], (*unfused)[0]), kNmse);
    // The optimised graph has just the two convs (BN, Add, Relu, Clip fused).
    EXPECT_EQ(fused->graph()->nodes.size(), 2u);
    EXPECT_TRUE(used_dnnl(cf, "Conv"));
  }
}

TEST(ConvTransposeOp, DnnlMatchesReferenceOnRandomShapes) {
  std::mt19937_64 rng(3);
  int dnnl_used = 0;
  for (int it = 0; it < 30; ++it) {
    auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    const int64_t nsp = r(1, 3) == 3 ? 3 : 2, group = r(1, 2), c = group * r(1, 6), mg = r(1, 5), k = r(1, 4),
                  s = r(1, 3), n = r(1, 2);
    Shape x{n, c}, w{c, mg};
    for (int64_t i = 0; i < nsp; ++i) {
      x.push_back(r(1, nsp == 3 ? 5 : 9));
      w.push_back(k);
    }
    std::vector<int64_t> pads, outpad;
    for (int64_t i = 0; i < 2 * nsp; ++i) pads.push_back(r(0, k - 1));
    for (int64_t i = 0; i < nsp; ++i) outpad.push_back(s > 1 ? r(0, std::min<int64_t>(s - 1, pads[nsp + i])) : 0);
    bool positive = true;  // keep to valid geometry: every output size >= 1
    for (int64_t i = 0; i < nsp; ++i)
      positive = positive && s * (x[2 + i] - 1) + outpad[i] + k - pads[i] - pads[nsp + i] >= 1;
    if (!positive) {
      --it;
      continue;
    }
    ModelBuilder b;
    b.input("x", DType::kF32, std::vector<int64_t>(x.begin(), x.end()));
    b.initializer("w", random_tensor(w, it + 10));
    b.initializer("b", random_tensor({mg * group}, it + 20));
    b.node("ConvTranspose", {"x", "w", "b"}, {"y"},
           {ai("group", group), ais("strides", std::vector<int64_t>(nsp, s)), ais("pads", pads),
            ais("output_padding", outpad)})
        .output("y");
    auto m = b.load();
    ASSERT_TRUE(m);
    auto cmp = run_both(m, {random_tensor(x, it)});
    ASSERT_EQ(cmp.fast.size(), 1u);
    SCOPED_TRACE("case " + std::to_string(it) + " x=" + shape_str(x) + " w=" + shape_str(w));
    EXPECT_LT(nmse(cmp.fast[0], cmp.ref[0]), kNmse);
    dnnl_used += used_dnnl(cmp, "ConvTranspose");
  }
  EXPECT_GE(dnnl_used, 25);
}

}  // namespace
}  // namespace calibra::test
