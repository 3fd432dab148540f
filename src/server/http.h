// `calibra serve`: the REST API of docs/API.md over cpp-httplib, the built front end
// (web/dist) at /, and Server-Sent Events. All work is done by the Workbench; this layer
// maps HTTP to it and back.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/workbench.h"

namespace httplib {
class Server;
}

namespace calibra::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string data_dir;
  std::string token;     // required for /api/ when non-empty
  std::string web_dir;   // the built front end ("" : none; / then explains how to build it)
  uint64_t max_upload_bytes = uint64_t{4} << 30;
  std::string demo_model;  // create the demo project from this zoo model when the store is empty
  size_t http_threads = 48;
  // Folders models and datasets may be registered from by path (API {"path": ...}).
  std::vector<std::string> path_roots;
  std::function<void(const std::string& url)> on_ready;  // called once listening
};

bool is_loopback(const std::string& host);
std::string generate_token();

// Installs every route on `svr` for `wb`.
void install_routes(httplib::Server& svr, Workbench& wb, const ServeOptions& o);

// Runs until SIGINT/SIGTERM (or `stop_flag` set); returns the exit status.
Status serve(const ServeOptions& o);

}  // namespace calibra::server
