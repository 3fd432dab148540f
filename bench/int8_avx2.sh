#!/usr/bin/env bash
# Calibra FP32 vs INT8 with oneDNN capped at AVX2 (the CI machine's ISA: no VNNI, 7-bit
# weights, Calibra's own INT8 depthwise kernel), batch 1, 1 and 2 threads, 5 alternating
# rounds x 30 inferences (median of per-round medians); then the calibration cost of
# resnet18 (statistics pass over 300 samples vs 300 batch-1 FP32 inferences).
# Usage: bench/int8_avx2.sh build/calibra   (run bench/compare_int8.sh first: it writes usage224.json)
set -euo pipefail
export ONEDNN_MAX_CPU_ISA=AVX2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
C=$(realpath "${1:?usage: bench/int8_avx2.sh CALIBRA_BIN}")
O="$HERE/results/int8"
PY=/usr/bin/python3
mkdir -p "$O"
cat > "$O/usage224.json" <<'JSON'
{"task": "classification", "preprocessing": {"color": "rgb", "resize": {"mode": "exact", "height": 224, "width": 224}, "crop": null, "divide": 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "layout": "NCHW"}, "label_offset": 0, "metrics": ["top1"]}
JSON
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
lat() { "$C" bench "$1" -t "$2" -n 30 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])'; }
printf "%-14s %3s %12s %12s %9s\n" model thr "FP32 ms" "INT8 ms" "INT8/FP32"
for name in resnet18 resnet50 mobilenet_v2; do
  fp="$ROOT/.cache/models/$name.onnx"
  [ -f "$fp" ] || $PY "$ROOT/scripts/export_torchvision.py" --out "$ROOT/.cache/models" --models "$name" >/dev/null
  q="$O/${name}_int8_avx2.onnx"
  "$C" calibrate "$fp" -d fashion-mnist:train --subset 64 -c "$O/usage224.json" -o "$q" --report "$O/${name}_avx2_report.json" >/dev/null 2>&1
  for t in 1 2; do
    a=(); b=()
    for r in 1 2 3 4 5; do a+=("$(lat "$fp" $t)"); b+=("$(lat "$q" $t)"); done
    ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
    printf "%-14s %3s %12.3f %12.3f %8.2fx\n" "$name" "$t" "$ma" "$mb" "$($PY -c "print($ma/$mb)")"
  done
done
fp_s=$("$C" bench "$ROOT/.cache/models/resnet18.onnx" -t 1 -n 300 --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["latency_ms"]["mean"]*300/1000)')
for alg in minmax kl; do
  "$C" calibrate "$ROOT/.cache/models/resnet18.onnx" -d fashion-mnist:train -c "$O/usage224.json" -o "$O/cost.onnx" \
    --algorithm $alg -t 1 --no-speed-check --report "$O/cost_avx2_$alg.json" >/dev/null 2>&1
  st=$($PY -c "import json; print(json.load(open('$O/cost_avx2_$alg.json'))['stage_seconds']['statistics'])")
  printf "resnet18 %-7s statistics %6.2f s, 300 FP32 inferences %6.2f s: %.2fx\n" $alg "$st" "$fp_s" "$($PY -c "print($st/$fp_s)")"
done
