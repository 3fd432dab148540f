#!/usr/bin/env bash
# Installs every Debian package that Calibra's build, tests and demo need.
# Does nothing (and needs no network) when they are all present already.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config
  # engine foundations
  libdnnl-dev ocl-icd-opencl-dev libonnx-dev libprotobuf-dev protobuf-compiler
  # CLI, server, store
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libsqlite3-dev zlib1g-dev libarchive-dev
  # images
  libjpeg-dev libpng-dev
  # tests
  libgtest-dev libgmock-dev libonnx-testdata libclang-rt-14-dev clang
  # browser tests of the HTML reports and the workbench (driven by npm playwright-core)
  chromium
  # test models (exported with Debian's PyTorch) and data
  python3 python3-numpy python3-onnx python3-torch python3-torchvision dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js (>= 20, for playwright-core) comes with the machine; Debian 12's own is 18.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

install_npm() {  # the browser tests' npm packages, from package-lock.json
  local dir=tests/browser
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    echo "setup: installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

cd "$(dirname "$0")/.."
if [ ${#missing[@]} -eq 0 ]; then
  install_npm
  exit 0
fi

echo "setup: installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_npm
