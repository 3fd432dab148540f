// INT8 execution: QDQ models (as Calibra's quantizer and other tools write them) run as
// real INT8 after fusion. Three ways must agree on seeded random shapes:
//   fused + oneDNN INT8  ~  fused + integer reference  (within 1 LSB)
//   fused + integer reference  ~  unfused QDQ graph run op by op (ONNX semantics)
#include <cmath>

#include "core/cpu.h"
#include "ir/graph.h"
#include "qdq_util.h"
#include "testutil.h"

namespace calibra::test {
namespace {

struct Check {
  double fast_vs_ref = 0, ref_vs_qdq = 0;
  bool int8_ran = false;
};

// Runs fused (oneDNN and reference) and unfused (QDQ op by op) and compares.
Check check_three_ways(ModelBuilder& b, const std::vector<Tensor>& in, double float_step) {
  Check r;
  auto fused = b.load(true), plain = b.load(false);
  EXPECT_TRUE(fused && plain);
  if (!fused || !plain) return r;
  auto c = run_both(fused, in);
  SessionOptions ro;
  ro.use_dnnl = false;
  auto s = Session::create(plain, ro);
  auto qdq = (*s)->run(in);
  EXPECT_TRUE(qdq.is_ok()) << qdq.status().to_string();
  if (c.fast.empty() || !qdq.is_ok()) return r;
  r.fast_vs_ref = max_steps(c.fast[0], c.ref[0], float_step);
  r.ref_vs_qdq = max_steps(c.ref[0], (*qdq)[0], float_step);
  for (const auto& impl : c.impls) r.int8_ran = r.int8_ran || impl.find("int8") != std::string::npos || impl.find("x8") != std::string::npos ||
                                                 (impl.find(":ref") == std::string::npos && impl.find("Conv:") == 0);
  for (const auto& n : fused->graph()->nodes) {
    if (n->op_type == "Conv" || n->op_type == "Gemm" || n->op_type == "MatMul") {
      EXPECT_TRUE(n->quant) << n->name << " was not fused";
    }
  }
  return r;
}

TEST(Int8, ConvMatchesReferenceAndQdqSemantics) {
  std::mt19937_64 rng(1234);
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int cases = 0;
  for (int it = 0; it < 40; ++it) {
    const bool dw = r(0, 3) == 0;
    const int64_t n = r(1, 2), group = dw ? 0 : (r(0, 3) == 0 ? 2 : 1);
    const int64_t c = dw ? r(3, 40) : group * r(1, 24), m = dw ? c : group * r(1, 24), k = r(0, 2) == 0 ? 1 : 3;
    const int64_t g = dw ? c : group, s = r(1, 2), hw = r(5, 16);
    // What Calibra quantizes to on this CPU: without VNNI, u8 sources and 7-bit weights
    // (oneDNN saturates or halves otherwise; see core/cpu.h).
    const bool vnni = cpu_has_vnni();
    const bool u8_in = !vnni || r(0, 1) == 1, zp_in = u8_in && r(0, 1) == 1;
    const int out_kind = static_cast<int>(r(0, 2));  // u8, s8, float
    const int act = static_cast<int>(r(0, 3));       // none, relu, clip(0,6), hardswish
    const int wmax = !vnni || r(0, 1) ? 63 : 127;
    ModelBuilder b(14);
    b.input("xq", u8_in ? DType::kU8 : DType::kI8, {n, c, hw, hw});
    dq(b, "xq", "x", 0.02f, zp_in ? 128 : 0, u8_in ? DType::kU8 : DType::kI8);
    std::vector<float> ws;
    weights(b, "w", {m, c / g, k, k}, wmax, static_cast<uint64_t>(it), &ws);
    b.initializer("b", random_tensor({m}, static_cast<uint64_t>(it) + 9, -0.5f, 0.5f));
    b.node("Conv", {"x", "w", "b"}, {"y"}, {ai("group", g), ais("strides", {s, s}), ais("pads", {k / 2, k / 2, k / 2, k / 2})});
    std::string y = "y";
    if (act == 1) b.node("Relu", {y}, {"ya"}), y = "ya";
    if (act == 2) {
      Tensor lo(DType::kF32, {}), hi(DType::kF32, {});
      *hi.data_as<float>() = 6.f;
      b.initializer("lo", lo).initializer("hi", hi).node("Clip", {y, "lo", "hi"}, {"ya"});
      y = "ya";
    }
    if (act == 3) b.node("HardSwish", {y}, {"ya"}), y = "ya";
    if (out_kind < 2) {
      const bool u8 = out_kind == 0 && (act == 1 || act == 2);
      q(b, y, "yq", 0.05f, 0, u8 ? DType::kU8 : DType::kI8);
      b.output("yq", u8 ? DType::kU8 : DType::kI8);
    } else {
      b.output(y);
    }
    Tensor x = random_int_tensor(u8_in ? DType::kU8 : DType::kI8, {n, c, hw, hw}, static_cast<uint64_t>(it) + 100,
                                 u8_in ? 0 : -128, u8_in ? 255 : 127);
    SCOPED_TRACE("case " + std::to_string(it) + ": c" + std::to_string(c) + " m" + std::to_string(m) + " g" +
                 std::to_string(g) + " k" + std::to_string(k) + " s" + std::to_string(s) + (u8_in ? " u8" : " s8") +
                 (zp_in ? " zp" : "") + " out" + std::to_string(out_kind) + " act" + std::to_string(act) + " w" +
                 std::to_string(wmax));
    Check ch = check_three_ways(b, {x}, 1e-3);
    EXPECT_LE(ch.fast_vs_ref, 1.0);
    EXPECT_LE(ch.ref_vs_qdq, 1.0);
    ++cases;
  }
  EXPECT_EQ(cases, 40);
}

TEST(Int8, ResidualAddFusesIntoConvAndQuantizedAddRuns) {
  for (int variant = 0; variant < 2; ++variant) {
    ModelBuilder b(13);
    b.input("xq", DType::kU8, {1, 16, 8, 8});
    dq(b, "xq", "x", 0.03f, 0, DType::kU8);
    std::vector<float> ws;
    weights(b, "w", {16, 16, 3, 3}, 63, 7, &ws);
    b.node("Conv", {"x", "w"}, {"c"}, {ais("pads", {1, 1, 1, 1})});
    // A signed intermediate: u8 with zero point 128 (what Calibra uses everywhere on non-VNNI CPUs).
    q(b, "c", "cq", 0.04f, 128, DType::kU8);
    dq(b, "cq", "cd", 0.04f, 128, DType::kU8);
    if (variant == 0) {
      b.node("Add", {"cd", "x"}, {"s"});  // residual: fuses into the conv as a sum post-op
    } else {
      dq(b, "xq", "x2", 0.03f, 0, DType::kU8);
      b.node("Relu", {"cd"}, {"cr"});
      q(b, "cr", "crq", 0.04f, 0, DType::kU8);
      dq(b, "crq", "crd", 0.04f, 0, DType::kU8);
      b.node("Add", {"crd", "x2"}, {"s"});  // conv output read twice: a quantized Add
    }
    b.node("Relu", {"s"}, {"r"});
    q(b, "r", "rq", 0.05f, 0, DType::kU8);
    b.output("rq", DType::kU8);
    Tensor x = random_int_tensor(DType::kU8, {1, 16, 8, 8}, 5, 0, 255);
    Check ch = check_three_ways(b, {x}, 1);
    EXPECT_LE(ch.fast_vs_ref, 1.0) << variant;
    // Fusing the residual skips one rounding of the conv output, so up to 2 steps from QDQ.
    EXPECT_LE(ch.ref_vs_qdq, variant == 0 ? 2.0 : 1.0) << variant;
    auto fused = b.load(true);
    int adds = 0;
    for (const auto& n : fused->graph()->nodes) adds += n->op_type == "Add";
    EXPECT_EQ(adds, variant == 0 ? 0 : 1);
  }
}

TEST(Int8, PoolingConcatAndGemmStayInIntegers) {
  ModelBuilder b(13);
  b.input("xq", DType::kU8, {1, 8, 6, 6});
  dq(b, "xq", "x", 0.1f, 0, DType::kU8);
  b.node("MaxPool", {"x"}, {"m"}, {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  q(b, "m", "mq", 0.1f, 0, DType::kU8);
  dq(b, "mq", "md", 0.1f, 0, DType::kU8);
  b.node("AveragePool", {"md"}, {"a"}, {ais("kernel_shape", {3, 3}), ais("pads", {1, 1, 1, 1})});
  q(b, "a", "aq", 0.1f, 0, DType::kU8);
  dq(b, "aq", "ad", 0.1f, 0, DType::kU8);
  dq(b, "mq", "md2", 0.1f, 0, DType::kU8);
  b.node("Concat", {"ad", "md2"}, {"cat"}, {ai("axis", 1)});
  q(b, "cat", "catq", 0.1f, 0, DType::kU8);
  dq(b, "catq", "catd", 0.1f, 0, DType::kU8);
  b.node("GlobalAveragePool", {"catd"}, {"g"});
  q(b, "g", "gq", 0.1f, 0, DType::kU8);
  dq(b, "gq", "gd", 0.1f, 0, DType::kU8);
  b.node("Flatten", {"gd"}, {"f"});
  std::vector<float> ws;
  weights(b, "fc", {10, 16}, 63, 3, &ws);
  b.initializer("fcb", random_tensor({10}, 4));
  b.node("Gemm", {"f", "fc", "fcb"}, {"y"}, {ai("transB", 1)}).output("y");
  Tensor x = random_int_tensor(DType::kU8, {1, 8, 6, 6}, 9, 0, 255);
  Check ch = check_three_ways(b, {x}, 1e-3);
  EXPECT_LE(ch.fast_vs_ref, 1.0);
  EXPECT_LE(ch.ref_vs_qdq, 1.0);
  auto fused = b.load(true);
  int q_nodes = 0;
  for (const auto& n : fused->graph()->nodes) {
    q_nodes += n->op_type == "QuantizeLinear" || n->op_type == "DequantizeLinear";
    if (n->op_type != "Flatten" && n->op_type != "QuantizeLinear" && n->op_type != "DequantizeLinear") {
      EXPECT_TRUE(n->quant) << n->op_type << " " << n->name;
    }
  }
  EXPECT_EQ(q_nodes, 0) << "every Q/DQ should have been absorbed";
  // The profile says U8 for the integer layers.
  auto s = Session::create(fused);
  RunProfile p;
  ASSERT_TRUE((*s)->run_profiled({x}, &p).is_ok());
  int u8 = 0;
  for (const auto& l : p.layers) u8 += l.precision == "U8";
  EXPECT_GE(u8, 4);
}

}  // namespace
}  // namespace calibra::test
