// The workbench's store: SQLite (WAL) in the data folder, holding models, datasets,
// projects, jobs and results. Rows are returned as JSON objects shaped as docs/API.md
// describes (JSON-valued columns are parsed). One connection, serialised by a mutex: the
// workbench's writes are small and few.
//
// The schema is versioned (table meta, key schema_version) and migrated forward on open; a
// database written by a newer Calibra is refused rather than damaged.
#pragma once

#include <sqlite3.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibra/status.h"

namespace calibra::server {

using json = nlohmann::json;

// "2026-11-27T08:00:00Z"
std::string now_iso();

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version();
  static int latest_schema_version();

  // Jobs that were running when the server stopped become "interrupted"; returns how many.
  int mark_interrupted();

  // Models.
  Result<int64_t> add_model(const json& m);  // name, origin, parent_model_id, path, bytes, sha256, info
  std::optional<json> model(int64_t id);
  std::vector<json> models();
  Status delete_model(int64_t id);  // kConflict-like (kFailedPrecondition) when a project uses it

  // Datasets.
  Result<int64_t> add_dataset(const json& d);  // name, origin, spec, kind, samples, annotated, classes, description, bytes, dir
  std::optional<json> dataset(int64_t id);
  std::vector<json> datasets();
  Status delete_dataset(int64_t id);

  // Projects (the row only: model/dataset/latest are joined by the API layer).
  Result<int64_t> add_project(const json& p);  // name, model_id (may be null), dataset_id, parent_project_id, usage, settings
  std::optional<json> project(int64_t id);
  std::vector<json> projects();
  Status set_project_field(int64_t id, const std::string& field, const json& value);  // usage | settings | model_id | name
  Status delete_project(int64_t id);
  std::vector<int64_t> children(int64_t project_id);

  // Jobs.
  Result<int64_t> add_job(int64_t project_id, const std::string& type, const json& params);
  std::optional<json> job(int64_t id);
  std::vector<json> jobs(std::optional<int64_t> project_id, const std::string& status);
  std::optional<json> next_queued();
  // Takes the oldest queued job: marks it running (started now) and returns it, atomically.
  std::optional<json> claim_next();
  // Cancels a job if it is still queued (atomically); false when it is not queued any more.
  bool cancel_if_queued(int64_t id);
  Status update_job(int64_t id, const json& fields);  // any of status, stage, progress, error, hint, started_at, finished_at, result_id
  std::optional<json> latest_job(int64_t project_id);

  // Results.
  Result<int64_t> add_result(int64_t job_id, int64_t project_id, const std::string& kind, const json& data);
  std::optional<json> result(int64_t id);
  std::vector<json> results(int64_t project_id, const std::string& kind, bool with_data = true);
  std::optional<json> latest_result(int64_t project_id, const std::string& kind);

  // Runs `fn` in one transaction (rolled back when it returns an error).
  Status transaction(const std::function<Status()>& fn);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Status exec(const std::string& sql);
  Status migrate();

  sqlite3* db_;
  std::recursive_mutex mu_;
};

}  // namespace calibra::server
