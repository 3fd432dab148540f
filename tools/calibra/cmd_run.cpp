#include <cmath>
#include <cstdio>
#include <filesystem>

#include "calibra/session.h"
#include "cli.h"
#include "core/npy.h"
#include "onnx/tensor_proto.h"

namespace calibra::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE
  std::string output_dir;
  std::string format = "npy";
  int threads = 0;
  int64_t batch = 1;
  uint64_t seed = 0;
  bool reference = false;
};

Result<Tensor> read_input_file(const std::string& path) {
  auto ends = [&](const char* ext) {
    return path.size() >= std::strlen(ext) && path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0;
  };
  if (ends(".npy")) return read_npy(path);
  if (ends(".pb")) return read_tensor_pb(path);
  return Status::invalid_argument("input file '" + path + "' must be .npy or .pb (ONNX TensorProto)");
}

int run_main(const RunArgs& a) {
  auto model = Model::load(a.model);
  if (!model.is_ok()) return fail(model.status());
  const auto& specs = (*model)->inputs();
  std::vector<Tensor> inputs = random_inputs(**model, a.seed, a.batch);
  std::vector<bool> given(specs.size(), false);
  for (const auto& kv : a.inputs) {
    auto eq = kv.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (specs.size() != 1) return fail("--input '" + kv + "' needs the form NAME=FILE (the model has several inputs)", 2);
      name = specs[0].name;
      file = kv;
    } else {
      name = kv.substr(0, eq);
      file = kv.substr(eq + 1);
    }
    size_t idx = specs.size();
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].name == name) idx = i;
    if (idx == specs.size()) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      return fail("the model has no input named '" + name + "' (inputs: " + names + ")", 2);
    }
    auto t = read_input_file(file);
    if (!t.is_ok()) return fail(t.status());
    inputs[idx] = *t;
    given[idx] = true;
  }
  SessionOptions so;
  so.threads = a.threads;
  so.use_dnnl = !a.reference;
  auto session = Session::create(*model, so);
  if (!session.is_ok()) return fail(session.status());
  auto out = (*session)->run(inputs);
  if (!out.is_ok()) return fail(out.status());
  for (size_t i = 0; i < specs.size(); ++i)
    if (!given[i])
      std::printf("input  %s: %s %s (random, seed %llu)\n", specs[i].name.c_str(), dtype_name(inputs[i].dtype()),
                  shape_str(inputs[i].shape()).c_str(), static_cast<unsigned long long>(a.seed));
  if (!a.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.output_dir, ec);
    if (ec) return fail("cannot create output folder '" + a.output_dir + "': " + ec.message());
  }
  const auto& outs = (*model)->outputs();
  for (size_t i = 0; i < out->size(); ++i) {
    const Tensor& t = (*out)[i];
    std::string line = "output " + outs[i].name + ": " + dtype_name(t.dtype()) + " " + shape_str(t.shape());
    if (t.dtype() == DType::kF32 && t.numel() > 0) {
      const float* d = t.data_as<float>();
      double mn = d[0], mx = d[0], sum = 0;
      int64_t arg = 0;
      for (int64_t k = 0; k < t.numel(); ++k) {
        if (d[k] > mx) { mx = d[k]; arg = k; }
        mn = std::min<double>(mn, d[k]);
        sum += d[k];
      }
      line += "  min " + fixed(mn, 4) + " max " + fixed(mx, 4) + " mean " + fixed(sum / static_cast<double>(t.numel()), 4) +
              " argmax " + std::to_string(arg);
    }
    if (!a.output_dir.empty()) {
      std::string safe = outs[i].name;
      for (char& ch : safe)
        if (ch == '/' || ch == '\\' || ch == ':') ch = '_';
      std::string path = (std::filesystem::path(a.output_dir) / (safe + "." + a.format)).string();
      Status s = a.format == "pb" ? write_tensor_pb(t, outs[i].name, path) : write_npy(t, path);
      if (!s.is_ok()) return fail(s);
      line += "  -> " + path;
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace

void add_run(CLI::App& app, int* rc) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run a model once on given (or seeded random) inputs and save its outputs");
  cmd->add_option("MODEL", a->model, "ONNX model file")->required();
  cmd->add_option("--input,-i", a->inputs, "NAME=FILE with FILE a .npy or ONNX TensorProto .pb (repeatable)");
  cmd->add_option("--output-dir,-o", a->output_dir, "Write each output as NAME.npy (or .pb) into this folder");
  cmd->add_option("--format", a->format, "Output file format")->check(CLI::IsMember({"npy", "pb"}));
  cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->check(CLI::Range(0, 256));
  cmd->add_option("--batch,-b", a->batch, "Batch size for random inputs of dynamic-batch models")->check(CLI::Range(1, 65536));
  cmd->add_option("--seed", a->seed, "Seed for random inputs");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only (slow; for checking results)");
  cmd->footer(
      "Examples:\n"
      "  calibra run model.onnx                          # random inputs, print output summary\n"
      "  calibra run model.onnx -i input=x.npy -o out/   # writes out/<output>.npy\n"
      "  calibra run model.onnx -i x.pb -o out/ --format pb");
  cmd->callback([=] { *rc = run_main(*a); });
}

}  // namespace calibra::cli
