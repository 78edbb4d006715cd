# flect build, test and benchmark targets. `make help` lists them.

GO      ?= go
BIN     := bin/flect
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

# Packages with concurrent code run under the race detector.
RACE_PKGS := ./engine/... ./resp/... ./tenancy/... ./persistence/snapshot/...
# Every other package (found at run time, so new ones are never missed).
OTHER_PKGS = $(shell $(GO) list ./... | grep -Ev '/(engine|resp|tenancy|persistence/snapshot)(/|$$)')

# Fuzz targets, as package:FuzzName; each runs FUZZTIME in `make fuzz`.
FUZZ_TARGETS := ./resp:FuzzReader ./resp:FuzzParseLen ./engine:FuzzParseDouble ./engine:FuzzParseLongDouble \
                ./engine:FuzzStringCommands ./engine:FuzzHLLSparse ./engine:FuzzHLLCommands \
                ./engine:FuzzOutputBufferLimits ./persistence/rdb:FuzzReadValue ./persistence/rdb:FuzzLZF ./persistence/rdb:FuzzFileReader \
                ./persistence/snapshot:FuzzDecodeChunk \
                ./engine/script/lualib:FuzzCJSONDecode ./engine/script/lualib:FuzzCmsgpackUnpack ./engine/script/lualib:FuzzStructUnpack
FUZZTIME     ?= 30s
# A hung test fails the run (with every goroutine's stack) instead of
# stalling CI; the whole suite takes well under a minute.
TEST_TIMEOUT ?= 4m

STATICCHECK_VERSION ?= v0.8.2
IMAGE ?= flect:$(VERSION)

.PHONY: help build run test race compat bench bench-lru bench-large bench-persist fuzz lint readme docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/flect (static, version from git)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/flect

run: build ## build and run a node on 127.0.0.1:6379
	./$(BIN) server

test: ## unit and integration tests; engine/ and resp/ under -race (differential tests: make compat)
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -skip '^TestCompat$$' $(RACE_PKGS)
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(OTHER_PKGS)

race: ## every package under the race detector, differential tests included
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

compat: ## differential tests against redis-server (FLECT_COMPAT_FILE=strings for one script)
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '^TestCompat$$' -v ./resp

bench: ## redis-benchmark against flect and redis-server side by side, then memory efficiency (RSS per dataset)
	./scripts/bench.sh
	./scripts/bench-memory.sh

bench-lru: ## eviction quality: redis-cli --lru-test hit ratios, flect and valkey-server (or redis-server) with the same maxmemory
	./scripts/bench-lru.sh

bench-large: ## latencies on a million-member sorted set and list, flect and redis-server side by side
	./scripts/bench-large.sh

bench-persist: ## GET/SET latency during BGSAVE and snapshot load time, 1M keys, flect and redis-server side by side
	./scripts/bench-persist.sh

fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

lint: ## gofmt, go vet, staticcheck (skipped when it cannot be installed)
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) >/dev/null 2>&1; then \
		echo "staticcheck $(STATICCHECK_VERSION) ./..."; ./bin/staticcheck ./...; \
	else \
		echo "staticcheck $(STATICCHECK_VERSION) could not be installed; skipped"; \
	fi

readme: ## regenerate README.md's list of supported commands from the command table
	$(GO) test -count=1 -run '^TestREADMECommands$$' ./cli -update

docker: ## build the container image (needs a Docker engine)
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) -t $(IMAGE) .

clean: ## remove build output
	rm -rf bin
