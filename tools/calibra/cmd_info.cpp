#include <cstdio>

#include "calibra/inspect.h"
#include "cli.h"

namespace calibra::cli {

namespace {

nlohmann::json spec_json(const TensorSpec& s) {
  nlohmann::json dims = nlohmann::json::array();
  for (size_t i = 0; i < s.dims.size(); ++i) {
    if (s.dims[i] >= 0) dims.push_back(s.dims[i]);
    else dims.push_back(s.dim_names[i].empty() ? "?" : s.dim_names[i]);
  }
  return {{"name", s.name}, {"dtype", dtype_name(s.dtype)}, {"shape", s.has_shape ? dims : nlohmann::json()}};
}

int info_main(const std::string& path, bool json) {
  auto r = inspect_model(path);
  if (!r.is_ok()) return fail(r.status());
  const ModelInfo& m = *r;
  if (json) {
    nlohmann::json j;
    j["path"] = m.path;
    j["file_bytes"] = m.file_bytes;
    j["producer"] = m.producer;
    j["opset"] = m.opset;
    j["inputs"] = nlohmann::json::array();
    for (const auto& s : m.inputs) j["inputs"].push_back(spec_json(s));
    j["outputs"] = nlohmann::json::array();
    for (const auto& s : m.outputs) j["outputs"].push_back(spec_json(s));
    j["dynamic_batch"] = m.dynamic_batch;
    j["nodes"] = m.nodes;
    j["op_histogram"] = m.op_histogram;
    j["parameters"] = m.parameters;
    j["parameter_bytes"] = m.parameter_bytes;
    j["gflops"] = m.gflops;
    j["flops_complete"] = m.flops_complete;
    j["precision"] = m.precision;
    j["runnable"] = m.runnable;
    j["unsupported"] = m.unsupported;
    j["quantizable_layers"] = m.quantizable_layers;
    j["int8"] = {{"possible", m.int8_possible}, {"reason", m.int8_reason}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("Model       %s (%s%s%s, opset %lld)\n", m.path.c_str(), human_bytes(m.file_bytes).c_str(),
              m.producer.empty() ? "" : ", ", m.producer.c_str(), static_cast<long long>(m.opset));
  for (size_t i = 0; i < m.inputs.size(); ++i)
    std::printf("%s %s\n", i == 0 ? "Inputs     " : "           ", m.inputs[i].str().c_str());
  for (size_t i = 0; i < m.outputs.size(); ++i)
    std::printf("%s %s\n", i == 0 ? "Outputs    " : "           ", m.outputs[i].str().c_str());
  std::printf("Precision   %s\n", m.precision.c_str());
  std::printf("Parameters  %.2f M (%s)\n", static_cast<double>(m.parameters) / 1e6, human_bytes(m.parameter_bytes).c_str());
  std::printf("Compute     %.3f GFLOPs per sample%s\n", m.gflops, m.flops_complete ? "" : " (some shapes unknown)");
  std::string ops;
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [op, n] : m.op_histogram) sorted.emplace_back(-n, op);
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [n, op] : sorted) ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(-n);
  std::printf("Ops         %lld nodes: %s\n", static_cast<long long>(m.nodes), ops.c_str());
  if (m.runnable) {
    std::printf("Runnable    yes\n");
  } else {
    std::printf("Runnable    no: %zu unsupported node(s)\n", m.unsupported.size());
    for (size_t i = 0; i < m.unsupported.size() && i < 20; ++i) std::printf("            - %s\n", m.unsupported[i].c_str());
  }
  std::printf("INT8        %s: %s\n", m.int8_possible ? "possible" : "not possible", m.int8_reason.c_str());
  return 0;
}

}  // namespace

void add_info(CLI::App& app, int* rc) {
  auto* cmd = app.add_subcommand("info", "Describe a model: inputs, outputs, ops, size, FLOPs, precision, INT8 readiness");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("MODEL", *path, "ONNX model file")->required();
  cmd->add_flag("--json", *json, "Print one JSON object instead of text");
  cmd->footer("Examples:\n  calibra info resnet18.onnx\n  calibra info resnet18.onnx --json | jq .int8");
  cmd->callback([=] { *rc = info_main(*path, *json); });
}

}  // namespace calibra::cli
