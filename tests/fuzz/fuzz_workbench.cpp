// The workbench's JSON request bodies, against a Workbench on a scratch data folder with
// no worker (jobs are queued, never run). Fixture: the tiny model, an IDX dataset with
// labels and a generated one, and two projects. The input is [endpoint byte][JSON body]:
//   0 POST /api/projects                 1 PUT /api/projects/1/usage
//   2 PUT /api/projects/1/settings        3 POST /api/projects/1/calibrate
//   4 POST /api/projects/1/sweep          5 POST /api/compare
//   6 POST /api/datasets (JSON: spec or generated; "path" bodies are skipped)
// Bodies are parsed as the HTTP layer does (no exceptions; not an object = 400). What an
// endpoint creates is deleted again so every input meets the same state.
//
// The HTTP layer turns an exception from an endpoint into "500 internal error"; a
// nlohmann::json type error is counted as such a finding here (printed with
// CALIBRA_FUZZ_VERBOSE=1, fatal with CALIBRA_FUZZ_STRICT=1), anything else aborts.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "harness.h"
#include "model_fixture.h"
#include "server/workbench.h"

namespace calibra::fuzz::workbench {

namespace fs = std::filesystem;
using server::json;

namespace {

struct Fixture {
  std::unique_ptr<server::Workbench> wb;
  int64_t project = 0, generated_project = 0;
  json usage, settings;
  size_t created = 0;  // rows added by accepted requests since the fixture was made
};

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

template <typename T>
T must(Result<T> r, const char* what) {
  if (!r.is_ok()) fuzz_fail(std::string("workbench fixture: ") + what + ": " + r.status().message());
  return std::move(*r);
}

std::unique_ptr<Fixture> make_fixture() {
  auto f = std::make_unique<Fixture>();
  const std::string dir = fresh_scratch_dir("workbench");
  server::WorkbenchOptions o;
  o.data_dir = dir + "/data";
  o.start_worker = false;
  f->wb = must(server::Workbench::open(o), "open");
  // The model, registered where it is.
  const std::string model = dir + "/tiny.onnx";
  std::ofstream(model, std::ios::binary) << tiny_image_model_bytes();
  const int64_t model_id = must(f->wb->add_model_file(model, "tiny", false, "upload"), "add_model_file")["id"].get<int64_t>();
  // 20 gray 8x8 images with labels 0..3 (IDX); the upload is moved into the data folder.
  std::string images = be32(0x803) + be32(20) + be32(8) + be32(8), labels = be32(0x801) + be32(20);
  for (int i = 0; i < 20 * 64; ++i) images += static_cast<char>(i * 13);
  for (int i = 0; i < 20; ++i) labels += static_cast<char>(i % 4);
  std::ofstream(dir + "/up-images", std::ios::binary) << images;
  std::ofstream(dir + "/up-labels", std::ios::binary) << labels;
  const int64_t idx_id = must(f->wb->add_dataset_idx(dir + "/up-images", dir + "/up-labels", "idx"), "add_dataset_idx")["id"].get<int64_t>();
  const int64_t gen_id = must(f->wb->add_dataset_spec(json{{"generated", 10}}), "generated dataset")["id"].get<int64_t>();
  json p = must(f->wb->create_project(json{{"model_id", model_id}, {"dataset_id", idx_id}}), "create_project");
  f->project = p["id"].get<int64_t>();
  f->usage = p["usage"];
  f->settings = p["settings"];
  f->generated_project = must(f->wb->create_project(json{{"model_id", model_id}, {"dataset_id", gen_id}}), "create_project 2")["id"].get<int64_t>();
  return f;
}

Fixture& fixture() {
  static std::unique_ptr<Fixture> f;
  // Queued jobs cannot be deleted: start afresh now and then so the store stays small.
  if (!f || f->created > 2000) {
    f.reset();
    f = make_fixture();
  }
  return *f;
}

int64_t id_in(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_object() && j[key].contains("id") ? j[key]["id"].get<int64_t>() : 0;
}

void finding_500(const std::exception& e, int endpoint) {
  static std::set<std::string> seen;
  const std::string key = std::to_string(endpoint) + ": " + e.what();
  if (std::getenv("CALIBRA_FUZZ_STRICT")) fuzz_fail("endpoint " + key + " (HTTP 500)");
  if (seen.insert(key).second && std::getenv("CALIBRA_FUZZ_VERBOSE"))
    std::fprintf(stderr, "fuzz: workbench endpoint %s (HTTP 500 internal error)\n", key.c_str());
}

}  // namespace

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  if (size < 1 || size > (1u << 20)) return 0;
  const int endpoint = data[0] % 7;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  json body = text.empty() ? json::object() : json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return 0;  // the HTTP layer's 400
  if (endpoint == 6 && body.contains("path")) return 0;     // server paths: not fuzzed
  Fixture& f = fixture();
  server::Workbench& wb = *f.wb;
  try {
    switch (endpoint) {
      case 0: {
        auto r = wb.create_project(body);
        if (!r.is_ok()) return check_status(r.status(), "create_project"), 0;
        (void)wb.delete_project((*r)["id"].get<int64_t>());
        ++f.created;
        break;
      }
      case 1: {
        auto r = wb.set_usage(f.project, body);
        if (!r.is_ok()) return check_status(r.status(), "set_usage"), 0;
        if (!wb.store().set_project_field(f.project, "usage", f.usage).is_ok()) fuzz_fail("cannot restore the usage");
        break;
      }
      case 2: {
        auto r = wb.set_settings(f.project, body);
        if (!r.is_ok()) return check_status(r.status(), "set_settings"), 0;
        if (!wb.store().set_project_field(f.project, "settings", f.settings).is_ok()) fuzz_fail("cannot restore the settings");
        break;
      }
      case 3: {
        auto r = wb.queue_calibration(f.project, body);
        if (!r.is_ok()) return check_status(r.status(), "queue_calibration"), 0;
        (void)wb.cancel_job(id_in(*r, "job"));
        (void)wb.delete_project(id_in(*r, "project"));
        ++f.created;
        break;
      }
      case 4: {
        auto r = wb.queue_sweep(f.project, body);
        if (!r.is_ok()) return check_status(r.status(), "queue_sweep"), 0;
        (void)wb.cancel_job((*r)["id"].get<int64_t>());
        ++f.created;
        break;
      }
      case 5: {
        auto r = wb.queue_compare(body);
        if (!r.is_ok()) return check_status(r.status(), "queue_compare"), 0;
        (void)wb.cancel_job((*r)["id"].get<int64_t>());
        ++f.created;
        break;
      }
      case 6: {
        auto r = wb.add_dataset_spec(body);
        if (!r.is_ok()) return check_status(r.status(), "add_dataset_spec"), 0;
        (void)wb.delete_dataset((*r)["id"].get<int64_t>());
        ++f.created;
        break;
      }
    }
  } catch (const json::exception& e) {
    finding_500(e, endpoint);
  }
  return 0;
}

}  // namespace calibra::fuzz::workbench
