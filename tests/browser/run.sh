#!/usr/bin/env bash
# Browser test of the comparison report: calibrates the demo model on Fashion-MNIST, compares
# it with its INT8 version (--json and --html), then checks the HTML in headless Chromium
# against the JSON (check_report.mjs). Usage: tests/browser/run.sh path/to/calibra
set -euo pipefail
CALIBRA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  echo "browser test: playwright-core is not installed; run scripts/setup-deps.sh (make test does)" >&2
  exit 1
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$CALIBRA" calibrate "$ROOT/demo/demo_cnn.onnx" -d fashion-mnist:train --subset 100 -t 1 -o "$OUT/int8.onnx" > "$OUT/calibrate.log"
"$CALIBRA" compare "$ROOT/demo/demo_cnn.onnx" "$OUT/int8.onnx" -d fashion-mnist:test --limit 300 -t 1 --time 0.4 \
  --profile-runs 5 --json "$OUT/report.json" --html "$OUT/report.html" > "$OUT/compare.log" 2>&1 || { cat "$OUT/compare.log"; exit 1; }
node "$HERE/check_report.mjs" "$OUT/report.html" "$OUT/report.json"
