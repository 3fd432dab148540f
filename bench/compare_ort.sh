#!/usr/bin/env bash
# Calibra vs ONNX Runtime (CPU, FP32) on the torchvision test models.
#
# For each model and thread count, at batch 1:
#   1. correctness: both engines run the model's saved input (.cache/models/
#      NAME.input.npy); their outputs must agree to a max relative error
#      max|calibra - ort| / max|ort| below 1e-4, or the script aborts (timing a
#      wrong result is meaningless);
#   2. timing: `calibra bench` and `node ort_bench.js bench` alternate A B A B ...
#      for ROUNDS rounds of N inferences each (each process warms up first). The
#      machines are shared, so alternating spreads any drift in speed over both
#      engines; each engine's figure is the median over rounds of the per-round
#      median latency per inference.
# Prints a table (ratio = ORT ms / Calibra ms, so > 1 means Calibra is faster)
# and the geometric mean of the ratios per thread count, and writes everything
# to bench/results/compare_ort.json.
#
# By default both engines run with their own default thread waiting (libgomp
# spins for a while before sleeping; ORT's pool spins), as users run them.
# --passive makes both sleep instead (OMP_WAIT_POLICY=PASSIVE for Calibra, ORT
# intra-op spinning off): fairer on a machine busy with other work, where
# spinning threads steal cores, but every parallel region then pays a thread
# wake-up (about 45 us on this VM).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/compare_ort.sh CALIBRA_BIN [options]

Compare Calibra's FP32 latency with ONNX Runtime's (onnxruntime-node, CPU) on
the torchvision test models, batch 1, after checking that both give the same
outputs.

Options:
  --models a,b        models (default: all that scripts/export_torchvision.py knows:
                      resnet18,resnet50,mobilenet_v2,mobilenet_v3_small,squeezenet1_1,efficientnet_b0)
  --threads 1,2       thread counts (default: 1,2)
  --iterations N      timed inferences per round and engine (default: 20)
  --rounds R          alternating rounds A B A B ... (default: 5)
  --warmup W          warm-up inferences per process (default: 2)
  --ort-spin 0|1      ORT's intra-op spinning (default: ORT's own default, on)
  --passive           neither engine spins: OMP_WAIT_POLICY=PASSIVE and --ort-spin 0
  --models-dir DIR    where the models are (default: .cache/models)
  --out FILE          JSON results (default: bench/results/compare_ort.json)
  -h, --help          this text

Example: bench/compare_ort.sh build/calibra --models resnet18,mobilenet_v2 --iterations 10
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY=/usr/bin/python3  # Debian's interpreter: numpy/torch live there, not in another python on PATH

MODELS="resnet18,resnet50,mobilenet_v2,mobilenet_v3_small,squeezenet1_1,efficientnet_b0"
THREADS="1,2"
ITERS=20
ROUNDS=5
WARMUP=2
ORT_SPIN=""
PASSIVE=0
MODELS_DIR="$ROOT/.cache/models"
OUT_JSON="$HERE/results/compare_ort.json"
TOL=1e-4
CALIBRA=""

die() { echo "compare_ort: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --models) MODELS="${2:?--models needs a value}"; shift 2 ;;
    --threads) THREADS="${2:?--threads needs a value}"; shift 2 ;;
    --iterations|-n) ITERS="${2:?--iterations needs a value}"; shift 2 ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --warmup) WARMUP="${2:?--warmup needs a value}"; shift 2 ;;
    --ort-spin) ORT_SPIN="${2:?--ort-spin needs 0 or 1}"; shift 2 ;;
    --passive) PASSIVE=1; shift ;;
    --models-dir) MODELS_DIR="${2:?--models-dir needs a value}"; shift 2 ;;
    --out) OUT_JSON="${2:?--out needs a value}"; shift 2 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [ -z "$CALIBRA" ] || die "unexpected argument $1"; CALIBRA="$1"; shift ;;
  esac
done
[ -n "$CALIBRA" ] || { usage >&2; exit 2; }
[ -x "$CALIBRA" ] || die "$CALIBRA is not an executable (build it: cmake --build build -j2)"
CALIBRA="$(cd "$(dirname "$CALIBRA")" && pwd)/$(basename "$CALIBRA")"
for v in ITERS ROUNDS WARMUP; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ || ( "$v" = WARMUP && "${!v}" = 0 ) ]] || die "$v must be a positive integer"
done
[[ -z "$ORT_SPIN" || "$ORT_SPIN" =~ ^[01]$ ]] || die "--ort-spin must be 0 or 1"
IFS=, read -r -a MODEL_LIST <<<"$MODELS"
IFS=, read -r -a THREAD_LIST <<<"$THREADS"
for t in "${THREAD_LIST[@]}"; do [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "bad thread count '$t'"; done

command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
if ! { [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; }; then
  die "$PY with numpy is needed: run scripts/setup-deps.sh"
fi

# --- 1. onnxruntime-node, pinned by bench/package.json (+ package-lock.json) ----
# Its install script downloads CUDA libraries, which cannot work here (and the
# CPU build ships inside the npm package), so it is skipped. Nothing is fetched
# when the pinned version is already installed.
ORT_WANT="$(node -p "require('$HERE/package.json').dependencies['onnxruntime-node']")"
ORT_HAVE="$(node -p "try { require('$HERE/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")"
if [ "$ORT_HAVE" != "$ORT_WANT" ]; then
  echo "compare_ort: installing onnxruntime-node $ORT_WANT into bench/node_modules"
  command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
  if [ -f "$HERE/package-lock.json" ]; then NPM_CMD=ci; else NPM_CMD=install; fi
  (cd "$HERE" && ONNXRUNTIME_NODE_INSTALL=skip npm "$NPM_CMD" --no-audit --no-fund --loglevel=error) \
    || die "npm $NPM_CMD failed"
fi

# --- 2. the models (the export script skips those already there) --------------
need_export=()
for m in "${MODEL_LIST[@]}"; do
  for f in "$m.onnx" "$m.input.npy"; do
    [ -f "$MODELS_DIR/$f" ] || { need_export+=("$m"); break; }
  done
done
if [ ${#need_export[@]} -gt 0 ]; then
  echo "compare_ort: exporting ${need_export[*]} into $MODELS_DIR"
  (IFS=,; "$PY" "$ROOT/scripts/export_torchvision.py" --out "$MODELS_DIR" --models "${need_export[*]}") \
    || die "model export failed"
fi

# --- 3. check, then time ------------------------------------------------------
if [ "$PASSIVE" = 1 ]; then
  export OMP_WAIT_POLICY=PASSIVE
  ORT_SPIN=0
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/compare_ort.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ORT_SPIN_ARGS=()
[ -z "$ORT_SPIN" ] || ORT_SPIN_ARGS=(--spin "$ORT_SPIN")

# Max relative error of A against B: max|a-b| / max|b| (shapes must match).
rel_err() {
  "$PY" - "$1" "$2" <<'EOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
if a.shape != b.shape:
    print("shape %s vs %s" % (a.shape, b.shape)); sys.exit(1)
print("%.3e" % (np.abs(a.astype(np.float64) - b).max() / max(np.abs(b).max(), 1e-30)))
EOF
}
# latency_ms.median out of a bench JSON file (Calibra's and ort_bench.js's share the field).
median_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_ms"]["median"])' "$1"; }

echo "Calibra vs ONNX Runtime, FP32, batch 1"
echo "  calibra:      $CALIBRA"
echo "  onnxruntime:  onnxruntime-node $ORT_WANT (CPU EP), interOp 1, graph optimization 'all', sequential,"\
     "intra-op spinning ${ORT_SPIN:-default}"
echo "  OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset (libgomp default: spin, then sleep)} (Calibra; ORT's own pool ignores it)"
echo "  timing: $ROUNDS alternating rounds (Calibra, ORT) x $ITERS inferences, $WARMUP warm-up per process;"\
     "figure = median over rounds of the per-round median"
echo "  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

ROWS="$WORK/rows.jsonl"
: >"$ROWS"
for m in "${MODEL_LIST[@]}"; do
  model="$MODELS_DIR/$m.onnx"
  for t in "${THREAD_LIST[@]}"; do
    # Correctness first, with the same thread count as the timing.
    "$CALIBRA" run "$model" -t "$t" -i "input=$MODELS_DIR/$m.input.npy" -o "$WORK/calibra" >"$WORK/run.log" 2>&1 \
      || { cat "$WORK/run.log" >&2; die "$m: calibra run failed"; }
    node "$HERE/ort_bench.js" run "$model" -t "$t" "${ORT_SPIN_ARGS[@]}" -i "input=$MODELS_DIR/$m.input.npy" -o "$WORK/ort" \
      >"$WORK/run.log" 2>&1 || { cat "$WORK/run.log" >&2; die "$m: ort_bench.js run failed"; }
    err="$(rel_err "$WORK/calibra/output.npy" "$WORK/ort/output.npy")" || die "$m: outputs differ: $err"
    if ! "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$err" "$TOL"; then
      die "$m ($t threads): Calibra and ORT disagree: max relative error $err >= $TOL; not timing it"
    fi
    err_torch="-"
    [ -f "$MODELS_DIR/$m.output.npy" ] && err_torch="$(rel_err "$WORK/calibra/output.npy" "$MODELS_DIR/$m.output.npy")"

    # Timing: A B A B ...
    cal_ms=(); ort_ms=()
    for ((r = 1; r <= ROUNDS; r++)); do
      "$CALIBRA" bench "$model" -t "$t" -n "$ITERS" --warmup "$WARMUP" --json >"$WORK/cal.json" 2>"$WORK/cal.err" \
        || { cat "$WORK/cal.err" >&2; die "$m: calibra bench failed"; }
      node "$HERE/ort_bench.js" bench "$model" -t "$t" -n "$ITERS" --warmup "$WARMUP" "${ORT_SPIN_ARGS[@]}" --json \
        >"$WORK/ort.json" 2>"$WORK/ort.err" || { cat "$WORK/ort.err" >&2; die "$m: ort_bench.js bench failed"; }
      cal_ms+=("$(median_of "$WORK/cal.json")")
      ort_ms+=("$(median_of "$WORK/ort.json")")
    done
    printf '{"model":"%s","threads":%s,"rel_err_vs_ort":%s,"rel_err_vs_torch":%s,"calibra_round_ms":[%s],"ort_round_ms":[%s]}\n' \
      "$m" "$t" "$err" "$([ "$err_torch" = - ] && echo null || echo "$err_torch")" \
      "$(IFS=,; echo "${cal_ms[*]}")" "$(IFS=,; echo "${ort_ms[*]}")" >>"$ROWS"
    echo "  done: $m, $t thread(s)" >&2
  done
done

# --- 4. table, geometric means, JSON -----------------------------------------
mkdir -p "$(dirname "$OUT_JSON")"
"$PY" - "$ROWS" "$OUT_JSON" "$CALIBRA" "$ORT_WANT" "$ITERS" "$ROUNDS" "$WARMUP" "${ORT_SPIN:-default}" <<'EOF'
import json, math, os, statistics, sys, datetime
rows_file, out_json, calibra, ort_ver, iters, rounds, warmup, spin = sys.argv[1:9]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
for r in rows:
    r["calibra_median_ms"] = statistics.median(r["calibra_round_ms"])
    r["ort_median_ms"] = statistics.median(r["ort_round_ms"])
    r["ratio_ort_over_calibra"] = r["ort_median_ms"] / r["calibra_median_ms"]
    # Per-round (paired) ratios show how noisy the machine was.
    paired = [o / c for c, o in zip(r["calibra_round_ms"], r["ort_round_ms"])]
    r["paired_ratio_min"], r["paired_ratio_max"] = min(paired), max(paired)

hdr = "%-20s %7s %12s %12s %14s %16s %11s" % ("model", "threads", "Calibra ms", "ORT ms", "ORT/Calibra", "(round min-max)", "rel err")
print(hdr)
print("-" * len(hdr))
for r in rows:
    print("%-20s %7d %12.3f %12.3f %14.3f %16s %11.1e" % (
        r["model"], r["threads"], r["calibra_median_ms"], r["ort_median_ms"], r["ratio_ort_over_calibra"],
        "%.2f-%.2f" % (r["paired_ratio_min"], r["paired_ratio_max"]), r["rel_err_vs_ort"]))
print()
geo = {}
for t in sorted({r["threads"] for r in rows}):
    rs = [r["ratio_ort_over_calibra"] for r in rows if r["threads"] == t]
    geo[str(t)] = math.exp(sum(math.log(x) for x in rs) / len(rs))
    print("geometric mean ORT/Calibra, %d thread(s): %.3f over %d model(s)  (> 1: Calibra faster)" % (
        t, geo[str(t)], len(rs)))

cpu = ""
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
doc = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cores": os.cpu_count(), "cpu": cpu},
    "calibra": calibra,
    "onnxruntime": {"package": "onnxruntime-node", "version": ort_ver, "execution_provider": "cpu",
                    "inter_op_threads": 1, "graph_optimization_level": "all", "execution_mode": "sequential",
                    "intra_op_spinning": spin},
    "env": {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")},
    "batch": 1,
    "iterations_per_round": int(iters), "rounds": int(rounds), "warmup_per_process": int(warmup),
    "method": "alternating rounds Calibra, ORT; per engine the median over rounds of each round's median latency",
    "ratio": "ORT median ms / Calibra median ms (> 1: Calibra faster)",
    "results": rows,
    "geomean_ratio_by_threads": geo,
}
with open(out_json, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
print("\nresults: %s" % out_json)
EOF
