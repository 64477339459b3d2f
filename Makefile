# authd: `make run` starts the service, `make test` runs every test. `make help` lists the rest.
SHELL         := bash
.SHELLFLAGS   := -eu -o pipefail -c
GO        ?= go
PKGS_UNIT := ./core/... ./adapters/... ./app/... $(shell $(GO) list ./test/... | grep -v /test/containers)
export TESTCONTAINERS_RYUK_DISABLED := true

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## run the service on 127.0.0.1:8080 with the embedded store in ./data
	$(GO) run ./cmd/authd

.PHONY: build
build: ## build bin/authd
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -o bin/authd ./cmd/authd

.PHONY: vet
vet: ## go vet every package
	$(GO) vet ./...

.PHONY: test
test: vet test-unit test-clients test-features test-containers ## everything: vet, unit and contract tests, generated clients, scenarios in-process on both stores, and in containers when Docker answers

.PHONY: test-unit
test-unit: ## unit, adapter and contract tests under the race detector
	$(GO) test -race -count=1 $(PKGS_UNIT)

# oapi-codegen and ogen, pinned by test/clientgen/tools/go.mod: a module of their own, so neither they
# nor their dependencies enter the service's go.mod.
CLIENTGEN := $(GO) tool -modfile=$(CURDIR)/test/clientgen/tools/go.mod
OPENAPI   := adapters/httpapi/openapi.json

.PHONY: generate
generate: ## write the typed client adapters/httpapi/client/client.gen.go from openapi.json
	cd adapters/httpapi/client && $(GO) generate .

.PHONY: test-clients
test-clients: ## clients generated from openapi.json by oapi-codegen and ogen, no options, through a typed flow against the service; the checked-in client is what the document generates
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed "s|^output: .*|output: $$tmp/client.gen.go|" adapters/httpapi/client/oapi-codegen.yaml > "$$tmp/config.yaml"; \
	$(CLIENTGEN) oapi-codegen -config "$$tmp/config.yaml" $(OPENAPI); \
	diff -u adapters/httpapi/client/client.gen.go "$$tmp/client.gen.go" > "$$tmp/drift" || \
		{ head -40 "$$tmp/drift"; echo "adapters/httpapi/client is not what $(OPENAPI) generates: run make generate" >&2; exit 1; }
	@mkdir -p test/clientgen/gen/oapiclient
	@# Generating cleanly means no word from either generator but ogen's notes (INFO); the go
	@# command's own "go: downloading" lines on a fresh machine are not the generators'.
	@out=$$($(CLIENTGEN) oapi-codegen -generate types,client -package oapiclient -o test/clientgen/gen/oapiclient/client.gen.go $(OPENAPI) 2>&1 | grep -v '^go: downloading'; exit $${PIPESTATUS[0]}) && [ -z "$$out" ] || \
		{ echo "$$out"; echo "oapi-codegen does not generate $(OPENAPI) cleanly" >&2; exit 1; }
	@out=$$($(CLIENTGEN) ogen -target test/clientgen/gen/ogenclient -package ogenclient -clean $(OPENAPI) 2>&1 | grep -v '^go: downloading'; exit $${PIPESTATUS[0]}) && ! grep -v '^INFO' <<< "$$out" | grep -q . || \
		{ echo "$$out" | grep -v '^INFO'; echo "ogen does not generate $(OPENAPI) cleanly" >&2; exit 1; }
	@echo "go test ./test/clientgen/  (oapi-codegen and ogen clients, generated from $(OPENAPI))"
	@cd test/clientgen && $(GO) test -count=1 ./...

.PHONY: test-features
test-features: ## Gherkin scenarios in-process, on embedded bbolt (race detector) and on MongoDB (FerretDB)
	@mkdir -p tmp
	@$(GO) test -v -count=1 -run 'TestLoginTiming' ./features/ > tmp/timing.log 2>&1 || { cat tmp/timing.log; exit 1; }
	@grep -h "ratio" tmp/timing.log | sed 's/^ */  login timing: /'
	@# The MongoDB run goes without the race detector: it would instrument the in-process FerretDB
	@# too, slowing it past the point where its own latency, not authd, decides the concurrency
	@# scenarios. authd's code is the same in both runs and is race-checked in the first.
	@for run in "embedded -race" "mongodb"; do set -- $$run; \
		echo "go test $${2:-} -run TestFeatures/$$1 ./features/  (full log: tmp/features-$$1.log)"; \
		$(GO) test $${2:-} -v -count=1 -run "TestFeatures/$$1" ./features/ > tmp/features-$$1.log 2>&1 || \
			{ grep -E -- '--- FAIL|Error:|suite.go' tmp/features-$$1.log | head -60; tail -5 tmp/features-$$1.log; exit 1; }; \
		awk -v mode=$$1 '/^[0-9]+ scenarios \(/ {print "  features in-process, " mode " store: " $$0}' tmp/features-$$1.log; \
		sed -n 's/^coverage:/  /p' tmp/features-$$1.log; \
	done

.PHONY: test-containers
test-containers: ## the scenarios against authd and FerretDB as containers (needs Docker; CI=true makes its absence an error)
	@if ! docker info >/dev/null 2>&1; then \
		if [ "$${CI:-}" = "true" ]; then echo "CI=true but no Docker engine answers: the container suite can't run" >&2; exit 1; fi; \
		echo "  features in containers: skipped (no Docker engine)"; exit 0; fi; \
	mkdir -p tmp; echo "go test -v ./test/containers/  (full log: tmp/containers.log)"; \
	$(GO) test -v -count=1 -timeout 30m ./test/containers/ > tmp/containers.log 2>&1 || \
		{ grep -E -- '--- FAIL|Error:|suite.go' tmp/containers.log | head -60; tail -5 tmp/containers.log; exit 1; }; \
	awk '/^[0-9]+ scenarios \(/ {print "  features in containers (authd + FerretDB), " (++n == 1 ? "by URL only: " : "the rest:    ") $$0}' tmp/containers.log; \
	sed -n 's/^coverage:/  /p' tmp/containers.log; \
	tail -1 tmp/containers.log

.PHONY: browser-test
browser-test: ## Swagger UI at /docs and a reset through the mailed link's page, in headless Chromium (installed when missing); screenshots in tmp/browser
	@command -v chromium >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@rm -rf tmp/browser && mkdir -p tmp/browser
	AUTHD_BROWSER_TEST=1 $(GO) test -count=1 -v -artifacts -outputdir=$(CURDIR)/tmp/browser ./test/browser/

.PHONY: acceptance
acceptance: ## only the container suite, with godog's pretty output
	GODOG_FORMAT=pretty $(GO) test -v -count=1 -timeout 30m ./test/containers/

.PHONY: acceptance-remote
acceptance-remote: ## the scenarios against a running deployment by its URL: AUTHD_TEST_BASE_URL=https://… (features/README.md, Remote runs)
	@if [ -z "$${AUTHD_TEST_BASE_URL:-}" ]; then \
		echo "acceptance-remote: set AUTHD_TEST_BASE_URL to the deployment (features/README.md, Remote runs)" >&2; exit 2; fi
	cd features && $(GO) test -count=1 -timeout 30m -run 'TestFeatures/remote'

FEATURE ?=
.PHONY: feature
feature: ## one feature file (or file:line, one scenario) in-process on the embedded store, every step printed: make feature FEATURE=login.feature
	@if [ -z "$(FEATURE)" ]; then echo "feature: name the file, make feature FEATURE=login.feature" >&2; exit 2; fi
	cd features && GODOG_PATHS=$(FEATURE) GODOG_FORMAT=pretty $(GO) test -count=1 -run 'TestFeatures/embedded'

FUZZTIME ?= 15s
FUZZ_TARGETS := ./adapters/httpapi:FuzzDecodeObject ./adapters/httpapi:FuzzBearerToken ./adapters/jwttoken:FuzzVerify \
	./core/user:FuzzNormalizeEmail ./core/user:FuzzProfile ./core/credential:FuzzPasswordPolicy

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (their seed corpora also run in make test)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

BENCH_USERS       ?= 1000
BENCH_CONCURRENCY ?= 16
BENCH_DURATION    ?= 5s
BENCH_FLAGS       ?=

.PHONY: bench
bench: build ## load-test bin/authd on a fresh embedded store against the machine's limits (BENCH_USERS=1000000 for a million)
	$(GO) build -o bin/authd-bench ./test/bench
	bin/authd-bench -service bin/authd -users $(BENCH_USERS) -concurrency $(BENCH_CONCURRENCY) -duration $(BENCH_DURATION) $(BENCH_FLAGS)

.PHONY: bench-mongo
bench-mongo: build ## the same load test in MongoDB mode, against FerretDB in a child process
	$(GO) build -o bin/authd-bench ./test/bench
	bin/authd-bench -service bin/authd -mongo -users $(BENCH_USERS) -concurrency $(BENCH_CONCURRENCY) -duration 3s -logouts 2000 -verifications 2000 $(BENCH_FLAGS)

.PHONY: docker
docker: build ## build the authd image FROM scratch with bin/authd (no registry needed)
	cp cmd/authd/Dockerfile.scratch bin/Dockerfile
	docker build -t authd:latest bin/

GOLANGCI := $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

.PHONY: lint
lint: vet ## go vet and golangci-lint v2 (depguard keeps core pure and adapters away from app)
	$(GOLANGCI) run ./...
