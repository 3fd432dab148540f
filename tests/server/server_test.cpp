// The workbench server: store migrations and restarts, archive safety, the whole INT8 flow
// through the Workbench service, the HTTP API (uploads, errors, token, events), a killed
// server restarted mid-job, and many concurrent clients while a calibration runs.
#include <archive.h>
#include <archive_entry.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/file_util.h"
#include "core/sha256.h"
#include "data/image_io.h"
#include "server/archive.h"
#include "server/http.h"
#include "server/store.h"
#include "server/workbench.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;
using server::json;

// The value of a Result that must be OK (the test stops here otherwise).
template <typename T>
T must(Result<T> r) {
  if (!r.is_ok()) {
    ADD_FAILURE() << r.status().to_string();
    std::abort();
  }
  return std::move(r).value();
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("calibra_srv_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Writes an archive (format "zip" or "tar") with the given entries: path -> content, or
// path -> "@symlink:TARGET" for a symbolic link.
void write_archive(const std::string& path, const std::string& format, const std::vector<std::pair<std::string, std::string>>& entries) {
  struct archive* a = archive_write_new();
  if (format == "zip") archive_write_set_format_zip(a);
  else archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, path.c_str());
  for (const auto& [name, content] : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    if (content.rfind("@symlink:", 0) == 0) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, content.substr(9).c_str());
      archive_entry_set_perm(e, 0777);
      archive_write_header(a, e);
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
      archive_write_header(a, e);
      archive_write_data(a, content.data(), content.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// ---------------------------------------------------------------- store

TEST(Store, MigratesAndRefusesANewerSchema) {
  const fs::path dir = fresh_dir("store");
  const std::string db = (dir / "s.db").string();
  {
    auto s = server::Store::open(db);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_EQ((*s)->schema_version(), server::Store::latest_schema_version());
  }
  {
    auto again = server::Store::open(db);  // reopening migrates nothing and keeps the version
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ((*again)->schema_version(), server::Store::latest_schema_version());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto newer = server::Store::open(db);
  ASSERT_FALSE(newer.is_ok());
  EXPECT_NE(newer.status().message().find("newer Calibra"), std::string::npos) << newer.status().message();
  fs::remove_all(dir);
}

TEST(Store, RunningJobsBecomeInterruptedAndResultsStay) {
  const fs::path dir = fresh_dir("restart");
  const std::string db = (dir / "s.db").string();
  int64_t job = 0, done = 0, result = 0;
  {
    auto s = must(server::Store::open(db));
    auto d = s->add_dataset({{"name", "d"}, {"spec", "x"}, {"kind", "idx"}});
    auto p = s->add_project({{"name", "p"}, {"dataset_id", *d}});
    job = *s->add_job(*p, "inference", json::object());
    done = *s->add_job(*p, "inference", json::object());
    result = *s->add_result(done, *p, "inference", {{"speed", {{"throughput_fps", 12.5}}}});
    ASSERT_TRUE(s->update_job(done, {{"status", "done"}, {"result_id", result}}).is_ok());
    ASSERT_TRUE(s->update_job(job, {{"status", "running"}}).is_ok());
  }
  auto s = must(server::Store::open(db));
  EXPECT_EQ(s->mark_interrupted(), 1);
  EXPECT_EQ((*s->job(job))["status"], "interrupted");
  EXPECT_EQ((*s->job(done))["status"], "done");
  EXPECT_EQ((*s->result(result))["data"]["speed"]["throughput_fps"], 12.5);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- archives

TEST(Archive, ExtractsFoldersAndRefusesEscapesLinksAndBombs) {
  const fs::path dir = fresh_dir("archive");
  for (const char* fmt : {"zip", "tar"}) {
    const std::string good = (dir / (std::string("good.") + fmt)).string();
    write_archive(good, fmt, {{"data/cat/a.txt", "hello"}, {"data/dog/b.txt", "world!"}, {"__MACOSX/data/._a.txt", "junk"}});
    const fs::path out = dir / (std::string("out_") + fmt);
    fs::create_directories(out);
    auto st = server::extract_archive(good, out.string());
    ASSERT_TRUE(st.is_ok()) << st.status().to_string();
    EXPECT_EQ(st->files, 2u);
    EXPECT_EQ(st->bytes, 11u);
    EXPECT_TRUE(fs::exists(out / "data/dog/b.txt"));
    EXPECT_FALSE(fs::exists(out / "__MACOSX"));

    auto refused = [&](const std::vector<std::pair<std::string, std::string>>& entries, const std::string& needle,
                       server::ExtractLimits lim = {}) {
      const std::string bad = (dir / (std::string("bad.") + fmt)).string();
      fs::remove(bad);
      write_archive(bad, fmt, entries);
      const fs::path o = dir / "bad_out";
      fs::remove_all(o);
      fs::create_directories(o);
      auto r = server::extract_archive(bad, o.string(), lim);
      ASSERT_FALSE(r.is_ok()) << needle;
      EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
      EXPECT_FALSE(fs::exists(dir / "evil.txt"));
    };
    refused({{"../evil.txt", "x"}}, "'..'");
    refused({{"a/../../evil.txt", "x"}}, "'..'");
    refused({{"/tmp/evil.txt", "x"}}, "absolute");
    refused({{"link", "@symlink:/etc/passwd"}}, "link");
    server::ExtractLimits small;
    small.max_bytes = 100;
    refused({{"big.bin", std::string(1000, 'z')}}, "expands to more than", small);
  }
  // Not an archive at all.
  const std::string junk = (dir / "junk.zip").string();
  std::ofstream(junk) << "this is not an archive";
  fs::create_directories(dir / "junk_out");
  auto r = server::extract_archive(junk, (dir / "junk_out").string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("archive"), std::string::npos);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- the flow, without HTTP

class WorkbenchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fresh_dir("wb"));
    tiny_ = new TinyClassifier(write_tiny_classifier(root_->string()));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete tiny_;
  }
  static server::WorkbenchOptions options(const std::string& name, bool worker = false) {
    server::WorkbenchOptions o;
    o.data_dir = (*root_ / name).string();
    o.start_worker = worker;
    return o;
  }
  // A project on the tiny model and dataset, settings cheap enough for tests.
  static int64_t make_project(server::Workbench& wb, const std::string& dataset_spec = "") {
    auto m = wb.add_model_file(tiny_->model, "tiny", false, "path");
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    auto d = dataset_spec.empty() ? wb.add_dataset_spec({{"path", tiny_->images}}) : wb.add_dataset_spec({{"generated", 50}});
    EXPECT_TRUE(d.is_ok()) << d.status().to_string();
    auto p = wb.create_project({{"model_id", (*m)["id"]},
                                {"dataset_id", (*d)["id"]},
                                {"settings", {{"threads", 1}, {"iterations", 20}, {"seconds", 0}}}});
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return p.is_ok() ? (*p)["id"].get<int64_t>() : 0;
  }
  static fs::path* root_;
  static TinyClassifier* tiny_;
};
fs::path* WorkbenchTest::root_ = nullptr;
TinyClassifier* WorkbenchTest::tiny_ = nullptr;

TEST_F(WorkbenchTest, BaselineCalibrateInt8InferenceCompareAndSweep) {
  auto wb = must(server::Workbench::open(options("flow")));
  const int64_t pid = make_project(*wb);
  wb->run_pending();
  auto p = *wb->project_view(pid);
  EXPECT_EQ(p["status"], "ready") << p["latest_job"].dump();
  const json& base = p["latest"]["baseline"]["data"];
  EXPECT_EQ(base["accuracy"]["top1"], 1.0);  // the labels are the model's own predictions
  EXPECT_GT(base["speed"]["throughput_fps"].get<double>(), 0);
  EXPECT_FALSE(base["profile"]["layers"].empty());
  EXPECT_TRUE(p["int8"]["available"].get<bool>()) << p["int8"].dump();

  auto cal = wb->queue_calibration(pid, {{"subset", 100}, {"algorithm", "minmax"}});
  ASSERT_TRUE(cal.is_ok()) << cal.status().to_string();
  EXPECT_TRUE((*cal).contains("warning"));  // calibrating on the validation set
  const int64_t child = (*cal)["project"]["id"].get<int64_t>();
  EXPECT_TRUE((*cal)["project"]["model"].is_null());  // until calibration ends
  wb->run_pending();  // calibration, then the INT8 project's inference
  auto c = *wb->project_view(child);
  ASSERT_EQ(c["status"], "ready") << c["latest_job"].dump();
  EXPECT_EQ(c["parent_project_id"], pid);
  EXPECT_EQ(c["model"]["info"]["precision"], "INT8 (QDQ)");
  EXPECT_EQ(c["model"]["origin"], "calibrated");
  EXPECT_FALSE(c["int8"]["available"].get<bool>());
  EXPECT_NE(c["int8"]["reason"].get<std::string>().find("calibrated"), std::string::npos);
  EXPECT_GE(c["latest"]["baseline"]["data"]["accuracy"]["top1"].get<double>(), 0.95);
  EXPECT_FALSE(c["latest"]["calibration"].is_null());
  EXPECT_EQ(c["latest"]["calibration"]["data"]["int8_project_id"], child);
  EXPECT_EQ((*wb->project_view(pid))["children"], json::array({child}));
  EXPECT_EQ(c["name"], p["name"].get<std::string>() + " (INT8 minmax, performance)");

  auto cmp = wb->queue_compare({{"project_a", pid}, {"project_b", child}, {"limit", 100}});
  ASSERT_TRUE(cmp.is_ok()) << cmp.status().to_string();
  wb->run_pending();
  auto cj = *wb->job((*cmp)["id"].get<int64_t>());
  ASSERT_EQ(cj["status"], "done") << cj.dump();
  auto res = *wb->store().result(cj["result_id"].get<int64_t>());
  EXPECT_EQ(res["data"]["schema"], "calibra.compare/1");
  int u8 = 0;
  for (const auto& l : res["data"]["layers"]) u8 += l["b"].is_object() && l["b"]["precision"] == "U8";
  EXPECT_GE(u8, 1);

  // A second calibration with the same settings gets a name of its own.
  auto again = wb->queue_calibration(pid, {{"subset", 50}, {"algorithm", "minmax"}});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)["project"]["name"], p["name"].get<std::string>() + " (INT8 minmax, performance) #2");
  ASSERT_TRUE(wb->cancel_job((*again)["job"]["id"].get<int64_t>()).is_ok());

  auto sw = wb->queue_sweep(pid, {{"batches", {1, 2}}, {"seconds", 0.05}});
  ASSERT_TRUE(sw.is_ok()) << sw.status().to_string();
  wb->run_pending();
  auto sj = *wb->job((*sw)["id"].get<int64_t>());
  ASSERT_EQ(sj["status"], "done") << sj.dump();
  EXPECT_EQ((*wb->store().result(sj["result_id"].get<int64_t>()))["data"]["points"].size(), 2u);
  // The log tells the story.
  EXPECT_NE(wb->job_log((*cal)["job"]["id"].get<int64_t>()).find("INT8 model"), std::string::npos);
}

TEST_F(WorkbenchTest, RefusalsSayWhy) {
  auto wb = must(server::Workbench::open(options("refusals")));
  const int64_t gen = make_project(*wb, "generated");
  auto p = *wb->project_view(gen);
  EXPECT_FALSE(p["int8"]["available"].get<bool>());
  EXPECT_NE(p["int8"]["reason"].get<std::string>().find("generated"), std::string::npos);
  auto cal = wb->queue_calibration(gen, json::object());
  ASSERT_FALSE(cal.is_ok());
  EXPECT_EQ(server::api_error(cal.status()).status, 409);
  const int64_t real = make_project(*wb);
  for (const json& bad : {json{{"algorithm", "magic"}}, json{{"method", "sometimes"}}, json{{"subset", 0}},
                          json{{"subset_percent", 150}}, json{{"settings", {{"streams", 64}}}}}) {
    auto r = wb->queue_calibration(real, bad);
    ASSERT_FALSE(r.is_ok()) << bad.dump();
    EXPECT_EQ(server::api_error(r.status()).status, 400) << bad.dump();
  }
  auto s = wb->set_settings(real, {{"batch", 0}});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("batch"), std::string::npos);
  auto u = wb->set_usage(real, {{"preprocessing", {{"color", "rgb"}}}});
  ASSERT_FALSE(u.is_ok());
  EXPECT_NE(u.status().message().find("channel"), std::string::npos) << u.status().message();
  EXPECT_FALSE(server::hint_for(u.status().message()).empty());
  // NHWC for an NCHW [N,1,H,W] model would read H as channels.
  auto nhwc = wb->set_usage(real, {{"preprocessing", {{"color", "gray"}, {"layout", "NHWC"}}}});
  ASSERT_FALSE(nhwc.is_ok());
  EXPECT_NE(nhwc.status().message().find("check layout"), std::string::npos) << nhwc.status().message();
  // A built-in dataset is registered once.
  auto t1 = wb->add_dataset_spec({{"spec", "fashion-mnist:test"}});
  auto t2 = wb->add_dataset_spec({{"spec", "fashion-mnist:test"}});
  ASSERT_TRUE(t1.is_ok() && t2.is_ok()) << t1.status().to_string();
  EXPECT_EQ((*t1)["id"], (*t2)["id"]);
  auto nf = wb->project_view(9999);
  EXPECT_EQ(server::api_error(nf.status()).status, 404);
  // A model in use cannot be deleted; the project first.
  const int64_t model_id = (*wb->project_view(real))["model_id"].get<int64_t>();
  EXPECT_EQ(server::api_error(wb->delete_model(model_id)).status, 409);
  auto bogus = wb->add_model_file(tiny_->images, "not a model", false, "path");
  ASSERT_FALSE(bogus.is_ok());
  EXPECT_EQ(server::api_error(bogus.status()).status, 400);
}

TEST_F(WorkbenchTest, CancelStopsARunningJob) {
  auto wb = must(server::Workbench::open(options("cancel", true)));
  const int64_t pid = make_project(*wb);
  // Wait for the baseline, then a long inference.
  for (int i = 0; i < 600 && (*wb->project_view(pid))["status"] != "ready"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(wb->set_settings(pid, {{"seconds", 60}, {"iterations", 0}}).is_ok());
  auto j = wb->queue_inference(pid);
  ASSERT_TRUE(j.is_ok());
  const int64_t id = (*j)["id"].get<int64_t>();
  for (int i = 0; i < 600 && (*wb->job(id))["status"] != "running"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ((*wb->job(id))["status"], "running");
  ASSERT_TRUE(wb->cancel_job(id).is_ok());
  for (int i = 0; i < 1000 && (*wb->job(id))["status"] == "running"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ((*wb->job(id))["status"], "cancelled");
  auto again = wb->cancel_job(id);
  EXPECT_EQ(server::api_error(again.status()).status, 409);
  auto rerun = wb->rerun_job(id);
  ASSERT_TRUE(rerun.is_ok());
  ASSERT_TRUE(wb->cancel_job((*rerun)["id"].get<int64_t>()).is_ok());
}

// ---------------------------------------------------------------- HTTP

class HttpTest : public WorkbenchTest {
 protected:
  void start(const std::string& name, const std::string& token = "", uint64_t max_upload = uint64_t{64} << 20,
             std::optional<std::vector<std::string>> roots = std::nullopt) {
    o_.data_dir = (*root_ / name).string();
    o_.token = token;
    o_.max_upload_bytes = max_upload;
    server::WorkbenchOptions wo;
    wo.data_dir = o_.data_dir;
    wo.max_upload_bytes = max_upload;
    wo.start_worker = false;  // the tests run jobs with run_pending()
    wo.path_roots = roots;
    wb_ = must(server::Workbench::open(wo));
    svr_ = std::make_unique<httplib::Server>();
    svr_->set_payload_max_length(max_upload + (1 << 20));
    server::install_routes(*svr_, *wb_, o_);
    port_ = svr_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_->listen_after_bind(); });
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    cli_->set_read_timeout(60);
    if (!token.empty()) cli_->set_bearer_token_auth(token.c_str());
  }
  void TearDown() override {
    if (wb_) wb_->events().close_all();
    if (svr_) svr_->stop();
    if (thread_.joinable()) thread_.join();
    wb_.reset();
  }
  static json body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

  server::ServeOptions o_;
  std::unique_ptr<server::Workbench> wb_;
  std::unique_ptr<httplib::Server> svr_;
  std::unique_ptr<httplib::Client> cli_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(HttpTest, UploadsAreCheckedAndErrorsAreJson) {
  start("http_uploads", "", 4096);
  auto h = cli_->Get("/api/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto spec = cli_->Get("/api/openapi.json");
  ASSERT_TRUE(spec);
  EXPECT_EQ(body(spec)["openapi"], "3.0.3");
  // Not an ONNX model.
  httplib::MultipartFormDataItems junk = {{"file", "not a model at all", "model.onnx", "application/octet-stream"}};
  auto r = cli_->Post("/api/models", junk);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body(r)["error"]["message"].get<std::string>().find("ONNX"), std::string::npos) << r->body;
  // The error names the user's file, not the server's temporary copy.
  EXPECT_NE(r->body.find("'model.onnx'"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("upload-"), std::string::npos) << r->body;
  // Too large for the limit (4 KiB here).
  httplib::MultipartFormDataItems big = {{"file", std::string(64 << 10, 'x'), "big.onnx", "application/octet-stream"}};
  auto tl = cli_->Post("/api/models", big);
  ASSERT_TRUE(tl);
  EXPECT_EQ(tl->status, 413);
  EXPECT_TRUE(body(tl)["error"].is_object()) << tl->body;
  // A real model: 201 and its info.
  // Registered by path instead (the upload is tested with a larger limit below).
  auto byp = cli_->Post("/api/models", json{{"path", tiny_->model}}.dump(), "application/json");
  ASSERT_TRUE(byp);
  EXPECT_EQ(byp->status, 201) << byp->body;
  EXPECT_EQ(body(byp)["info"]["precision"], "FP32");
  // Archive with a path escape.
  const std::string evil = (*root_ / "evil.zip").string();
  write_archive(evil, "zip", {{"../../evil.png", "x"}});
  httplib::MultipartFormDataItems ev = {{"file", *read_file(evil), "evil.zip", "application/zip"}};
  auto er = cli_->Post("/api/datasets", ev);
  ASSERT_TRUE(er);
  EXPECT_EQ(er->status, 400);
  EXPECT_NE(er->body.find("'..'"), std::string::npos) << er->body;
  // JSON errors for bad bodies, unknown ids and unknown endpoints.
  auto bad = cli_->Post("/api/projects", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto missing = cli_->Get("/api/projects/12345");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(body(missing)["error"]["message"].is_string());
  auto nothing = cli_->Get("/api/nothing");
  ASSERT_TRUE(nothing);
  EXPECT_EQ(nothing->status, 404);
  EXPECT_TRUE(body(nothing)["error"].is_object());
}

TEST_F(HttpTest, UploadedModelDatasetArchiveAndIdx) {
  start("http_datasets");
  // A model upload is stored in the data folder with its checksum.
  const std::string onnx = *read_file(tiny_->model);
  httplib::MultipartFormDataItems mup = {{"file", onnx, "tiny.onnx", "application/octet-stream"}};
  auto mr = cli_->Post("/api/models", mup);
  ASSERT_TRUE(mr);
  ASSERT_EQ(mr->status, 201) << mr->body;
  const json model = body(mr);
  EXPECT_EQ(model["name"], "tiny");
  EXPECT_EQ(model["origin"], "upload");
  EXPECT_EQ(model["bytes"], onnx.size());
  Sha256 h;
  h.update(onnx.data(), onnx.size());
  EXPECT_EQ(model["sha256"], h.hex());
  EXPECT_EQ(*read_file(model["path"].get<std::string>()), onnx);
  EXPECT_EQ(model["path"].get<std::string>().rfind(o_.data_dir, 0), 0u);
  // An image-folder archive: class sub-folders of PNGs written by the test.
  std::vector<std::pair<std::string, std::string>> entries;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i) {
      Image img;
      img.height = img.width = 12;
      img.channels = 1;
      img.pixels.assign(144, static_cast<uint8_t>(40 * c + i));
      auto png = encode_png(img);
      ASSERT_TRUE(png.is_ok());
      entries.push_back({"set/class" + std::to_string(c) + "/" + std::to_string(i) + ".png", *png});
    }
  const std::string tgz = (*root_ / "set.tar").string();
  write_archive(tgz, "tar", entries);
  httplib::MultipartFormDataItems up = {{"file", *read_file(tgz), "set.tar", "application/x-tar"}, {"name", "six pngs", "", ""}};
  auto r = cli_->Post("/api/datasets", up);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(body(r)["samples"], 6);
  EXPECT_EQ(body(r)["annotated"], true);
  EXPECT_EQ(body(r)["name"], "six pngs");
  // IDX images + labels.
  const std::string labels = tiny_->images.substr(0, tiny_->images.size() - std::string("images-idx3-ubyte").size()) + "labels-idx1-ubyte";
  httplib::MultipartFormDataItems idx = {{"file", *read_file(tiny_->images), "d-images-idx3-ubyte", ""},
                                         {"labels", *read_file(labels), "d-labels-idx1-ubyte", ""}};
  auto ri = cli_->Post("/api/datasets", idx);
  ASSERT_TRUE(ri);
  ASSERT_EQ(ri->status, 201) << ri->body;
  EXPECT_EQ(body(ri)["samples"], 400);
  EXPECT_EQ(body(ri)["annotated"], true);
  EXPECT_GE(body(ri)["classes"].get<int>(), 2);  // the labels the tiny model predicts
  // Deleting removes its files.
  const int64_t id = body(r)["id"].get<int64_t>();
  auto del = cli_->Delete("/api/datasets/" + std::to_string(id));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(cli_->Get("/api/datasets/" + std::to_string(id))->status, 404);
}

TEST_F(HttpTest, CrossOriginFormsAndPathsOutsideTheRootsAreRefused) {
  const fs::path allowed = *root_ / "allowed";
  fs::create_directories(allowed);
  start("http_security", "", uint64_t{64} << 20, std::vector<std::string>{allowed.string()});
  const std::string reg = json{{"path", tiny_->model}}.dump();
  // Outside the roots: refused, saying how to allow it.
  auto out = cli_->Post("/api/models", reg, "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 409);
  EXPECT_NE(out->body.find("--allow-path"), std::string::npos) << out->body;
  auto escape = cli_->Post("/api/datasets", json{{"path", (allowed / ".." / "d-images-idx3-ubyte").string()}}.dump(), "application/json");
  ASSERT_TRUE(escape);
  EXPECT_EQ(escape->status, 409) << escape->body;
  // Inside: accepted.
  fs::copy_file(tiny_->model, allowed / "m.onnx", fs::copy_options::overwrite_existing);
  auto in = cli_->Post("/api/models", json{{"path", (allowed / "m.onnx").string()}}.dump(), "application/json");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->status, 201) << in->body;
  // Another site's page cannot drive the API.
  httplib::Headers evil = {{"Origin", "http://evil.example"}};
  auto xo = cli_->Post("/api/projects", evil, "{}", "application/json");
  ASSERT_TRUE(xo);
  EXPECT_EQ(xo->status, 403);
  httplib::Headers same = {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}};
  auto so = cli_->Post("/api/projects", same, "{}", "application/json");
  ASSERT_TRUE(so);
  EXPECT_EQ(so->status, 404) << so->body;  // passes the check; model_id is missing
  // A form post is not JSON.
  auto form = cli_->Post("/api/projects", "model_id=1&dataset_id=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
}

TEST_F(HttpTest, TokenIsRequiredWhenSet) {
  start("http_token", "s3cret");
  httplib::Client anon("127.0.0.1", port_);
  auto r = anon.Get("/api/projects");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(body(r)["error"]["hint"].is_string());
  EXPECT_EQ(anon.Get("/api/health")->status, 200);  // health needs none
  EXPECT_EQ(anon.Get("/api/projects?token=s3cret")->status, 200);
  EXPECT_EQ(anon.Get("/api/projects?token=s3creT")->status, 401);
  EXPECT_EQ(cli_->Get("/api/projects")->status, 200);  // bearer
}

TEST_F(HttpTest, EventsStreamJobProgress) {
  start("http_events");
  // Listen first, then create a project: its baseline job's events must arrive.
  std::atomic<int> job_events{0};
  std::atomic<bool> saw_done{false};
  std::thread listener([&] {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30);
    c.Get("/api/events", [&](const char* data, size_t n) {
      std::string chunk(data, n);
      for (size_t at = chunk.find("event: job"); at != std::string::npos; at = chunk.find("event: job", at + 1)) ++job_events;
      if (chunk.find("\"status\":\"done\"") != std::string::npos) saw_done = true;
      return !saw_done.load();
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto m = cli_->Post("/api/models", json{{"path", tiny_->model}}.dump(), "application/json");
  auto d = cli_->Post("/api/datasets", json{{"path", tiny_->images}}.dump(), "application/json");
  auto p = cli_->Post("/api/projects",
                      json{{"model_id", body(m)["id"]}, {"dataset_id", body(d)["id"]}, {"settings", {{"threads", 1}, {"iterations", 20}}}}.dump(),
                      "application/json");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->status, 201) << p->body;
  std::thread worker([&] { wb_->run_pending(); });
  worker.join();
  for (int i = 0; i < 200 && !saw_done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  wb_->events().close_all();
  listener.join();
  EXPECT_TRUE(saw_done.load());
  EXPECT_GE(job_events.load(), 3);  // queued, running (+ progress), done
}

// Many clients at once while a calibration runs: no errors, no lost job.
TEST_F(HttpTest, ConcurrentClientsDuringCalibration) {
  start("http_load");
  auto m = body(cli_->Post("/api/models", json{{"path", tiny_->model}}.dump(), "application/json"));
  auto d = body(cli_->Post("/api/datasets", json{{"path", tiny_->images}}.dump(), "application/json"));
  auto p = body(cli_->Post("/api/projects",
                           json{{"model_id", m["id"]}, {"dataset_id", d["id"]}, {"settings", {{"threads", 1}, {"iterations", 20}}}}.dump(),
                           "application/json"));
  const int64_t pid = p["id"].get<int64_t>();
  auto cal = cli_->Post("/api/projects/" + std::to_string(pid) + "/calibrate", json{{"subset", 200}}.dump(), "application/json");
  ASSERT_TRUE(cal);
  ASSERT_EQ(cal->status, 202) << cal->body;
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    wb_->run_pending();
    stop = true;
  });
  std::atomic<int> requests{0}, failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 12; ++c)
    clients.emplace_back([&, c] {
      httplib::Client cl("127.0.0.1", port_);
      cl.set_read_timeout(30);
      for (int i = 0; i < 40 && !(stop && i > 5); ++i) {
        auto call = [&]() {
          switch ((c + i) % 4) {
            case 0: return cl.Get("/api/projects");
            case 1: return cl.Get("/api/jobs");
            case 2: return cl.Get("/api/projects/" + std::to_string(pid));
            default: return cl.Post("/api/projects/" + std::to_string(pid) + "/inference", "{}", "application/json");
          }
        };
        auto r = call();
        ++requests;
        if (!r || r->status >= 400) ++failures;
      }
    });
  for (auto& t : clients) t.join();
  worker.join();
  wb_->run_pending();  // the inference jobs the clients queued
  EXPECT_EQ(failures.load(), 0) << "of " << requests.load();
  for (const auto& j : wb_->store().jobs(std::nullopt, "")) EXPECT_EQ(j["status"], "done") << j.dump();
}

// ---------------------------------------------------------------- a killed server

TEST_F(WorkbenchTest, KilledServerRestartsWithNothingLost) {
  const std::string data = (*root_ / "killed").string();
  auto run_server = [&](int port) {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string p = std::to_string(port);
      freopen("/dev/null", "w", stdout);
      const std::string root = root_->string();
      execl(CALIBRA_BINARY, CALIBRA_BINARY, "serve", "--port", p.c_str(), "--data", data.c_str(), "--allow-path", root.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  };
  const int port = 20000 + getpid() % 20000;
  pid_t srv = run_server(port);
  // However the test ends, the server process does not outlive it.
  struct Reaper {
    pid_t* pid;
    ~Reaper() {
      if (*pid > 0 && waitpid(*pid, nullptr, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, nullptr, 0);
      }
    }
  } reaper{&srv};
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = static_cast<bool>(c.Get("/api/health"));
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up) << "the server did not start";
  auto m = json::parse(c.Post("/api/models", json{{"path", tiny_->model}}.dump(), "application/json")->body);
  auto d = json::parse(c.Post("/api/datasets", json{{"path", tiny_->images}}.dump(), "application/json")->body);
  auto p = json::parse(c.Post("/api/projects",
                              json{{"model_id", m["id"]}, {"dataset_id", d["id"]}, {"settings", {{"threads", 1}, {"iterations", 20}}}}.dump(),
                              "application/json")
                           ->body);
  const std::string pid = std::to_string(p["id"].get<int64_t>());
  // Let the baseline finish, then start a long job and kill the server in the middle of it.
  json proj;
  for (int i = 0; i < 600; ++i) {
    proj = json::parse(c.Get("/api/projects/" + pid)->body);
    if (proj["status"] == "ready") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(proj["status"], "ready");
  const json baseline = proj["latest"]["baseline"];
  c.Put("/api/projects/" + pid + "/settings", json{{"seconds", 120}, {"iterations", 0}}.dump(), "application/json");
  auto long_job = json::parse(c.Post("/api/projects/" + pid + "/inference", "{}", "application/json")->body);
  const std::string jid = std::to_string(long_job["id"].get<int64_t>());
  for (int i = 0; i < 600 && json::parse(c.Get("/api/jobs/" + jid)->body)["status"] != "running"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(srv, SIGKILL);
  waitpid(srv, nullptr, 0);

  srv = run_server(port);
  up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = static_cast<bool>(c.Get("/api/health"));
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up);
  auto job = json::parse(c.Get("/api/jobs/" + jid)->body);
  EXPECT_EQ(job["status"], "interrupted");
  auto after = json::parse(c.Get("/api/projects/" + pid)->body);
  EXPECT_EQ(after["latest"]["baseline"], baseline);  // completed results intact
  EXPECT_EQ(after["model"]["sha256"], proj["model"]["sha256"]);
  auto rerun = c.Post("/api/jobs/" + jid + "/rerun", "", "application/json");
  ASSERT_TRUE(rerun);
  EXPECT_EQ(rerun->status, 202);
  c.Post("/api/jobs/" + std::to_string(json::parse(rerun->body)["id"].get<int64_t>()) + "/cancel", "", "application/json");
  kill(srv, SIGTERM);  // a graceful stop
  int status = 0;
  waitpid(srv, &status, 0);
  srv = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace calibra::test
