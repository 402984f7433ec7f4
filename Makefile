# Duet — build, test, demo and benchmark entry points. Run `make help` for a list.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release

.PHONY: help deps deps-cluster deps-browser build test test-python test-browser python-venv test-cluster demo bench bench-study clean proto fuzz

help:
	@echo "make demo   build Duet and run a walkthrough (installs what it needs)"
	@echo "make test   build and run the whole test suite (installs what it needs)"
	@echo "make test-python  pytest of python/duet_gym (client, Gymnasium env) in .venv-test, against .build/debug/duet"
	@echo "make build  debug build of every target"
	@echo "make bench  release-built benchmarks, JSON on stdout"
	@echo "make proto  regenerate the ONNX protobuf Swift code (rarely needed)"
	@echo "make fuzz   libFuzzer on each parser for FUZZ_SECONDS (default 600) each; not in CI"
	@echo "make deps   install system packages Duet needs (libz3-dev, libsqlite3-dev, libxgboost-dev, postgresql), if missing"
	@echo "make test-cluster  a 4-task Slurm array of duet workers on a local Slurm and PostgreSQL (needs root)"
	@echo "make deps-cluster  install slurm-wlm and munge (for make test-cluster), if missing"
	@echo "make test-browser  the report and duet dashboard in headless Chromium (console errors, plots drawn, live updates)"
	@echo "make deps-browser  install Debian's chromium (for make test-browser), if missing"

# System dependencies. Swift 6.1+ must already be installed (https://swift.org/install).
deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: swift not found; install Swift 6.1 or newer from swift.org" >&2; exit 1; }
	@if pkg-config --exists z3 sqlite3 xgboost 2>/dev/null; then \
		echo "deps: libz3-dev $$(pkg-config --modversion z3), libsqlite3-dev $$(pkg-config --modversion sqlite3) and libxgboost-dev $$(pkg-config --modversion xgboost) already installed"; \
	else \
		echo "deps: installing libz3-dev (Z3, used by duet solve), libsqlite3-dev (studies) and libxgboost-dev (predictors) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libz3-dev libsqlite3-dev libxgboost-dev pkg-config; \
	fi
	@# PostgreSQL: the server for shared studies; the tests start a throwaway one (scripts/pg-test-cluster.sh).
	@if { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; } && command -v openssl >/dev/null; then \
		echo "deps: postgresql and openssl already installed"; \
	else \
		echo "deps: installing postgresql (server for shared studies and the tests) and openssl (the TLS test's certificate) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql openssl; \
	fi

	@# Python 3 with venv: the Python package's tests (make test-python) run in a virtual environment.
	@if command -v $(PYTHON) >/dev/null && $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; then \
		echo "deps: $(PYTHON) with venv already installed"; \
	else \
		echo "deps: installing python3 and python3-venv (the tests of python/duet_gym) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3 python3-venv; \
	fi

# Slurm and munge for make test-cluster (scripts/slurm-local.sh runs a one-node cluster on localhost).
deps-cluster: deps
	@if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then \
		echo "deps: slurm-wlm and munge already installed"; \
	else \
		echo "deps: installing slurm-wlm and munge (the local Slurm of make test-cluster) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq slurm-wlm munge; \
	fi

# Chromium for make test-browser (about 360 MB installed with chromium-common; not part of make deps).
deps-browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
		echo "deps: chromium already installed"; \
	else \
		echo "deps: installing chromium (headless browser of make test-browser) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

build: deps
	$(SWIFT) build

# The PostgreSQL study tests run against a throwaway server started here and stopped afterwards
# (DUET_TEST_POSTGRES_URL names it to the tests); they never skip unless DUET_TEST_SKIP_POSTGRES=1.
test: deps
	@if [ "$${DUET_TEST_SKIP_POSTGRES:-}" != 1 ] && [ -z "$${DUET_TEST_POSTGRES_URL:-}" ]; then \
	  pgdir=$$(mktemp -d /tmp/duet-test-pg.XXXXXX) && rmdir "$$pgdir" && \
	  url=$$(PG_OPTIONS="-c fsync=off -c synchronous_commit=off" scripts/pg-test-cluster.sh start "$$pgdir") || \
	    { echo "error: the test PostgreSQL server did not start (DUET_TEST_SKIP_POSTGRES=1 skips those tests)" >&2; exit 1; }; \
	  export DUET_TEST_POSTGRES_URL="$$url"; trap 'scripts/pg-test-cluster.sh stop "$$pgdir"' EXIT; \
	fi; \
	$(SWIFT) test 2>&1 | grep -vE '^(\[[0-9]+/[0-9]+\]|Compiling|Emitting|Write|Linking|Building|Test Case .*(started|passed))'; \
	  exit $${PIPESTATUS[0]}
	@$(MAKE) --no-print-directory test-python

# The Python package (python/duet_gym): its pytest suite in the virtual environment $(VENV_TEST),
# against the debug duet that swift test built (DUET_BIN overrides). The environment is made
# once (python/requirements-test.txt, pinned; it sees the system Python's packages, so numpy and
# pytest are often not downloaded) and remade when that file or python/pyproject.toml changes.
PYTHON ?= python3
VENV_TEST ?= .venv-test
python-venv:
	@want=$$(cat python/requirements-test.txt python/pyproject.toml | sha256sum | cut -c1-16); \
	if [ "$$(cat $(VENV_TEST)/.duet-stamp 2>/dev/null)" != "$$want" ]; then \
	  echo "python-venv: creating $(VENV_TEST) (python/requirements-test.txt + pip install -e python)"; \
	  rm -rf $(VENV_TEST) && $(PYTHON) -m venv --system-site-packages $(VENV_TEST) && \
	  $(VENV_TEST)/bin/pip install -q --disable-pip-version-check -r python/requirements-test.txt && \
	  $(VENV_TEST)/bin/pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e python && \
	  echo "$$want" > $(VENV_TEST)/.duet-stamp || { rm -rf $(VENV_TEST); exit 1; }; \
	fi

test-python: python-venv
	@bin=$${DUET_BIN:-$(CURDIR)/.build/debug/duet}; \
	if [ -z "$${DUET_BIN:-}" ] && [ ! -x "$$bin" ]; then $(SWIFT) build --product duet || exit 1; fi; \
	echo "== pytest python/tests (DUET_BIN=$$bin)"; \
	DUET_BIN="$$bin" $(VENV_TEST)/bin/python -m pytest python/tests -q -p no:cacheprovider

# The static report and `duet dashboard` in headless Chromium (scripts/test-browser.sh; installs
# nothing: it fails with advice when chromium is missing, see make deps-browser).
test-browser:
	@if [ -z "$${DUET_BIN:-}" ]; then $(SWIFT) build --product duet || exit 1; fi
	scripts/test-browser.sh

# Examples/slurm end to end: a throwaway PostgreSQL and one-node Slurm (slurmctld, slurmd, munged) on
# localhost, duet explore --study postgresql://… and a 4-task sbatch array of duet workers; checks the
# study (complete, no duplicates, equal to one process alone). Needs root (or passwordless sudo).
# CLUSTER_BUILD=debug reuses the debug build of make test (CI does).
CLUSTER_BUILD ?= release
test-cluster: deps-cluster
	$(SWIFT) build -c $(CLUSTER_BUILD) --product duet
	DUET=.build/$(CLUSTER_BUILD)/duet scripts/test-cluster.sh

# The demo: a NASAIC-style co-exploration of two NAS-Bench-201 tasks and a heterogeneous chip, on
# the NAS-Bench-201 accuracies shipped in Examples/data/nb201, against the successive baseline.
# Built slim, in its own folder: without the package traits PostgreSQL and Dashboard (SwiftNIO,
# BoringSSL, Hummingbird: more than half of a clean release build), which the demo does not use.
DEMO_OUT ?= out/demo
DEMO_BUILD := .build-demo
DEMO_BIN := $(DEMO_BUILD)/release
demo: deps
	$(SWIFT) build -c release --product duet --disable-default-traits --scratch-path $(DEMO_BUILD)
	@mkdir -p $(DEMO_OUT); rm -f $(DEMO_OUT)/study.sqlite*
	@echo "== Co-exploration: two NAS-Bench-201 tasks (CIFAR-10, CIFAR-100 accuracy tables) on a 2-3 sub-accelerator chip =="
	@$(DEMO_BIN)/duet explore Examples/nasaic-two-tasks/config.yaml --study $(DEMO_OUT)/study.sqlite --baseline successive; \
	  s=$$?; [ $$s -le 1 ] || exit $$s
	$(DEMO_BIN)/duet report $(DEMO_OUT)/study.sqlite --out $(DEMO_OUT)/report
	@echo; echo "Open $(DEMO_OUT)/report/index.html: the chosen design (card), the successive baseline, Pareto fronts, convergence, per-layer breakdown and roofline."
	@echo "The demo's duet is slim (no PostgreSQL, no dashboard). The full one: swift build -c release --product duet; then watch a study live: .build/release/duet dashboard $(DEMO_OUT)/study.sqlite"

bench: deps
	$(SWIFT) build -c release --product duet-bench
	@for p in zdt1 zdt2 zdt3 dtlz2; do \
	  $(BIN)/duet-bench moo --problem $$p --evaluations 25000 --population 100 --seeds 1-10 || exit 1; done
	$(BIN)/duet-bench sort --points 10000 --objectives 3
	$(BIN)/duet-bench cost --network resnet50

# Study coordination overhead: Duet (PostgreSQL, SQLite) vs Optuna's RDBStorage, 4 worker processes.
bench-study: deps
	docs/validation/study-throughput.sh

# Regenerates Sources/DuetONNX/onnx.pb.swift from docs/onnx/onnx.proto (ONNX's schema, Apache-2.0).
# Run only when the schema changes; builds never run protoc. Needs protoc (Debian protobuf-compiler,
# installed here if missing) and protoc-gen-swift built from swift-protobuf 1.39.0.
PROTOBUF_SRC ?= /opt/swift-packages/apple/swift-protobuf.git
PROTOBUF_TAG ?= 1.39.0
proto:
	@command -v protoc >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq protobuf-compiler; }
	@src=.build-proto/swift-protobuf; \
	[ -d $$src ] || git clone -q --depth 1 --branch $(PROTOBUF_TAG) $(PROTOBUF_SRC) $$src || \
	  git clone -q --depth 1 --branch $(PROTOBUF_TAG) https://github.com/apple/swift-protobuf $$src; \
	$(SWIFT) build -c release --product protoc-gen-swift --package-path $$src && \
	bin=$$($(SWIFT) build -c release --product protoc-gen-swift --package-path $$src --show-bin-path) && \
	protoc --proto_path=docs/onnx --plugin=protoc-gen-swift=$$bin/protoc-gen-swift --swift_out=Sources/DuetONNX docs/onnx/onnx.proto
	@echo "proto: regenerated Sources/DuetONNX/onnx.pb.swift"

# libFuzzer targets, one per parser (Fuzz/*): YAML/JSON configs, network files, latency tables,
# ONNX. Built with -sanitize=fuzzer into .build-fuzz (DUET_FUZZ adds the targets to the package),
# seeded from the robustness corpus and the examples, each run for FUZZ_SECONDS in fork mode (a
# crash does not stop the run; Swift's backtracer is off so that libFuzzer saves each input).
# Crashes land in out/fuzz/TARGET/ as crash-*: turn each into a Tests/duetTests/Robustness entry
# and fix it. The executable's entry point is `main` (SwiftPM), so libFuzzer's own is not linked
# in twice (--allow-multiple-definition) and each target calls LLVMFuzzerRunDriver through the
# shared Fuzz/_FuzzDriver.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= FuzzConfig FuzzNetwork FuzzTable FuzzONNX
FUZZ_JOBS ?= 1
fuzz: deps
	@for t in $(FUZZ_TARGETS); do \
	  DUET_FUZZ=1 $(SWIFT) build -c release --build-path .build-fuzz --product $$t \
	    -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link -Xlinker --allow-multiple-definition || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p out/fuzz/$$t/corpus; scripts/fuzz-seeds.sh $$t out/fuzz/$$t/corpus; \
	  echo "== $$t for $(FUZZ_SECONDS) s"; \
	  SWIFT_BACKTRACE=enable=no DUET_HOME=$(CURDIR) .build-fuzz/release/$$t out/fuzz/$$t/corpus -max_total_time=$(FUZZ_SECONDS) \
	    -fork=$(FUZZ_JOBS) -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_len=65536 \
	    -timeout=10 -rss_limit_mb=4096 -artifact_prefix=out/fuzz/$$t/ \
	    -print_final_stats=1 2>&1 | tail -25 | tee out/fuzz/$$t/summary.txt; \
	done

clean:
	rm -rf .build .build-fuzz .build-demo
