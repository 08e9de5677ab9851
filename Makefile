# kagura-harness: a thin front over CMake. `make run` and `make test` are the quick start.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 8
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory
CMAKE_ARGS ?=
# `make keycloak`: the real Keycloak (tools/keycloak/) with both realms, on loopback.
KEYCLOAK_RUN             ?= $(BUILD)/keycloak
KEYCLOAK_PORT            ?= 8480
KEYCLOAK_MANAGEMENT_PORT ?= 9480
KEYCLOAK_REALMS          = fixtures/keycloak/realm-v2.16.json fixtures/keycloak/realm-v1.04.json

.PHONY: all deps build build-asan build-tsan run vectors test test-release test-asan test-tsan bench \
	format clean \
	fuzz fuzz-ci fuzz-build fuzz-corpus \
	keycloak keycloak-stop keycloak-dist keycloak-realms test-keycloak run-keycloak

all: build

deps:
	@sh tools/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAGURA_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan:
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DKAGURA_WERROR=ON -DKAGURA_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

build-tsan:
	@cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAGURA_WERROR=ON -DKAGURA_TSAN=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS)

# The whole manual catalogue (v2.16 and v1.04) against the embedded platform: a per-entry table.
run: deps build
	@$(BUILD)/scenarios/kagura-scenarios run --manual all --jobs $(JOBS)

# The W3C WebAuthn L3 vectors through `kagura-rp verify`, one line each.
vectors: build
	@sh tools/run-vectors.sh $(BUILD)/rp/kagura-rp

test: deps keycloak-dist test-release test-asan test-tsan test-keycloak fuzz-ci

# The webauthn4j checker (tests/java) is built by Maven before ctest: a Maven failure stops here.
test-release: build
	@cmake --build $(BUILD) --target webauthn4j-check
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE keycloak-server

test-asan: build-asan
	@cmake --build $(BUILD_ASAN) --target webauthn4j-check
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) -LE keycloak-server

# The server's, the fronts' and the runner's threads: a data race fails the test that met it
# (webauthn4j left out: a Java checker of what the release build verifies, no thread of ours).
test-tsan: build-tsan
	@cd $(BUILD_TSAN) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		ctest --output-on-failure -j $(JOBS) -LE keycloak-server -E webauthn4j

bench: deps build
	@$(BUILD)/bench/bench-verify fixtures/vectors/w3c-webauthn-l3-test-vectors.json
	@$(BUILD)/bench/bench-authenticator
	@$(BUILD)/bench/bench-http
	@$(BUILD)/bench/bench-store
	@$(BUILD)/bench/bench-floor

# libFuzzer (clang): every parser that reads outside input, FUZZ_SECONDS each (FUZZ_TARGETS: some).
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAGURA_FUZZ=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz

fuzz: fuzz-build
	@sh fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# CI: each target for a short bounded time on its committed corpus.
fuzz-ci: fuzz-build
	@sh fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_CI_SECONDS)

# The seed corpora, made again from the vectors, fixtures and the build's own tools.
fuzz-corpus: build
	@/usr/bin/python3 fuzz/make-corpus.py . $(BUILD) fuzz/corpus

# The real Keycloak: fetched through Maven and prepared once (cache: tools/keycloak/env.sh);
# a Maven or checksum failure fails here, and so `make test`.
keycloak-dist:
	@sh tools/keycloak/fetch.sh
	@sh tools/keycloak/prepare.sh

keycloak: keycloak-dist
	@sh tools/keycloak/start.sh --run-dir $(KEYCLOAK_RUN) --port $(KEYCLOAK_PORT) \
		--management-port $(KEYCLOAK_MANAGEMENT_PORT) $(KEYCLOAK_REALMS)

keycloak-stop:
	@sh tools/keycloak/stop.sh --run-dir $(KEYCLOAK_RUN)

# The realms again from fixtures/messages (keycloak.realm fails until they are committed).
keycloak-realms: build
	@for m in 2.16 1.04; do $(BUILD)/tools/keycloak/kagura-realm generate --manual $$m \
		--messages fixtures/messages/messages_v$$m.properties --out fixtures/keycloak/realm-v$$m.json \
		|| exit 1; echo "fixtures/keycloak/realm-v$$m.json"; done

# Both catalogues against a fresh Keycloak beside the mock platform; prints the differential
# table (tools/keycloak/run-scenarios.sh) and stops Keycloak.
run-keycloak: build keycloak-dist
	@sh tools/keycloak/run-scenarios.sh $(CURDIR) $(BUILD)/scenarios/kagura-scenarios \
		$(BUILD)/keycloak-scenarios --print

# The Keycloak tests (keycloak.server, keycloak.scenarios) once, release build, with their wall time.
test-keycloak: build keycloak-dist
	@start=$$(date +%s); cd $(BUILD) && ctest --output-on-failure -L keycloak-server; rc=$$?; \
		echo "keycloak suite: wall time $$(($$(date +%s) - start)) s"; exit $$rc

format:
	@find webauthn rp authenticator scenarios tests bench fuzz \( -name '*.[ch]' -o -name '*.cc' \) 2>/dev/null | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ)
