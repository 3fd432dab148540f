#include "model_fixture.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace calibra::fuzz {

namespace {

void value_info(onnx::ValueInfoProto* v, const std::string& name, std::initializer_list<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0) dim->set_dim_param("batch");
    else dim->set_dim_value(d);
  }
}

std::string build() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("calibra-fuzz");
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  value_info(g->add_input(), "input", {-1, 3, 8, 8});
  value_info(g->add_output(), "output", {-1, 4});
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {4, 3, 3, 3}) w->add_dims(d);
  for (int i = 0; i < 4 * 3 * 3 * 3; ++i) w->add_float_data(static_cast<float>((i * 37) % 17 - 8) / 16.f);
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(4);
  for (int i = 0; i < 4; ++i) b->add_float_data(0.1f * static_cast<float>(i));
  auto node = [&](const char* op, std::initializer_list<const char*> in, const char* out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(std::string(op) + "_" + out);
    for (const char* i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  auto* conv = node("Conv", {"input", "w", "b"}, "c");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  node("GlobalAveragePool", {"c"}, "p");
  node("Flatten", {"p"}, "output");
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

const std::string& tiny_image_model_bytes() {
  static const std::string bytes = build();
  return bytes;
}

const std::string& tiny_image_model_path() {
  static const std::string path = [] {
    const std::string& b = tiny_image_model_bytes();
    return write_scratch("tiny.onnx", reinterpret_cast<const uint8_t*>(b.data()), b.size());
  }();
  return path;
}

std::shared_ptr<const Model> tiny_image_model_ptr() {
  static const std::shared_ptr<const Model> m = [] {
    auto r = Model::load_bytes(tiny_image_model_bytes(), "tiny.onnx");
    if (!r.is_ok()) fuzz_fail("the tiny model does not load: " + r.status().message());
    return std::shared_ptr<const Model>(*r);
  }();
  return m;
}

const Model& tiny_image_model() { return *tiny_image_model_ptr(); }

}  // namespace calibra::fuzz
