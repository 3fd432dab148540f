#!/usr/bin/env bash
# Runs every test: the release build's full suite (unit, ops, conformance, torchvision models)
# and the ASan+UBSan build's unit, op and conformance tests. Ends with one summary line,
# "N passed, N failed", that the CI runner recognises.
set -uo pipefail
BUILD=${1:-build}
ASAN_BUILD=${2:-build-asan}
cd "$(dirname "$0")/.."

passed=0
failed=0
run_suite() {  # $1: label, $2: build dir, rest: extra ctest args
  local label=$1 dir=$2
  shift 2
  echo "== $label ($dir)"
  local log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
  # ctest: "100% tests passed, 0 tests failed out of 5"
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "run-tests: $label did not report a summary (crashed or did not start)"
    failed=$((failed + 1))
  else
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
  rm -f "$log"
}

run_suite "release build" "$BUILD"
# Under ASan+UBSan: leak checks on, any UB report aborts (see CMakeLists: -fno-sanitize-recover).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  run_suite "sanitizer build (ASan+UBSan)" "$ASAN_BUILD"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
