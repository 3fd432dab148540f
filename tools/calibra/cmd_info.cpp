#include <cstdio>

#include "app/json.h"
#include "calibra/inspect.h"
#include "cli.h"

namespace calibra::cli {

namespace {

int info_main(const std::string& path, bool json) {
  auto r = inspect_model(path);
  if (!r.is_ok()) return fail(r.status());
  const ModelInfo& m = *r;
  if (json) {
    std::printf("%s\n", app::to_json(m).dump(2).c_str());
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
  if (!m.layers.empty()) {
    std::string counts;
    for (const char* p : {"U8", "I8", "FP32"})
      if (m.layers_by_precision.count(p)) counts += (counts.empty() ? "" : ", ") + std::to_string(m.layers_by_precision.at(p)) + " " + p;
    std::printf("Layers      %zu at run time: %s (per layer: --json, or calibra bench --profile)\n", m.layers.size(), counts.c_str());
  }
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
