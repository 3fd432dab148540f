#!/usr/bin/env bash
# INT8 results, measured side by side (numbers for the README):
#   1. accuracy: each zoo model calibrated with the defaults (300 training samples); top-1
#      on the 10k Fashion-MNIST test set in FP32 and INT8 with Calibra, and the same QDQ file
#      run by ONNX Runtime (must agree with Calibra within 0.1 points)
#   2. speed: torchvision resnet18, resnet50, mobilenet_v2 (224x224, batch 1; calibrated on
#      Fashion-MNIST images resized to 224 RGB, which is real data for ranges): Calibra INT8
#      vs Calibra FP32 and vs ONNX Runtime running the same QDQ model, 1 and 2 threads,
#      alternating A B A B, medians over rounds
#   3. calibration cost: the statistics pass over 300 samples vs 300 FP32 inferences, per
#      range algorithm, and peak memory (COST_ROUNDS=3 alternating rounds, medians)
# Usage: bench/compare_int8.sh CALIBRA_BIN [--rounds R] [--iterations N] [--skip-accuracy] [--skip-speed]
set -euo pipefail
CALIBRA=${1:?usage: bench/compare_int8.sh CALIBRA_BIN [options]}
shift
ROUNDS=5
ITERS=30
DO_ACC=1
DO_SPEED=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITERS=$2; shift 2 ;;
    --skip-accuracy) DO_ACC=0; shift ;;
    --skip-speed) DO_SPEED=0; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "compare_int8: unknown option $1" >&2; exit 2 ;;
  esac
done
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY=/usr/bin/python3
OUT="$HERE/results/int8"
mkdir -p "$OUT"
CALIBRA="$(cd "$(dirname "$CALIBRA")" && pwd)/$(basename "$CALIBRA")"
ORT="node $HERE/ort_bench.js"
[ -d "$HERE/node_modules/onnxruntime-node" ] || (cd "$HERE" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --silent >/dev/null)
# Torchvision models on Fashion-MNIST: grey to RGB, 224x224, ImageNet normalisation.
cat > "$OUT/usage224.json" <<'JSON'
{"task": "classification", "preprocessing": {"color": "rgb", "resize": {"mode": "exact", "height": 224, "width": 224}, "crop": null, "divide": 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "layout": "NCHW"}, "label_offset": 0, "metrics": ["top1"]}
JSON
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }
echo "Calibra INT8, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), ISA: $("$CALIBRA" calibrate --help >/dev/null; echo see report)"

if [ "$DO_ACC" = 1 ]; then
  echo
  echo "== 1. accuracy on Fashion-MNIST test (10000 images)"
  # The test set as one normalised batch for ONNX Runtime (the zoo's usage: (x/255 - 0.2860) / 0.3530).
  "$PY" - "$OUT/fmnist_test.npy" "$OUT/fmnist_labels.npy" <<'PYEOF'
import gzip, sys, numpy as np
d = '/usr/share/datasets/fashion-mnist/'
x = np.frombuffer(gzip.open(d + 't10k-images-idx3-ubyte.gz').read()[16:], np.uint8).reshape(-1, 1, 28, 28)
y = np.frombuffer(gzip.open(d + 't10k-labels-idx1-ubyte.gz').read()[8:], np.uint8)
x = ((x.astype(np.float32) / np.float32(255) - np.float32(0.2860)) / np.float32(0.3530)).astype(np.float32)
np.save(sys.argv[1], x); np.save(sys.argv[2], y)
PYEOF
  printf "%-20s %10s %10s %10s %8s %10s %8s\n" model "FP32" "INT8" "drop" "layers" "ORT INT8" "|diff|"
  for m in "$ROOT"/zoo/*.onnx; do
    name=$(basename "$m" .onnx)
    "$CALIBRA" calibrate "$m" -d fashion-mnist:train -o "$OUT/${name}_int8.onnx" --report "$OUT/${name}_report.json" >/dev/null 2>&1
    "$CALIBRA" eval "$m" -d fashion-mnist:test -b 100 --json 2>/dev/null > "$OUT/${name}_fp32_eval.json"
    "$CALIBRA" eval "$OUT/${name}_int8.onnx" -d fashion-mnist:test -b 100 -c "${m%.onnx}.usage.json" --json 2>/dev/null > "$OUT/${name}_int8_eval.json"
    $ORT run "$OUT/${name}_int8.onnx" -i input="$OUT/fmnist_test.npy" -o "$OUT/ort_${name}" -t 2 >/dev/null
    ort=$("$PY" -c "import numpy as np,sys; y=np.load(sys.argv[1]); l=np.load(sys.argv[2]); print('%.4f' % (y.argmax(1)==l).mean())" "$OUT/ort_${name}/output.npy" "$OUT/fmnist_labels.npy")
    fp=$(json "$OUT/${name}_fp32_eval.json" "d['top1']")
    q=$(json "$OUT/${name}_int8_eval.json" "d['top1']")
    layers=$(json "$OUT/${name}_report.json" "'%d/%d' % (d['layer_counts']['U8']+d['layer_counts']['I8'], sum(d['layer_counts'].values()))")
    printf "%-20s %10.4f %10.4f %9.2fpt %8s %10s %7.2fpt\n" "$name" "$fp" "$q" "$("$PY" -c "print(($fp-$q)*100)")" "$layers" "$ort" \
      "$("$PY" -c "print(abs($q-$ort)*100)")"
  done
fi

if [ "$DO_SPEED" = 1 ]; then
  echo
  echo "== 2. speed, batch 1 ($ROUNDS alternating rounds x $ITERS inferences; median of per-round medians)"
  printf "%-14s %3s %12s %12s %12s %12s %10s %10s\n" model thr "Calibra FP32" "Calibra INT8" "ORT FP32" "ORT INT8" "INT8/FP32" "vs ORT INT8"
  for name in resnet18 resnet50 mobilenet_v2; do
    fp32="$ROOT/.cache/models/$name.onnx"
    [ -f "$fp32" ] || "$PY" "$ROOT/scripts/export_torchvision.py" --out "$ROOT/.cache/models" --models "$name" >/dev/null
    q="$OUT/${name}_int8.onnx"
    "$CALIBRA" calibrate "$fp32" -d fashion-mnist:train --subset 64 -c "$OUT/usage224.json" -o "$q" --report "$OUT/${name}_report.json" >/dev/null 2>&1
    for t in 1 2; do
      declare -a cf=() ci=() of=() oi=()
      for r in $(seq "$ROUNDS"); do
        cf+=("$("$CALIBRA" bench "$fp32" -t "$t" -n "$ITERS" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])')")
        ci+=("$("$CALIBRA" bench "$q" -t "$t" -n "$ITERS" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])')")
        of+=("$($ORT bench "$fp32" -t "$t" -n "$ITERS" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])')")
        oi+=("$($ORT bench "$q" -t "$t" -n "$ITERS" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])')")
      done
      med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
      mcf=$(med "${cf[@]}"); mci=$(med "${ci[@]}"); mof=$(med "${of[@]}"); moi=$(med "${oi[@]}")
      printf "%-14s %3s %12.3f %12.3f %12.3f %12.3f %9.2fx %9.2fx\n" "$name" "$t" "$mcf" "$mci" "$mof" "$moi" \
        "$("$PY" -c "print($mcf/$mci)")" "$("$PY" -c "print($moi/$mci)")"
    done
  done
fi

echo
COST_ROUNDS=${COST_ROUNDS:-3}
echo "== 3. calibration cost (300 samples, 1 thread): the statistics pass vs 300 batch-1 FP32 inferences"
echo "   ($COST_ROUNDS rounds alternating the FP32 run and the calibration, medians; the statistics pass includes"
echo "   building its session: plans and JIT kernels; the FP32 time is after warm-up)"
printf "%-14s %-12s %14s %14s %8s %12s\n" model algorithm "statistics s" "300 FP32 s" ratio "peak RSS MB"
median() { "$PY" -c "import statistics,sys; print(statistics.median(float(v) for v in sys.argv[1:]))" "$@"; }
for spec in "fmnist_resnet:$ROOT/zoo/fmnist_resnet.onnx:" "resnet18:$ROOT/.cache/models/resnet18.onnx:$OUT/usage224.json"; do
  IFS=: read -r name m cfg <<<"$spec"
  [ -f "$m" ] || "$PY" "$ROOT/scripts/export_torchvision.py" --out "$ROOT/.cache/models" --models "$name" >/dev/null
  cargs=()
  [ -n "$cfg" ] && cargs=(-c "$cfg")
  for alg in minmax percentile kl mse; do
    fps=() sts=()
    for r in $(seq "$COST_ROUNDS"); do
      fps+=("$("$CALIBRA" bench "$m" -t 1 -n 300 --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["latency_ms"]["mean"]*300/1000)')")
      "$CALIBRA" calibrate "$m" -d fashion-mnist:train "${cargs[@]}" -o "$OUT/cost.onnx" --algorithm "$alg" -t 1 --no-speed-check \
        --report "$OUT/cost_${name}_$alg.json" >/dev/null 2>&1
      sts+=("$(json "$OUT/cost_${name}_$alg.json" "d['stage_seconds']['statistics']")")
    done
    st=$(median "${sts[@]}")
    fp_s=$(median "${fps[@]}")
    rss=$(json "$OUT/cost_${name}_$alg.json" "d['peak_rss_kb']/1024")
    printf "%-14s %-12s %14.3f %14.3f %7.2fx %12.1f\n" "$name" "$alg" "$st" "$fp_s" "$("$PY" -c "print($st/$fp_s)")" "$rss"
  done
done
