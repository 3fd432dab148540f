#!/usr/bin/env bash
# `make run`: the web workbench with the demo project (the Fashion-MNIST zoo ResNet on the
# Fashion-MNIST test set; its baseline inference starts at once). Data lives in
# .cache/workbench, so projects and results survive restarts. Ctrl+C stops it.
# PORT=9000 make run  picks another port.
set -euo pipefail
CALIBRA=${1:-build/calibra}
cd "$(dirname "$0")/.."
exec "$CALIBRA" serve --demo --port "${PORT:-8080}" --data .cache/workbench --allow-path "$PWD"
