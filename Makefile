# drsync — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO            ?= go
TOOLS         := $(CURDIR)/.tools/bin
GOLANGCI_VER  := v2.15.0
GOLANGCI      := $(TOOLS)/golangci-lint-$(GOLANGCI_VER)
BENCHTIME     ?= 2s

.PHONY: help
help: ## Show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## The main job on embedded defaults: two emulated workspaces, plan, sync, change, sync, status
	$(GO) run ./cmd/drsync demo

.PHONY: test
test: tools-moto vet lint ## Vet, lint and run every test with the race detector (what CI runs)
	$(GO) test -race -count=1 ./...

.PHONY: tools-moto
tools-moto: ## Install moto_server (the local AWS the tests use) unless it is on PATH
	@bash .ci/tools-moto.sh

.PHONY: vet
vet: ## go vet ./...
	$(GO) vet ./...

.PHONY: lint
lint: $(GOLANGCI) ## golangci-lint (pinned version, installed on first use)
	$(GOLANGCI) run ./...

$(GOLANGCI):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VER)
	mv $(TOOLS)/golangci-lint $(GOLANGCI)

.PHONY: fmt
fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

.PHONY: bench
bench: ## Benchmarks, printed as a table
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./shared/emulator/

.PHONY: bench-auditlog
bench-auditlog: ## Audit-log parse throughput and peak heap (generated 10 MB and 100 MB objects)
	$(GO) test -run '^$$' -bench BenchmarkScan -benchtime 3x -benchmem ./shared/auditlog/

FUZZTIME ?= 60s

.PHONY: fuzz
fuzz: ## Fuzz the audit-log parser and the config parser for FUZZTIME each
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./shared/auditlog/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./shared/config/

.PHONY: emulator
emulator: ## Run two emulated workspaces (source seeded with the sample estate, empty target) until Ctrl-C
	$(GO) run ./cmd/dbemu --count 2 --sample

.PHONY: build
build: ## Build the CLI and the emulator command into bin/
	$(GO) build -o bin/ ./cmd/...

.PHONY: clean
clean: ## Remove build output
	rm -rf bin build cdk.out
