# kagura-harness: a thin front over CMake. `make run` and `make test` are the quick start.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory
CMAKE_ARGS ?=

.PHONY: all deps build build-asan run vectors test test-release test-asan bench format clean

all: build

deps:
	@sh tools/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAGURA_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan:
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DKAGURA_WERROR=ON -DKAGURA_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

# The whole manual catalogue (v2.16 and v1.04) against the embedded platform: a per-entry table.
run: deps build
	@$(BUILD)/scenarios/kagura-scenarios run --manual all --jobs $(JOBS)

# The W3C WebAuthn L3 vectors through `kagura-rp verify`, one line each.
vectors: build
	@sh tools/run-vectors.sh $(BUILD)/rp/kagura-rp

test: deps test-release test-asan

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

bench: deps build
	@$(BUILD)/bench/bench-verify fixtures/vectors/w3c-webauthn-l3-test-vectors.json
	@$(BUILD)/bench/bench-authenticator
	@$(BUILD)/bench/bench-http

format:
	@find webauthn rp authenticator scenarios tests bench -name '*.[ch]' 2>/dev/null | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
