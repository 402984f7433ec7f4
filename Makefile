# Duet — build, test, demo and benchmark entry points. Run `make help` for a list.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release

.PHONY: help deps build test demo bench clean proto

help:
	@echo "make demo   build Duet and run a walkthrough (installs what it needs)"
	@echo "make test   build and run the whole test suite (installs what it needs)"
	@echo "make build  debug build of every target"
	@echo "make bench  release-built benchmarks, JSON on stdout"
	@echo "make proto  regenerate the ONNX protobuf Swift code (rarely needed)"
	@echo "make deps   install system packages Duet needs (libz3-dev, libsqlite3-dev, libxgboost-dev), if missing"

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

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) test 2>&1 | grep -vE '^(\[[0-9]+/[0-9]+\]|Compiling|Emitting|Write|Linking|Building|Test Case .*(started|passed))'; \
	  exit $${PIPESTATUS[0]}

# The demo: a NASAIC-style co-exploration of two NAS-Bench-201 tasks and a heterogeneous chip.
# ACCURACY: the NAS-Bench-201 accuracy table (read from ../shared/data when present); without it
# the demo uses a MACs proxy for accuracy, labelled as a proxy in every output.
ACCURACY ?= ../shared/data/nb201/accuracy.csv
DEMO_OUT ?= out/demo
demo: deps
	$(SWIFT) build -c release --product duet
	@mkdir -p $(DEMO_OUT); rm -f $(DEMO_OUT)/study.sqlite*
	@if [ -f "$(ACCURACY)" ]; then \
	  echo "== Co-exploration with the NAS-Bench-201 accuracy table $(ACCURACY) =="; \
	  $(BIN)/duet explore Examples/nasaic-two-tasks/config.yaml --study $(DEMO_OUT)/study.sqlite \
	    --set "tasks[0].accuracy.table=$(abspath $(ACCURACY))" --set "tasks[1].accuracy.table=$(abspath $(ACCURACY))"; \
	else \
	  echo "== $(ACCURACY) not found: co-exploration with a MACs proxy for accuracy =="; \
	  $(BIN)/duet explore Examples/nasaic-two-tasks/config.yaml --study $(DEMO_OUT)/study.sqlite \
	    --set "tasks[0].accuracy=proxy:macs" --set "tasks[1].accuracy=proxy:macs"; \
	fi
	$(BIN)/duet report $(DEMO_OUT)/study.sqlite --out $(DEMO_OUT)/report
	@echo; echo "Open $(DEMO_OUT)/report/index.html for the Pareto fronts, convergence and per-layer breakdown."

bench: deps
	$(SWIFT) build -c release --product duet-bench
	@for p in zdt1 zdt2 zdt3 dtlz2; do \
	  $(BIN)/duet-bench moo --problem $$p --evaluations 25000 --population 100 --seeds 1-10 || exit 1; done
	$(BIN)/duet-bench sort --points 10000 --objectives 3
	$(BIN)/duet-bench cost --network resnet50

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

clean:
	rm -rf .build
