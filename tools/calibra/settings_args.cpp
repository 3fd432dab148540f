// The inference settings flags shared by `bench` and `compare`: --settings FILE gives the
// base, and any flag given on the command line overrides it.
#include "app/json.h"
#include "cli.h"

namespace calibra::cli {

void add_settings_options(CLI::App* cmd, SettingsArgs* a) {
  a->o_batch = cmd->add_option("--batch,-b", a->batch, "Batch size")->check(CLI::Range(int64_t{1}, int64_t{65536}));
  a->o_threads = cmd->add_option("--threads,-t", a->threads, "Total threads (0 = all cores)")->check(CLI::Range(0, 4096));
  a->o_streams = cmd->add_option("--streams,-s", a->streams, "Inference requests in flight at once")->check(CLI::Range(1, 4096));
  a->o_time = cmd->add_option("--time", a->seconds, "Seconds to measure (default 5)")->check(CLI::Range(0.01, 86400.0));
  a->o_iterations = cmd->add_option("--iterations,-n", a->iterations, "Inferences to measure instead of a duration")
                        ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
                        ->excludes(a->o_time);
  a->o_warmup = cmd->add_option("--warmup", a->warmup, "Warm-up runs per stream")->check(CLI::Range(0, 10000));
  cmd->add_option("--settings", a->file,
                  "Inference settings JSON ({\"batch\": 4, \"threads\": 2, \"streams\": 2, \"seconds\": 5, ...}); "
                  "flags override it")
      ->check(CLI::ExistingFile);
}

Result<InferenceSettings> resolve_settings(const SettingsArgs& a) {
  InferenceSettings s;
  if (!a.file.empty()) {
    CALIBRA_ASSIGN_OR_RETURN(s, app::load_settings(a.file));
  }
  if (a.o_batch->count()) s.batch = a.batch;
  if (a.o_threads->count()) s.threads = a.threads;
  if (a.o_streams->count()) s.streams = a.streams;
  if (a.o_time->count()) s.seconds = a.seconds, s.iterations = 0;
  if (a.o_iterations->count()) s.iterations = a.iterations, s.seconds = 0;
  if (a.o_warmup->count()) s.warmup = a.warmup;
  return s;
}

}  // namespace calibra::cli
