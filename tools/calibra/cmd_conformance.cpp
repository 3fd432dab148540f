#include <cstdio>

#include "cli.h"
#include "eval/conformance.h"

namespace calibra::cli {

namespace {

struct ConfArgs {
  ConformanceOptions opts;
  bool json = false;
  bool verbose = false;
  bool reference = false;
  int expect_passed = 0;
};

const char* outcome_name(ConformanceCase::Outcome o) {
  switch (o) {
    case ConformanceCase::Outcome::kPass: return "pass";
    case ConformanceCase::Outcome::kFail: return "fail";
    case ConformanceCase::Outcome::kSkip: return "skip";
  }
  return "?";
}

int conformance_main(ConfArgs a) {
  if (a.opts.dirs.empty()) a.opts.dirs = default_conformance_dirs();
  a.opts.use_dnnl = !a.reference;
  int pass = 0, failed = 0, skip = 0;
  auto r = run_conformance(a.opts, [&](const ConformanceCase& c) {
    if (c.outcome == ConformanceCase::Outcome::kPass) ++pass;
    else if (c.outcome == ConformanceCase::Outcome::kFail) ++failed;
    else ++skip;
    FILE* out = a.json ? stderr : stdout;
    if (c.outcome == ConformanceCase::Outcome::kFail)
      std::fprintf(out, "FAIL %s/%s: %s\n", c.suite.c_str(), c.name.c_str(), c.detail.c_str());
    else if (a.verbose)
      std::fprintf(out, "%s %s/%s%s%s\n", c.outcome == ConformanceCase::Outcome::kPass ? "pass" : "skip",
                   c.suite.c_str(), c.name.c_str(), c.detail.empty() ? "" : ": ", c.detail.c_str());
  });
  if (!r.is_ok()) return fail(r.status());
  if (a.json) {
    nlohmann::json j;
    j["passed"] = pass;
    j["failed"] = failed;
    j["skipped"] = skip;
    j["tests"] = nlohmann::json::array();
    for (const auto& c : *r)
      j["tests"].push_back({{"suite", c.suite}, {"name", c.name}, {"outcome", outcome_name(c.outcome)},
                            {"detail", c.detail}, {"ms", c.ms}});
    std::printf("%s\n", j.dump(2).c_str());
  }
  std::fprintf(a.json ? stderr : stdout, "conformance: %d passed, %d failed, %d skipped\n", pass, failed, skip);
  if (failed == 0 && pass < a.expect_passed) {
    std::fprintf(stderr, "calibra: error: only %d tests passed, %d expected (--expect-passed)\n", pass, a.expect_passed);
    return 1;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_conformance(CLI::App& app, int* rc) {
  auto a = std::make_shared<ConfArgs>();
  auto* cmd = app.add_subcommand("conformance", "Run ONNX backend test folders (default: Debian's libonnx-testdata)");
  cmd->add_option("DIR", a->opts.dirs, "Suite folders (holding test_*/) or single test folders");
  cmd->add_option("--filter", a->opts.filter, "Only tests whose name matches this regular expression");
  cmd->add_option("--threads,-t", a->opts.threads, "Threads")->check(CLI::Range(1, 256));
  cmd->add_flag("--json", a->json, "Print results as JSON on stdout (the summary line goes to stderr)");
  cmd->add_flag("--verbose,-v", a->verbose, "Also list passed and skipped tests (with the skip reason)");
  cmd->add_flag("--reference", a->reference, "Use the reference kernels only");
  cmd->add_option("--expect-passed", a->expect_passed, "Fail unless at least this many tests pass (regression guard)");
  cmd->footer(
      "A test is skipped only when Calibra refuses the model as unsupported (the reason names\n"
      "the op or feature). The last line is 'conformance: N passed, N failed, N skipped'.\n"
      "Examples:\n"
      "  calibra conformance\n"
      "  calibra conformance --filter '^test_(conv|maxpool)' -v\n"
      "  calibra conformance /usr/share/libonnx-testdata/data/pytorch-converted --json > r.json");
  cmd->callback([=] { *rc = conformance_main(*a); });
}

}  // namespace calibra::cli
