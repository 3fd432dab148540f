// Each graph pass on its own, on a small graph where its effect is known.
#include <onnx/onnx_pb.h>

#include "ir/graph.h"
#include "onnx/import.h"
#include "passes/passes.h"
#include "testutil.h"

namespace calibra::test {
namespace {

std::unique_ptr<Graph> import(ModelBuilder& b) {
  std::string bytes;
  b.proto().SerializeToString(&bytes);
  auto g = import_onnx_bytes(bytes, ".");
  EXPECT_TRUE(g.is_ok()) << g.status().to_string();
  return g.is_ok() ? std::move(*g) : nullptr;
}

int count(const Graph& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.nodes) n += node->op_type == op;
  return n;
}

TEST(Passes, RemoveIdentityKeepsGraphOutputNames) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {2}).node("Relu", {"x"}, {"r"}).node("Identity", {"r"}, {"y"});
  b.node("Dropout", {"r"}, {"d"}).node("Relu", {"d"}, {"z"}).output("y").output("z");
  auto g = import(b);
  ASSERT_TRUE(g);
  ASSERT_TRUE(remove_identity(*g).is_ok());
  EXPECT_EQ(count(*g, "Identity"), 0);
  EXPECT_EQ(count(*g, "Dropout"), 0);
  EXPECT_EQ(g->outputs, (std::vector<std::string>{"y", "z"}));
  auto producers = g->producers();
  EXPECT_TRUE(producers.count("y"));  // the Relu now writes "y"
  EXPECT_EQ(producers["z"]->inputs[0], "y");
}

TEST(Passes, FoldConstantsIncludingShapeChains) {
  // Reshape(x, Concat(Gather(Shape(x), 0), [-1])): the exporter idiom for Flatten.
  ModelBuilder b(13);
  b.input("x", DType::kF32, {2, 3, 4});
  Tensor zero(DType::kI64, {}), minus1(DType::kI64, {1});
  *minus1.data_as<int64_t>() = -1;
  b.initializer("zero", zero).initializer("minus1", minus1);
  b.node("Shape", {"x"}, {"s"}).node("Gather", {"s", "zero"}, {"n"}, {ai("axis", 0)});
  b.node("Unsqueeze", {"n", "axes"}, {"n1"}).node("Concat", {"n1", "minus1"}, {"shape"}, {ai("axis", 0)});
  Tensor axes(DType::kI64, {1});
  b.initializer("axes", axes);
  b.node("Reshape", {"x", "shape"}, {"y"}).output("y");
  auto g = import(b);
  ASSERT_TRUE(g);
  ASSERT_TRUE(fold_constants(*g).is_ok());
  ASSERT_TRUE(remove_dead_nodes(*g).is_ok());
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0]->op_type, "Reshape");
  const Tensor* shape = g->constant("shape");
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->data_as<int64_t>()[0], 2);
  EXPECT_EQ(shape->data_as<int64_t>()[1], -1);
}

TEST(Passes, ShapeChainWithDynamicBatchFoldsAtPlanTime) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {-1, 3, 4});
  Tensor zero(DType::kI64, {}), minus1(DType::kI64, {1}), axes(DType::kI64, {1});
  *minus1.data_as<int64_t>() = -1;
  b.initializer("zero", zero).initializer("minus1", minus1).initializer("axes", axes);
  b.node("Shape", {"x"}, {"s"}).node("Gather", {"s", "zero"}, {"n"}, {ai("axis", 0)});
  b.node("Unsqueeze", {"n", "axes"}, {"n1"}).node("Concat", {"n1", "minus1"}, {"shape"}, {ai("axis", 0)});
  b.node("Reshape", {"x", "shape"}, {"y"}).output("y");
  auto m = b.load();
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  for (int64_t n : {1, 5}) {
    auto y = (*s)->run({random_tensor({n, 3, 4}, 1)});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    EXPECT_EQ((*y)[0].shape(), (Shape{n, 12}));
    auto stats = (*s)->plan_stats({random_tensor({n, 3, 4}, 1)});
    ASSERT_TRUE(stats.is_ok());
    EXPECT_EQ(stats->steps, 0u);  // the whole chain folds; the Reshape is a view
  }
}

TEST(Passes, FoldBatchNormIntoConv) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 3, 5, 5});
  b.initializer("w", random_tensor({4, 3, 3, 3}, 1));
  for (const char* p : {"s", "t", "m"}) b.initializer(p, random_tensor({4}, p[0]));
  b.initializer("v", random_tensor({4}, 9, 0.5f, 2.f));
  b.node("Conv", {"x", "w"}, {"c"}).node("BatchNormalization", {"c", "s", "t", "m", "v"}, {"y"}).output("y");
  auto g = import(b);
  ASSERT_TRUE(g);
  ASSERT_TRUE(fold_batchnorm(*g).is_ok());
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0]->op_type, "Conv");
  EXPECT_EQ(g->nodes[0]->inputs.size(), 3u);  // gained a bias
  EXPECT_EQ(g->nodes[0]->outputs[0], "y");
  EXPECT_EQ(g->nodes[0]->origins.size(), 2u);
}

TEST(Passes, BatchNormNotFoldedWhenConvOutputHasOtherReaders) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 3, 5, 5});
  b.initializer("w", random_tensor({4, 3, 3, 3}, 1));
  for (const char* p : {"s", "t", "m", "v"}) b.initializer(p, random_tensor({4}, p[0], 0.5f, 1.f));
  b.node("Conv", {"x", "w"}, {"c"}).node("BatchNormalization", {"c", "s", "t", "m", "v"}, {"y"});
  b.node("Relu", {"c"}, {"z"}).output("y").output("z");
  auto g = import(b);
  ASSERT_TRUE(fold_batchnorm(*g).is_ok());
  EXPECT_EQ(count(*g, "BatchNormalization"), 1);
}

TEST(Passes, ResidualAddAndActivationsBecomePostOps) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 4, 6, 6});
  b.initializer("w", random_tensor({4, 4, 3, 3}, 1)).initializer("w2", random_tensor({4, 4, 1, 1}, 2));
  b.node("Conv", {"x", "w"}, {"c"}, {ais("pads", {1, 1, 1, 1})});
  b.node("Add", {"c", "x"}, {"a"}).node("Relu", {"a"}, {"r"});
  b.node("Conv", {"r", "w2"}, {"c2"}).node("Sigmoid", {"c2"}, {"g"}).node("Mul", {"c2", "g"}, {"y"}).output("y");
  auto g = import(b);
  ASSERT_TRUE(fuse_residual_add(*g).is_ok());
  ASSERT_TRUE(fuse_activations(*g).is_ok());
  ASSERT_EQ(g->nodes.size(), 2u);
  const Node& c1 = *g->nodes[0];
  ASSERT_EQ(c1.post_ops.size(), 2u);
  EXPECT_EQ(c1.post_ops[0].kind, PostOp::Kind::kSum);
  EXPECT_EQ(c1.inputs[static_cast<size_t>(c1.post_ops[0].input_index)], "x");
  EXPECT_EQ(c1.post_ops[1].act.kind, ActKind::kRelu);
  const Node& c2 = *g->nodes[1];
  ASSERT_EQ(c2.post_ops.size(), 1u);
  EXPECT_EQ(c2.post_ops[0].act.kind, ActKind::kSwish);
  EXPECT_EQ(c2.outputs[0], "y");
}

TEST(Passes, HardSwishPatternAndRuntimeClipNotFused) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 2, 4, 4}).input("hi", DType::kF32, {});
  b.initializer("w", random_tensor({2, 2, 1, 1}, 1)).initializer("w2", random_tensor({2, 2, 1, 1}, 2));
  b.node("Conv", {"x", "w"}, {"c"}).node("HardSigmoid", {"c"}, {"h"}, {af("alpha", 1.f / 6), af("beta", 0.5f)});
  b.node("Mul", {"c", "h"}, {"m"}).node("Conv", {"m", "w2"}, {"c2"}).node("Clip", {"c2", "", "hi"}, {"y"}).output("y");
  auto g = import(b);
  ASSERT_TRUE(fuse_activations(*g).is_ok());
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->nodes[0]->post_ops[0].act.kind, ActKind::kHardSwish);
  EXPECT_EQ(count(*g, "Clip"), 1);  // its bound is a runtime input
}

TEST(Passes, DeadNodesAndConstantsRemoved) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {2}).initializer("unused", random_tensor({2}, 1));
  b.node("Relu", {"x"}, {"y"}).node("Sigmoid", {"x"}, {"dead"}).node("Tanh", {"dead"}, {"dead2"}).output("y");
  auto g = import(b);
  ASSERT_TRUE(remove_dead_nodes(*g).is_ok());
  EXPECT_EQ(g->nodes.size(), 1u);
  EXPECT_FALSE(g->constant("unused"));
}

}  // namespace
}  // namespace calibra::test
