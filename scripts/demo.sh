#!/usr/bin/env bash
# `make run`: the main job on the bundled demo model. Until the workbench lands this is the
# engine's own flow: describe the model, run it once, benchmark it.
set -euo pipefail
CALIBRA=${1:-build/calibra}
cd "$(dirname "$0")/.."
MODEL=demo/demo_cnn.onnx
echo "== calibra info $MODEL"
"$CALIBRA" info "$MODEL"
echo
echo "== calibra run $MODEL (seeded random input)"
"$CALIBRA" run "$MODEL"
echo
echo "== calibra bench $MODEL (1 thread, 2 s)"
"$CALIBRA" bench "$MODEL" --threads 1 --time 2
