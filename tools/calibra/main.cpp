// calibra: FP32 -> INT8 workbench, command line front end. A thin shell over the library.
#include <cstdio>

#include "cli.h"

namespace calibra::cli {

int fail(const Status& s) {
  std::fprintf(stderr, "calibra: error: %s\n", s.message().c_str());
  return s.code() == StatusCode::kInternal ? 3 : 1;
}

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "calibra: error: %s\n", message.c_str());
  return code;
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

int print_json(nlohmann::json j, const std::string& model) {
  j["model"] = model;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace calibra::cli

int main(int argc, char** argv) {
  using namespace calibra::cli;
  CLI::App app{"Calibra: turn FP32 ONNX models into fast, accurate INT8 models, and measure both.", "calibra"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  calibra info model.onnx\n"
      "  calibra run model.onnx --input input=image.npy --output-dir out/\n"
      "  calibra bench model.onnx --threads 2 --time 10\n"
      "  calibra eval model.onnx --dataset fashion-mnist:test\n"
      "  calibra calibrate model.onnx --dataset fashion-mnist:train -o model_int8.onnx\n"
      "  calibra compare model.onnx model_int8.onnx --dataset fashion-mnist:test --html compare.html\n"
      "  calibra serve --demo                      # the web workbench at http://127.0.0.1:8080/\n"
      "  calibra conformance --filter 'test_conv'\n"
      "Run 'calibra COMMAND --help' for a command's options.");
  int rc = 0;
  add_info(app, &rc);
  add_run(app, &rc);
  add_bench(app, &rc);
  add_eval(app, &rc);
  add_calibrate(app, &rc);
  add_compare(app, &rc);
  add_serve(app, &rc);
  add_conformance(app, &rc);
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const auto* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "calibra: error: unknown command '%s' (commands: %s; run 'calibra --help')\n", argv[1],
                   names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string cmd = app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
    std::fprintf(stderr, "calibra: error: %s (run 'calibra%s --help')\n", e.what(), cmd.c_str());
    return 2;
  }
  return rc;
}
