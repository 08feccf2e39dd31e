# Smed. `make help` lists the targets.
GO      ?= go
MODULE  := github.com/smedhq/smed
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: help run build test test-short bench lint check-imports fuzz contract clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# With no config.yaml and no SMED_SLACK_BOT_TOKEN, run starts the shell on the
# embedded store (nothing to install); with either, the real bot.
run: ## the bot when configured, else a local shell on an in-memory store
	@if [ -f config.yaml ] || [ -n "$$SMED_SLACK_BOT_TOKEN" ]; then \
		$(GO) run -ldflags "$(LDFLAGS)" ./cmd/smed run; \
	else \
		echo "No config.yaml and no SMED_SLACK_BOT_TOKEN: starting the local shell on an in-memory store."; \
		echo "To run the Slack bot: cp config.example.yaml config.yaml, fill in the tokens, make run (see README.md)."; \
		SMED_REDIS_URL=$${SMED_REDIS_URL:-memory://} $(GO) run -ldflags "$(LDFLAGS)" ./cmd/smed shell; \
	fi

build: ## build bin/smed
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/smed ./cmd/smed

test: ## all tests, with the race detector, against a real redis-server when installed
	$(GO) test -race -count=1 ./...

test-short: ## quick tests without the race detector
	$(GO) test -count=1 ./...

# The command-path load benchmark of issue 8 (BENCHMARKS.md): a private
# redis-server, `smed run` and the floor driven by bench/load, then the package
# benchmarks. BENCH_QUICK=1: under 2 minutes (CI). SMED_BIN=path measures a
# built binary; SMED_SRC=dir builds smed and runs the package benchmarks there.
bench: ## load benchmark vs the floor, then package benchmarks (BENCH_QUICK=1: short)
	$(GO) run ./bench/run

fuzz: ## run every fuzz target for FUZZTIME each (default 30s); crashers land in testdata/fuzz
	@set -e; for t in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$t/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$t $$f"; $(GO) test $$t -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s}; \
		done; \
	done

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

check-imports: ## keep the package arrows pointing down (README: Code layout)
	@./.ci/check-imports

contract: ## the black-box contract check from ../shared
	../shared/bin/smed-contract -project .

clean: ## remove build output
	rm -rf bin
