#!/usr/bin/env bash
# Browser end-to-end test of the web workbench against the real server: starts
# `calibra serve --demo` on a free port with a fresh data folder, then drives the whole flow in
# headless Chromium (workbench.mjs): create projects, baseline, INT8 greyed out for a generated
# dataset, calibrate (progress, success and failure), INT8 results, compare; and an API load
# check while a calibration runs. Screenshots go to ARTIFACTS (default: test-artifacts/workbench
# next to the calibra binary). The server is always stopped.
# Usage: tests/browser/workbench.sh path/to/calibra [ARTIFACTS]
set -euo pipefail
CALIBRA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ART=${2:-$(dirname "$CALIBRA")/test-artifacts/workbench}
WEB=${CALIBRA_WEB:-$ROOT/web/dist}
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  echo "workbench test: playwright-core is not installed; run scripts/setup-deps.sh (make test does)" >&2
  exit 1
fi
if [ ! -f "$WEB/index.html" ]; then
  echo "workbench test: no built front end at $WEB; build it (cd web && npm run build, or make)" >&2
  exit 1
fi

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

rm -rf "$ART"
mkdir -p "$ART"

# A free port: bind to 0, read the port back, release it (retried if the server loses a race).
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"; }

start_server() {
  PORT=$(free_port)
  OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} "$CALIBRA" serve --demo --port "$PORT" --data "$TMP/data" --web "$WEB" \
    --allow-path "$ROOT/zoo" --allow-path "$TMP/inputs" > "$ART/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$PORT/api/health" > /dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

mkdir -p "$TMP/inputs"
ok=
for attempt in 1 2 3; do
  if start_server; then ok=1; break; fi
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  rm -rf "$TMP/data"
done
if [ -z "$ok" ]; then
  echo "workbench test: calibra serve did not start; its output:" >&2
  cat "$ART/server.log" >&2
  exit 1
fi

status=0
node "$HERE/workbench.mjs" --base "http://127.0.0.1:$PORT" --artifacts "$ART" --inputs "$TMP/inputs" --root "$ROOT" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server output (last 40 lines) ---"
  tail -n 40 "$ART/server.log" || true
fi
echo "workbench test artifacts (screenshots, server log): $ART"
exit "$status"
