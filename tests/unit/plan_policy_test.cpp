// Plan-time choices must not change results: both convolution layout policies, Winograd
// where it is chosen, and Concat placed in place (no copy) at batch 1.
#include <oneapi/dnnl/dnnl.hpp>

#include "ir/graph.h"
#include "kernels/dnnl/dnnl_kernels.h"
#include "runtime/executor.h"
#include "runtime/plan.h"
#include "testutil.h"

namespace calibra::test {
namespace {

// A squeeze/expand ("fire") block: two convs reading one input, concatenated on channels.
std::shared_ptr<Model> fire_model(int64_t batch, int64_t c, int64_t e) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {batch, c, 13, 13});
  b.initializer("ws", random_tensor({16, c, 1, 1}, 1)).initializer("w1", random_tensor({e, 16, 1, 1}, 2));
  b.initializer("w3", random_tensor({e, 16, 3, 3}, 3)).initializer("wo", random_tensor({8, 2 * e, 3, 3}, 4));
  b.node("Conv", {"x", "ws"}, {"s"}).node("Relu", {"s"}, {"sr"});
  b.node("Conv", {"sr", "w1"}, {"e1"}).node("Relu", {"e1"}, {"e1r"});
  b.node("Conv", {"sr", "w3"}, {"e3"}, {ais("pads", {1, 1, 1, 1})}).node("Relu", {"e3"}, {"e3r"});
  b.node("Concat", {"e1r", "e3r"}, {"cat"}, {ai("axis", 1)});
  b.node("Conv", {"cat", "wo"}, {"y"}, {ais("pads", {1, 1, 1, 1})}).output("y");
  return b.load();
}

std::vector<Tensor> run_plan(const Model& m, const Tensor& x, ConvLayout layout, const Plan** keep,
                             std::unique_ptr<Plan>* holder) {
  PlanOptions po;
  po.conv_layout = layout;
  auto plan = build_plan(m.graph(), {ValueDesc{x.dtype(), x.shape(), nullptr}}, po);
  EXPECT_TRUE(plan.is_ok()) << plan.status().to_string();
  *holder = std::move(*plan);
  if (keep) *keep = holder->get();
  ExecContext ctx(**holder);
  std::vector<Tensor> out;
  EXPECT_TRUE(ctx.run({x}, &out).is_ok());
  return out;
}

TEST(PlanPolicy, BothConvLayoutsMatchTheReference) {
  for (int64_t batch : {1, 2}) {
    auto m = fire_model(batch, 24, 32);
    ASSERT_TRUE(m);
    Tensor x = random_tensor({batch, 24, 13, 13}, 7);
    auto ref = run_both(m, {x}).ref;
    std::unique_ptr<Plan> pa, pb;
    auto a = run_plan(*m, x, ConvLayout::kAuto, nullptr, &pa);
    auto b = run_plan(*m, x, ConvLayout::kBlocked, nullptr, &pb);
    EXPECT_LT(nmse(a[0], ref[0]), 1e-10);
    EXPECT_LT(nmse(b[0], ref[0]), 1e-10);
  }
}

TEST(PlanPolicy, ConcatAtBatchOneIsPlacedInPlace) {
  auto m = fire_model(1, 24, 32);  // 32 channels: a multiple of every block size
  Tensor x = random_tensor({1, 24, 13, 13}, 9);
  std::unique_ptr<Plan> holder;
  const Plan* plan = nullptr;
  auto y = run_plan(*m, x, ConvLayout::kBlocked, &plan, &holder);
  bool concat_step = false;
  for (const auto& s : plan->steps) concat_step = concat_step || s.op_type == "Concat";
  EXPECT_FALSE(concat_step) << "the Concat should have become a placement, not a copy";
  EXPECT_LT(nmse(y[0], run_both(m, {x}).ref[0]), 1e-10);
  // At batch 2 the parts are not contiguous in the result: a real Concat runs.
  auto m2 = fire_model(2, 24, 32);
  Tensor x2 = random_tensor({2, 24, 13, 13}, 9);
  auto y2 = run_plan(*m2, x2, ConvLayout::kBlocked, &plan, &holder);
  concat_step = false;
  for (const auto& s : plan->steps) concat_step = concat_step || s.op_type == "Concat";
  EXPECT_TRUE(concat_step);
  EXPECT_LT(nmse(y2[0], run_both(m2, {x2}).ref[0]), 1e-10);
}

TEST(PlanPolicy, WinogradWhenAvailableStaysAccurate) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 64, 28, 28});
  b.initializer("w", random_tensor({64, 64, 3, 3}, 1, -0.1f, 0.1f));
  b.node("Conv", {"x", "w"}, {"y"}, {ais("pads", {1, 1, 1, 1})}).output("y");
  auto m = b.load();
  Tensor x = random_tensor({1, 64, 28, 28}, 2);
  auto c = run_both(m, {x});
  EXPECT_LT(nmse(c.fast[0], c.ref[0]), 1e-10);
  const bool avx512 = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core;
  bool wino = false;
  for (const auto& impl : c.impls) wino = wino || impl.find("wino") != std::string::npos;
  if (avx512) {
    EXPECT_TRUE(wino) << "oneDNN has Winograd on AVX-512 and it is faster for this shape";
  }
  // With Winograd off, the exact direct algorithm runs.
  dnnl_k::winograd_enabled() = false;
  SessionOptions so;
  auto s = Session::create(b.load(), so);
  RunProfile p;
  ASSERT_TRUE((*s)->run_profiled({x}, &p).is_ok());
  for (const auto& l : p.layers) EXPECT_EQ(l.impl.find("wino"), std::string::npos);
  dnnl_k::winograd_enabled() = true;
}

}  // namespace
}  // namespace calibra::test
