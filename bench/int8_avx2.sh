#!/usr/bin/env bash
# Calibra FP32 vs INT8 with oneDNN capped at AVX2 (the CI machine's ISA: no VNNI, 7-bit
# weights, Calibra's own INT8 depthwise kernel), batch 1, 1 and 2 threads, 5 alternating
# rounds x 30 inferences (median of per-round medians); then the calibration cost of the
# zoo's fmnist_resnet and of resnet18 (statistics pass over 300 samples vs 300 batch-1 FP32
# inferences, 3 rounds alternating the two, medians).
# Usage: bench/int8_avx2.sh build/calibra [--cost-only]
set -euo pipefail
export ONEDNN_MAX_CPU_ISA=AVX2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
C=$(realpath "${1:?usage: bench/int8_avx2.sh CALIBRA_BIN [--cost-only]}")
COST_ONLY=$([ "${2:-}" = --cost-only ] && echo 1 || echo 0)
O="$HERE/results/int8"
PY=/usr/bin/python3
mkdir -p "$O"
cat > "$O/usage224.json" <<'JSON'
{"task": "classification", "preprocessing": {"color": "rgb", "resize": {"mode": "exact", "height": 224, "width": 224}, "crop": null, "divide": 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "layout": "NCHW"}, "label_offset": 0, "metrics": ["top1"]}
JSON
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
lat() { "$C" bench "$1" -t "$2" -n 30 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["median"])'; }
if [ "$COST_ONLY" = 0 ]; then
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
fi
for spec in "fmnist_resnet:$ROOT/zoo/fmnist_resnet.onnx:" "resnet18:$ROOT/.cache/models/resnet18.onnx:$O/usage224.json"; do
  IFS=: read -r name m cfg <<<"$spec"
  [ -f "$m" ] || $PY "$ROOT/scripts/export_torchvision.py" --out "$ROOT/.cache/models" --models "$name" >/dev/null
  cargs=()
  [ -n "$cfg" ] && cargs=(-c "$cfg")
  for alg in minmax kl; do
    fps=() sts=()
    for r in 1 2 3; do
      fps+=("$("$C" bench "$m" -t 1 -n 300 --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["latency_ms"]["mean"]*300/1000)')")
      "$C" calibrate "$m" -d fashion-mnist:train "${cargs[@]}" -o "$O/cost.onnx" --algorithm $alg -t 1 --no-speed-check \
        --report "$O/cost_avx2_$alg.json" >/dev/null 2>&1
      sts+=("$($PY -c "import json; print(json.load(open('$O/cost_avx2_$alg.json'))['stage_seconds']['statistics'])")")
    done
    st=$(med "${sts[@]}"); fp_s=$(med "${fps[@]}")
    printf "%-14s %-7s statistics %7.3f s, 300 FP32 inferences %7.3f s: %.2fx\n" "$name" $alg "$st" "$fp_s" "$($PY -c "print($st/$fp_s)")"
  done
done
