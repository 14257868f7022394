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
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## The main job on embedded defaults: two emulated workspaces, plan, sync, change, sync, status, audit-log sync, failover, reverse sync, failback
	$(GO) build -o bin/ ./cmd/drsync ./cmd/demo
	bin/demo --drsync bin/drsync

.PHONY: test
test: tools-moto sfn-install vet lint ## Vet, lint, every test with the race detector, the CDK tests and a real cdk synth (what CI runs)
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/infra$$')
	$(GO) test -count=1 ./infra/...
	$(MAKE) --no-print-directory cfn-lint

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

BENCH_FULL    ?=

.PHONY: bench
bench: tools-rclone ## Benchmarks as tables: emulator req/s, the sync engine (BENCH_FULL=1: initial sync on the full estate, ~12 min more), the replication check vs rclone
	set -o pipefail; { \
	  $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./shared/emulator/ && \
	  BENCH_FULL=$(BENCH_FULL) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./shared/engine/ && \
	  $(BENCH_REPLICATION); \
	} 2>&1 | $(GO) run ./cmd/benchtable

BENCH_REPLICATION = $(GO) test -run '^$$' -bench ReplicationCheck -benchtime 1x -timeout 30m ./shared/replication/

.PHONY: bench-replication
bench-replication: tools-rclone ## Replication check vs `rclone check --one-way --fast-list`: same two buckets of 10,000 and 100,000 objects
	set -o pipefail; $(BENCH_REPLICATION) 2>&1 | $(GO) run ./cmd/benchtable

.PHONY: tools-rclone
tools-rclone: ## Install rclone (Debian's package) unless it is on PATH
	@command -v rclone >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq rclone; }

.PHONY: bench-auditlog
bench-auditlog: ## Audit-log parse throughput and peak heap (generated 10 MB and 100 MB objects)
	$(GO) test -run '^$$' -bench BenchmarkScan -benchtime 3x -benchmem ./shared/auditlog/

FUZZTIME ?= 60s

.PHONY: fuzz
fuzz: ## Fuzz the audit-log parser, the config parser and the normaliser round trip for FUZZTIME each
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./shared/auditlog/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./shared/config/
	$(GO) test -run '^$$' -fuzz FuzzNormalizeRoundTrip -fuzztime $(FUZZTIME) ./shared/resource/

.PHONY: emulator
emulator: ## Run two emulated workspaces (source seeded with the sample estate, empty target) until Ctrl-C
	$(GO) run ./cmd/dbemu --count 2 --sample

.PHONY: build
build: ## Build the CLI and the emulator command into bin/
	$(GO) build -o bin/ ./cmd/...

# ---- Lambda functions and the CDK app (infra/, cdk.json; see infra/README.md) ----
FUNCTIONS    := $(sort $(notdir $(patsubst %/,%,$(wildcard functions/*/))))
BOOTSTRAPS   := $(FUNCTIONS:%=build/%/bootstrap)
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
# -buildvcs=false: a VCS stamp would change every binary, so every asset hash, on every commit.
# lambda.norpc drops the RPC mode Lambda's provided.al2023 runtime never uses; grpcnotrace
# drops gRPC's debug pages (linked through the Databricks SDK's Google auth), whose HTML
# templates would keep every unused method alive in the binary.
LAMBDA_TAGS  := lambda.norpc,grpcnotrace
LAMBDA_FLAGS := -tags $(LAMBDA_TAGS) -trimpath -buildvcs=false -ldflags "-s -w"
CDK          := $(CURDIR)/.cdk/node_modules/.bin/cdk
STACK        ?=
# PAIRS=path/to/pairs.json replaces cdk.json's example pairs file (see infra/README.md).
PAIRS        ?=
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DOCKER := false
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export npm_config_update_notifier := false

.PHONY: cdk-install
cdk-install: $(CDK) ## Install the pinned AWS CDK CLI into .cdk/ (npm ci from the lockfile)
$(CDK): .cdk/package.json .cdk/package-lock.json
	npm ci --prefix .cdk --no-fund --no-audit
	@touch $@

# The Step Functions tools shared/sfntest drives with node: asl-validator and
# aws-local-stepfunctions, pinned in .sfn/package-lock.json.
SFN := $(CURDIR)/.sfn/node_modules/.bin/local-sfn

.PHONY: sfn-install
sfn-install: $(SFN) ## Install the pinned Step Functions tools into .sfn/ (npm ci from the lockfile)
$(SFN): .sfn/package.json .sfn/package-lock.json
	npm ci --prefix .sfn --no-fund --no-audit
	@touch $@

.PHONY: test-sfn
test-sfn: sfn-install ## The Step Functions harness's tests: a real bootstrap under the RIE, driven by the local interpreter
	DRSYNC_REQUIRE_NODE=1 $(GO) test -count=1 -race ./shared/sfntest/...

.PHONY: build-functions $(BOOTSTRAPS)
build-functions: $(BOOTSTRAPS) ## Cross-compile every functions/<name> to build/<name>/bootstrap (linux/arm64)
$(BOOTSTRAPS): build/%/bootstrap:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $@ ./functions/$*

EVENT ?= scheduled.json

.PHONY: e2e
e2e: tools-moto sfn-install ## The functions as built for Lambda, under the RIE, against moto and two emulated workspaces; the runbook's state machine driving the failover function
	DRSYNC_REQUIRE_MOTO=1 DRSYNC_REQUIRE_NODE=1 $(GO) test -count=1 -run '^TestLambda' -v ./functions/

.PHONY: drill
drill: tools-moto sfn-install ## cmd/drill: failover then failback on the local stack, driven by the synthesized state machine: readiness before and after, the RTO of each step, a summary
	@$(GO) run ./cmd/drill

.PHONY: invoke-sync
invoke-sync: tools-moto ## cmd/invoke: local stack + RIE, invoke sync with events/$(EVENT) and print the response, logs and EMF lines
	$(GO) run ./cmd/invoke -event $(EVENT) sync

.PHONY: invoke-auditlog
invoke-auditlog: tools-moto ## cmd/invoke: local stack + RIE, full sync, change the source, deliver its audit records, invoke auditlog, print
	$(GO) run ./cmd/invoke auditlog

FAILOVER_EVENT ?= failover-step.json

.PHONY: invoke-failover
invoke-failover: tools-moto ## cmd/invoke: local stack + RIE, sync DR, invoke failover with one runbook step, events/$(FAILOVER_EVENT) (Readiness), print
	$(GO) run ./cmd/invoke -event $(FAILOVER_EVENT) failover

.PHONY: bench-lambda
bench-lambda: tools-moto ## Each function's cold start, bootstrap and zip size (fails over 20 MB); audit-log API calls vs changed objects and estate size
	set -o pipefail; { \
	  $(GO) test -run '^$$' -bench LambdaColdStart -benchtime 10x ./functions/ && \
	  $(GO) test -run '^$$' -bench LambdaBinarySize -benchtime 1x ./functions/ && \
	  $(GO) test -run '^$$' -bench AuditlogAPICalls -benchtime 3x ./shared/handler/; \
	} 2>&1 | $(GO) run ./cmd/benchtable

.PHONY: test-infra
test-infra: sfn-install ## CDK assertions, cdk-nag, cfn-lint, the baseline template, the runbook definition through asl-validator (no -race: the CDK runs in node)
	$(GO) test -count=1 ./infra/...

.PHONY: synth
synth: build-functions cdk-install ## Build the functions and synthesize cdk.out/<stack>.template.json (fails on any cdk-nag finding)
	rm -rf cdk.out
	AWS_EC2_METADATA_DISABLED=true $(CDK) synth -q $(if $(PAIRS),-c drsync:pairsFile=$(PAIRS))
	@! grep -L '"dockerImages": {}' cdk.out/*.assets.json | grep . || { echo "synth: Docker image assets found; drsync deploys none" >&2; exit 1; }

.PHONY: cfn-lint
cfn-lint: synth ## Lint cdk.out/*.template.json with cfn-lint (.cfnlintrc.yaml); skipped with a message when it is not installed
	@if command -v cfn-lint >/dev/null 2>&1; then echo cfn-lint; cfn-lint; \
	else echo "cfn-lint: SKIPPED: cfn-lint is not installed (a PyPI package; PyPI is unreachable from here, the machine image ships it)" >&2; fi

.PHONY: diff-local
diff-local: cdk-install ## Offline: diff the stacks (synthesized with placeholder bootstraps) against infra/testdata/*.template.json
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for f in $(FUNCTIONS); do mkdir -p "$$tmp/assets/$$f"; cp infra/testdata/placeholder-bootstrap "$$tmp/assets/$$f/bootstrap"; done; \
	DRSYNC_ASSET_ROOT="$$tmp/assets" AWS_EC2_METADATA_DISABLED=true $(CDK) synth -q -o "$$tmp/cdk.out"; \
	for t in infra/testdata/*.template.json; do \
	  $(CDK) diff --app "$$tmp/cdk.out" --fail --template "$$t" "$$(basename "$$t" .template.json)"; \
	done

.PHONY: diff
diff: synth ## Diff against the deployed stacks (AWS credentials needed; STACK=drsync-<pair> for one)
	$(CDK) diff --app cdk.out $(STACK)

.PHONY: deploy
deploy: synth ## Deploy (AWS credentials, a bootstrapped account and the prerequisites in infra/README.md; STACK=drsync-<pair> for one)
	$(CDK) deploy --app cdk.out --require-approval broadening $(or $(STACK),--all)

.PHONY: clean
clean: ## Remove build output
	rm -rf bin build cdk.out
