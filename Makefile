# Sluice build. `make demo` shows the product at work; `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
BIN := bin/sluice
GOFLAGS_BUILD := -trimpath
# Guest modules with their own go.mod: vetted and tested on their own.
GUEST_GO_MODULES := $(sort $(dir $(wildcard sdk/go/go.mod sdk/go/testdata/*/go.mod transforms/*/go.mod runtime/testdata/wasi/go.mod)))
BENCHTIME ?= 2s

.PHONY: all build cross dist dist-test toolchains wasm transforms test check gotest guest-test bench soak demo clean cluster-test

all: build

build:
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/sluice

# The release's version (main.version in the binaries, the packages'
# version) and the time stamped on the packages' files (the commit's, so a
# commit gives the same .deb).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
LDFLAGS_DIST := -s -w -X main.version=$(VERSION)
DIST := bin/dist

# Static binaries for the edge: linux/amd64 and linux/arm64, no cgo.
cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build $(GOFLAGS_BUILD) -ldflags='$(LDFLAGS_DIST)' -o bin/sluice-linux-amd64 ./cmd/sluice
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_BUILD) -ldflags='$(LDFLAGS_DIST)' -o bin/sluice-linux-arm64 ./cmd/sluice
	@# The arm64 binary must at least start: run it under qemu user-mode emulation.
	qemu-aarch64-static bin/sluice-linux-arm64 --help >/dev/null

# What a release ships, in bin/dist: the static binaries and a Debian
# package for each (packaging/: nfpm as a library; /usr/bin/sluice, the
# systemd unit, /etc/sluice/sluice.conf), with their SHA-256 sums.
dist: cross
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for arch in amd64 arm64; do \
		cp bin/sluice-linux-$$arch $(DIST)/sluice-$(VERSION)-linux-$$arch; \
		(cd packaging && SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(GO) run ./cmd/mkdeb -arch $$arch \
			-binary ../bin/sluice-linux-$$arch -version '$(VERSION)' -out ../$(DIST)); done
	cd $(DIST) && sha256sum sluice* > SHA256SUMS && cat SHA256SUMS

# The packaging's own tests (the .deb read back with dpkg-deb), then the
# amd64 .deb installed with dpkg -i, started as the sluice user and
# purged (scripts/dist-test.sh; it skips without root or dpkg).
dist-test: dist
	cd packaging && $(GO) test -count=1 ./...
	bash scripts/dist-test.sh

# Debian and npm packages the build and the tests need (no-op when present).
toolchains:
	bash scripts/install-toolchains.sh

# Every .wasm the project ships or tests with, built from source.
wasm transforms: toolchains
	bash scripts/build-wasm.sh

test: toolchains wasm check dist-test gotest guest-test

# Formatting and vet, for the host module and every guest module.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd packaging && $(GO) vet ./...
	@set -e; for m in $(GUEST_GO_MODULES); do \
		echo "vet $$m"; (cd $$m && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...); done

# -race on every package with concurrency. The transforms' and the end-to-end
# tests run without it: they drive the same pools and engines that are raced in
# their own packages, and wazero compiling the Go guests under -race would
# double the suite's time.
NORACE_PKGS := ./transforms/ ./internal/e2e/ ./examples/...
gotest:
	$(GO) test -race -timeout 15m $$($(GO) list ./... | grep -v -e /transforms$$ -e /internal/e2e -e /examples/)
	$(GO) test -timeout 15m $(NORACE_PKGS)

# The guest SDKs' and transforms' own tests, run natively.
guest-test:
	@set -e; for m in $(GUEST_GO_MODULES); do echo "test $$m"; (cd $$m && $(GO) test ./...); done
	@set -e; for t in $$(find sdk transforms -name test.sh -not -path '*/node_modules/*' | sort); do \
		echo "test $$t"; (cd $$(dirname $$t) && bash ./test.sh); done

# Every benchmark, each with its anchor measured in the same run (raw
# JetStream publish, kinesalite, native Go), then the ratios the speed goals
# are stated in (internal/benchreport). The raw output lands in bench.out,
# the ratios in bench-report.md; BENCHMARKS.md is written from them, with
# the machine. BENCH_RECORDS records per delivery case (steady state needs
# hundreds of thousands); BENCH_COUNT runs of each throughput benchmark,
# reported as the median.
BENCH_RECORDS ?= 500000
BENCH_COUNT ?= 3
bench: build wasm
	@[ -x internal/kinesalite/node_modules/.bin/kinesalite ] || \
		(echo "bench: npm ci in internal/kinesalite"; cd internal/kinesalite && npm ci --no-audit --no-fund --loglevel=error)
	$(GO) test -run '^$$' -bench 'PutRecords|RawPublish' -benchtime $(BENCHTIME) -count $(BENCH_COUNT) ./host/kinesis/ | tee bench.out
	$(GO) test -run '^$$' -bench 'GetRecords|SubscribePushLatency' -benchtime $(BENCHTIME) ./host/kinesis/ | tee -a bench.out
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./host/ ./host/auth/ ./host/streams/ ./runtime/ ./sinks/... | tee -a bench.out
	$(GO) test -run '^$$' -bench 'Upper$$' -benchtime 20x -count $(BENCH_COUNT) ./transforms/ | tee -a bench.out
	$(GO) test -run '^$$' -bench 'UpperParallel' -benchtime 20x ./transforms/ | tee -a bench.out
	SLUICE_BENCH_RECORDS=$(BENCH_RECORDS) $(GO) test -run '^$$' -bench 'Delivery' -benchtime 1x -timeout 60m ./internal/e2e/ | tee -a bench.out
	$(GO) test -run '^$$' -bench 'PutToVisible/interval=0s' -benchtime 200x ./internal/e2e/ | tee -a bench.out
	$(GO) test -run '^$$' -bench 'PutToVisible/interval=1s' -benchtime 5x ./internal/e2e/ | tee -a bench.out
	$(GO) run ./internal/benchreport bench.out | tee bench-report.md

# The host-level cluster tests (issue 12 groundwork), not yet part of
# `make test`: three hosts whose embedded servers form a JetStream cluster.
cluster-test: wasm
	SLUICE_CLUSTER_TESTS=1 $(GO) test -race -count=1 -run 'Cluster' ./host/ ./host/natsd/ ./host/jsretry/ ./internal/natscluster/

# The long fault tests, not part of `make test`: kill -9 cycles against the
# real binary (SOAK_CYCLES with --sync default, SOAK_SYNC_CYCLES with
# --sync always, SOAK_RECORDS / SOAK_SYNC_RECORDS records per cycle) and
# an S3 destination down for SOAK_S3_OUTAGE. Set SLUICE_SOAK_SEED to
# replay a run's kill schedule (every run prints its seed). Figures go to
# BENCHMARKS.md ("Soak") by hand, with the machine.
SOAK_CYCLES ?= 40
SOAK_SYNC_CYCLES ?= 10
SOAK_RECORDS ?= 20000
SOAK_SYNC_RECORDS ?= 3000
SOAK_S3_OUTAGE ?= 3m
SOAK_TIMEOUT ?= 3h
soak: wasm
	set -o pipefail; SLUICE_SOAK_CYCLES=$(SOAK_CYCLES) SLUICE_SOAK_SYNC_CYCLES=$(SOAK_SYNC_CYCLES) \
	SLUICE_SOAK_RECORDS=$(SOAK_RECORDS) SLUICE_SOAK_SYNC_RECORDS=$(SOAK_SYNC_RECORDS) SLUICE_SOAK_S3_OUTAGE=$(SOAK_S3_OUTAGE) \
	$(GO) test -count=1 -v -timeout $(SOAK_TIMEOUT) -run '^(TestCrashCycles|TestS3DestinationOutage)$$' ./internal/e2e/ | tee soak.out

# Each fuzz target for FUZZTIME with go test -fuzz (new crashers land in the
# package's testdata/fuzz, which every `make test` then runs as seeds).
FUZZTIME ?= 60s
FUZZ_TARGETS := host/awsjson:FuzzDecode host/awsjson:FuzzMux \
	host/streams:FuzzDecodeIterator host/streams:FuzzSignedIterator \
	host/kinesis:FuzzKinesis host/firehose:FuzzFirehose
.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}/; done

demo: build wasm
	bash scripts/demo.sh

clean:
	rm -rf bin bench.out soak.out
	find transforms sdk runtime/testdata -name '*.wasm' -delete
