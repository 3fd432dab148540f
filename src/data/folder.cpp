// Image folders: with an annotation file (`relative/path label` per line, as ImageNet's
// val.txt), with one sub-folder per class (sorted names are the class ids, or labels.txt
// lists the folder names in class order), or just images (not annotated).
//
// Every image's header is read when the dataset is opened, so a missing, unreadable or
// truncated file is reported (or skipped with skip_bad) before a long job starts.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/file_util.h"
#include "data/image_io.h"
#include "data/readers.h"

namespace calibra {

namespace fs = std::filesystem;

namespace {

bool has_image_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e == ".jpg" || e == ".jpeg" || e == ".png";
}

struct Entry {
  fs::path path;
  int64_t label = -1;
};

class FolderDataset final : public Dataset {
 public:
  FolderDataset(DatasetInfo info, std::vector<Entry> entries, fs::path root, int64_t max_pixels)
      : entries_(std::move(entries)), root_(std::move(root)), max_pixels_(max_pixels) {
    info_ = std::move(info);
  }
  Result<Sample> get(size_t i) const override {
    if (i >= entries_.size()) return Status::out_of_range("sample " + std::to_string(i) + " is past the end");
    const Entry& e = entries_[i];
    Sample s;
    CALIBRA_ASSIGN_OR_RETURN(s.image, load_image(e.path.string(), max_pixels_));
    s.label = e.label;
    s.source = fs::relative(e.path, root_).string();
    return s;
  }
  int64_t label_of(size_t i) const override { return i < entries_.size() ? entries_[i].label : -1; }

 private:
  std::vector<Entry> entries_;
  fs::path root_;
  int64_t max_pixels_;
};

// Reads the header of every entry; drops (skip_bad) or reports bad ones. Fills image size.
Status validate(std::vector<Entry>& entries, DatasetInfo& info, const DatasetOptions& opts) {
  std::vector<Entry> good;
  std::map<std::string, std::pair<size_t, std::string>> sizes;  // "WxHxC" -> count, example
  for (const Entry& e : entries) {
    Status problem;
    auto bytes = read_file(e.path.string(), size_t(1) << 30);
    if (!bytes.is_ok()) {
      problem = bytes.status();
    } else {
      auto h = read_image_header(*bytes, "'" + e.path.string() + "'");
      if (!h.is_ok()) problem = h.status();
      else if (h->height * h->width > opts.max_image_pixels)
        problem = Status::resource_exhausted("'" + e.path.string() + "': image larger than the pixel limit (" +
                                             std::to_string(h->width) + "x" + std::to_string(h->height) + " > " +
                                             std::to_string(opts.max_image_pixels) +
                                             " pixels; CALIBRA_MAX_IMAGE_PIXELS raises it)");
      else {
        auto& sz = sizes[std::to_string(h->width) + "x" + std::to_string(h->height) + "x" + std::to_string(h->channels)];
        if (sz.first++ == 0) sz.second = e.path.string();
        info.height = h->height;
        info.width = h->width;
        info.channels = h->channels;
      }
    }
    if (problem.is_ok()) {
      good.push_back(e);
      continue;
    }
    if (!opts.skip_bad)
      return Status(problem.code(), problem.message() + " (fix or remove it, or pass --skip-bad to skip bad images)");
    ++info.skipped;
    if (info.skipped_examples.size() < 10) info.skipped_examples.push_back(problem.message());
  }
  if (good.empty())
    return Status::invalid_argument("no readable images in the dataset" +
                                    (info.skipped ? " (" + std::to_string(info.skipped) + " skipped as bad)" : ""));
  if (sizes.size() > 1) info.height = info.width = info.channels = 0;  // mixed: preprocessing must resize
  entries = std::move(good);
  info.size = entries.size();
  std::string size_text;
  if (sizes.size() == 1) size_text = sizes.begin()->first.substr(0, sizes.begin()->first.rfind('x'));
  else size_text = std::to_string(sizes.size()) + " different sizes";
  info.description = std::to_string(info.size) + " images (" + size_text + ")" +
                     (info.annotated ? ", " + std::to_string(info.num_classes) + " classes" : ", not annotated") +
                     (info.skipped ? ", " + std::to_string(info.skipped) + " bad skipped" : "");
  return Status::ok();
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> r;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    r.push_back(line);
  }
  return r;
}

// A path from an annotation line must stay inside the dataset folder.
Result<fs::path> inside(const fs::path& root, const std::string& rel, const std::string& where) {
  fs::path p(rel);
  if (p.is_absolute()) return Status::invalid_argument(where + ": '" + rel + "' is an absolute path; use a path relative to the dataset folder");
  fs::path full = fs::weakly_canonical(root / p), base = fs::weakly_canonical(root);
  auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b != base.end()) return Status::invalid_argument(where + ": '" + rel + "' points outside the dataset folder");
  return full;
}

}  // namespace

Result<std::unique_ptr<Dataset>> open_folder(const std::string& dir, const std::string& annotation,
                                             const std::string& spec, const DatasetOptions& opts) {
  std::error_code ec;
  fs::path root(dir);
  if (!fs::exists(root, ec)) return Status::not_found("dataset folder '" + dir + "' does not exist");
  if (!fs::is_directory(root, ec)) return Status::invalid_argument("'" + dir + "' is not a folder");
  DatasetInfo info;
  info.spec = spec;
  std::vector<Entry> entries;
  fs::path ann = annotation.empty() ? fs::path() : fs::path(annotation);
  if (!ann.empty() && ann.is_relative() && !fs::exists(ann)) ann = root / ann;
  if (ann.empty())
    for (const char* name : {"val.txt", "annotation.txt", "annotations.txt"})
      if (fs::exists(root / name)) ann = root / name;
  std::vector<std::string> class_names;
  if (fs::exists(root / "labels.txt")) {
    for (auto& l : read_lines(root / "labels.txt"))
      if (!l.empty()) class_names.push_back(l);
  }
  if (!ann.empty()) {
    // Annotated folder: `file label` per line.
    if (!fs::exists(ann)) return Status::not_found("annotation file '" + ann.string() + "' does not exist");
    info.kind = DatasetKind::kAnnotatedFolder;
    info.annotated = true;
    auto lines = read_lines(ann);
    int64_t max_label = -1;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string where = ann.filename().string() + " line " + std::to_string(i + 1);
      if (lines[i].empty() || lines[i][0] == '#') continue;
      std::istringstream ss(lines[i]);
      std::string file, label_s, extra;
      ss >> file >> label_s >> extra;
      if (file.empty() || label_s.empty() || !extra.empty())
        return Status::invalid_argument(where + ": expected 'FILE LABEL', got '" + lines[i] + "'");
      char* end = nullptr;
      long long label = std::strtoll(label_s.c_str(), &end, 10);
      if (*end != '\0' || label < 0 || label > 1000000)
        return Status::invalid_argument(where + ": label '" + label_s + "' is not a non-negative integer");
      if (!class_names.empty() && label >= static_cast<long long>(class_names.size()))
        return Status::invalid_argument(where + ": label " + label_s + " is out of range (labels.txt lists " +
                                        std::to_string(class_names.size()) + " classes)");
      CALIBRA_ASSIGN_OR_RETURN(fs::path p, inside(root, file, where));
      if (!fs::exists(p)) {
        if (!opts.skip_bad) return Status::not_found(where + ": file '" + file + "' does not exist (or pass --skip-bad)");
        ++info.skipped;
        if (info.skipped_examples.size() < 10) info.skipped_examples.push_back(where + ": '" + file + "' does not exist");
        continue;
      }
      entries.push_back({p, label});
      max_label = std::max<int64_t>(max_label, label);
    }
    if (entries.empty()) return Status::invalid_argument("annotation file '" + ann.string() + "' lists no images");
    info.num_classes = class_names.empty() ? max_label + 1 : static_cast<int64_t>(class_names.size());
    info.class_names = class_names;
  } else {
    std::vector<fs::path> subdirs, files;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.is_directory()) subdirs.push_back(e.path());
      else if (has_image_extension(e.path())) files.push_back(e.path());
    }
    std::sort(subdirs.begin(), subdirs.end());
    std::sort(files.begin(), files.end());
    if (!subdirs.empty() && files.empty()) {
      // One sub-folder per class.
      info.kind = DatasetKind::kClassFolders;
      info.annotated = true;
      std::vector<std::string> names;
      if (!class_names.empty()) {
        for (const auto& n : class_names)
          if (!fs::is_directory(root / n))
            return Status::invalid_argument("labels.txt names class folder '" + n + "', which does not exist");
        names = class_names;
      } else {
        for (const auto& d : subdirs) names.push_back(d.filename().string());
      }
      for (size_t c = 0; c < names.size(); ++c) {
        std::vector<fs::path> imgs;
        for (const auto& e : fs::directory_iterator(root / names[c]))
          if (e.is_regular_file() && has_image_extension(e.path())) imgs.push_back(e.path());
        std::sort(imgs.begin(), imgs.end());
        for (auto& p : imgs) entries.push_back({p, static_cast<int64_t>(c)});
      }
      info.num_classes = static_cast<int64_t>(names.size());
      info.class_names = names;
    } else {
      info.kind = DatasetKind::kImageFolder;
      for (auto& p : files) entries.push_back({p, -1});
    }
    if (entries.empty())
      return Status::invalid_argument("dataset folder '" + dir +
                                      "' has no .jpg/.jpeg/.png images (nor val.txt, nor class sub-folders)");
  }
  CALIBRA_TRY(validate(entries, info, opts));
  return std::unique_ptr<Dataset>(std::make_unique<FolderDataset>(std::move(info), std::move(entries), root, opts.max_image_pixels));
}

}  // namespace calibra
