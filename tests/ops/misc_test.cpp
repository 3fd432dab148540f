// BatchNormalization, LRN, Resize, ReduceMean, Softmax, Transpose, Concat: oneDNN vs
// reference, on plain and blocked inputs.
#include "testutil.h"

namespace calibra::test {
namespace {

constexpr double kNmse = 1e-10;

// x [n,c,h,w] -> optional 3x3 Conv (blocked output) -> "h".
std::string source(ModelBuilder& b, const std::vector<int64_t>& x, bool blocked, uint64_t seed) {
  b.input("x", DType::kF32, x);
  if (!blocked) return "x";
  b.initializer("cw", random_tensor({x[1], x[1], 3, 3}, seed, -0.3f, 0.3f));
  b.node("Conv", {"x", "cw"}, {"h"}, {ais("pads", {1, 1, 1, 1})});
  return "h";
}

void check(ModelBuilder& b, const std::vector<int64_t>& x, const char* op, bool expect_dnnl, uint64_t seed,
           bool optimize = false) {
  auto m = b.load(optimize);
  ASSERT_TRUE(m);
  auto c = run_both(m, {random_tensor(Shape(x.begin(), x.end()), seed)});
  ASSERT_FALSE(c.fast.empty());
  for (size_t i = 0; i < c.fast.size(); ++i) EXPECT_LT(nmse(c.fast[i], c.ref[i]), kNmse) << op << " output " << i;
  if (expect_dnnl) {
    EXPECT_TRUE(used_dnnl(c, op)) << op;
  }
}

TEST(NormOp, BatchNormStandaloneAndLrn) {
  for (int blocked = 0; blocked < 2; ++blocked)
    for (int64_t c : {3, 8, 13}) {
      std::vector<int64_t> x{2, c, 6, 5};
      ModelBuilder b(13);
      std::string h = source(b, x, blocked, c);
      b.initializer("s", random_tensor({c}, 1, 0.5f, 1.5f)).initializer("t", random_tensor({c}, 2));
      b.initializer("m", random_tensor({c}, 3)).initializer("v", random_tensor({c}, 4, 0.1f, 2.f));
      b.node("BatchNormalization", {h, "s", "t", "m", "v"}, {"y"}, {af("epsilon", 1e-3f)}).output("y");
      check(b, x, "BatchNormalization", true, c);
      ModelBuilder l(13);
      std::string h2 = source(l, x, blocked, c);
      l.node("LRN", {h2}, {"y"}, {ai("size", 3), af("alpha", 1e-2f), af("beta", 0.6f), af("bias", 1.5f)}).output("y");
      check(l, x, "LRN", true, c);
    }
}

TEST(ResizeOp, NearestAndLinear) {
  struct Case {
    std::string mode, coord, nearest;
    std::vector<float> scales;
    bool dnnl;
  };
  const std::vector<Case> cases = {
      {"nearest", "asymmetric", "floor", {1, 1, 2, 2}, true},
      {"nearest", "half_pixel", "round_prefer_floor", {1, 1, 3, 2}, true},
      {"nearest", "asymmetric", "round_prefer_ceil", {1, 1, 2, 2}, false},
      {"nearest", "align_corners", "round_prefer_floor", {1, 1, 2, 2}, false},
      {"linear", "half_pixel", "", {1, 1, 2, 2}, true},
      {"linear", "pytorch_half_pixel", "", {1, 1, 2, 3}, true},
      {"linear", "align_corners", "", {1, 1, 1.5f, 2}, false},
      {"linear", "asymmetric", "", {1, 1, 0.5f, 0.5f}, false},
  };
  for (int blocked = 0; blocked < 2; ++blocked)
    for (const auto& cs : cases) {
      std::vector<int64_t> x{1, 5, 6, 8};
      ModelBuilder b(13);
      std::string h = source(b, x, blocked, 9);
      Tensor scales(DType::kF32, {4});
      std::copy(cs.scales.begin(), cs.scales.end(), scales.data_as<float>());
      b.initializer("scales", scales);
      std::vector<Attr> attrs{as("mode", cs.mode), as("coordinate_transformation_mode", cs.coord)};
      if (!cs.nearest.empty()) attrs.push_back(as("nearest_mode", cs.nearest));
      b.node("Resize", {h, "", "scales"}, {"y"}, attrs).output("y");
      SCOPED_TRACE(cs.mode + " " + cs.coord + " " + cs.nearest);
      check(b, x, "Resize", cs.dnnl, 4);
    }
}

TEST(ReduceOp, ReduceMeanAndSoftmax) {
  for (int blocked = 0; blocked < 2; ++blocked) {
    for (auto axes : std::vector<std::vector<int64_t>>{{2, 3}, {1}, {-1}, {0, 2}})
      for (int keep = 0; keep < 2; ++keep) {
        std::vector<int64_t> x{2, 11, 4, 5};
        ModelBuilder b(13);
        std::string h = source(b, x, blocked, 2);
        b.node("ReduceMean", {h}, {"y"}, {ais("axes", axes), ai("keepdims", keep)}).output("y");
        check(b, x, "ReduceMean", true, 3);
      }
    for (int opset : {11, 13})
      for (int64_t axis : {1, -1, 2}) {
        std::vector<int64_t> x{2, 7, 3, 4};
        ModelBuilder b(opset);
        std::string h = source(b, x, blocked, 2);
        b.node("Softmax", {h}, {"y"}, {ai("axis", axis)}).node("LogSoftmax", {h}, {"z"}, {ai("axis", axis)});
        b.output("y").output("z");
        check(b, x, "Softmax", true, 3);
      }
  }
}

TEST(MovementOp, TransposeAndConcat) {
  std::mt19937_64 rng(8);
  for (int it = 0; it < 8; ++it) {
    std::vector<int64_t> x{2, 3 + it, 4, 5};
    std::vector<int64_t> perm{0, 1, 2, 3};
    std::shuffle(perm.begin(), perm.end(), rng);
    ModelBuilder b(13);
    std::string h = source(b, x, it % 2, it);
    b.node("Transpose", {h}, {"y"}, {ais("perm", perm)}).output("y");
    check(b, x, "Transpose", true, it);
  }
  for (int blocked = 0; blocked < 2; ++blocked)
    for (int64_t axis : {1, 2, -1, 0}) {
      std::vector<int64_t> x{2, 5, 4, 6};
      ModelBuilder b(13);
      std::string h = source(b, x, blocked, 1);
      b.initializer("w2", random_tensor({3, 5, 1, 1}, 2));
      b.node("Conv", {"x", "w2"}, {"k"});
      b.node("Relu", {h}, {"r"});
      // r (C=5) and k (C=3) concatenate on channels; on other axes concat r with itself.
      if (axis == 1) b.node("Concat", {h, "k", "r"}, {"y"}, {ai("axis", axis)});
      else b.node("Concat", {h, "r"}, {"y"}, {ai("axis", axis)});
      b.output("y");
      check(b, x, "Concat", true, 5);
    }
}

}  // namespace
}  // namespace calibra::test
