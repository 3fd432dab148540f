// ONNX import: what exporters really produce, and clear errors for what is broken.
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "ir/graph.h"
#include "onnx/import.h"
#include "onnx/tensor_proto.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

// y = Relu(x * w + b) with w, b as initializers; used in several variants below.
ModelBuilder small_model() {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {-1, 4});
  b.initializer("w", random_tensor({4}, 1)).initializer("b", random_tensor({4}, 2));
  b.node("Mul", {"x", "w"}, {"t"}).node("Add", {"t", "b"}, {"u"}).node("Relu", {"u"}, {"y"}).output("y");
  return b;
}

std::vector<float> reference(const Tensor& x, const Tensor& w, const Tensor& b) {
  std::vector<float> r;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.data_as<float>()[i] * w.data_as<float>()[i % 4] + b.data_as<float>()[i % 4];
    r.push_back(v > 0 ? v : 0);
  }
  return r;
}

void expect_runs_like_reference(const std::shared_ptr<Model>& m) {
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  ASSERT_TRUE(s.is_ok());
  Tensor x = random_tensor({3, 4}, 9);
  auto y = (*s)->run({x});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  auto want = reference(x, random_tensor({4}, 1), random_tensor({4}, 2));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*y)[0].data_as<float>()[i], want[i], 1e-6);
}

TEST(Import, InitializersAndDynamicBatch) {
  auto m = small_model().load();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->inputs()[0].dims[0], -1);
  EXPECT_EQ(m->inputs()[0].dim_names[0], "N");
  expect_runs_like_reference(m);
}

TEST(Import, WeightsAsConstantNodesAndIdentityOnInitializers) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {-1, 4});
  b.node("Constant", {}, {"w"}, {at("value", random_tensor({4}, 1))});
  b.initializer("b0", random_tensor({4}, 2));
  b.node("Identity", {"b0"}, {"b"});  // PyTorch's deduplicated weights
  b.node("Mul", {"x", "w"}, {"t"}).node("Add", {"t", "b"}, {"u"}).node("Relu", {"u"}, {"y"}).output("y");
  auto m = b.load();
  expect_runs_like_reference(m);
  // The Identity is gone after the passes, the weights are constants.
  for (const auto& n : m->graph()->nodes) EXPECT_NE(n->op_type, "Identity");
}

TEST(Import, NodesOutOfTopologicalOrder) {
  ModelBuilder b = small_model();
  auto* nodes = b.proto().mutable_graph()->mutable_node();
  nodes->SwapElements(0, 2);  // Relu first, Mul last
  expect_runs_like_reference(b.load());
}

TEST(Import, ExternalDataNextToTheModel) {
  fs::path dir = fs::temp_directory_path() / ("calibra_ext_" + std::to_string(getpid()));
  fs::create_directories(dir);
  ModelBuilder b = small_model();
  // Move initializer "w" into an external file.
  auto* init = b.proto().mutable_graph()->mutable_initializer(0);
  std::string raw = init->raw_data();
  {
    std::ofstream f(dir / "weights.bin", std::ios::binary);
    f << std::string(16, 'x') << raw;  // at offset 16
  }
  init->clear_raw_data();
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto kv = [&](const char* k, const std::string& v) {
    auto* e = init->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  kv("location", "weights.bin");
  kv("offset", "16");
  kv("length", std::to_string(raw.size()));
  std::string path = (dir / "model.onnx").string();
  {
    std::ofstream f(path, std::ios::binary);
    b.proto().SerializeToOstream(&f);
  }
  auto m = Model::load(path);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  expect_runs_like_reference(*m);

  // A location that escapes the model's folder is refused.
  auto* e = init->mutable_external_data(0);
  e->set_value("../escape.bin");
  {
    std::ofstream f(path, std::ios::binary);
    b.proto().SerializeToOstream(&f);
  }
  auto bad = Model::load(path);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("outside the model's folder"), std::string::npos) << bad.status().message();
  // A missing file is named.
  e->set_value("missing.bin");
  {
    std::ofstream f(path, std::ios::binary);
    b.proto().SerializeToOstream(&f);
  }
  auto missing = Model::load(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("missing.bin"), std::string::npos) << missing.status().message();
  fs::remove_all(dir);
}

TEST(Import, BrokenFilesGiveOneLineErrors) {
  fs::path dir = fs::temp_directory_path() / ("calibra_bad_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string good = small_model().save();
  std::string bytes;
  {
    std::ifstream f(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  fs::remove(good);
  struct Case {
    std::string name, content, expect;
  };
  std::vector<Case> cases = {
      {"empty.onnx", "", "empty"},
      {"text.onnx", "hello, this is not a model\n", "not an ONNX model"},
      {"truncated.onnx", bytes.substr(0, bytes.size() / 2), "not an ONNX model"},
  };
  for (const auto& c : cases) {
    std::string p = (dir / c.name).string();
    std::ofstream(p, std::ios::binary) << c.content;
    auto m = Model::load(p);
    ASSERT_FALSE(m.is_ok()) << c.name;
    EXPECT_NE(m.status().message().find(c.expect), std::string::npos) << c.name << ": " << m.status().message();
    EXPECT_EQ(m.status().message().find('\n'), std::string::npos) << c.name;
  }
  auto missing = Model::load((dir / "nope.onnx").string());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  fs::remove_all(dir);
}

TEST(Import, UnsupportedOpsAreAllNamed) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {2, 3});
  b.node("Relu", {"x"}, {"a"}).node("Cos", {"a"}, {"b"}, {}, "cos1").node("Sin", {"b"}, {"c"}, {}, "sin1");
  b.node("Cos", {"c"}, {"y"}, {}, "cos2").output("y");
  std::string p = b.save();
  auto m = Model::load(p);
  std::remove(p.c_str());
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnsupported);
  const std::string& msg = m.status().message();
  for (const char* s : {"Cos", "Sin", "'cos1'", "'cos2'", "'sin1'"}) EXPECT_NE(msg.find(s), std::string::npos) << msg;
}

TEST(Import, CyclesDanglingInputsAndNewOpsets) {
  {
    ModelBuilder b(13);
    b.input("x", DType::kF32, {2});
    b.node("Add", {"x", "z"}, {"y"}).node("Relu", {"y"}, {"z"}).output("y");
    onnx::ModelProto p = b.proto();
    std::string bytes;
    p.SerializeToString(&bytes);
    ImportOptions io;
    io.run_checker = false;
    io.run_shape_inference = false;
    auto g = import_onnx_bytes(bytes, ".", io);
    ASSERT_FALSE(g.is_ok());
    EXPECT_NE(g.status().message().find("cycle"), std::string::npos) << g.status().message();
  }
  {
    ModelBuilder b(13);
    b.input("x", DType::kF32, {2});
    b.node("Add", {"x", "ghost"}, {"y"}).output("y");
    std::string bytes;
    b.proto().SerializeToString(&bytes);
    ImportOptions io;
    io.run_checker = false;
    io.run_shape_inference = false;
    auto g = import_onnx_bytes(bytes, ".", io);
    ASSERT_FALSE(g.is_ok());
    EXPECT_NE(g.status().message().find("ghost"), std::string::npos) << g.status().message();
  }
  {
    ModelBuilder b(18);
    b.input("x", DType::kF32, {2}).node("Relu", {"x"}, {"y"}).output("y");
    std::string p = b.save();
    auto m = Model::load(p);
    std::remove(p.c_str());
    ASSERT_FALSE(m.is_ok());
    EXPECT_NE(m.status().message().find("opset 18"), std::string::npos) << m.status().message();
  }
}

TEST(TensorProto, RoundTripAllTypes) {
  for (DType t : {DType::kF32, DType::kF64, DType::kI8, DType::kU8, DType::kI16, DType::kU16, DType::kI32, DType::kI64,
                  DType::kU32, DType::kU64, DType::kBool, DType::kF16}) {
    Tensor x(t, {2, 3});
    for (size_t i = 0; i < x.nbytes(); ++i) static_cast<uint8_t*>(x.data())[i] = static_cast<uint8_t>(i * 37 % 251);
    if (t == DType::kBool)
      for (int64_t i = 0; i < 6; ++i) x.data_as<uint8_t>()[i] = i % 2;
    onnx::TensorProto p;
    tensor_to_proto(x, "t", &p);
    auto y = tensor_from_proto(p, ".", "t");
    ASSERT_TRUE(y.is_ok()) << dtype_name(t);
    EXPECT_EQ(y->dtype(), t);
    EXPECT_EQ(y->shape(), x.shape());
    EXPECT_EQ(0, std::memcmp(y->data(), x.data(), x.nbytes())) << dtype_name(t);
  }
}

TEST(TensorProto, SizeMismatchAndAllocationBombsAreRefused) {
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(4);
  p.set_raw_data(std::string(8, '\0'));  // 2 floats for a 4-element shape
  auto r = tensor_from_proto(p, ".", "w");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("needs 16"), std::string::npos) << r.status().message();
  onnx::TensorProto big;
  big.set_data_type(onnx::TensorProto::FLOAT);
  big.add_dims(int64_t(1) << 40);
  big.add_dims(int64_t(1) << 40);
  auto rb = tensor_from_proto(big, ".", "huge");
  ASSERT_FALSE(rb.is_ok());
  EXPECT_EQ(rb.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace calibra::test
