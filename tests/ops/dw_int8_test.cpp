// Calibra's own INT8 depthwise convolution (kernels/native/dw_int8.h) against the integer
// reference ref::qconv on seeded random shapes: QDQ models (DQ -> depthwise Conv ->
// [Relu | Clip] -> Q) are fused and run with the native kernel forced (AVX2 path and
// portable path) and with reference kernels only; outputs must agree within 1 LSB, and the
// native kernel must really have run (not declined in favour of oneDNN or the reference).
#include "kernels/native/dw_int8.h"

#include <cmath>

#include "core/cpu.h"
#include "qdq_util.h"
#include "testutil.h"

namespace calibra::test {
namespace {

using native::DwInt8Mode;

// Sets the native depthwise mode for one scope.
class ModeScope {
 public:
  explicit ModeScope(DwInt8Mode m) : old_(native::dw_int8_mode().exchange(m)) {}
  ~ModeScope() { native::dw_int8_mode().store(old_); }

 private:
  DwInt8Mode old_;
};

struct Case {
  int64_t n = 1, c = 16, h = 8, w = 8, k = 3, stride = 1;
  std::vector<int64_t> pads{1, 1, 1, 1};  // top, left, bottom, right
  DType src = DType::kU8;
  int32_t src_zp = 0;
  int out_kind = 0;  // 0 u8, 1 s8, 2 float
  int32_t dst_zp = 0;
  int act = 0;  // 0 none, 1 Relu, 2 Clip(0, 6), 3 Clip(-1, 2), 4 Relu then Clip(-1, 2)
  int wmax = 63;
  bool bias = true;
  std::string str() const {
    return "n" + std::to_string(n) + " c" + std::to_string(c) + " " + std::to_string(h) + "x" +
           std::to_string(w) + " k" + std::to_string(k) + " s" + std::to_string(stride) + " pads " +
           shape_str(pads) + (src == DType::kU8 ? " u8" : " s8") + " zp" + std::to_string(src_zp) +
           " out" + std::to_string(out_kind) + " zpy" + std::to_string(dst_zp) + " act" +
           std::to_string(act) + " w" + std::to_string(wmax) + (bias ? "" : " nobias");
  }
};

ModelBuilder build(const Case& t, uint64_t seed) {
  ModelBuilder b(13);
  b.input("xq", t.src, {t.n, t.c, t.h, t.w});
  dq(b, "xq", "x", 0.02f, t.src_zp, t.src);
  weights(b, "w", {t.c, 1, t.k, t.k}, t.wmax, seed);
  std::vector<std::string> in{"x", "w"};
  if (t.bias) {
    b.initializer("b", random_tensor({t.c}, seed + 9, -0.5f, 0.5f));
    in.push_back("b");
  }
  b.node("Conv", in, {"y"},
         {ai("group", t.c), ais("strides", {t.stride, t.stride}), ais("pads", t.pads)});
  std::string y = "y";
  auto clip = [&](float lo, float hi, const std::string& out) {
    Tensor l(DType::kF32, {}), h(DType::kF32, {});
    *l.data_as<float>() = lo;
    *h.data_as<float>() = hi;
    b.initializer(out + ".lo", l)
        .initializer(out + ".hi", h)
        .node("Clip", {y, out + ".lo", out + ".hi"}, {out});
    y = out;
  };
  if (t.act == 1 || t.act == 4) b.node("Relu", {y}, {"ya"}), y = "ya";
  if (t.act == 2) clip(0.f, 6.f, "yc");
  if (t.act == 3 || t.act == 4) clip(-1.f, 2.f, "yc");
  if (t.out_kind < 2) {
    const DType ot = t.out_kind == 0 ? DType::kU8 : DType::kI8;
    q(b, y, "yq", 0.05f, t.dst_zp, ot);
    b.output("yq", ot);
  } else {
    b.output(y);
  }
  return b;
}

struct CaseResult {
  double steps = 1e9;  // fast vs reference
  std::string conv_impl;
};

CaseResult run_case(const Case& t, uint64_t seed, int threads) {
  CaseResult r;
  ModelBuilder b = build(t, seed);
  auto m = b.load(true);
  EXPECT_TRUE(m);
  if (!m) return r;
  for (const auto& n : m->graph()->nodes) {
    if (n->op_type == "Conv") {
      EXPECT_TRUE(n->quant) << "the Conv was not fused";
    }
  }
  Tensor x = random_int_tensor(t.src, {t.n, t.c, t.h, t.w}, seed + 100,
                               t.src == DType::kU8 ? 0 : -128, t.src == DType::kU8 ? 255 : 127);
  Comparison c = run_both(m, {x}, threads);
  if (c.fast.empty() || c.ref.empty()) return r;
  r.steps = max_steps(c.fast[0], c.ref[0], 1e-4);
  for (const auto& impl : c.impls)
    if (impl.rfind("Conv:", 0) == 0) r.conv_impl = impl.substr(5);
  return r;
}

// Seeded random cases over the kernel's domain.
Case random_case(std::mt19937_64& rng, int it) {
  auto r = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Case t;
  t.n = r(1, 3);
  t.c = r(0, 3) == 0 ? r(1, 7) : r(9, 70);  // rarely a multiple of 8/16/32
  t.k = r(0, 3) == 0 ? 5 : 3;
  t.stride = r(1, 2);
  t.h = r(1, 19);
  t.w = r(1, 23);
  switch (r(0, 3)) {
    case 0:
      t.pads = {0, 0, 0, 0};
      break;
    case 1:
      t.pads = {t.k / 2, t.k / 2, t.k / 2, t.k / 2};
      break;
    default:
      t.pads = {r(0, 2), r(0, 2), r(0, 2), r(0, 2)};  // asymmetric
  }
  // Valid output size: in + pads >= k.
  while (t.h + t.pads[0] + t.pads[2] < t.k) ++t.h;
  while (t.w + t.pads[1] + t.pads[3] < t.k) ++t.w;
  t.src = r(0, 4) == 0 ? DType::kI8 : DType::kU8;
  t.src_zp = t.src == DType::kU8 ? (r(0, 2) == 0   ? 0
                                    : r(0, 2) == 0 ? 128
                                                   : static_cast<int32_t>(r(1, 255)))
                                 : static_cast<int32_t>(r(-20, 20));
  t.out_kind = static_cast<int>(r(0, 2));
  t.dst_zp = t.out_kind == 0   ? static_cast<int32_t>(r(0, 1) ? 0 : r(0, 255))
             : t.out_kind == 1 ? static_cast<int32_t>(r(-30, 30))
                               : 0;
  t.act = static_cast<int>(r(0, 4));
  t.wmax = r(0, 1) ? 63 : 127;
  t.bias = r(0, 5) != 0;
  (void)it;
  return t;
}

TEST(DwInt8, NativeKernelMatchesIntegerReference) {
  ModeScope force(DwInt8Mode::kForce);
  std::mt19937_64 rng(20261107);
  int native_runs = 0;
  const int kCases = 60;
  for (int it = 0; it < kCases; ++it) {
    const Case t = random_case(rng, it);
    SCOPED_TRACE("case " + std::to_string(it) + ": " + t.str());
    const CaseResult r = run_case(t, static_cast<uint64_t>(it), it % 3 == 0 ? 2 : 1);
    EXPECT_LE(r.steps, 1.0);
    EXPECT_EQ(r.conv_impl, native::DwInt8Kernel::simd_available() ? "native_dw_int8"
                                                                  : "native_dw_int8_portable");
    native_runs += r.conv_impl.rfind("native_dw_int8", 0) == 0;
  }
  EXPECT_EQ(native_runs, kCases);
}

TEST(DwInt8, PortablePathMatchesIntegerReference) {
  ModeScope force(DwInt8Mode::kForcePortable);
  std::mt19937_64 rng(77);
  for (int it = 0; it < 25; ++it) {
    const Case t = random_case(rng, it);
    SCOPED_TRACE("case " + std::to_string(it) + ": " + t.str());
    const CaseResult r = run_case(t, static_cast<uint64_t>(it) + 1000, it % 2 ? 2 : 1);
    EXPECT_LE(r.steps, 1.0);
    EXPECT_EQ(r.conv_impl, "native_dw_int8_portable");
  }
}

// The shapes MobileNetV2 has (whole 16-channel blocks, larger images), both strides.
TEST(DwInt8, MobileNetShapes) {
  ModeScope force(DwInt8Mode::kForce);
  const int64_t shapes[][3] = {{32, 112, 1}, {96, 112, 2}, {144, 56, 1},
                               {144, 56, 2}, {576, 14, 1}, {960, 7, 1}};
  uint64_t seed = 5;
  for (const auto& s : shapes) {
    Case t;
    t.c = s[0], t.h = t.w = s[1], t.stride = s[2];
    t.act = 2;  // ReLU6
    SCOPED_TRACE(t.str());
    const CaseResult r = run_case(t, seed++, 1);
    EXPECT_LE(r.steps, 1.0);
    EXPECT_EQ(r.conv_impl.rfind("native_dw_int8", 0), 0u) << r.conv_impl;
  }
}

// Extreme requantization: saturating outputs both ways, a zero point at the type's edge,
// full-range weights and sources.
TEST(DwInt8, SaturationAndEdges) {
  ModeScope force(DwInt8Mode::kForce);
  uint64_t seed = 40;
  for (int out_kind = 0; out_kind < 3; ++out_kind)
    for (int32_t zp : {0, 255}) {
      Case t;
      t.c = 33, t.h = 9, t.w = 11, t.k = 3, t.stride = 1, t.pads = {2, 0, 1, 2};
      t.src_zp = zp;
      t.out_kind = out_kind;
      t.dst_zp = out_kind == 0 ? 255 - zp : out_kind == 1 ? -128 : 0;
      t.wmax = 127;
      SCOPED_TRACE(t.str());
      const CaseResult r = run_case(t, seed++, 1);
      EXPECT_LE(r.steps, 1.0);
      EXPECT_EQ(r.conv_impl.rfind("native_dw_int8", 0), 0u) << r.conv_impl;
    }
}

// Cases outside the kernel's domain decline it (and still run correctly elsewhere).
TEST(DwInt8, DeclinesWhatItCannotDo) {
  ModeScope force(DwInt8Mode::kForce);
  {  // not depthwise: group 1
    ModelBuilder b(13);
    b.input("xq", DType::kU8, {1, 8, 6, 6});
    dq(b, "xq", "x", 0.02f, 0, DType::kU8);
    weights(b, "w", {8, 8, 3, 3}, 63, 1);
    b.node("Conv", {"x", "w"}, {"y"}, {ais("pads", {1, 1, 1, 1})});
    q(b, "y", "yq", 0.05f, 0, DType::kU8);
    b.output("yq", DType::kU8);
    Comparison c = run_both(b.load(true), {random_int_tensor(DType::kU8, {1, 8, 6, 6}, 3, 0, 255)});
    for (const auto& impl : c.impls) EXPECT_EQ(impl.find("native_dw"), std::string::npos) << impl;
    ASSERT_FALSE(c.fast.empty());
    EXPECT_LE(max_steps(c.fast[0], c.ref[0], 1e-4), 1.0);
  }
  {  // dilation 2 and a HardSwish: declined
    for (int variant = 0; variant < 2; ++variant) {
      ModelBuilder b(14);
      b.input("xq", DType::kU8, {1, 8, 9, 9});
      dq(b, "xq", "x", 0.02f, 0, DType::kU8);
      weights(b, "w", {8, 1, 3, 3}, 63, 2);
      std::vector<Attr> attrs{ai("group", 8), ais("pads", {1, 1, 1, 1})};
      if (variant == 0) attrs.push_back(ais("dilations", {2, 2}));
      b.node("Conv", {"x", "w"}, {"y"}, attrs);
      std::string y = "y";
      if (variant == 1) b.node("HardSwish", {y}, {"ya"}), y = "ya";
      q(b, y, "yq", 0.05f, 128, DType::kU8);
      b.output("yq", DType::kU8);
      Comparison c =
          run_both(b.load(true), {random_int_tensor(DType::kU8, {1, 8, 9, 9}, 4, 0, 255)});
      for (const auto& impl : c.impls) EXPECT_EQ(impl.find("native_dw"), std::string::npos) << impl;
      ASSERT_FALSE(c.fast.empty());
      EXPECT_LE(max_steps(c.fast[0], c.ref[0], 1e-4), 1.0);
    }
  }
}

// With deterministic planning the choice is fixed: ours without VNNI, oneDNN's with it.
TEST(DwInt8, DeterministicChoiceFollowsTheIsa) {
  Case t;
  t.c = 24, t.h = t.w = 10, t.act = 2;
  ModelBuilder b = build(t, 11);
  auto m = b.load(true);
  ASSERT_TRUE(m);
  auto s = deterministic_session(m);
  ASSERT_TRUE(s.is_ok());
  RunProfile prof;
  auto out =
      (*s)->run_profiled({random_int_tensor(DType::kU8, {1, 24, 10, 10}, 12, 0, 255)}, &prof);
  ASSERT_TRUE(out.is_ok());
  std::string impl;
  for (const auto& l : prof.layers)
    if (l.op_type == "Conv") impl = l.impl;
  if (cpu_has_vnni()) {
    EXPECT_EQ(impl.find("native_dw"), std::string::npos) << impl;
  } else {
    EXPECT_EQ(impl.rfind("native_dw_int8", 0), 0u) << impl;
  }
}

}  // namespace
}  // namespace calibra::test
