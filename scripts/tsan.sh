#!/usr/bin/env bash
# ThreadSanitizer run (docs/RELIABILITY.md): builds the unit and server test binaries with
# -DCALIBRA_TSAN=ON in build-tsan and runs the tests that exercise threads: the runtime's
# concurrent streams (Session::run from many threads, multi-stream benchmark and sweep,
# threaded evaluation), calibration determinism, and the server's job queue (worker thread,
# cancel, HTTP clients and event streams during a calibration, store). Ends with one line:
#   "tsan: PASS|FAIL  N tests, R reports (S suppressed), T s".
#
#   scripts/tsan.sh            configure if needed, build (TSAN_JOBS, default 2), run
# Environment: TSAN_BUILD (default build-tsan), TSAN_JOBS (2).
# oneDNN and libgomp are not instrumented: tests/tsan.supp silences reports that lie wholly
# inside them (see the comments there). A report with a frame of ours is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${TSAN_BUILD:-build-tsan}
JOBS=${TSAN_JOBS:-2}
start=$(date +%s)

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "== configuring $BUILD (-DCALIBRA_TSAN=ON)"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALIBRA_TSAN=ON > "$BUILD.configure.log" 2>&1 ||
    { cat "$BUILD.configure.log"; echo "tsan: FAIL configure"; exit 1; }
fi
echo "== building calibra_unit_tests calibra_server_tests in $BUILD (-j$JOBS)"
cmake --build "$BUILD" -j"$JOBS" --target calibra_unit_tests calibra_server_tests > "$BUILD/tsan-build.log" 2>&1 ||
  { tail -40 "$BUILD/tsan-build.log"; echo "tsan: FAIL build"; exit 1; }
built=$(date +%s)

LOGDIR="$BUILD/tsan-logs"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
# log_path: one report file per process (forked servers included); exitcode 66 marks a report.
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=0 second_deadlock_stack=1 history_size=4 exitcode=66 log_path=$PWD/$LOGDIR/report print_suppressions=0 ${TSAN_EXTRA_OPTIONS:-}"

tests=0
failed=0
run() {  # $1: binary, $2: gtest filter
  local name
  name=$(basename "$1")
  echo "== $name --gtest_filter=$2"
  "$BUILD/tests/$1" --gtest_brief=1 --gtest_filter="$2" > "$LOGDIR/$name.out" 2>&1
  local rc=$?
  grep -E "^\[  (PASSED|FAILED)  \]|^\[  FAILED  \]" "$LOGDIR/$name.out" | sed 's/^/   /'
  local n
  n=$(sed -nE 's/^\[==========\] ([0-9]+) tests? from.*ran.*/\1/p' "$LOGDIR/$name.out" | tail -1)
  tests=$((tests + ${n:-0}))
  if [ $rc -ne 0 ]; then
    echo "   exit code $rc$([ $rc -eq 66 ] && echo ' (ThreadSanitizer reports)')"
    failed=$((failed + 1))
  fi
}

# The runtime: concurrent Session::run, multi-stream benchmark/sweep, threaded evaluation,
# and calibration with 1 and 2 threads (OpenMP regions of oneDNN and of our depthwise kernel).
run calibra_unit_tests 'Runtime.*:Benchmark.*:Sweep.*:Determinism.*'
# The server's job queue: the worker thread, cancel, restarts of the store, HTTP clients and
# event streams while a calibration runs. (The SIGKILL test forks the server 20+ times: it
# runs in the normal builds.)
run calibra_server_tests 'Store.*:WorkbenchTest.*:HttpTest.*:-WorkbenchTest.KilledServer*'

reports=$(cat "$LOGDIR"/report.* 2>/dev/null | grep -c "^WARNING: ThreadSanitizer")
if [ "$reports" -gt 0 ]; then
  echo "== reports (full text in $LOGDIR/report.*):"
  cat "$LOGDIR"/report.* | grep -E "^WARNING: ThreadSanitizer|^    #[0-3] " | head -60
fi
end=$(date +%s)
verdict=PASS
[ "$failed" -gt 0 ] || [ "$reports" -gt 0 ] && verdict=FAIL
echo "tsan: $verdict  $tests tests, $reports reports, build $((built - start)) s, tests $((end - built)) s"
[ "$verdict" = PASS ]
