#!/usr/bin/env bash
# INT8 depthwise convolutions: Calibra's own kernel (kernels/native/dw_int8.h) vs oneDNN's
# INT8 kernel vs oneDNN's FP32 kernel, per layer and for the whole model (MobileNetV2).
#
# Three configurations, run in alternating rounds (the machine is shared: alternating
# spreads any drift in speed over all three; figures are medians over rounds):
#   native   INT8 model, quantized depthwise convs on the native kernel where it measures
#            faster (Calibra's default);
#   onednn   INT8 model with CALIBRA_NO_NATIVE_DW=1 (oneDNN's int8 depthwise kernel);
#   fp32     the FP32 model.
# Each round runs `calibra bench MODEL -t THREADS -n N --profile --json` once per
# configuration: per-layer figures are the profile's medians of 30 runs; whole-model figures
# are each run's median and min latency (the min is the steadiest on a busy machine). By
# default oneDNN is capped at AVX2 (ONEDNN_MAX_CPU_ISA=AVX2), the product's target CPU (no
# VNNI).
#
# The INT8 model is made with `calibra calibrate` (fashion-mnist, 16 images, 224x224 RGB
# preprocessing) when it does not exist yet, under the same ISA cap: without VNNI the
# quantizer uses u8 sources and 7-bit weights.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/dw_int8.sh [CALIBRA_BIN] [options]

Options:
  --fp32 MODEL      FP32 model (default: .cache/models/mobilenet_v2.onnx)
  --int8 MODEL      its INT8 (QDQ) model; made with calibra calibrate when missing
                    (default: .cache/bench/mobilenet_v2_avx2_int8.onnx)
  --threads T       threads (default: 1)
  --iterations N    inferences per bench run (default: 30)
  --rounds R        alternating rounds (default: 5)
  --isa ISA         ONEDNN_MAX_CPU_ISA (default: AVX2; "native" leaves it unset)
  --passive         OMP_WAIT_POLICY=PASSIVE (with several threads on a busy machine,
                    spinning threads collapse timings to scheduler slices)
  --out FILE        JSON results (default: bench/results/dw_int8.json)
  -h, --help        this text

Example: bench/dw_int8.sh build/calibra --rounds 7
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY=/usr/bin/python3
CALIBRA="$ROOT/build/calibra"
FP32="$ROOT/.cache/models/mobilenet_v2.onnx"
INT8="$ROOT/.cache/bench/mobilenet_v2_avx2_int8.onnx"
THREADS=1
ITERS=30
ROUNDS=5
ISA=AVX2
OUT_JSON="$HERE/results/dw_int8.json"

die() { echo "dw_int8: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --fp32) FP32="${2:?--fp32 needs a value}"; shift 2 ;;
    --int8) INT8="${2:?--int8 needs a value}"; shift 2 ;;
    --threads|-t) THREADS="${2:?--threads needs a value}"; shift 2 ;;
    --iterations|-n) ITERS="${2:?--iterations needs a value}"; shift 2 ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
    --isa) ISA="${2:?--isa needs a value}"; shift 2 ;;
    --out) OUT_JSON="${2:?--out needs a value}"; shift 2 ;;
    --passive) export OMP_WAIT_POLICY=PASSIVE; shift ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) CALIBRA="$1"; shift ;;
  esac
done
[ -x "$CALIBRA" ] || die "$CALIBRA is not an executable (build it: cmake --build build -j2)"
[ -f "$FP32" ] || die "$FP32 not found (make models, or scripts/export_torchvision.py)"
for v in THREADS ITERS ROUNDS; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"; done
if [ "$ISA" != native ]; then export ONEDNN_MAX_CPU_ISA="$ISA"; fi
unset CALIBRA_NO_NATIVE_DW

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dw_int8.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# --- 1. the INT8 model -------------------------------------------------------
if [ ! -f "$INT8" ]; then
  echo "dw_int8: calibrating $FP32 -> $INT8 (ISA ${ONEDNN_MAX_CPU_ISA:-native})" >&2
  mkdir -p "$(dirname "$INT8")"
  cat >"$WORK/usage.json" <<'EOF'
{"task":"classification","preprocessing":{"color":"rgb","resize":{"mode":"exact","height":224,"width":224},"crop":null,"divide":255.0,"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],"layout":"NCHW"},"label_offset":0,"metrics":["top1"]}
EOF
  "$CALIBRA" calibrate "$FP32" -d fashion-mnist:train --subset 16 -c "$WORK/usage.json" -o "$INT8" -t 1 \
    --no-speed-check >"$WORK/calibrate.log" 2>&1 || { cat "$WORK/calibrate.log" >&2; die "calibration failed"; }
fi

# --- 2. alternating rounds ---------------------------------------------------
echo "INT8 depthwise: native kernel vs oneDNN INT8 vs oneDNN FP32"
echo "  calibra: $CALIBRA"
echo "  models:  $FP32 (FP32), $INT8 (INT8)"
echo "  ONEDNN_MAX_CPU_ISA=${ONEDNN_MAX_CPU_ISA:-unset}, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}, $THREADS thread(s),"\
     "$ROUNDS rounds x $ITERS inferences per configuration"
echo "  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
configs=(native onednn fp32)
for ((r = 1; r <= ROUNDS; r++)); do
  for ((i = 0; i < 3; i++)); do
    cfg="${configs[$(((i + r) % 3))]}"  # rotate the order between rounds
    case "$cfg" in
      native) env "$CALIBRA" bench "$INT8" -t "$THREADS" -n "$ITERS" --profile --json ;;
      onednn) env CALIBRA_NO_NATIVE_DW=1 "$CALIBRA" bench "$INT8" -t "$THREADS" -n "$ITERS" --profile --json ;;
      fp32) env "$CALIBRA" bench "$FP32" -t "$THREADS" -n "$ITERS" --profile --json ;;
    esac >"$WORK/$cfg.$r.json" 2>"$WORK/err" || { cat "$WORK/err" >&2; die "$cfg: calibra bench failed"; }
  done
  echo "  round $r/$ROUNDS done" >&2
done

# --- 3. tables and JSON ------------------------------------------------------
mkdir -p "$(dirname "$OUT_JSON")"
"$PY" - "$WORK" "$ROUNDS" "$FP32" "$INT8" "$OUT_JSON" "$THREADS" "$ITERS" "${ONEDNN_MAX_CPU_ISA:-native}" <<'EOF'
import datetime, json, os, statistics, sys
import onnx

work, rounds, fp32_path, int8_path, out_json, threads, iters, isa = sys.argv[1:9]
rounds = int(rounds)

# Depthwise convolutions of the FP32 model: group == input channels, weights [C, 1, k, k].
m = onnx.load(fp32_path, load_external_data=False)
inits = {t.name: list(t.dims) for t in m.graph.initializer}
dw = []
for n in m.graph.node:
    if n.op_type != "Conv":
        continue
    group = next((a.i for a in n.attribute if a.name == "group"), 1)
    w = inits.get(n.input[1])
    if group > 1 and w and w[1] == 1 and w[0] == group:
        dw.append(n.name)

runs = {c: [json.load(open(f"{work}/{c}.{r}.json")) for r in range(1, rounds + 1)] for c in ("native", "onednn", "fp32")}

def layer(run, name):
    for l in run["profile"]["layers"]:
        if l["name"] == name or name in l.get("origins", []):
            return l
    return None

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

rows = []
for name in dw:
    row = {"layer": name}
    for c in runs:
        ls = [layer(r, name) for r in runs[c]]
        row[c + "_ms"] = med([l["ms"] if l else None for l in ls])
        impls = sorted({l["impl"] for l in ls if l})
        row[c + "_impl"] = "/".join(impls)
        shape = next((l["shape"] for l in ls if l), None)
        if shape: row["shape"] = shape
    rows.append(row)

def ratio(a, b):
    return a / b if a and b else None

def fmt(x, spec=".4f"):
    return format(x, spec) if x is not None else "-"

print("Per depthwise layer (ms, median over rounds of the profile's medians; speed-up = other / native):")
print()
print("| layer | output | native INT8 | impl | oneDNN INT8 | oneDNN FP32 | vs FP32 | vs oneDNN INT8 |")
print("|---|---|---|---|---|---|---|---|")
tot = {c: 0.0 for c in runs}
for r in rows:
    short = r["layer"].replace("/features/", "").split("/Conv")[0]
    for c in runs:
        tot[c] += r[c + "_ms"] or 0
    print(f"| {short} | {'x'.join(map(str, r.get('shape', [])))} | {fmt(r['native_ms'])} | {r['native_impl']} | "
          f"{fmt(r['onednn_ms'])} | {fmt(r['fp32_ms'])} | {fmt(ratio(r['fp32_ms'], r['native_ms']), '.2f')}x | "
          f"{fmt(ratio(r['onednn_ms'], r['native_ms']), '.2f')}x |")
print(f"| **all {len(rows)} depthwise** | | **{tot['native']:.3f}** | | **{tot['onednn']:.3f}** | **{tot['fp32']:.3f}** | "
      f"**{fmt(ratio(tot['fp32'], tot['native']), '.2f')}x** | **{fmt(ratio(tot['onednn'], tot['native']), '.2f')}x** |")
print()

whole = {}
for c in runs:
    whole[c] = {
        "latency_median_ms": med([r["latency_ms"]["median"] for r in runs[c]]),
        "latency_min_ms": med([r["latency_ms"]["min"] for r in runs[c]]),
        "profile_total_ms": med([r["profile"]["total_ms"] for r in runs[c]]),
        "round_latency_medians_ms": [r["latency_ms"]["median"] for r in runs[c]],
    }
print("Whole model (ms, medians over rounds of each run's median latency, of each run's min latency (the steadiest")
print("figure on a busy machine), and of the profiled totals):")
print()
print("| configuration | latency median | latency min | profiled total | FP32 / this: median | min | profiled |")
print("|---|---|---|---|---|---|---|")
labels = {"native": "INT8, native depthwise", "onednn": "INT8, oneDNN depthwise", "fp32": "FP32"}
for c in runs:
    w, f = whole[c], whole["fp32"]
    print(f"| {labels[c]} | {fmt(w['latency_median_ms'], '.3f')} | {fmt(w['latency_min_ms'], '.3f')} | "
          f"{fmt(w['profile_total_ms'], '.3f')} | {fmt(ratio(f['latency_median_ms'], w['latency_median_ms']), '.2f')}x | "
          f"{fmt(ratio(f['latency_min_ms'], w['latency_min_ms']), '.2f')}x | "
          f"{fmt(ratio(f['profile_total_ms'], w['profile_total_ms']), '.2f')}x |")

json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "fp32_model": fp32_path, "int8_model": int8_path,
           "threads": int(threads), "iterations": int(iters), "rounds": rounds, "onednn_max_cpu_isa": isa,
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
           "layers": rows, "depthwise_total_ms": tot, "whole_model": whole}, open(out_json, "w"), indent=1)
print()
print(f"(written to {out_json})")
EOF
