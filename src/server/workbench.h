// The workbench service: what the REST API does, without HTTP. It owns the store, the event
// hub and the job runner, and files under the data folder:
//
//   DATA/calibra.db           SQLite store (WAL)
//   DATA/models/<dir>/        uploaded and calibrated models (model.onnx)
//   DATA/datasets/<dir>/      uploaded datasets (extracted archives, IDX files)
//   DATA/jobs/<id>.log        each job's log
//   DATA/tmp/                 uploads in progress
//
// One compute job runs at a time (a worker thread takes queued jobs in id order); every
// job calls the Calibra library, reports progress through its callbacks, and can be
// cancelled. Every change of a job is published as an SSE "job" event.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/events.h"
#include "server/store.h"

namespace calibra::server {

struct WorkbenchOptions {
  std::string data_dir;
  uint64_t max_upload_bytes = uint64_t{4} << 30;
  bool start_worker = true;  // tests may drive jobs by hand
  // Folders under which models and datasets may be registered by path through the API
  // (nullopt: anywhere; the server always sets it).
  std::optional<std::vector<std::string>> path_roots;
};

// A status with an HTTP-ish meaning and a hint for the user.
struct ApiError {
  int status = 400;
  std::string message, hint;
};
ApiError api_error(const Status& s);
// The troubleshooting hint for a library error message ("" when none applies).
std::string hint_for(const std::string& message);

class Workbench {
 public:
  static Result<std::unique_ptr<Workbench>> open(const WorkbenchOptions& o);
  ~Workbench();

  Store& store() { return *store_; }
  EventHub& events() { return events_; }
  const WorkbenchOptions& options() const { return o_; }
  std::string tmp_path(const std::string& stem);  // a fresh file name under DATA/tmp

  // Models: an uploaded file (moved into the store) or a file registered where it is.
  // `then(model_id)`, when given, runs in the same store transaction as the model's row (a
  // calibrated model and the result that uses it are committed together).
  Result<json> add_model_file(const std::string& file, const std::string& name, bool move_in, const std::string& origin,
                              std::optional<int64_t> parent_model_id = std::nullopt,
                              const std::function<Status(int64_t model_id)>& then = nullptr);
  // Checks that a path given through the API lies under one of the allowed roots.
  Status check_path_allowed(const std::string& path) const;
  json model_view(const json& row);

  // Datasets: {"spec"}, {"path"}, {"generated": N}, or an uploaded archive / IDX pair.
  Result<json> add_dataset_spec(const json& body);
  Result<json> add_dataset_archive(const std::string& archive, const std::string& name, const std::string& filename);
  Result<json> add_dataset_idx(const std::string& images, const std::string& labels, const std::string& name);
  json dataset_view(const json& row);
  Status delete_dataset(int64_t id);
  Status delete_model(int64_t id);

  // Projects.
  Result<json> create_project(const json& body);  // queues the baseline inference
  Result<json> project_view(int64_t id);
  std::vector<json> project_list();
  Result<json> set_usage(int64_t id, const json& usage);
  Result<json> set_settings(int64_t id, const json& settings);
  Status delete_project(int64_t id);
  // {"available": bool, "reason": "..."}
  json int8_availability(const json& project);

  // Jobs.
  Result<json> queue_inference(int64_t project_id);
  Result<json> queue_calibration(int64_t project_id, const json& body);  // {"job", "project", "warning"?}
  Result<json> queue_sweep(int64_t project_id, const json& body);
  Result<json> queue_compare(const json& body);
  Result<json> cancel_job(int64_t id);
  Result<json> rerun_job(int64_t id);
  json job_view(const json& row);  // with live progress of the running job
  std::optional<json> job(int64_t id);
  std::string job_log(int64_t id);
  json health();

  // The demo project (Fashion-MNIST zoo model on the Fashion-MNIST test set), created once
  // when the store has no projects. `zoo_model` is the .onnx (its .usage.json beside it).
  Result<std::optional<int64_t>> ensure_demo(const std::string& zoo_model);

  // Runs queued jobs until none is left (tests); the worker thread does this otherwise.
  void run_pending();
  // Stops the worker: the running job is cancelled and left "interrupted".
  void shutdown();

 private:
  explicit Workbench(const WorkbenchOptions& o) : o_(o) {}
  Result<json> add_job(int64_t project_id, const std::string& type, const json& params);
  void publish_job(int64_t id);
  void worker();
  void run_job(const json& job);
  Status execute(const json& job, class JobContext& ctx);
  Status run_inference(const json& job, JobContext& ctx);
  Status run_calibration(const json& job, JobContext& ctx);
  Status run_compare(const json& job, JobContext& ctx);
  Status run_sweep(const json& job, JobContext& ctx);
  Result<json> require_project(int64_t id);
  std::string int8_project_name(const json& parent, const json& params);

  WorkbenchOptions o_;
  std::unique_ptr<Store> store_;
  EventHub events_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  // The running job (id 0 when none) and its live state.
  int64_t running_id_ = 0;
  std::atomic<bool> cancel_running_{false};
  std::set<int64_t> cancel_requested_;  // cancelled between being claimed and starting
  json live_;  // stage, progress of the running job
  std::mutex live_mu_;
  friend class JobContext;
};

}  // namespace calibra::server
