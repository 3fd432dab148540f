// Pooling and Gemm/MatMul: oneDNN vs reference on seeded random shapes.
#include "testutil.h"

namespace calibra::test {
namespace {

constexpr double kNmse = 1e-10;

TEST(PoolOp, MaxAndAverageMatchReference) {
  std::mt19937_64 rng(5);
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int dnnl_used = 0, cases = 0;
  for (const char* op : {"MaxPool", "AveragePool"})
    for (int it = 0; it < 25; ++it) {
      const int64_t nsp = r(1, 4) == 4 ? 3 : (r(0, 3) == 0 ? 1 : 2);
      const int64_t k = r(1, 4), s = r(1, 3), n = r(1, 2), c = r(1, 19);
      std::vector<int64_t> x{n, c}, pads;
      for (int64_t i = 0; i < nsp; ++i) x.push_back(r(k, nsp == 3 ? 8 : 15));
      for (int64_t i = 0; i < 2 * nsp; ++i) pads.push_back(r(0, k - 1));
      const bool ceil = r(0, 2) == 0;
      std::vector<Attr> attrs{ais("kernel_shape", std::vector<int64_t>(nsp, k)), ais("strides", std::vector<int64_t>(nsp, s)),
                              ais("pads", pads), ai("ceil_mode", ceil)};
      int64_t dil = 1;
      if (std::string(op) == "AveragePool") attrs.push_back(ai("count_include_pad", r(0, 1)));
      else if (r(0, 2) == 0) dil = 2;
      bool fits = true;  // the dilated window must fit the padded input
      for (int64_t i = 0; i < nsp; ++i) fits = fits && (k - 1) * dil + 1 <= x[2 + i] + pads[i] + pads[nsp + i];
      if (!fits) dil = 1;
      if (std::string(op) == "MaxPool") attrs.push_back(ais("dilations", std::vector<int64_t>(nsp, dil)));
      ModelBuilder b(13);
      b.input("x", DType::kF32, x).node(op, {"x"}, {"y"}, attrs).output("y");
      auto m = b.load();
      ASSERT_TRUE(m);
      auto cmp = run_both(m, {random_tensor(Shape(x.begin(), x.end()), it)});
      ASSERT_EQ(cmp.fast.size(), 1u);
      EXPECT_LT(nmse(cmp.fast[0], cmp.ref[0]), kNmse) << op << " " << shape_str(Shape(x.begin(), x.end())) << " k" << k
                                                      << " s" << s << (ceil ? " ceil" : "");
      dnnl_used += used_dnnl(cmp, op);
      ++cases;
    }
  EXPECT_GE(cases, 40);
  EXPECT_GE(dnnl_used, cases * 2 / 3);
}

TEST(PoolOp, GlobalPoolsOnBlockedInput) {
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"})
    for (int64_t c : {3, 8, 21}) {
      ModelBuilder b(13);
      b.input("x", DType::kF32, {2, c, 7, 5});
      b.initializer("w", random_tensor({c, c, 3, 3}, c));
      b.node("Conv", {"x", "w"}, {"h"}, {ais("pads", {1, 1, 1, 1})});
      b.node(op, {"h"}, {"y"}).output("y");
      auto m = b.load();
      ASSERT_TRUE(m);
      auto cmp = run_both(m, {random_tensor({2, c, 7, 5}, 3)});
      ASSERT_EQ(cmp.fast.size(), 1u);
      EXPECT_LT(nmse(cmp.fast[0], cmp.ref[0]), kNmse);
      EXPECT_TRUE(used_dnnl(cmp, op));
    }
}

TEST(PoolOp, MaxPoolIndicesOutput) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 2, 4, 4})
      .node("MaxPool", {"x"}, {"y", "i"}, {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})})
      .output("y")
      .output("i", DType::kI64);
  auto m = b.load();
  ASSERT_TRUE(m);
  Tensor x(DType::kF32, {1, 2, 4, 4});
  for (int i = 0; i < 32; ++i) x.data_as<float>()[i] = static_cast<float>((i * 7) % 32);
  auto s = Session::create(m);
  auto out = (*s)->run({x});
  ASSERT_TRUE(out.is_ok());
  const int64_t* idx = (*out)[1].data_as<int64_t>();
  for (int o = 0; o < 8; ++o) EXPECT_EQ((*out)[0].data_as<float>()[o], x.data_as<float>()[idx[o]]);
}

TEST(GemmOp, TransposesBiasShapesAndScalars) {
  std::mt19937_64 rng(17);
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int dnnl_used = 0, cases = 0;
  for (int it = 0; it < 30; ++it) {
    const int64_t M = r(1, 9), N = r(1, 33), K = r(1, 40);
    const bool ta = r(0, 1), tb = r(0, 1), const_b = r(0, 3) > 0;
    const int c_kind = static_cast<int>(r(0, 3));  // none, [N], [M,N], [M,1]
    const float alpha = r(0, 3) == 0 ? 0.5f : 1.f, beta = c_kind && r(0, 3) == 0 ? 2.f : 1.f;
    Shape a = ta ? Shape{K, M} : Shape{M, K}, bsh = tb ? Shape{N, K} : Shape{K, N};
    ModelBuilder b(13);
    b.input("a", DType::kF32, std::vector<int64_t>(a.begin(), a.end()));
    std::vector<Tensor> in{random_tensor(a, it)};
    if (const_b) b.initializer("b", random_tensor(bsh, it + 1));
    else {
      b.input("b", DType::kF32, std::vector<int64_t>(bsh.begin(), bsh.end()));
      in.push_back(random_tensor(bsh, it + 1));
    }
    std::vector<std::string> ins{"a", "b"};
    if (c_kind) {
      Shape cs = c_kind == 1 ? Shape{N} : c_kind == 2 ? Shape{M, N} : Shape{M, 1};
      b.initializer("c", random_tensor(cs, it + 2));
      ins.push_back("c");
    }
    b.node("Gemm", ins, {"y"}, {ai("transA", ta), ai("transB", tb), af("alpha", alpha), af("beta", beta)}).output("y");
    auto m = b.load(false);
    ASSERT_TRUE(m);
    auto cmp = run_both(m, in);
    ASSERT_EQ(cmp.fast.size(), 1u);
    EXPECT_LT(nmse(cmp.fast[0], cmp.ref[0]), kNmse) << "M" << M << " N" << N << " K" << K << " ta" << ta << " tb" << tb
                                                    << " c" << c_kind << " alpha" << alpha << " beta" << beta;
    dnnl_used += used_dnnl(cmp, "Gemm");
    ++cases;
  }
  EXPECT_GE(dnnl_used, cases / 2);
}

TEST(MatMulOp, BatchedAndBroadcast) {
  std::mt19937_64 rng(19);
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int dnnl_used = 0;
  const std::vector<std::pair<Shape, Shape>> fixed_cases = {
      {{4}, {4, 3}}, {{2, 4}, {4}}, {{5}, {5}}, {{3, 1, 2, 4}, {2, 4, 6}}, {{2, 3, 4}, {4, 5}}};
  for (size_t it = 0; it < 20; ++it) {
    Shape a, b;
    if (it < fixed_cases.size()) {
      std::tie(a, b) = fixed_cases[it];
    } else {
      const int64_t M = r(1, 8), N = r(1, 12), K = r(1, 16);
      Shape batch;
      for (int64_t i = 0, nb = r(0, 2); i < nb; ++i) batch.push_back(r(1, 3));
      a = batch;
      b = batch;
      if (!b.empty() && r(0, 1)) b[0] = 1;
      a.insert(a.end(), {M, K});
      b.insert(b.end(), {K, N});
    }
    ModelBuilder mb(13);
    mb.input("a", DType::kF32, std::vector<int64_t>(a.begin(), a.end()));
    mb.initializer("b", random_tensor(b, it));
    mb.node("MatMul", {"a", "b"}, {"y"}).output("y");
    auto m = mb.load(false);
    ASSERT_TRUE(m);
    auto cmp = run_both(m, {random_tensor(a, it + 7)});
    ASSERT_EQ(cmp.fast.size(), 1u);
    EXPECT_LT(nmse(cmp.fast[0], cmp.ref[0]), kNmse) << shape_str(a) << " x " << shape_str(b);
    dnnl_used += used_dnnl(cmp, "MatMul");
  }
  EXPECT_GE(dnnl_used, 14);
}

TEST(GemmOp, FusedActivationAfterGemm) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {3, 20});
  b.initializer("w", random_tensor({10, 20}, 1)).initializer("c", random_tensor({10}, 2));
  b.node("Gemm", {"x", "w", "c"}, {"g"}, {ai("transB", 1)}).node("Relu", {"g"}, {"y"}).output("y");
  auto fused = b.load(true);
  auto plain = b.load(false);
  ASSERT_TRUE(fused && plain);
  auto in = std::vector<Tensor>{random_tensor({3, 20}, 3)};
  auto cf = run_both(fused, in), cp = run_both(plain, in);
  EXPECT_LT(nmse(cf.fast[0], cp.ref[0]), kNmse);
  EXPECT_LT(nmse(cf.ref[0], cp.ref[0]), kNmse);
  EXPECT_TRUE(used_dnnl(cf, "Gemm"));
}

}  // namespace
}  // namespace calibra::test
