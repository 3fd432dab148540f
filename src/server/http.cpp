#include "server/http.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "app/compare_html.h"
#include "calibra/dataset.h"
#include "core/cpu.h"

namespace calibra::server {

extern const char* const kOpenApiJson;  // generated from src/server/openapi.json

namespace fs = std::filesystem;
using httplib::Request;
using httplib::Response;

namespace {

constexpr size_t kMaxJsonBody = 1 << 20;

void send_json(Response& res, int status, const json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void send_error(Response& res, int status, const std::string& message, const std::string& hint = "") {
  send_json(res, status, {{"error", {{"status", status}, {"message", message}, {"hint", hint}}}});
}

void send_status(Response& res, const Status& s) {
  const ApiError e = api_error(s);
  send_error(res, e.status, e.message, e.hint);
}

template <typename T>
void send_result(Response& res, const Result<T>& r, int ok_status = 200) {
  if (!r.is_ok()) return send_status(res, r.status());
  send_json(res, ok_status, *r);
}

Result<json> body_json(const Request& req) {
  if (req.body.size() > kMaxJsonBody) return Status::resource_exhausted("the request body is larger than 1 MiB");
  if (req.body.empty()) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return Status::invalid_argument("the request body is not valid JSON");
  if (!j.is_object()) return Status::invalid_argument("the request body must be a JSON object");
  return j;
}

// The numeric id in the route's first capture (ids too large to exist are 404s).
std::optional<int64_t> path_id(const Request& req, size_t i = 1) {
  try {
    return std::stoll(req.matches[static_cast<int>(i)].str());
  } catch (...) {
    return std::nullopt;
  }
}

// "http://host:port" against the Host header ("host:port").
bool same_origin(const std::string& origin, const std::string& host) {
  const auto scheme = origin.find("://");
  if (scheme == std::string::npos) return false;
  return origin.substr(scheme + 3) == host;
}

bool token_ok(const Request& req, const std::string& token) {
  std::string given;
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
  else if (req.has_param("token")) given = req.get_param_value("token");
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;  // constant time
  for (size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

// Streams multipart parts to files under DATA/tmp (file parts) or memory (small text parts).
class MultipartSink {
 public:
  MultipartSink(Workbench& wb, uint64_t max_bytes) : wb_(wb), max_(max_bytes) {}
  ~MultipartSink() {
    close_current();
    std::error_code ec;
    for (auto& [k, f] : files_)
      if (!f.path.empty() && !kept_.count(k)) fs::remove(f.path, ec);
  }
  bool begin(const httplib::MultipartFormData& part) {
    close_current();
    name_ = part.name;
    if (!part.filename.empty()) {
      File f;
      f.filename = part.filename;
      f.path = wb_.tmp_path("upload");
      out_.open(f.path, std::ios::binary);
      if (!out_) {
        error_ = Status::io_error("cannot write the upload to the data folder");
        return false;
      }
      files_[name_] = f;
    }
    return true;
  }
  bool data(const char* d, size_t n) {
    total_ += n;
    if (total_ > max_) {
      error_ = Status::resource_exhausted("the upload is larger than the limit of " + std::to_string(max_ >> 20) +
                                          " MiB (calibra serve --max-upload-mb)");
      return false;
    }
    if (out_.is_open()) {
      out_.write(d, static_cast<std::streamsize>(n));
      return static_cast<bool>(out_);
    }
    std::string& f = fields_[name_];
    if (f.size() + n > 4096) {
      error_ = Status::invalid_argument("form field '" + name_ + "' is too long");
      return false;
    }
    f.append(d, n);
    return true;
  }
  void close_current() {
    if (out_.is_open()) out_.close();
  }
  struct File {
    std::string path, filename;
  };
  const File* file(const std::string& name) const {
    auto it = files_.find(name);
    return it == files_.end() ? nullptr : &it->second;
  }
  std::string field(const std::string& name) const {
    auto it = fields_.find(name);
    return it == fields_.end() ? "" : it->second;
  }
  void keep(const std::string& name) { kept_.insert(name); }  // the file was moved into the store
  const Status& error() const { return error_; }

 private:
  Workbench& wb_;
  uint64_t max_, total_ = 0;
  std::string name_;
  std::ofstream out_;
  std::map<std::string, File> files_;
  std::map<std::string, std::string> fields_;
  std::set<std::string> kept_;
  Status error_;
};

// Reads a request body that is either multipart (into `mp`) or JSON (returned).
Result<std::optional<json>> read_upload(const Request& req, const httplib::ContentReader& reader, MultipartSink& mp) {
  if (req.is_multipart_form_data()) {
    const bool ok = reader([&](const httplib::MultipartFormData& f) { return mp.begin(f); },
                           [&](const char* d, size_t n) { return mp.data(d, n); });
    mp.close_current();
    if (!mp.error().is_ok()) return mp.error();
    if (!ok) return Status::invalid_argument("the upload was interrupted");
    return std::optional<json>();
  }
  std::string body;
  bool too_big = false;
  reader([&](const char* d, size_t n) {
    if (body.size() + n > kMaxJsonBody) {
      too_big = true;
      return false;
    }
    body.append(d, n);
    return true;
  });
  if (too_big) return Status::resource_exhausted("the request body is larger than 1 MiB");
  json j = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid_argument("the request body must be a JSON object (or a multipart upload)");
  return std::optional<json>(j);
}

const char* kNoFrontEnd =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Calibra</title></head><body style=\"font-family:sans-serif\">"
    "<h1>Calibra workbench</h1><p>The API is running (<a href=\"/api/openapi.json\">/api/openapi.json</a>), but the "
    "front end is not built. Run <code>make build</code> (it runs <code>npm ci &amp;&amp; npm run build</code> in "
    "<code>web/</code>), or start with <code>--web DIR</code>.</p></body></html>";

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string generate_token() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 32; ++i) s += "0123456789abcdef"[rd() % 16];
  return s;
}

void install_routes(httplib::Server& svr, Workbench& wb, const ServeOptions& o) {
  // Authentication and JSON errors.
  svr.set_pre_routing_handler([&wb, token = o.token](const Request& req, Response& res) {
    (void)wb;
    const bool changes = req.method == "POST" || req.method == "PUT" || req.method == "DELETE" || req.method == "PATCH";
    if (changes && req.path.rfind("/api/", 0) == 0) {
      // Browsers send Origin on cross-site requests: a page elsewhere must not drive the API.
      const std::string origin = req.get_header_value("Origin");
      if (!origin.empty() && !same_origin(origin, req.get_header_value("Host"))) {
        send_error(res, 403, "cross-origin request refused (Origin " + origin + ")",
                   "use the workbench from the address the server printed");
        return httplib::Server::HandlerResponse::Handled;
      }
      // State changes take JSON; only the two upload endpoints take multipart forms.
      const std::string type = req.get_header_value("Content-Type");
      const bool upload = req.path == "/api/models" || req.path == "/api/datasets";
      if (!type.empty() && type.rfind("application/json", 0) != 0 && !(upload && type.rfind("multipart/form-data", 0) == 0)) {
        send_error(res, 415, "the request body must be JSON (Content-Type: application/json)" +
                                 std::string(upload ? " or a multipart/form-data upload" : ""));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (!token.empty() && req.path.rfind("/api/", 0) == 0 && req.path != "/api/health" && !token_ok(req, token)) {
      send_error(res, 401, "missing or wrong token",
                 "open the URL the server printed (it carries #token=...), or send 'Authorization: Bearer TOKEN'");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) return send_error(res, 413, "the upload is larger than the server's limit", "calibra serve --max-upload-mb");
    if (req.path.rfind("/api/", 0) == 0)
      send_error(res, res.status, res.status == 404 ? "no such API endpoint: " + req.method + " " + req.path : "request failed");
  });
  svr.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "internal error: " + what, "please report it");
  });

  svr.Get("/api/health", [&wb](const Request&, Response& res) { send_json(res, 200, wb.health()); });
  svr.Get("/api/openapi.json", [](const Request&, Response& res) { res.set_content(kOpenApiJson, "application/json"); });
  svr.Get("/api/system", [](const Request&, Response& res) {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    send_json(res, 200, {{"cores", cores}, {"isa", cpu_isa_name()}, {"vnni", cpu_has_vnni()}, {"threads_max", cores}});
  });

  // Models.
  svr.Get("/api/models", [&wb](const Request&, Response& res) {
    json out = json::array();
    for (const auto& m : wb.store().models()) out.push_back(wb.model_view(m));
    send_json(res, 200, out);
  });
  svr.Post("/api/models", [&wb, &o](const Request& req, Response& res, const httplib::ContentReader& reader) {
    MultipartSink mp(wb, o.max_upload_bytes);
    auto body = read_upload(req, reader, mp);
    if (!body.is_ok()) return send_status(res, body.status());
    if (*body) {
      const json& j = **body;
      if (!j.contains("path") || !j["path"].is_string())
        return send_error(res, 400, "give {\"path\": \"/abs/model.onnx\"} or upload the file as multipart field 'file'");
      const std::string path = j["path"];
      if (path.empty() || path[0] != '/') return send_error(res, 400, "path: an absolute path on the server");
      if (Status st = wb.check_path_allowed(path); !st.is_ok()) return send_status(res, st);
      return send_result(res, wb.add_model_file(path, j.value("name", ""), false, "path"), 201);
    }
    const auto* f = mp.file("file");
    if (!f) return send_error(res, 400, "the upload has no 'file' part", "send the .onnx file as multipart field 'file'");
    std::string name = mp.field("name");
    if (name.empty()) name = fs::path(f->filename).stem().string();
    auto r = wb.add_model_file(f->path, name, true, "upload");
    if (!r.is_ok()) {  // name the user's file, not the server's temporary one
      std::string msg = r.status().message();
      for (size_t at; (at = msg.find(f->path)) != std::string::npos;) msg.replace(at, f->path.size(), "'" + f->filename + "'");
      r = Status(r.status().code(), msg);
    }
    if (r.is_ok()) mp.keep("file");
    else if (r.status().message().find("external data") != std::string::npos)
      return send_error(res, 400, r.status().message(),
                        "models with external data files cannot be uploaded as one file; register the model by its path");
    send_result(res, r, 201);
  });
  // GET and DELETE of one stored thing by id.
  auto get_one = [](const std::string& what, std::function<std::optional<json>(int64_t)> find) {
    return [what, find](const Request& req, Response& res) {
      auto id = path_id(req);
      auto row = id ? find(*id) : std::nullopt;
      if (!row) return send_error(res, 404, what + " " + req.matches[1].str() + " does not exist");
      send_json(res, 200, *row);
    };
  };
  auto delete_one = [](std::function<Status(int64_t)> del) {
    return [del](const Request& req, Response& res) {
      auto id = path_id(req);
      Status st = id ? del(*id) : Status::not_found("no such item");
      if (!st.is_ok()) return send_status(res, st);
      res.status = 204;
    };
  };
  svr.Get(R"(/api/models/(\d+))", get_one("model", [&wb](int64_t id) -> std::optional<json> {
            auto m = wb.store().model(id);
            return m ? std::optional<json>(wb.model_view(*m)) : std::nullopt;
          }));
  svr.Delete(R"(/api/models/(\d+))", delete_one([&wb](int64_t id) { return wb.delete_model(id); }));

  // Datasets.
  svr.Get("/api/datasets", [&wb](const Request&, Response& res) {
    json out = json::array();
    for (const auto& d : wb.store().datasets()) out.push_back(wb.dataset_view(d));
    send_json(res, 200, out);
  });
  svr.Get("/api/datasets/builtin", [](const Request&, Response& res) {
    json out = json::array();
    for (const char* spec : {"fashion-mnist:test", "fashion-mnist:train"}) {
      auto d = open_dataset(spec);
      out.push_back({{"spec", spec},
                     {"available", d.is_ok()},
                     {"description", d.is_ok() ? (*d)->info().description : d.status().message()}});
    }
    send_json(res, 200, out);
  });
  svr.Post("/api/datasets", [&wb, &o](const Request& req, Response& res, const httplib::ContentReader& reader) {
    MultipartSink mp(wb, o.max_upload_bytes);
    auto body = read_upload(req, reader, mp);
    if (!body.is_ok()) return send_status(res, body.status());
    if (*body) return send_result(res, wb.add_dataset_spec(**body), 201);
    const auto* f = mp.file("file");
    if (!f)
      return send_error(res, 400, "the upload has no 'file' part",
                        "send a .zip/.tar(.gz) of an image folder, or IDX images as 'file' (+ IDX labels as 'labels')");
    const std::string name = mp.field("name");
    // IDX files start with 0x00 0x00 <type> <dims>; anything else is treated as an archive.
    std::ifstream probe(f->path, std::ios::binary);
    unsigned char magic[4] = {1, 1, 1, 1};
    probe.read(reinterpret_cast<char*>(magic), 4);
    const bool idx = magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08 && magic[3] == 3;
    if (idx || mp.file("labels")) {
      const auto* labels = mp.file("labels");
      auto r = wb.add_dataset_idx(f->path, labels ? labels->path : "", name.empty() ? fs::path(f->filename).stem().string() : name);
      if (r.is_ok()) {
        mp.keep("file");
        mp.keep("labels");
      }
      return send_result(res, r, 201);
    }
    auto r = wb.add_dataset_archive(f->path, name, f->filename);
    mp.keep("file");  // add_dataset_archive removes it
    send_result(res, r, 201);
  });
  svr.Get(R"(/api/datasets/(\d+))", get_one("dataset", [&wb](int64_t id) -> std::optional<json> {
            auto d = wb.store().dataset(id);
            return d ? std::optional<json>(wb.dataset_view(*d)) : std::nullopt;
          }));
  svr.Delete(R"(/api/datasets/(\d+))", delete_one([&wb](int64_t id) { return wb.delete_dataset(id); }));

  // Projects.
  svr.Get("/api/projects", [&wb](const Request&, Response& res) { send_json(res, 200, wb.project_list()); });
  svr.Post("/api/projects", [&wb](const Request& req, Response& res) {
    auto b = body_json(req);
    if (!b.is_ok()) return send_status(res, b.status());
    send_result(res, wb.create_project(*b), 201);
  });
  svr.Get(R"(/api/projects/(\d+))", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    if (!id) return send_error(res, 404, "no such project");
    send_result(res, wb.project_view(*id));
  });
  svr.Delete(R"(/api/projects/(\d+))", delete_one([&wb](int64_t id) { return wb.delete_project(id); }));
  auto with_body = [&wb](std::function<Result<json>(int64_t, const json&)> fn, int ok_status) {
    return [fn, ok_status](const Request& req, Response& res) {
      auto id = path_id(req);
      if (!id) return send_error(res, 404, "no such project");
      auto b = body_json(req);
      if (!b.is_ok()) return send_status(res, b.status());
      send_result(res, fn(*id, *b), ok_status);
    };
  };
  svr.Put(R"(/api/projects/(\d+)/usage)", with_body([&wb](int64_t id, const json& b) { return wb.set_usage(id, b); }, 200));
  svr.Put(R"(/api/projects/(\d+)/settings)", with_body([&wb](int64_t id, const json& b) { return wb.set_settings(id, b); }, 200));
  svr.Post(R"(/api/projects/(\d+)/inference)", with_body([&wb](int64_t id, const json&) { return wb.queue_inference(id); }, 202));
  svr.Post(R"(/api/projects/(\d+)/calibrate)", with_body([&wb](int64_t id, const json& b) { return wb.queue_calibration(id, b); }, 202));
  svr.Post(R"(/api/projects/(\d+)/sweep)", with_body([&wb](int64_t id, const json& b) { return wb.queue_sweep(id, b); }, 202));
  svr.Get(R"(/api/projects/(\d+)/results)", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    if (!id || !wb.store().project(*id)) return send_error(res, 404, "project " + req.matches[1].str() + " does not exist");
    send_json(res, 200, wb.store().results(*id, req.get_param_value("kind")));
  });
  svr.Post("/api/compare", [&wb](const Request& req, Response& res) {
    auto b = body_json(req);
    if (!b.is_ok()) return send_status(res, b.status());
    send_result(res, wb.queue_compare(*b), 202);
  });

  // Jobs and results.
  svr.Get("/api/jobs", [&wb](const Request& req, Response& res) {
    std::optional<int64_t> project;
    if (req.has_param("project_id")) {
      try {
        project = std::stoll(req.get_param_value("project_id"));
      } catch (...) {
        return send_error(res, 400, "project_id: an integer");
      }
    }
    json out = json::array();
    for (const auto& j : wb.store().jobs(project, req.get_param_value("status"))) out.push_back(wb.job_view(j));
    send_json(res, 200, out);
  });
  svr.Get(R"(/api/jobs/(\d+))", get_one("job", [&wb](int64_t id) { return wb.job(id); }));
  svr.Post(R"(/api/jobs/(\d+)/cancel)", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    if (!id) return send_error(res, 404, "no such job");
    send_result(res, wb.cancel_job(*id));
  });
  svr.Post(R"(/api/jobs/(\d+)/rerun)", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    if (!id) return send_error(res, 404, "no such job");
    send_result(res, wb.rerun_job(*id), 202);
  });
  svr.Get(R"(/api/jobs/(\d+)/log)", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    if (!id || !wb.store().job(*id)) return send_error(res, 404, "job " + req.matches[1].str() + " does not exist");
    res.set_content(wb.job_log(*id), "text/plain; charset=utf-8");
  });
  svr.Get(R"(/api/results/(\d+))", get_one("result", [&wb](int64_t id) { return wb.store().result(id); }));
  svr.Get(R"(/api/results/(\d+)/report.html)", [&wb](const Request& req, Response& res) {
    auto id = path_id(req);
    auto r = id ? wb.store().result(*id) : std::nullopt;
    if (!r) return send_error(res, 404, "result " + req.matches[1].str() + " does not exist");
    if ((*r)["kind"] != "compare") return send_error(res, 400, "only compare results have an HTML report");
    res.set_content(app::compare_html((*r)["data"]), "text/html; charset=utf-8");
  });

  // Server-Sent Events.
  svr.Get("/api/events", [&wb](const Request&, Response& res) {
    auto sub = wb.events().subscribe();
    if (!sub) return send_error(res, 503, "too many event streams are open", "close other workbench tabs");
    std::string initial = "retry: 2000\n\n";
    for (const char* st : {"running", "queued"})
      for (const auto& j : wb.store().jobs(std::nullopt, st)) initial += "event: job\ndata: " + wb.job_view(j).dump() + "\n\n";
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto sent_initial = std::make_shared<bool>(false);
    res.set_chunked_content_provider(
        "text/event-stream",
        [sub, initial, sent_initial](size_t, httplib::DataSink& sink) {
          if (!*sent_initial) {
            *sent_initial = true;
            return sink.write(initial.data(), initial.size());
          }
          std::string m = EventHub::next(*sub, std::chrono::seconds(15));
          if (m.empty()) {
            {
              std::lock_guard<std::mutex> l(sub->mu);
              if (sub->closed) {
                sink.done();
                return true;
              }
            }
            m = ": keep-alive\n\n";
          }
          return sink.write(m.data(), m.size());
        },
        [&wb, sub](bool) { wb.events().unsubscribe(sub); });
  });

  // The front end.
  std::error_code ec;
  if (!o.web_dir.empty() && fs::exists(fs::path(o.web_dir) / "index.html", ec)) {
    svr.set_mount_point("/", o.web_dir);
  } else {
    svr.Get("/", [](const Request&, Response& res) { res.set_content(kNoFrontEnd, "text/html; charset=utf-8"); });
  }
}

namespace {
std::atomic<httplib::Server*> g_server{nullptr};
}

namespace {

// cpp-httplib 0.11 listens with a backlog of 5, compiled into Debian's libcpp-httplib. With a
// few dozen clients connecting at once the kernel dropped SYNs (ListenOverflows), and every
// dropped one cost its client a 1 s, then 3 s, retransmission: p99 latency of 1 s at 50
// clients (scripts/load_test.mjs). Linux lets listen() on the bound socket raise it.
class Server final : public httplib::Server {
 public:
  void widen_backlog(int n) { ::listen(svr_sock_, n); }
};

}  // namespace

Status serve(const ServeOptions& o) {
  // Signals go to a watcher thread (blocked everywhere else, including the pool's threads).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  WorkbenchOptions wo;
  wo.data_dir = o.data_dir;
  wo.max_upload_bytes = o.max_upload_bytes;
  wo.path_roots = o.path_roots;
  CALIBRA_ASSIGN_OR_RETURN(auto wb, Workbench::open(wo));
  if (!o.demo_model.empty()) {
    auto demo = wb->ensure_demo(o.demo_model);
    if (!demo.is_ok()) std::fprintf(stderr, "calibra serve: the demo project was not created: %s\n", demo.status().message().c_str());
    else if (*demo) std::printf("Demo project %lld created (its baseline inference is queued)\n", static_cast<long long>(**demo));
  }
  Server svr;
  const size_t threads = o.http_threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(o.max_upload_bytes + (1 << 20));
  svr.set_read_timeout(300);
  // A kept-alive connection holds a pool thread while it waits for its next request; with
  // more clients than threads, idle ones made the others queue for seconds (load test).
  svr.set_keep_alive_timeout(1);
  svr.set_write_timeout(300);
  install_routes(svr, *wb, o);
  if (!svr.bind_to_port(o.host, o.port))
    return Status::io_error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                            " (in use, or not an address of this machine); use --port or --host");
  svr.widen_backlog(SOMAXCONN);
  g_server = &svr;
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "\ncalibra serve: stopping (signal %d)\n", sig);
    wb->events().close_all();
    svr.stop();
  });
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  const std::string url = "http://" + (o.host == "0.0.0.0" ? std::string("127.0.0.1") : host) + ":" + std::to_string(o.port) +
                          "/" + (o.token.empty() ? "" : "#token=" + o.token);
  if (o.on_ready) o.on_ready(url);
  const bool ok = svr.listen_after_bind();
  g_server = nullptr;
  wb->shutdown();  // cancels a running job: it is left "interrupted" for a re-run
  if (watcher.joinable()) {
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
  }
  if (!ok) return Status::io_error("the server stopped unexpectedly");
  return Status::ok();
}

}  // namespace calibra::server
