// Test helpers: build small ONNX models in code, run them with the reference and the
// oneDNN kernels, and compare outputs with stated tolerances.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "calibra/model.h"
#include "calibra/session.h"
#include "calibra/tensor.h"

namespace onnx {
class ModelProto;
class NodeProto;
}

namespace calibra::test {

// Attribute values for ModelBuilder::node.
struct Attr {
  std::string name;
  enum class Kind { kInt, kFloat, kInts, kFloats, kString, kTensor } kind = Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;
  Tensor t;
};
Attr ai(const std::string& n, int64_t v);
Attr af(const std::string& n, float v);
Attr ais(const std::string& n, std::vector<int64_t> v);
Attr afs(const std::string& n, std::vector<float> v);
Attr as(const std::string& n, std::string v);
Attr at(const std::string& n, Tensor v);

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13);
  ~ModelBuilder();
  ModelBuilder(ModelBuilder&&) noexcept;
  ModelBuilder& operator=(ModelBuilder&&) noexcept;
  // dims < 0 are dynamic ("N").
  ModelBuilder& input(const std::string& name, DType t, std::vector<int64_t> dims);
  ModelBuilder& output(const std::string& name, DType t = DType::kF32);
  ModelBuilder& initializer(const std::string& name, const Tensor& t);
  ModelBuilder& node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                     std::vector<Attr> attrs = {}, const std::string& name = "");
  onnx::ModelProto& proto();
  // Serialises to a temporary file and returns its path.
  std::string save() const;
  // Saves and loads.
  std::shared_ptr<Model> load(bool optimize = true) const;

 private:
  std::unique_ptr<onnx::ModelProto> m_;
};

// Seeded random tensors.
Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -1.f, float hi = 1.f);
Tensor random_int_tensor(DType t, const Shape& s, uint64_t seed, int64_t lo, int64_t hi);

// Normalised mean squared error sum((a-b)^2) / sum(b^2) (0 when both are all zero).
double nmse(const Tensor& a, const Tensor& b);
double max_abs_diff(const Tensor& a, const Tensor& b);

struct Comparison {
  std::vector<Tensor> fast, ref;
  std::vector<std::string> impls;  // implementation of each fast step (to check oneDNN really ran)
};

// A one-thread session without timing-based choices (results depend only on the inputs).
Result<std::unique_ptr<Session>> deterministic_session(std::shared_ptr<const Model> m);

// Runs the model with oneDNN kernels and with reference kernels only.
Comparison run_both(std::shared_ptr<const Model> m, const std::vector<Tensor>& inputs, int threads = 1);
// True when some step of the fast run used a oneDNN implementation (not "ref").
bool used_dnnl(const Comparison& c, const std::string& op_type = "");

std::string testdata_dir();  // /usr/share/libonnx-testdata/data
std::string source_dir();    // the repository root

// A small CNN (conv-relu x2 with a residual, pooling, FC) with seeded weights, written to
// DIR/model.onnx, and 400 12x12 gray images as IDX files (DIR/d-images-idx3-ubyte, with
// labels) whose labels the FP32 model itself predicts (so its accuracy is 100%).
struct TinyClassifier {
  std::string model, images;
};
TinyClassifier write_tiny_classifier(const std::string& dir);
std::string calibra_binary();
// Runs a shell command, returns its exit code and stdout+stderr.
int run_command(const std::string& cmd, std::string* output);

}  // namespace calibra::test
