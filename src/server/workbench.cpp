#include "server/workbench.h"

#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "app/json.h"
#include "calibra/bench.h"
#include "calibra/calibrate.h"
#include "calibra/compare.h"
#include "calibra/evaluate.h"
#include "calibra/inspect.h"
#include "calibra/profile.h"
#include "core/cpu.h"
#include "core/file_util.h"
#include "core/sha256.h"
#include "server/archive.h"

namespace calibra::server {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// ---------------------------------------------------------------- errors and hints

ApiError api_error(const Status& s) {
  ApiError e;
  e.message = s.message();
  e.hint = hint_for(s.message());
  switch (s.code()) {
    case StatusCode::kNotFound: e.status = 404; break;
    case StatusCode::kFailedPrecondition: e.status = 409; break;
    case StatusCode::kCancelled: e.status = 409; break;
    case StatusCode::kResourceExhausted: e.status = 413; break;
    case StatusCode::kIoError:
    case StatusCode::kInternal: e.status = 500; break;
    default: e.status = 400;
  }
  return e;
}

std::string hint_for(const std::string& m) {
  // The README's troubleshooting table, for the errors a workbench user meets most.
  static const std::vector<std::pair<const char*, const char*>> table = {
      {"not an ONNX model", "Upload the .onnx file itself (re-export or re-download it if it is truncated)."},
      {"newer than Calibra supports", "Re-export the model with opset 17 or lower (torch.onnx.export(..., opset_version=17))."},
      {"unsupported op", "The model uses ops Calibra does not implement; the README lists the supported ops."},
      {"external data", "Keep the external data files next to the model and register the model by its path."},
      {"fixed batch", "Use the model's batch size in the inference settings, or export the model with a dynamic batch."},
      {"streams need at least", "Use fewer streams than threads (one thread per stream at least)."},
      {"more than this machine's", "Use at most as many threads as the machine has cores (0 = all cores)."},
      {"generated dataset", "INT8 calibration needs real inputs: select or upload a dataset of images."},
      {"INT8 calibration needs the original FP32 model", "Calibrate the FP32 project (the original), not a converted one."},
      {"no layer Calibra can quantize", "The model has no Conv, Gemm or MatMul with constant weights: there is nothing to quantize."},
      {"needs an annotated dataset", "Use a labelled dataset for accuracy-aware calibration, or choose the Default method."},
      {"at least 100 validation samples", "Use a larger dataset or a smaller calibration subset."},
      {"channel", "Open Configure Accuracy and set the color (gray for 1 channel, RGB/BGR for 3)."},
      {"preprocessed image", "Open Configure Accuracy and fix resize/crop so the image matches the model's input."},
      {"different sizes", "Open Configure Accuracy and set a resize (and crop) for images of mixed sizes."},
      {"classes but the dataset has", "Check the model and the dataset belong together, or set label_offset in Configure Accuracy."},
      {"not a JPEG or PNG", "Remove or fix the broken image, or re-upload the dataset."},
      {"archive", "Upload a .zip or .tar(.gz) of an image folder: class sub-folders, or images with a val.txt."},
      {"the models take different inputs", "Compare a model with its own calibrated version, or models exported from the same network."},
      {"cancelled", "The job was cancelled; re-run it when you are ready."},
      {"server stopped", "Re-run the job."},
      {"disk full", "Free disk space in the workbench's data folder."},
  };
  for (const auto& [needle, hint] : table)
    if (m.find(needle) != std::string::npos) return hint;
  return "";
}

namespace {

std::string random_hex(size_t n) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> l(mu);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
  return s;
}

Result<std::string> sha256_file(const std::string& path, uint64_t* bytes) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::io_error("cannot read '" + path + "'");
  Sha256 h;
  std::vector<char> buf(1 << 16);
  *bytes = 0;
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(f.gcount());
    h.update(buf.data(), n);
    *bytes += n;
  }
  return h.hex();
}

uint64_t folder_bytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

const char* kind_name(DatasetKind k) {
  switch (k) {
    case DatasetKind::kIdx: return "idx";
    case DatasetKind::kCifar: return "cifar";
    case DatasetKind::kGenerated: return "generated";
    default: return "folder";
  }
}

json default_settings() {
  return app::to_json(InferenceSettings{1, 0, 1, 3.0, 0, 2});
}

int64_t id_of(const json& j, const char* key) { return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0; }

}  // namespace

// ---------------------------------------------------------------- job context

// Progress, cancellation and the log of the running job.
class JobContext {
 public:
  JobContext(Workbench& wb, int64_t id, const std::string& log_path) : wb_(wb), id_(id), log_(log_path, std::ios::app) {}

  // Maps a stage's own fraction into [lo, hi] of the whole job.
  bool progress(const std::string& stage, double fraction, double lo, double hi) {
    const double p = std::clamp(lo + (hi - lo) * std::clamp(fraction, 0.0, 1.0), 0.0, 1.0);
    if (stage != stage_) log("stage: " + stage);
    bool publish = false;
    {
      std::lock_guard<std::mutex> l(wb_.live_mu_);
      wb_.live_["stage"] = stage;
      wb_.live_["progress"] = std::max(p, wb_.live_.value("progress", 0.0));
    }
    const auto now = clock_type::now();
    if (stage != stage_ || now - last_event_ > std::chrono::milliseconds(250)) {
      last_event_ = now;
      publish = true;
    }
    if (stage != stage_ || now - last_db_ > std::chrono::seconds(1)) {
      last_db_ = now;
      std::lock_guard<std::mutex> l(wb_.live_mu_);
      (void)wb_.store().update_job(id_, {{"stage", stage}, {"progress", wb_.live_["progress"]}});
    }
    stage_ = stage;
    if (publish) wb_.publish_job(id_);
    return !wb_.cancel_running_.load();
  }
  bool cancelled() const { return wb_.cancel_running_.load(); }
  void log(const std::string& line) {
    log_ << now_iso() << "  " << line << "\n";
    log_.flush();
  }
  int64_t id() const { return id_; }

 private:
  Workbench& wb_;
  int64_t id_;
  std::ofstream log_;
  std::string stage_;
  clock_type::time_point last_event_{}, last_db_{};
};

// ---------------------------------------------------------------- opening

Result<std::unique_ptr<Workbench>> Workbench::open(const WorkbenchOptions& o) {
  std::unique_ptr<Workbench> wb(new Workbench(o));
  std::error_code ec;
  for (const char* sub : {"", "models", "datasets", "jobs", "tmp"}) {
    fs::create_directories(fs::path(o.data_dir) / sub, ec);
    if (ec) return Status::io_error("cannot create the data folder '" + (fs::path(o.data_dir) / sub).string() + "': " + ec.message());
  }
  // Uploads that were in progress when the server stopped are incomplete: drop them.
  for (auto& e : fs::directory_iterator(fs::path(o.data_dir) / "tmp", ec)) fs::remove_all(e.path(), ec);
  CALIBRA_ASSIGN_OR_RETURN(wb->store_, Store::open((fs::path(o.data_dir) / "calibra.db").string()));
  wb->store_->mark_interrupted();
  if (o.start_worker) wb->worker_ = std::thread([w = wb.get()] { w->worker(); });
  return wb;
}

Workbench::~Workbench() { shutdown(); }

void Workbench::shutdown() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  cancel_running_ = true;
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  events_.close_all();
}

std::string Workbench::tmp_path(const std::string& stem) {
  return (fs::path(o_.data_dir) / "tmp" / (stem + "-" + random_hex(12))).string();
}

// ---------------------------------------------------------------- models

Status Workbench::check_path_allowed(const std::string& path) const {
  if (!o_.path_roots) return Status::ok();
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return Status::invalid_argument("path '" + path + "' cannot be resolved");
  for (const auto& root : *o_.path_roots) {
    const fs::path r = fs::weakly_canonical(root, ec);
    if (ec) continue;
    auto rel = real.lexically_relative(r);
    if (!rel.empty() && *rel.begin() != "..") return Status::ok();
  }
  std::string roots;
  for (const auto& r : *o_.path_roots) roots += (roots.empty() ? "" : ", ") + r;
  return Status::failed_precondition("path '" + path + "' is outside the folders the server may read (" +
                                     (roots.empty() ? std::string("none") : roots) +
                                     "); start calibra serve with --allow-path DIR, or upload the file");
}

json Workbench::model_view(const json& row) {
  json m = row;
  m.erase("dir");
  return m;
}

Result<json> Workbench::add_model_file(const std::string& file, const std::string& name, bool move_in,
                                       const std::string& origin, std::optional<int64_t> parent_model_id,
                                       const std::function<Status(int64_t model_id)>& then) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Status::not_found("model file '" + file + "' does not exist");
  // The same checks as `calibra info`: a file that is not a loadable ONNX model is refused.
  CALIBRA_ASSIGN_OR_RETURN(ModelInfo info, inspect_model(file));
  uint64_t bytes = 0;
  CALIBRA_ASSIGN_OR_RETURN(std::string sha, sha256_file(file, &bytes));
  std::string path = fs::absolute(file).lexically_normal().string(), dir;
  if (move_in) {
    dir = (fs::path(o_.data_dir) / "models" / ("m-" + random_hex(12))).string();
    fs::create_directories(dir, ec);
    if (ec) return Status::io_error("cannot create '" + dir + "': " + ec.message());
    path = (fs::path(dir) / "model.onnx").string();
    fs::rename(file, path, ec);
    if (ec) {
      fs::copy_file(file, path, ec);
      if (ec) return Status::io_error("cannot store the model: " + ec.message());
      fs::remove(file, ec);
    }
  }
  json info_j = app::to_json(info);
  info_j["path"] = path;
  std::string display = name.empty() ? fs::path(file).stem().string() : name;
  if (display.empty() || display.rfind("upload-", 0) == 0) display = "model";
  json row = {{"name", display}, {"origin", origin}, {"path", path}, {"bytes", bytes}, {"sha256", sha},
              {"info", info_j}, {"dir", dir}};
  if (parent_model_id) row["parent_model_id"] = *parent_model_id;
  int64_t id = 0;
  Status st = store_->transaction([&]() -> Status {
    CALIBRA_ASSIGN_OR_RETURN(id, store_->add_model(row));
    return then ? then(id) : Status::ok();
  });
  if (!st.is_ok()) {
    if (!dir.empty()) fs::remove_all(dir, ec);
    return st;
  }
  return model_view(*store_->model(id));
}

namespace {

// Deletes a store row that may own a folder of files (uploads, calibrated models).
Status delete_owning_folder(std::optional<json> row, const std::string& what, int64_t id,
                            const std::function<Status()>& delete_row) {
  if (!row) return Status::not_found(what + " " + std::to_string(id) + " does not exist");
  CALIBRA_TRY(delete_row());
  const std::string dir = (*row)["dir"].get<std::string>();
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
  return Status::ok();
}

}  // namespace

Status Workbench::delete_model(int64_t id) {
  return delete_owning_folder(store_->model(id), "model", id, [&] { return store_->delete_model(id); });
}

// ---------------------------------------------------------------- datasets

json Workbench::dataset_view(const json& row) {
  json d = row;
  d.erase("dir");
  return d;
}

namespace {

Result<json> describe_dataset(const std::string& spec, size_t generated, const std::string& name, const std::string& origin) {
  DatasetOptions o;
  if (generated) {
    o.generated_count = generated;
    o.generated_shape = {1, 28, 28};  // shaped for the model at run time; counted here
  }
  CALIBRA_ASSIGN_OR_RETURN(auto d, open_dataset(spec, o));
  const DatasetInfo& info = d->info();
  std::string n = name;
  if (n.empty()) {
    if (info.kind == DatasetKind::kGenerated) n = "Generated (" + std::to_string(info.size) + " samples)";
    else if (spec.rfind("fashion-mnist", 0) == 0) n = spec == "fashion-mnist:train" ? "Fashion-MNIST train" : "Fashion-MNIST test";
    else n = fs::path(spec).filename().string();
  }
  return json{{"name", n},
              {"origin", origin},
              {"spec", spec},
              {"kind", kind_name(info.kind)},
              {"samples", info.size},
              {"annotated", info.annotated},
              {"classes", info.num_classes},
              {"description", info.description}};
}

}  // namespace

Result<json> Workbench::add_dataset_spec(const json& body) {
  const std::string name = body.value("name", "");
  json d;
  if (body.contains("generated")) {
    if (!body["generated"].is_number_integer() || body["generated"].get<int64_t>() < 1 || body["generated"].get<int64_t>() > 1000000)
      return Status::invalid_argument("generated: a sample count from 1 to 1000000");
    const auto n = static_cast<size_t>(body["generated"].get<int64_t>());
    CALIBRA_ASSIGN_OR_RETURN(d, describe_dataset("generated:" + std::to_string(n), n, name, "generated"));
  } else if (body.contains("spec") && body["spec"].is_string()) {
    const std::string spec = body["spec"];
    if (spec.rfind("fashion-mnist", 0) != 0 && spec.rfind("generated", 0) != 0)
      return Status::invalid_argument("spec: 'fashion-mnist:train' or 'fashion-mnist:test' (other datasets: give a path or upload them)");
    // A built-in dataset is registered once: asking again returns it.
    for (const auto& row : store_->datasets())
      if (row.value("spec", "") == spec && row.value("origin", "") == "builtin") return dataset_view(row);
    CALIBRA_ASSIGN_OR_RETURN(d, describe_dataset(spec, 0, name, spec.rfind("generated", 0) == 0 ? "generated" : "builtin"));
  } else if (body.contains("path") && body["path"].is_string()) {
    const std::string path = body["path"];
    if (path.empty() || path[0] != '/') return Status::invalid_argument("path: an absolute path on the server");
    CALIBRA_TRY(check_path_allowed(path));
    CALIBRA_ASSIGN_OR_RETURN(d, describe_dataset(path, 0, name, "path"));
  } else {
    return Status::invalid_argument("give one of {\"spec\": \"fashion-mnist:test\"}, {\"path\": \"/abs/dir\"}, {\"generated\": 100}, or upload a file");
  }
  CALIBRA_ASSIGN_OR_RETURN(int64_t id, store_->add_dataset(d));
  return dataset_view(*store_->dataset(id));
}

Result<json> Workbench::add_dataset_archive(const std::string& archive, const std::string& name, const std::string& filename) {
  const fs::path dir = fs::path(o_.data_dir) / "datasets" / ("d-" + random_hex(12));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create '" + dir.string() + "': " + ec.message());
  auto fail = [&](const Status& s) {
    fs::remove_all(dir, ec);
    return s;
  };
  ExtractLimits lim;
  lim.max_bytes = std::max<uint64_t>(o_.max_upload_bytes * 4, uint64_t{1} << 30);
  auto st = extract_archive(archive, dir.string(), lim);
  fs::remove(archive, ec);
  if (!st.is_ok()) return fail(st.status().with_context("dataset archive '" + filename + "'"));
  // A single top-level folder is the dataset itself.
  fs::path root = dir;
  for (;;) {
    std::vector<fs::path> entries;
    for (auto& e : fs::directory_iterator(root, ec)) entries.push_back(e.path());
    if (entries.size() == 1 && fs::is_directory(entries[0])) root = entries[0];
    else break;
  }
  std::string display = name;
  if (display.empty()) display = fs::path(filename).stem().string();
  if (display.size() > 4 && display.substr(display.size() - 4) == ".tar") display.resize(display.size() - 4);
  auto d = describe_dataset(root.string(), 0, display, "upload");
  if (!d.is_ok()) return fail(d.status().with_context("dataset archive '" + filename + "'"));
  (*d)["bytes"] = folder_bytes(dir);
  (*d)["dir"] = dir.string();
  auto id = store_->add_dataset(*d);
  if (!id.is_ok()) return fail(id.status());
  return dataset_view(*store_->dataset(*id));
}

Result<json> Workbench::add_dataset_idx(const std::string& images, const std::string& labels, const std::string& name) {
  const fs::path dir = fs::path(o_.data_dir) / "datasets" / ("d-" + random_hex(12));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create '" + dir.string() + "': " + ec.message());
  const fs::path img = dir / "images-idx3-ubyte", lab = dir / "labels-idx1-ubyte";
  fs::rename(images, img, ec);
  if (!ec && !labels.empty()) fs::rename(labels, lab, ec);
  if (ec) {
    fs::remove_all(dir, ec);
    return Status::io_error("cannot store the upload: " + ec.message());
  }
  const std::string spec = "idx:" + img.string() + (labels.empty() ? "" : "," + lab.string());
  auto d = describe_dataset(spec, 0, name.empty() ? "IDX upload" : name, "upload");
  if (!d.is_ok()) {
    fs::remove_all(dir, ec);
    return d.status();
  }
  (*d)["bytes"] = folder_bytes(dir);
  (*d)["dir"] = dir.string();
  CALIBRA_ASSIGN_OR_RETURN(int64_t id, store_->add_dataset(*d));
  return dataset_view(*store_->dataset(id));
}

Status Workbench::delete_dataset(int64_t id) {
  return delete_owning_folder(store_->dataset(id), "dataset", id, [&] { return store_->delete_dataset(id); });
}

// ---------------------------------------------------------------- projects

Result<json> Workbench::require_project(int64_t id) {
  auto p = store_->project(id);
  if (!p) return Status::not_found("project " + std::to_string(id) + " does not exist");
  return *p;
}

json Workbench::int8_availability(const json& p) {
  auto no = [](const std::string& why) { return json{{"available", false}, {"reason", why}}; };
  if (!p["parent_project_id"].is_null())
    return no("this project holds a calibrated model; calibrate its original project instead");
  if (p["model_id"].is_null()) return no("the project has no model yet");
  auto m = store_->model(p["model_id"].get<int64_t>());
  auto d = store_->dataset(p["dataset_id"].get<int64_t>());
  if (!m || !d) return no("the project's model or dataset was deleted");
  const json& info = (*m)["info"];
  const std::string prec = info.value("precision", "");
  if (prec != "FP32") return no("the model is " + prec + "; INT8 calibration needs an FP32 model");
  if ((*d)["origin"] == "generated" || (*d)["kind"] == "generated")
    return no("the dataset is generated; INT8 calibration needs real inputs (select or upload a dataset of images)");
  if (!info.contains("int8") || !info["int8"].value("possible", false))
    return no(info.contains("int8") ? info["int8"].value("reason", std::string("INT8 is not possible for this model"))
                                    : std::string("INT8 is not possible for this model"));
  return json{{"available", true}, {"reason", ""}};
}

Result<json> Workbench::project_view(int64_t id) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(id));
  if (!p["model_id"].is_null()) {
    auto m = store_->model(p["model_id"].get<int64_t>());
    p["model"] = m ? model_view(*m) : json();
  } else {
    p["model"] = nullptr;
  }
  auto d = store_->dataset(p["dataset_id"].get<int64_t>());
  p["dataset"] = d ? dataset_view(*d) : json();
  p["int8"] = int8_availability(p);
  auto j = store_->latest_job(id);
  p["status"] = j ? ((*j)["status"] == "done" ? std::string("ready") : (*j)["status"].get<std::string>()) : std::string("new");
  p["latest_job"] = j ? job_view(*j) : json();
  json latest = json::object();
  for (const char* kind : {"inference", "calibration", "sweep"}) {
    auto r = store_->latest_result(id, kind);
    latest[kind == std::string("inference") ? "baseline" : kind] = r ? *r : json();
  }
  p["latest"] = latest;
  p["children"] = store_->children(id);
  return p;
}

std::vector<json> Workbench::project_list() {
  std::vector<json> out;
  for (const auto& p : store_->projects()) {
    auto v = project_view(p["id"].get<int64_t>());
    if (!v.is_ok()) continue;
    // The list carries summaries, not whole results.
    for (auto& [k, r] : (*v)["latest"].items()) {
      if (!r.is_object()) continue;
      json s = {{"id", r["id"]}, {"created_at", r["created_at"]}};
      const json& d = r["data"];
      if (k == "baseline") {
        s["top1"] = d.contains("accuracy") && d["accuracy"].is_object() ? d["accuracy"]["top1"] : json();
        s["throughput_fps"] = d["speed"]["throughput_fps"];
        s["latency_ms"] = d["speed"]["latency_ms"]["median"];
      }
      r = s;
    }
    out.push_back(std::move(*v));
  }
  return out;
}

Result<json> Workbench::create_project(const json& body) {
  const int64_t model_id = id_of(body, "model_id"), dataset_id = id_of(body, "dataset_id");
  auto m = store_->model(model_id);
  if (!m) return Status::not_found("model_id: model " + std::to_string(model_id) + " does not exist");
  auto d = store_->dataset(dataset_id);
  if (!d) return Status::not_found("dataset_id: dataset " + std::to_string(dataset_id) + " does not exist");
  CALIBRA_ASSIGN_OR_RETURN(auto model, Model::load((*m)["path"].get<std::string>()));
  CALIBRA_ASSIGN_OR_RETURN(auto data, open_dataset((*d)["spec"].get<std::string>(),
                                                   [&] {
                                                     DatasetOptions o;
                                                     o.generated_count = (*d)["samples"].get<size_t>();
                                                     if (!model->inputs().empty()) {
                                                       o.generated_shape = model->inputs()[0].concrete(1);
                                                       if (!o.generated_shape.empty()) o.generated_shape.erase(o.generated_shape.begin());
                                                     }
                                                     return o;
                                                   }()));
  // Usage: given, else the model's sibling .usage.json, else defaults.
  ModelUsage usage;
  if (body.contains("usage") && !body["usage"].is_null()) {
    CALIBRA_ASSIGN_OR_RETURN(usage, app::usage_from_json(body["usage"]));
  } else {
    const fs::path sibling = fs::path((*m)["path"].get<std::string>()).replace_extension(".usage.json");
    std::error_code ec;
    if (fs::exists(sibling, ec)) {
      CALIBRA_ASSIGN_OR_RETURN(usage, app::load_usage(sibling.string()));
    } else {
      usage = default_usage(*model, data->info());
    }
  }
  if (data->info().kind != DatasetKind::kGenerated) CALIBRA_TRY(validate_usage(usage, *model, data->info()).with_context("usage"));
  InferenceSettings settings;
  CALIBRA_ASSIGN_OR_RETURN(settings, app::settings_from_json(body.value("settings", default_settings()),
                                                             *app::settings_from_json(default_settings())));
  CALIBRA_TRY(validate_settings(settings, *model).with_context("settings"));
  const std::string name = body.value("name", (*m)["name"].get<std::string>() + " on " + (*d)["name"].get<std::string>());
  int64_t pid = 0;
  CALIBRA_TRY(store_->transaction([&]() -> Status {
    CALIBRA_ASSIGN_OR_RETURN(pid, store_->add_project({{"name", name},
                                                        {"model_id", model_id},
                                                        {"dataset_id", dataset_id},
                                                        {"usage", app::to_json(usage)},
                                                        {"settings", app::to_json(settings)}}));
    return store_->add_job(pid, "inference", json::object()).status();
  }));
  if (auto j = store_->latest_job(pid)) publish_job((*j)["id"].get<int64_t>());
  cv_.notify_all();
  return project_view(pid);
}

Result<json> Workbench::set_usage(int64_t id, const json& body) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(id));
  CALIBRA_ASSIGN_OR_RETURN(ModelUsage u, app::usage_from_json(body));
  if (!p["model_id"].is_null()) {
    auto m = store_->model(p["model_id"].get<int64_t>());
    auto d = store_->dataset(p["dataset_id"].get<int64_t>());
    if (m && d && (*d)["kind"] != "generated") {
      CALIBRA_ASSIGN_OR_RETURN(auto model, Model::load((*m)["path"].get<std::string>()));
      CALIBRA_ASSIGN_OR_RETURN(auto data, open_dataset((*d)["spec"].get<std::string>()));
      CALIBRA_TRY(validate_usage(u, *model, data->info()));
    }
  }
  CALIBRA_TRY(store_->set_project_field(id, "usage", app::to_json(u)));
  return project_view(id);
}

Result<json> Workbench::set_settings(int64_t id, const json& body) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(id));
  CALIBRA_ASSIGN_OR_RETURN(InferenceSettings s, app::settings_from_json(body, *app::settings_from_json(p["settings"])));
  if (!p["model_id"].is_null()) {
    auto m = store_->model(p["model_id"].get<int64_t>());
    if (m) {
      CALIBRA_ASSIGN_OR_RETURN(auto model, Model::load((*m)["path"].get<std::string>()));
      CALIBRA_TRY(validate_settings(s, *model));
    }
  }
  CALIBRA_TRY(store_->set_project_field(id, "settings", app::to_json(s)));
  return project_view(id);
}

Status Workbench::delete_project(int64_t id) {
  CALIBRA_TRY(require_project(id).status());
  return store_->delete_project(id);
}

// ---------------------------------------------------------------- jobs

json Workbench::job_view(const json& row) {
  json j = row;
  std::lock_guard<std::mutex> l(live_mu_);
  if (running_id_ != 0 && j["id"].get<int64_t>() == running_id_ && j["status"] == "running") {
    j["stage"] = live_.value("stage", j["stage"].get<std::string>());
    j["progress"] = live_.value("progress", j["progress"].get<double>());
  }
  return j;
}

std::optional<json> Workbench::job(int64_t id) {
  auto j = store_->job(id);
  if (!j) return std::nullopt;
  return job_view(*j);
}

void Workbench::publish_job(int64_t id) {
  if (auto j = job(id)) events_.publish("job", j->dump());
}

Result<json> Workbench::add_job(int64_t project_id, const std::string& type, const json& params) {
  CALIBRA_ASSIGN_OR_RETURN(int64_t id, store_->add_job(project_id, type, params));
  publish_job(id);
  cv_.notify_all();
  return *job(id);
}

Result<json> Workbench::queue_inference(int64_t project_id) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(project_id));
  if (p["model_id"].is_null()) return Status::failed_precondition("the project has no model yet (its calibration has not finished)");
  return add_job(project_id, "inference", json::object());
}


// "resnet (INT8 kl, mixed, max drop 0.5)", numbered when the same settings were used before,
// so that calibrations of one project can be told apart in lists and pickers.
std::string Workbench::int8_project_name(const json& parent, const json& params) {
  std::string base = parent["name"].get<std::string>() + " (INT8 " + params.value("algorithm", "percentile") + ", " +
                     params.value("preset", "performance");
  if (params.contains("max_drop") && params["max_drop"].is_number()) {
    std::ostringstream d;
    d << params["max_drop"].get<double>();
    base += ", max drop " + d.str();
  }
  base += ")";
  int same = 0;
  for (const auto& q : store_->projects())
    if (q.contains("parent_project_id") && q["parent_project_id"] == parent["id"] &&
        q["name"].get<std::string>().rfind(base, 0) == 0)
      ++same;
  return same ? base + " #" + std::to_string(same + 1) : base;
}

Result<json> Workbench::queue_calibration(int64_t project_id, const json& body) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(project_id));
  const json avail = int8_availability(p);
  if (!avail["available"].get<bool>()) return Status::failed_precondition(avail["reason"].get<std::string>());
  json params = body.is_object() ? body : json::object();
  const int64_t dataset_id = params.contains("dataset_id") ? id_of(params, "dataset_id") : p["dataset_id"].get<int64_t>();
  auto d = store_->dataset(dataset_id);
  if (!d) return Status::not_found("dataset_id: dataset " + std::to_string(dataset_id) + " does not exist");
  if ((*d)["kind"] == "generated") return Status::failed_precondition("a generated dataset cannot be used for INT8 calibration; select a dataset of images");
  params["dataset_id"] = dataset_id;
  params["source_project_id"] = project_id;
  // Check values now, not minutes later in the job.
  const std::string method = params.value("method", "default");
  if (method != "default" && method != "accuracy_aware") return Status::invalid_argument("method: 'default' or 'accuracy_aware'");
  if (method == "accuracy_aware" && !(*d)["annotated"].get<bool>())
    return Status::invalid_argument("accuracy-aware calibration needs an annotated dataset; choose the Default method or a labelled dataset");
  const std::string alg = params.value("algorithm", "percentile");
  if (alg != "minmax" && alg != "percentile" && alg != "kl" && alg != "mse" && alg != "auto")
    return Status::invalid_argument("algorithm: minmax, percentile, kl, mse or auto");
  const std::string preset = params.value("preset", "performance");
  if (preset != "performance" && preset != "mixed") return Status::invalid_argument("preset: 'performance' or 'mixed'");
  if (params.contains("subset") && (!params["subset"].is_number_integer() || params["subset"].get<int64_t>() < 1))
    return Status::invalid_argument("subset: a positive sample count");
  if (params.contains("subset_percent") &&
      (!params["subset_percent"].is_number() || params["subset_percent"].get<double>() <= 0 || params["subset_percent"].get<double>() > 100))
    return Status::invalid_argument("subset_percent: a percentage in (0, 100]");
  if (params.contains("max_drop") && (!params["max_drop"].is_number() || params["max_drop"].get<double>() < 0))
    return Status::invalid_argument("max_drop: a non-negative number");
  const std::string drop_type = params.value("drop_type", "absolute");
  if (drop_type != "absolute" && drop_type != "relative") return Status::invalid_argument("drop_type: 'absolute' or 'relative'");
  json settings = p["settings"];
  if (params.contains("settings") && params["settings"].is_object()) {
    CALIBRA_ASSIGN_OR_RETURN(InferenceSettings s, app::settings_from_json(params["settings"], *app::settings_from_json(p["settings"])));
    auto m = store_->model(p["model_id"].get<int64_t>());
    CALIBRA_ASSIGN_OR_RETURN(auto model, Model::load((*m)["path"].get<std::string>()));
    CALIBRA_TRY(validate_settings(s, *model).with_context("settings"));
    settings = app::to_json(s);
  }
  // The INT8 project exists at once (without a model until calibration ends) so the UI can
  // show its row with the job's progress.
  int64_t child = 0, job_id = 0;
  CALIBRA_TRY(store_->transaction([&]() -> Status {
    CALIBRA_ASSIGN_OR_RETURN(child, store_->add_project({{"name", int8_project_name(p, params)},
                                                          {"model_id", nullptr},
                                                          {"dataset_id", p["dataset_id"]},
                                                          {"parent_project_id", project_id},
                                                          {"usage", p["usage"]},
                                                          {"settings", settings}}));
    CALIBRA_ASSIGN_OR_RETURN(job_id, store_->add_job(child, "calibration", params));
    return Status::ok();
  }));
  publish_job(job_id);
  cv_.notify_all();
  json out = {{"job", *job(job_id)}};
  CALIBRA_ASSIGN_OR_RETURN(out["project"], project_view(child));
  if (dataset_id == p["dataset_id"].get<int64_t>())
    out["warning"] = "calibrating on the validation set makes its accuracy optimistic; a separate calibration dataset is better";
  return out;
}

Result<json> Workbench::queue_sweep(int64_t project_id, const json& body) {
  CALIBRA_ASSIGN_OR_RETURN(json p, require_project(project_id));
  if (p["model_id"].is_null()) return Status::failed_precondition("the project has no model yet");
  json params = body.is_object() ? body : json::object();
  auto ints = [&](const char* k) -> Status {
    if (!params.contains(k)) return Status::ok();
    if (!params[k].is_array() || params[k].empty()) return Status::invalid_argument(std::string(k) + ": a non-empty list of integers");
    for (const auto& v : params[k])
      if (!v.is_number_integer() || v.get<int64_t>() < 1) return Status::invalid_argument(std::string(k) + ": positive integers");
    return Status::ok();
  };
  CALIBRA_TRY(ints("batches"));
  CALIBRA_TRY(ints("streams"));
  if (params.contains("max_latency_ms") && (!params["max_latency_ms"].is_number() || params["max_latency_ms"].get<double>() < 0))
    return Status::invalid_argument("max_latency_ms: a non-negative number");
  if (params.contains("seconds") && (!params["seconds"].is_number() || params["seconds"].get<double>() <= 0 || params["seconds"].get<double>() > 600))
    return Status::invalid_argument("seconds: per point, in (0, 600]");
  return add_job(project_id, "sweep", params);
}

Result<json> Workbench::queue_compare(const json& body) {
  const int64_t a = id_of(body, "project_a"), b = id_of(body, "project_b");
  CALIBRA_ASSIGN_OR_RETURN(json pa, require_project(a));
  CALIBRA_ASSIGN_OR_RETURN(json pb, require_project(b));
  if (pa["model_id"].is_null() || pb["model_id"].is_null())
    return Status::failed_precondition("both projects need a model (a calibration may still be running)");
  auto ma = store_->model(pa["model_id"].get<int64_t>());
  auto mb = store_->model(pb["model_id"].get<int64_t>());
  if (!ma || !mb) return Status::not_found("a project's model was deleted");
  // Same inputs: checked now, so the user hears at once.
  const json &ia = (*ma)["info"]["inputs"], &ib = (*mb)["info"]["inputs"];
  if (ia.size() != ib.size()) return Status::invalid_argument("the models take different inputs; compare needs two models with the same inputs");
  for (size_t i = 0; i < ia.size(); ++i)
    if (ia[i].value("dtype", "") != ib[i].value("dtype", "") || ia[i]["shape"] .size() != ib[i]["shape"].size())
      return Status::invalid_argument("the models take different inputs: A's " + ia[i].dump() + ", B's " + ib[i].dump());
  json params = {{"project_a", a}, {"project_b", b}};
  if (body.contains("limit")) {
    if (!body["limit"].is_number_integer() || body["limit"].get<int64_t>() < 1) return Status::invalid_argument("limit: a positive sample count");
    params["limit"] = body["limit"];
  }
  return add_job(a, "compare", params);
}

Result<json> Workbench::cancel_job(int64_t id) {
  auto j = store_->job(id);
  if (!j) return Status::not_found("job " + std::to_string(id) + " does not exist");
  if ((*j)["status"] == "queued" && store_->cancel_if_queued(id)) {
    publish_job(id);
    return *job(id);
  }
  const std::string st = (*store_->job(id))["status"];
  if (st != "running") return Status::failed_precondition("job " + std::to_string(id) + " already finished (" + st + ")");
  {
    std::lock_guard<std::mutex> l(live_mu_);
    if (running_id_ == id) cancel_running_ = true;
    else cancel_requested_.insert(id);  // claimed, about to start
  }
  publish_job(id);
  return *job(id);
}

Result<json> Workbench::rerun_job(int64_t id) {
  auto j = store_->job(id);
  if (!j) return Status::not_found("job " + std::to_string(id) + " does not exist");
  const std::string st = (*j)["status"];
  if (st != "failed" && st != "cancelled" && st != "interrupted")
    return Status::failed_precondition("only failed, cancelled or interrupted jobs can be re-run (job " + std::to_string(id) + " is " + st + ")");
  return add_job((*j)["project_id"].get<int64_t>(), (*j)["type"].get<std::string>(), (*j)["params"]);
}

std::string Workbench::job_log(int64_t id) {
  auto text = read_file((fs::path(o_.data_dir) / "jobs" / (std::to_string(id) + ".log")).string(), size_t{16} << 20);
  return text.is_ok() ? *text : std::string();
}

json Workbench::health() {
  std::lock_guard<std::mutex> l(live_mu_);
  return {{"status", "ok"},
          {"version", "0.1.0"},
          {"jobs_queued", store_->jobs(std::nullopt, "queued").size()},
          {"job_running", running_id_ ? json(running_id_) : json()}};
}

Result<std::optional<int64_t>> Workbench::ensure_demo(const std::string& zoo_model) {
  if (!store_->projects().empty()) return std::optional<int64_t>();
  CALIBRA_ASSIGN_OR_RETURN(json m, add_model_file(zoo_model, fs::path(zoo_model).stem().string(), false, "demo"));
  CALIBRA_ASSIGN_OR_RETURN(json d, add_dataset_spec({{"spec", "fashion-mnist:test"}}));
  CALIBRA_ASSIGN_OR_RETURN(json train, add_dataset_spec({{"spec", "fashion-mnist:train"}}));
  (void)train;
  CALIBRA_ASSIGN_OR_RETURN(json p, create_project({{"model_id", m["id"]}, {"dataset_id", d["id"]}}));
  return std::optional<int64_t>(p["id"].get<int64_t>());
}

// ---------------------------------------------------------------- the worker

void Workbench::worker() {
  for (;;) {
    std::optional<json> next;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::seconds(2), [&] { return stopping_ || store_->next_queued().has_value(); });
      if (stopping_) return;
    }
    next = store_->claim_next();
    if (next) run_job(*next);
  }
}

void Workbench::run_pending() {
  while (auto next = store_->claim_next()) run_job(*next);
}

void Workbench::run_job(const json& job) {
  const int64_t id = job["id"].get<int64_t>();
  {
    std::lock_guard<std::mutex> l(live_mu_);
    running_id_ = id;
    cancel_running_ = cancel_requested_.erase(id) > 0;
    live_ = {{"stage", ""}, {"progress", 0.0}};
  }
  publish_job(id);
  JobContext ctx(*this, id, (fs::path(o_.data_dir) / "jobs" / (std::to_string(id) + ".log")).string());
  ctx.log("job " + std::to_string(id) + " (" + job["type"].get<std::string>() + ") started: " + job["params"].dump());
  const auto t0 = clock_type::now();
  Status st;
  try {
    st = execute(job, ctx);
  } catch (const std::exception& e) {
    st = Status::internal(std::string("unexpected exception: ") + e.what());
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  json fields = {{"finished_at", now_iso()}};
  bool stopping;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping = stopping_;
  }
  if (st.is_ok()) {
    fields["status"] = "done";
    fields["progress"] = 1.0;
    ctx.log("done in " + std::to_string(secs) + " s");
  } else if (st.code() == StatusCode::kCancelled && stopping) {
    fields["status"] = "interrupted";
    fields["error"] = "the server stopped while this job was running; re-run it";
    ctx.log("interrupted: the server is stopping");
  } else if (st.code() == StatusCode::kCancelled) {
    fields["status"] = "cancelled";
    fields["error"] = "cancelled by the user";
    ctx.log("cancelled");
  } else {
    fields["status"] = "failed";
    fields["error"] = st.message();
    fields["hint"] = hint_for(st.message());
    ctx.log("failed: " + st.to_string());
  }
  (void)store_->update_job(id, fields);
  {
    std::lock_guard<std::mutex> l(live_mu_);
    running_id_ = 0;
  }
  publish_job(id);
}

Status Workbench::execute(const json& job, JobContext& ctx) {
  const std::string type = job["type"];
  if (type == "inference") return run_inference(job, ctx);
  if (type == "calibration") return run_calibration(job, ctx);
  if (type == "compare") return run_compare(job, ctx);
  if (type == "sweep") return run_sweep(job, ctx);
  return Status::internal("unknown job type '" + type + "'");
}

namespace {

struct ProjectParts {
  json project, model, dataset;
  std::shared_ptr<Model> loaded;
  std::unique_ptr<Dataset> data;
  ModelUsage usage;
  BenchOptions settings;
};

}  // namespace

static Result<ProjectParts> load_parts(Store& store, int64_t project_id, std::optional<int64_t> dataset_override = std::nullopt) {
  ProjectParts p;
  auto pr = store.project(project_id);
  if (!pr) return Status::not_found("project " + std::to_string(project_id) + " was deleted");
  p.project = *pr;
  if (p.project["model_id"].is_null()) return Status::failed_precondition("the project has no model");
  auto m = store.model(p.project["model_id"].get<int64_t>());
  auto d = store.dataset(dataset_override ? *dataset_override : p.project["dataset_id"].get<int64_t>());
  if (!m || !d) return Status::not_found("the project's model or dataset was deleted");
  p.model = *m;
  p.dataset = *d;
  CALIBRA_ASSIGN_OR_RETURN(p.loaded, Model::load(p.model["path"].get<std::string>()));
  DatasetOptions o;
  o.generated_count = p.dataset["samples"].get<size_t>();
  if (!p.loaded->inputs().empty()) {
    o.generated_shape = p.loaded->inputs()[0].concrete(1);
    if (!o.generated_shape.empty()) o.generated_shape.erase(o.generated_shape.begin());
  }
  CALIBRA_ASSIGN_OR_RETURN(p.data, open_dataset(p.dataset["spec"].get<std::string>(), o));
  CALIBRA_ASSIGN_OR_RETURN(p.usage, app::usage_from_json(p.project["usage"]));
  CALIBRA_ASSIGN_OR_RETURN(InferenceSettings s, app::settings_from_json(p.project["settings"]));
  static_cast<InferenceSettings&>(p.settings) = s;
  return p;
}

Status Workbench::run_inference(const json& job, JobContext& ctx) {
  const int64_t pid = job["project_id"].get<int64_t>();
  CALIBRA_ASSIGN_OR_RETURN(ProjectParts p, load_parts(*store_, pid));
  json data = {{"settings", app::to_json(static_cast<const InferenceSettings&>(p.settings))}};
  const bool generated = p.data->info().kind == DatasetKind::kGenerated;
  if (!generated) {
    ctx.log("accuracy on " + p.data->info().description);
    EvalOptions eo;
    eo.threads = p.settings.threads;
    eo.progress = [&](size_t done, size_t total, double) {
      return ctx.progress("accuracy", total ? static_cast<double>(done) / static_cast<double>(total) : 1.0, 0.0, 0.55);
    };
    CALIBRA_ASSIGN_OR_RETURN(EvalResult e, evaluate(p.loaded, *p.data, p.usage, eo));
    data["accuracy"] = app::to_json(e);
    if (e.annotated) ctx.log("top-1 " + std::to_string(e.top1) + ", top-5 " + std::to_string(e.top5));
  } else {
    data["accuracy"] = nullptr;
  }
  ctx.log("speed: " + data["settings"].dump());
  BenchOptions bo = p.settings;
  bo.progress = [&](double f) { return ctx.progress("speed", f, 0.55, 0.9); };
  CALIBRA_ASSIGN_OR_RETURN(BenchResult b, run_benchmark(p.loaded, bo));
  data["speed"] = app::to_json(b);
  ctx.log("throughput " + std::to_string(b.throughput_fps) + "/s, median latency " + std::to_string(b.latency_ms.median) + " ms");
  if (!ctx.progress("profile", 0, 0.9, 1.0)) return Status::cancelled("cancelled");
  SessionOptions so;
  const int threads = p.settings.threads > 0 ? p.settings.threads : omp_get_num_procs();
  so.threads = std::max(1, threads / p.settings.streams);
  CALIBRA_ASSIGN_OR_RETURN(ModelProfile prof, profile_model(p.loaded, random_inputs(*p.loaded, 0, p.settings.batch), so, 20));
  data["profile"] = app::to_json(prof);
  CALIBRA_ASSIGN_OR_RETURN(int64_t rid, store_->add_result(ctx.id(), pid, "inference", data));
  return store_->update_job(ctx.id(), {{"result_id", rid}});
}

Status Workbench::run_calibration(const json& job, JobContext& ctx) {
  const int64_t child = job["project_id"].get<int64_t>();
  const json& params = job["params"];
  const int64_t source = params["source_project_id"].get<int64_t>();
  CALIBRA_ASSIGN_OR_RETURN(ProjectParts p, load_parts(*store_, source, params["dataset_id"].get<int64_t>()));
  CalibrateOptions o;
  o.usage = p.usage;
  o.threads = p.settings.threads;
  if (params.contains("subset_percent")) o.subset_percent = params["subset_percent"].get<double>();
  else o.subset = static_cast<size_t>(params.value("subset", int64_t{300}));
  o.algorithm = params.value("algorithm", "percentile");
  o.preset = params.value("preset", "performance");
  if (params.value("method", "default") == "accuracy_aware") {
    o.max_drop = params.value("max_drop", 1.0);
    o.drop_relative = params.value("drop_type", "absolute") == "relative";
  }
  o.progress = [&](const std::string& stage, size_t done, size_t total) {
    const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    if (stage == "statistics") return ctx.progress(stage, f, 0.0, o.max_drop ? 0.4 : 0.85);
    return ctx.progress(stage, f, 0.4, 0.95);
  };
  ctx.log("calibrating " + p.model["path"].get<std::string>() + " on " + p.data->info().description);
  CALIBRA_ASSIGN_OR_RETURN(CalibrationResult r, calibrate(p.model["path"].get<std::string>(), *p.data, o));
  if (!ctx.progress("saving", 0, 0.95, 1.0)) return Status::cancelled("cancelled");
  const std::string tmp = tmp_path("calibrated") + ".onnx";
  CALIBRA_TRY(write_file(tmp, r.onnx));
  // The model's row, the INT8 project's model, the result and the job's result_id in one
  // transaction: a server killed in between leaves none of them (the kill test saw a
  // calibrated model that no project used when the row was committed on its own).
  json report = app::to_json(r.report);
  report["int8_project_id"] = child;
  int64_t rid = 0;
  CALIBRA_ASSIGN_OR_RETURN(
      json m, add_model_file(tmp, p.model["name"].get<std::string>() + "_int8", true, "calibrated", p.model["id"].get<int64_t>(),
                             [&](int64_t model_id) -> Status {
                               report["int8_model_id"] = model_id;
                               CALIBRA_TRY(store_->set_project_field(child, "model_id", model_id));
                               CALIBRA_ASSIGN_OR_RETURN(rid, store_->add_result(ctx.id(), child, "calibration", report));
                               return store_->update_job(ctx.id(), {{"result_id", rid}});
                             }));
  int u8 = 0, i8 = 0, fp = 0;
  for (const auto& l : r.report.layers) (l.precision == "U8" ? u8 : l.precision == "I8" ? i8 : fp)++;
  ctx.log("INT8 model " + m["path"].get<std::string>() + ": " + std::to_string(u8) + " U8, " + std::to_string(i8) + " I8, " +
          std::to_string(fp) + " FP32 layers");
  // The INT8 model's inference results follow.
  CALIBRA_TRY(add_job(child, "inference", json::object()).status());
  return Status::ok();
}

Status Workbench::run_compare(const json& job, JobContext& ctx) {
  const json& params = job["params"];
  CALIBRA_ASSIGN_OR_RETURN(ProjectParts a, load_parts(*store_, params["project_a"].get<int64_t>()));
  CALIBRA_ASSIGN_OR_RETURN(ProjectParts b, load_parts(*store_, params["project_b"].get<int64_t>()));
  CompareOptions o;
  o.speed = a.settings;
  o.usage = a.usage;
  o.limit = static_cast<size_t>(params.value("limit", int64_t{0}));
  const std::vector<std::pair<std::string, std::pair<double, double>>> stages = {
      {"accuracy A", {0.0, 0.3}}, {"accuracy B", {0.3, 0.6}}, {"layer errors", {0.6, 0.7}}, {"profile", {0.7, 0.8}}, {"speed", {0.8, 1.0}}};
  o.progress = [&](const std::string& stage, double f) {
    for (const auto& [name, range] : stages)
      if (name == stage) return ctx.progress(stage, f, range.first, range.second);
    return ctx.progress(stage, f, 0, 1);
  };
  const bool with_data = a.data->info().kind != DatasetKind::kGenerated;
  ctx.log("comparing " + a.model["path"].get<std::string>() + " with " + b.model["path"].get<std::string>());
  CALIBRA_ASSIGN_OR_RETURN(CompareResult r, compare_models(a.model["path"].get<std::string>(), b.model["path"].get<std::string>(),
                                                           with_data ? a.data.get() : nullptr, o));
  json data = app::to_json(r);
  data["project_a"] = params["project_a"];
  data["project_b"] = params["project_b"];
  CALIBRA_ASSIGN_OR_RETURN(int64_t rid, store_->add_result(ctx.id(), job["project_id"].get<int64_t>(), "compare", data));
  return store_->update_job(ctx.id(), {{"result_id", rid}});
}

Status Workbench::run_sweep(const json& job, JobContext& ctx) {
  const int64_t pid = job["project_id"].get<int64_t>();
  const json& params = job["params"];
  CALIBRA_ASSIGN_OR_RETURN(ProjectParts p, load_parts(*store_, pid));
  SweepOptions o;
  o.base = p.settings;
  o.base.seconds = params.value("seconds", 1.0);
  o.base.iterations = 0;
  if (params.contains("batches")) o.batches = params["batches"].get<std::vector<int64_t>>();
  if (params.contains("streams")) o.streams = params["streams"].get<std::vector<int>>();
  o.max_latency_ms = params.value("max_latency_ms", 0.0);
  o.progress = [&](size_t done, size_t total) {
    return ctx.progress("sweep", total ? static_cast<double>(done) / static_cast<double>(total) : 1.0, 0, 1);
  };
  CALIBRA_ASSIGN_OR_RETURN(SweepResult r, calibra::run_sweep(p.loaded, o));
  CALIBRA_ASSIGN_OR_RETURN(int64_t rid, store_->add_result(ctx.id(), pid, "sweep", app::to_json(r)));
  return store_->update_job(ctx.id(), {{"result_id", rid}});
}

}  // namespace calibra::server
