#include "server/store.h"

#include <chrono>
#include <ctime>
#include <functional>

namespace calibra::server {

namespace {

// Schema migrations, applied in order; migration i brings the schema to version i + 1.
// Never edit a released migration: add a new one.
const std::vector<const char*> kMigrations = {
    // 1: the first schema.
    R"SQL(
    CREATE TABLE models(
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, origin TEXT NOT NULL,
      parent_model_id INTEGER REFERENCES models(id), path TEXT NOT NULL,
      bytes INTEGER NOT NULL DEFAULT 0, sha256 TEXT NOT NULL DEFAULT '', info TEXT NOT NULL,
      dir TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
    CREATE TABLE datasets(
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, origin TEXT NOT NULL, spec TEXT NOT NULL,
      kind TEXT NOT NULL, samples INTEGER NOT NULL, annotated INTEGER NOT NULL, classes INTEGER NOT NULL,
      description TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0, dir TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL);
    CREATE TABLE projects(
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, model_id INTEGER REFERENCES models(id),
      dataset_id INTEGER NOT NULL REFERENCES datasets(id), parent_project_id INTEGER REFERENCES projects(id),
      usage TEXT NOT NULL, settings TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE jobs(
      id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id), type TEXT NOT NULL,
      params TEXT NOT NULL, status TEXT NOT NULL, stage TEXT NOT NULL DEFAULT '', progress REAL NOT NULL DEFAULT 0,
      error TEXT, hint TEXT, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, result_id INTEGER);
    CREATE INDEX jobs_by_status ON jobs(status, id);
    CREATE INDEX jobs_by_project ON jobs(project_id, id);
    CREATE TABLE results(
      id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL REFERENCES jobs(id), project_id INTEGER NOT NULL,
      kind TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX results_by_project ON results(project_id, kind, id);
    )SQL",
};

// The JSON-valued columns of each table.
bool is_json_column(const std::string& c) {
  return c == "info" || c == "usage" || c == "settings" || c == "params" || c == "data";
}

// A prepared statement with typed binding and row reading into JSON.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
      error_ = Status::internal(std::string("SQL error: ") + sqlite3_errmsg(db) + " in: " + sql);
      st_ = nullptr;
    }
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const json& v) {
    if (!st_) return *this;
    if (v.is_null()) sqlite3_bind_null(st_, i);
    else if (v.is_boolean()) sqlite3_bind_int64(st_, i, v.get<bool>() ? 1 : 0);
    else if (v.is_number_integer()) sqlite3_bind_int64(st_, i, v.get<int64_t>());
    else if (v.is_number()) sqlite3_bind_double(st_, i, v.get<double>());
    else if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      sqlite3_bind_text(st_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    } else {
      const std::string s = v.dump();
      sqlite3_bind_text(st_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    return *this;
  }
  // Runs a statement that returns no rows.
  Status run() {
    if (!st_) return error_;
    const int rc = sqlite3_step(st_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Status::io_error(std::string("database: ") + sqlite3_errmsg(db_));
    return Status::ok();
  }
  std::vector<json> rows() {
    std::vector<json> out;
    if (!st_) return out;
    while (sqlite3_step(st_) == SQLITE_ROW) {
      json row = json::object();
      for (int c = 0; c < sqlite3_column_count(st_); ++c) {
        const std::string name = sqlite3_column_name(st_, c);
        switch (sqlite3_column_type(st_, c)) {
          case SQLITE_NULL: row[name] = nullptr; break;
          case SQLITE_INTEGER: row[name] = sqlite3_column_int64(st_, c); break;
          case SQLITE_FLOAT: row[name] = sqlite3_column_double(st_, c); break;
          default: {
            const std::string text(reinterpret_cast<const char*>(sqlite3_column_text(st_, c)),
                                   static_cast<size_t>(sqlite3_column_bytes(st_, c)));
            if (is_json_column(name)) {
              row[name] = json::parse(text, nullptr, false);
              if (row[name].is_discarded()) row[name] = nullptr;
            } else {
              row[name] = text;
            }
          }
        }
      }
      out.push_back(std::move(row));
    }
    return out;
  }
  std::optional<json> one() {
    auto r = rows();
    if (r.empty()) return std::nullopt;
    return std::move(r[0]);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  Status error_;
};

std::optional<json> with_bools(std::optional<json> row, std::initializer_list<const char*> keys) {
  if (row)
    for (const char* k : keys)
      if ((*row)[k].is_number()) (*row)[k] = (*row)[k].get<int64_t>() != 0;
  return row;
}

}  // namespace

std::string now_iso() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::io_error("cannot open the workbench database '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Store> s(new Store(db));
  // WAL: readers never block the writer; synchronous=FULL: a committed result survives a
  // power cut, not only a killed process.
  CALIBRA_TRY(s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  Status st = s->migrate();
  if (!st.is_ok()) return st.with_context("workbench database '" + path + "'");
  return s;
}

Store::~Store() { sqlite3_close(db_); }

int Store::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Status Store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::io_error("database: " + m);
  }
  return Status::ok();
}

int Store::schema_version() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
  auto r = q.one();
  return r ? std::stoi((*r)["value"].get<std::string>()) : 0;
}

Status Store::migrate() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  CALIBRA_TRY(exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
  const int have = schema_version();
  const int want = latest_schema_version();
  if (have > want)
    return Status::failed_precondition("it was written by a newer Calibra (schema " + std::to_string(have) +
                                       ", this one knows up to " + std::to_string(want) +
                                       "); use that version, or another --data folder");
  for (int v = have; v < want; ++v) {
    Status st = transaction([&] {
      CALIBRA_TRY(exec(kMigrations[static_cast<size_t>(v)]));
      Stmt up(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)");
      return up.bind(1, std::to_string(v + 1)).run();
    });
    CALIBRA_TRY(st.with_context("migrating to schema " + std::to_string(v + 1)));
  }
  return Status::ok();
}

Status Store::transaction(const std::function<Status()>& fn) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  CALIBRA_TRY(exec("BEGIN IMMEDIATE"));
  Status st = fn();
  if (!st.is_ok()) {
    (void)exec("ROLLBACK");
    return st;
  }
  return exec("COMMIT");
}

int Store::mark_interrupted() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "UPDATE jobs SET status = 'interrupted', finished_at = ?, error = ? WHERE status = 'running'");
  q.bind(1, now_iso()).bind(2, "the server stopped while this job was running; re-run it");
  if (!q.run().is_ok()) return 0;
  return sqlite3_changes(db_);
}

// ---- models

Result<int64_t> Store::add_model(const json& m) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_,
         "INSERT INTO models(name, origin, parent_model_id, path, bytes, sha256, info, dir, created_at) "
         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, m.value("name", "")).bind(2, m.value("origin", "upload")).bind(3, m.value("parent_model_id", json()));
  q.bind(4, m.value("path", "")).bind(5, m.value("bytes", 0)).bind(6, m.value("sha256", ""));
  q.bind(7, m.value("info", json::object())).bind(8, m.value("dir", "")).bind(9, now_iso());
  CALIBRA_TRY(q.run());
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json> Store::model(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM models WHERE id = ?");
  return q.bind(1, id).one();
}

std::vector<json> Store::models() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  return Stmt(db_, "SELECT * FROM models ORDER BY id DESC").rows();
}

Status Store::delete_model(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt used(db_, "SELECT id FROM projects WHERE model_id = ? LIMIT 1");
  if (auto p = used.bind(1, id).one())
    return Status::failed_precondition("the model is used by project " + std::to_string((*p)["id"].get<int64_t>()) +
                                       "; delete that project first");
  Stmt child(db_, "UPDATE models SET parent_model_id = NULL WHERE parent_model_id = ?");
  CALIBRA_TRY(child.bind(1, id).run());
  Stmt q(db_, "DELETE FROM models WHERE id = ?");
  return q.bind(1, id).run();
}

// ---- datasets

Result<int64_t> Store::add_dataset(const json& d) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_,
         "INSERT INTO datasets(name, origin, spec, kind, samples, annotated, classes, description, bytes, dir, created_at) "
         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, d.value("name", "")).bind(2, d.value("origin", "upload")).bind(3, d.value("spec", ""));
  q.bind(4, d.value("kind", "")).bind(5, d.value("samples", 0)).bind(6, d.value("annotated", false));
  q.bind(7, d.value("classes", 0)).bind(8, d.value("description", "")).bind(9, d.value("bytes", 0));
  q.bind(10, d.value("dir", "")).bind(11, now_iso());
  CALIBRA_TRY(q.run());
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json> Store::dataset(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM datasets WHERE id = ?");
  return with_bools(q.bind(1, id).one(), {"annotated"});
}

std::vector<json> Store::datasets() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  auto rows = Stmt(db_, "SELECT * FROM datasets ORDER BY id DESC").rows();
  for (auto& r : rows) r = *with_bools(r, {"annotated"});
  return rows;
}

Status Store::delete_dataset(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt used(db_, "SELECT id FROM projects WHERE dataset_id = ? LIMIT 1");
  if (auto p = used.bind(1, id).one())
    return Status::failed_precondition("the dataset is used by project " + std::to_string((*p)["id"].get<int64_t>()) +
                                       "; delete that project first");
  Stmt q(db_, "DELETE FROM datasets WHERE id = ?");
  return q.bind(1, id).run();
}

// ---- projects

Result<int64_t> Store::add_project(const json& p) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_,
         "INSERT INTO projects(name, model_id, dataset_id, parent_project_id, usage, settings, created_at) "
         "VALUES(?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, p.value("name", "")).bind(2, p.value("model_id", json())).bind(3, p.value("dataset_id", json()));
  q.bind(4, p.value("parent_project_id", json())).bind(5, p.value("usage", json::object()));
  q.bind(6, p.value("settings", json::object())).bind(7, now_iso());
  CALIBRA_TRY(q.run());
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json> Store::project(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM projects WHERE id = ?");
  return q.bind(1, id).one();
}

std::vector<json> Store::projects() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  return Stmt(db_, "SELECT * FROM projects ORDER BY id DESC").rows();
}

Status Store::set_project_field(int64_t id, const std::string& field, const json& value) {
  if (field != "usage" && field != "settings" && field != "model_id" && field != "name")
    return Status::internal("set_project_field: " + field);
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "UPDATE projects SET " + field + " = ? WHERE id = ?");
  return q.bind(1, value).bind(2, id).run();
}

std::vector<int64_t> Store::children(int64_t project_id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT id FROM projects WHERE parent_project_id = ? ORDER BY id");
  std::vector<int64_t> out;
  for (const auto& r : q.bind(1, project_id).rows()) out.push_back(r["id"].get<int64_t>());
  return out;
}

Status Store::delete_project(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt running(db_, "SELECT id FROM jobs WHERE project_id = ? AND status IN ('running', 'queued') LIMIT 1");
  if (auto j = running.bind(1, id).one())
    return Status::failed_precondition("job " + std::to_string((*j)["id"].get<int64_t>()) +
                                       " of this project is queued or running; cancel it first");
  return transaction([&] {
    Stmt orphan(db_, "UPDATE projects SET parent_project_id = NULL WHERE parent_project_id = ?");
    CALIBRA_TRY(orphan.bind(1, id).run());
    Stmt r(db_, "DELETE FROM results WHERE project_id = ?");
    CALIBRA_TRY(r.bind(1, id).run());
    Stmt j(db_, "DELETE FROM jobs WHERE project_id = ?");
    CALIBRA_TRY(j.bind(1, id).run());
    Stmt p(db_, "DELETE FROM projects WHERE id = ?");
    return p.bind(1, id).run();
  });
}

// ---- jobs

Result<int64_t> Store::add_job(int64_t project_id, const std::string& type, const json& params) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "INSERT INTO jobs(project_id, type, params, status, created_at) VALUES(?, ?, ?, 'queued', ?)");
  q.bind(1, project_id).bind(2, type).bind(3, params).bind(4, now_iso());
  CALIBRA_TRY(q.run());
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json> Store::job(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM jobs WHERE id = ?");
  return q.bind(1, id).one();
}

std::vector<json> Store::jobs(std::optional<int64_t> project_id, const std::string& status) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  std::string sql = "SELECT * FROM jobs WHERE 1";
  if (project_id) sql += " AND project_id = ?1";
  if (!status.empty()) sql += " AND status = ?2";
  Stmt q(db_, sql + " ORDER BY id DESC LIMIT 500");
  if (project_id) q.bind(1, *project_id);
  if (!status.empty()) q.bind(2, status);
  return q.rows();
}

std::optional<json> Store::next_queued() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  return Stmt(db_, "SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1").one();
}

std::optional<json> Store::claim_next() {
  std::lock_guard<std::recursive_mutex> l(mu_);
  auto j = Stmt(db_, "SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1").one();
  if (!j) return std::nullopt;
  const std::string now = now_iso();
  Stmt q(db_, "UPDATE jobs SET status = 'running', started_at = ?, stage = '', progress = 0 WHERE id = ? AND status = 'queued'");
  if (!q.bind(1, now).bind(2, (*j)["id"]).run().is_ok() || sqlite3_changes(db_) != 1) return std::nullopt;
  (*j)["status"] = "running";
  (*j)["started_at"] = now;
  return j;
}

bool Store::cancel_if_queued(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "UPDATE jobs SET status = 'cancelled', finished_at = ?, error = 'cancelled before it started' WHERE id = ? AND status = 'queued'");
  return q.bind(1, now_iso()).bind(2, id).run().is_ok() && sqlite3_changes(db_) == 1;
}

Status Store::update_job(int64_t id, const json& fields) {
  static const char* allowed[] = {"status", "stage", "progress", "error", "hint", "started_at", "finished_at", "result_id"};
  std::lock_guard<std::recursive_mutex> l(mu_);
  std::string sets;
  std::vector<json> values;
  for (const char* k : allowed)
    if (fields.contains(k)) {
      sets += (sets.empty() ? "" : ", ") + std::string(k) + " = ?";
      values.push_back(fields[k]);
    }
  if (sets.empty()) return Status::ok();
  Stmt q(db_, "UPDATE jobs SET " + sets + " WHERE id = ?");
  int i = 1;
  for (const auto& v : values) q.bind(i++, v);
  return q.bind(i, id).run();
}

std::optional<json> Store::latest_job(int64_t project_id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM jobs WHERE project_id = ? ORDER BY id DESC LIMIT 1");
  return q.bind(1, project_id).one();
}

// ---- results

Result<int64_t> Store::add_result(int64_t job_id, int64_t project_id, const std::string& kind, const json& data) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "INSERT INTO results(job_id, project_id, kind, data, created_at) VALUES(?, ?, ?, ?, ?)");
  q.bind(1, job_id).bind(2, project_id).bind(3, kind).bind(4, data).bind(5, now_iso());
  CALIBRA_TRY(q.run());
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json> Store::result(int64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM results WHERE id = ?");
  return q.bind(1, id).one();
}

std::vector<json> Store::results(int64_t project_id, const std::string& kind, bool with_data) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  std::string cols = with_data ? "*" : "id, job_id, project_id, kind, created_at";
  std::string sql = "SELECT " + cols + " FROM results WHERE project_id = ?1";
  if (!kind.empty()) sql += " AND kind = ?2";
  Stmt q(db_, sql + " ORDER BY id DESC LIMIT 200");
  q.bind(1, project_id);
  if (!kind.empty()) q.bind(2, kind);
  return q.rows();
}

std::optional<json> Store::latest_result(int64_t project_id, const std::string& kind) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  Stmt q(db_, "SELECT * FROM results WHERE project_id = ? AND kind = ? ORDER BY id DESC LIMIT 1");
  return q.bind(1, project_id).bind(2, kind).one();
}

}  // namespace calibra::server
