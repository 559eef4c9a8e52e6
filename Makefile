# The two commands a newcomer needs: `make run` and `make test` (README.md).
SHELL := /bin/bash
DATA ?= $(CURDIR)/data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)

.PHONY: deps build build-dev run test bench fmt fmt-check clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-dev: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

run: build
	./build/release/src/app/custody serve --data "$(DATA)" --listen "$(LISTEN)"

# The whole suite, under ASan + UBSan (the dev preset).
test: build-dev
	@ctest --preset dev -j $(JOBS)

bench: build
	@scripts/run-benchmarks

# Builds the libFuzzer targets (clang) and runs each for FUZZ_SECONDS; fails on any crash.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@scripts/fuzz $(FUZZ_SECONDS)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

fmt-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
