#include "testutil.h"

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "onnx/tensor_proto.h"

namespace calibra::test {

namespace {
Attr make_attr(const std::string& n, Attr::Kind k) {
  Attr a;
  a.name = n;
  a.kind = k;
  return a;
}
}  // namespace

Attr ai(const std::string& n, int64_t v) { Attr a = make_attr(n, Attr::Kind::kInt); a.i = v; return a; }
Attr af(const std::string& n, float v) { Attr a = make_attr(n, Attr::Kind::kFloat); a.f = v; return a; }
Attr ais(const std::string& n, std::vector<int64_t> v) { Attr a = make_attr(n, Attr::Kind::kInts); a.ints = std::move(v); return a; }
Attr afs(const std::string& n, std::vector<float> v) { Attr a = make_attr(n, Attr::Kind::kFloats); a.floats = std::move(v); return a; }
Attr as(const std::string& n, std::string v) { Attr a = make_attr(n, Attr::Kind::kString); a.s = std::move(v); return a; }
Attr at(const std::string& n, Tensor v) { Attr a = make_attr(n, Attr::Kind::kTensor); a.t = std::move(v); return a; }

ModelBuilder::ModelBuilder(int opset) : m_(std::make_unique<onnx::ModelProto>()) {
  m_->set_ir_version(8);
  m_->set_producer_name("calibra-tests");
  auto* os = m_->add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  m_->mutable_graph()->set_name("test");
}

ModelBuilder::~ModelBuilder() = default;
ModelBuilder::ModelBuilder(ModelBuilder&&) noexcept = default;
ModelBuilder& ModelBuilder::operator=(ModelBuilder&&) noexcept = default;

ModelBuilder& ModelBuilder::input(const std::string& name, DType t, std::vector<int64_t> dims) {
  auto* vi = m_->mutable_graph()->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype_to_onnx(t));
  auto* sh = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = sh->add_dim();
    if (d >= 0) dim->set_dim_value(d);
    else dim->set_dim_param("N");
  }
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name, DType t) {
  auto* vi = m_->mutable_graph()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(dtype_to_onnx(t));
  return *this;
}

ModelBuilder& ModelBuilder::initializer(const std::string& name, const Tensor& t) {
  tensor_to_proto(t, name, m_->mutable_graph()->add_initializer());
  return *this;
}

ModelBuilder& ModelBuilder::node(const std::string& op, std::vector<std::string> inputs,
                                 std::vector<std::string> outputs, std::vector<Attr> attrs, const std::string& name) {
  auto* n = m_->mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + std::to_string(m_->graph().node_size()) : name);
  for (auto& i : inputs) n->add_input(i);
  for (auto& o : outputs) n->add_output(o);
  for (const Attr& a : attrs) {
    auto* p = n->add_attribute();
    p->set_name(a.name);
    switch (a.kind) {
      case Attr::Kind::kInt: p->set_type(onnx::AttributeProto::INT); p->set_i(a.i); break;
      case Attr::Kind::kFloat: p->set_type(onnx::AttributeProto::FLOAT); p->set_f(a.f); break;
      case Attr::Kind::kInts:
        p->set_type(onnx::AttributeProto::INTS);
        for (auto v : a.ints) p->add_ints(v);
        break;
      case Attr::Kind::kFloats:
        p->set_type(onnx::AttributeProto::FLOATS);
        for (auto v : a.floats) p->add_floats(v);
        break;
      case Attr::Kind::kString: p->set_type(onnx::AttributeProto::STRING); p->set_s(a.s); break;
      case Attr::Kind::kTensor:
        p->set_type(onnx::AttributeProto::TENSOR);
        tensor_to_proto(a.t, "", p->mutable_t());
        break;
    }
  }
  return *this;
}

onnx::ModelProto& ModelBuilder::proto() { return *m_; }

std::string ModelBuilder::save() const {
  static std::atomic<int> counter{0};
  std::string path = "/tmp/calibra_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".onnx";
  std::ofstream f(path, std::ios::binary);
  m_->SerializeToOstream(&f);
  return path;
}

std::shared_ptr<Model> ModelBuilder::load(bool optimize) const {
  std::string path = save();
  LoadOptions lo;
  lo.optimize = optimize;
  auto m = Model::load(path, lo);
  std::remove(path.c_str());
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? *m : nullptr;
}

Tensor random_tensor(const Shape& s, uint64_t seed, float lo, float hi) {
  Tensor t(DType::kF32, s);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

Tensor random_int_tensor(DType dt, const Shape& s, uint64_t seed, int64_t lo, int64_t hi) {
  Tensor t(dt, s);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = u(rng);
    switch (dt) {
      case DType::kI64: t.data_as<int64_t>()[i] = v; break;
      case DType::kI32: t.data_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DType::kI8: t.data_as<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DType::kU8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      default: break;
    }
  }
  return t;
}

double nmse(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  EXPECT_EQ(a.dtype(), DType::kF32);
  if (a.shape() != b.shape() || a.dtype() != DType::kF32) return 1e9;
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.data_as<float>()[i], y = b.data_as<float>()[i];
    if (std::isnan(x) != std::isnan(y)) return 1e9;
    if (std::isnan(x)) continue;
    num += (x - y) * (x - y);
    den += y * y;
  }
  if (den == 0) return num == 0 ? 0 : 1e9;
  return num / den;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < std::min(a.numel(), b.numel()); ++i)
    m = std::max(m, std::abs(static_cast<double>(a.data_as<float>()[i]) - b.data_as<float>()[i]));
  return m;
}

Result<std::unique_ptr<Session>> deterministic_session(std::shared_ptr<const Model> m) {
  SessionOptions so;
  so.threads = 1;
  so.deterministic = true;
  return Session::create(std::move(m), so);
}

Comparison run_both(std::shared_ptr<const Model> m, const std::vector<Tensor>& inputs, int threads) {
  Comparison c;
  SessionOptions fast;
  fast.threads = threads;
  SessionOptions ref = fast;
  ref.use_dnnl = false;
  auto sf = Session::create(m, fast);
  auto sr = Session::create(m, ref);
  EXPECT_TRUE(sf.is_ok() && sr.is_ok());
  if (!sf.is_ok() || !sr.is_ok()) return c;
  RunProfile prof;
  auto of = (*sf)->run_profiled(inputs, &prof);
  auto orr = (*sr)->run(inputs);
  EXPECT_TRUE(of.is_ok()) << of.status().to_string();
  EXPECT_TRUE(orr.is_ok()) << orr.status().to_string();
  if (of.is_ok()) c.fast = *of;
  if (orr.is_ok()) c.ref = *orr;
  for (const auto& l : prof.layers) c.impls.push_back(l.op_type + ":" + l.impl);
  return c;
}

bool used_dnnl(const Comparison& c, const std::string& op_type) {
  for (const auto& s : c.impls) {
    auto colon = s.find(':');
    std::string op = s.substr(0, colon), impl = s.substr(colon + 1);
    if ((op_type.empty() || op == op_type) && impl != "ref") return true;
  }
  return false;
}

std::string testdata_dir() { return "/usr/share/libonnx-testdata/data"; }
std::string source_dir() { return CALIBRA_SOURCE_DIR; }
std::string calibra_binary() { return CALIBRA_BINARY; }

int run_command(const std::string& cmd, std::string* output) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  output->clear();
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) output->append(buf.data(), n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TinyClassifier write_tiny_classifier(const std::string& dir) {
  ModelBuilder b(13);
  b.input("input", DType::kF32, {-1, 1, 12, 12});
  b.initializer("w1", random_tensor({8, 1, 3, 3}, 1, -0.5f, 0.5f)).initializer("b1", random_tensor({8}, 2, -0.1f, 0.1f));
  b.initializer("w2", random_tensor({8, 8, 3, 3}, 3, -0.2f, 0.2f)).initializer("fc", random_tensor({10, 8}, 4));
  b.initializer("fcb", random_tensor({10}, 5));
  b.node("Conv", {"input", "w1", "b1"}, {"c1"}, {ais("pads", {1, 1, 1, 1})}).node("Relu", {"c1"}, {"r1"});
  b.node("Conv", {"r1", "w2"}, {"c2"}, {ais("pads", {1, 1, 1, 1})}).node("Add", {"c2", "r1"}, {"a"});
  b.node("Relu", {"a"}, {"r2"}).node("MaxPool", {"r2"}, {"p"}, {ais("kernel_shape", {2, 2}), ais("strides", {2, 2})});
  b.node("GlobalAveragePool", {"p"}, {"g"}).node("Flatten", {"g"}, {"f"});
  b.node("Gemm", {"f", "fc", "fcb"}, {"output"}, {ai("transB", 1)}).output("output");
  const std::string model = dir + "/model.onnx";
  {
    std::string p = b.save();
    std::filesystem::copy_file(p, model, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(p);
  }
  // 400 images; labels = the FP32 model's predictions.
  auto m = Model::load(model);
  SessionOptions one;
  one.threads = 1;  // tests share the machine: one thread avoids OpenMP spin collapse
  auto s = Session::create(*m, one);
  std::string imgs, labels;
  auto be32 = [](uint32_t v) { return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)}; };
  imgs = be32(0x803) + be32(400) + be32(12) + be32(12);
  labels = be32(0x801) + be32(400);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 400; ++i) {
    Tensor x(DType::kF32, {1, 1, 12, 12});
    std::string px;
    for (int k = 0; k < 144; ++k) {
      const uint8_t v = static_cast<uint8_t>((rng() % 200) + (k % 12) * 4);
      px += static_cast<char>(v);
      x.data_as<float>()[k] = (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f;
    }
    imgs += px;
    auto y = (*s)->run({x});
    const float* o = (*y)[0].data_as<float>();
    labels += static_cast<char>(std::max_element(o, o + 10) - o);
  }
  std::ofstream(dir + "/d-images-idx3-ubyte", std::ios::binary) << imgs;
  std::ofstream(dir + "/d-labels-idx1-ubyte", std::ios::binary) << labels;
  return {model, dir + "/d-images-idx3-ubyte"};
}

}  // namespace calibra::test
