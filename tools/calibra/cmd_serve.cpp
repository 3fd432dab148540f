#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli.h"
#include "server/http.h"

namespace calibra::cli {

namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  server::ServeOptions opts;
  bool demo = false;
  uint64_t max_upload_mb = 4096;
};

// The folder next to the executable's source tree or install prefix that holds `rel`.
std::string find_near_executable(const std::string& rel) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    for (const fs::path& cand : {dir / rel, dir / "share" / "calibra" / rel})
      if (fs::exists(cand, ec)) return cand.string();
  }
  return "";
}

int serve_main(ServeArgs a) {
  server::ServeOptions& o = a.opts;
  if (o.data_dir.empty()) {
    const char* home = std::getenv("HOME");
    o.data_dir = (fs::path(home ? home : ".") / ".calibra" / "workbench").string();
  }
  if (o.web_dir.empty()) o.web_dir = find_near_executable("web/dist");
  if (o.path_roots.empty() && server::is_loopback(o.host)) {
    // On this machine only: the user's files and Debian's shared data (datasets).
    const char* home = std::getenv("HOME");
    if (home) o.path_roots.push_back(home);
    o.path_roots.push_back("/usr/share");
  }
  if (a.demo) {
    const std::string zoo = find_near_executable("zoo");
    if (!zoo.empty()) o.path_roots.push_back(zoo);
  }
  o.max_upload_bytes = a.max_upload_mb << 20;
  if (!server::is_loopback(o.host) && o.token.empty()) {
    o.token = server::generate_token();
    std::printf("Listening beyond this machine: every API call needs the token %s\n", o.token.c_str());
  }
  if (a.demo) {
    o.demo_model = find_near_executable("zoo/fmnist_resnet.onnx");
    if (o.demo_model.empty()) std::fprintf(stderr, "calibra serve: zoo/fmnist_resnet.onnx not found; no demo project\n");
  }
  o.on_ready = [&](const std::string& url) {
    std::printf("Calibra workbench: %s\n", url.c_str());
    std::printf("Data folder: %s%s\n", o.data_dir.c_str(), o.web_dir.empty() ? " (front end not built: run make)" : "");
    std::printf("Press Ctrl+C to stop.\n");
    std::fflush(stdout);
  };
  Status st = server::serve(o);
  if (!st.is_ok()) return fail(st);
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, int* rc) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Run the web workbench (REST API + UI)");
  cmd->add_option("--host", a->opts.host, "Address to listen on (default 127.0.0.1; others need a token)");
  cmd->add_option("--port,-p", a->opts.port, "Port (default 8080)")->check(CLI::Range(1, 65535));
  cmd->add_option("--data", a->opts.data_dir, "Data folder: database, uploads, logs (default ~/.calibra/workbench)");
  cmd->add_option("--token", a->opts.token, "Require this token on every API call (generated when --host is not loopback)");
  cmd->add_option("--web", a->opts.web_dir, "Built front end folder (default: web/dist near the executable)");
  cmd->add_option("--max-upload-mb", a->max_upload_mb, "Largest upload in MiB (default 4096)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  cmd->add_option("--allow-path", a->opts.path_roots,
                  "A folder models and datasets may be registered from by path (repeatable; default on loopback: "
                  "$HOME and /usr/share; otherwise none)");
  cmd->add_flag("--demo", a->demo, "Create the demo project (Fashion-MNIST zoo model) when the data folder is empty");
  cmd->footer(
      "Examples:\n"
      "  calibra serve --demo                          # http://127.0.0.1:8080/\n"
      "  calibra serve --port 9000 --data /srv/calibra\n"
      "  calibra serve --host 0.0.0.0 --token SECRET   # reachable from other machines, token required\n"
      "API: docs/API.md, and /api/openapi.json on the running server.");
  cmd->callback([=] { *rc = serve_main(*a); });
}

}  // namespace calibra::cli
