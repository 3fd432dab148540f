# Calibra: the two commands of the README's quick start.
#   make run   installs what is missing, builds, starts the web workbench with the demo project
#   make test  installs what is missing, builds, runs every test (incl. ASan+UBSan build)
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory

.PHONY: all deps build web asan tsan run test models bench clean

all: build

deps:
	@scripts/setup-deps.sh

build: deps web
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)
	@cmake --build $(BUILD) -j$(JOBS)

# The workbench front end (TypeScript, Vite) into web/dist, served by `calibra serve`.
web: deps
	@scripts/build-web.sh

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCALIBRA_SANITIZE=ON > $(ASAN_BUILD).configure.log 2>&1 || (cat $(ASAN_BUILD).configure.log; exit 1)
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

# Test models exported by Debian's PyTorch into the ignored cache (.cache/models).
models: deps
	@/usr/bin/python3 scripts/export_torchvision.py --out .cache/models

run: build
	@scripts/demo.sh $(BUILD)/calibra

test: build asan models
	@scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

# ThreadSanitizer build (build-tsan) of the runtime's streams and the server's job queue:
# ~10 min from scratch on 2 cores, so not part of `make test` (docs/RELIABILITY.md).
tsan: deps
	@scripts/tsan.sh

bench: build
	@bench/compare_ort.sh $(BUILD)/calibra

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BUILD).configure.log $(ASAN_BUILD).configure.log
