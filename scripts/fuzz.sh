#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, -DCALIBRA_FUZZ=ON) and fuzzes each for a
# while, one at a time. See docs/RELIABILITY.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]       (default: 60 s, every target)
#
# Targets: model tensor_pb npy image idx cifar annotation usage_json settings_json workbench
# archive. Corpora grow in .cache/fuzz/corpus/<target>/ (seeded from scripts/make_fuzz_seeds.py
# and tests/fuzz/seeds/); logs go to .cache/fuzz/logs/. Every crash, leak, timeout or OOM
# input is copied to tests/fuzz/reproducers/<target>/ (replayed by `make test`) and listed.
# Prints per target: executions, exec/s, coverage (cov = edges, ft = features, as libFuzzer
# reports them), corpus size and findings; appends the same to .cache/fuzz/history.tsv.
#
# Environment: FUZZ_BUILD (build folder, default build-fuzz), FUZZ_JOBS (build jobs, 1),
# FUZZ_RSS_MB (per-input memory limit, 2048), FUZZ_TIMEOUT (per-input seconds, 30).
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
shift || true
ALL=(model tensor_pb npy image idx cifar annotation usage_json settings_json workbench archive)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-30}
CACHE=.cache/fuzz

command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (scripts/setup-deps.sh installs clang)"; exit 1; }

echo "== building the fuzz targets in $BUILD (clang, ASan+UBSan, libFuzzer)"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALIBRA_FUZZ=ON \
    > "$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
fi
for t in "${TARGETS[@]}"; do BINS+=("fuzz_$t"); done
cmake --build "$BUILD" -j"$JOBS" --target "${BINS[@]}" > "$CACHE.build.log" 2>&1 || {
  mkdir -p "$CACHE"; tail -40 "$CACHE.build.log"; echo "fuzz: build failed"; exit 1; }

if [ ! -d "$CACHE/seeds" ]; then
  echo "== generating seed corpora into $CACHE/seeds"
  /usr/bin/python3 scripts/make_fuzz_seeds.py --out "$CACHE/seeds" || exit 1
fi
mkdir -p "$CACHE/logs" "$CACHE/tmp"

declare -A MAXLEN=([model]=262144 [tensor_pb]=65536 [archive]=131072 [image]=65536)
summary=()
total_findings=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD/tests/fuzz/fuzz_$t"
  corpus="$CACHE/corpus/$t"
  artifacts="$CACHE/artifacts/$t"
  log="$CACHE/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "tests/fuzz/reproducers/$t"
  seeds=()
  [ -d "$CACHE/seeds/$t" ] && seeds+=("$CACHE/seeds/$t")
  seeds+=("tests/fuzz/seeds/$t")
  before=$(ls "$artifacts" | wc -l)
  echo "== fuzz_$t for ${SECONDS_PER_TARGET}s (log: $log)"
  # Fork mode with one job: a crash is recorded and fuzzing goes on with the next input.
  CALIBRA_FUZZ_TMP="$CACHE/tmp" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    "$bin" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
      -max_total_time="$SECONDS_PER_TARGET" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
      ${MAXLEN[$t]:+-max_len=${MAXLEN[$t]}} -artifact_prefix="$artifacts/" -print_final_stats=1 \
      "$corpus" "${seeds[@]}" > "$log" 2>&1
  # libFuzzer's fork-mode progress lines: "#EXECS: cov: C ft: F corp: N exec/s: E oom/timeout/crash: a/b/c time: Ts"
  line=$(grep -E "^#[0-9]+: cov: " "$log" | tail -1)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$line")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$line")
  eps=$(sed -nE 's/.* exec\/s:? ([0-9]+).*/\1/p' <<<"$line")
  crashes=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$line")
  ncorp=$(ls "$corpus" | wc -l)
  new=0
  for f in "$artifacts"/*; do
    [ -f "$f" ] || continue
    name="$(basename "$f")"
    dest="tests/fuzz/reproducers/$t/$name"
    if [ ! -f "$dest" ]; then cp "$f" "$dest"; new=$((new + 1)); echo "   finding: $dest"; fi
  done
  after=$(ls "$artifacts" | wc -l)
  total_findings=$((total_findings + after - before))
  row=$(printf "%-14s %12s %8s %7s %7s %7s  %-12s %s" "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$ncorp" \
        "${crashes:-0/0/0}" "$((after - before)) new artifact(s), $new new reproducer(s)")
  summary+=("$row")
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$(date -u +%FT%TZ)" "$t" "$SECONDS_PER_TARGET" "${execs:-}" "${eps:-}" \
    "${cov:-}" "${ft:-}" "$ncorp" "${crashes:-0/0/0}" >> "$CACHE/history.tsv"
done
rm -rf "$CACHE/tmp"

echo
printf "%-14s %12s %8s %7s %7s %7s  %-12s %s\n" target executions exec/s cov ft corpus oom/tmo/crash findings
for r in "${summary[@]}"; do echo "$r"; done
echo "fuzz: ${#TARGETS[@]} target(s), ${SECONDS_PER_TARGET}s each, $total_findings new finding(s)"
[ "$total_findings" -eq 0 ]
