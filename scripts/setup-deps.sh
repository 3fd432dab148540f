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
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libsqlite3-dev zlib1g-dev
  # images
  libjpeg-dev libpng-dev
  # tests
  libgtest-dev libgmock-dev libonnx-testdata libclang-rt-14-dev clang
  # test models (exported with Debian's PyTorch) and data
  python3 python3-numpy python3-onnx python3-torch python3-torchvision dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
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
