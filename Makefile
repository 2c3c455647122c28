# Tierdesk. The two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PORTAL := $(GO) run ./cmd/portal
CHROME ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome || echo /usr/bin/chromium)

.PHONY: run test check generate build bench deps-postgres deps-chromium clean-data

## run: start PostgreSQL (under ./.data), the Zoom sandbox and the portal; print the URL and demo sign-ins.
run: deps-postgres
	$(PORTAL) dev

## test: checks, then every test (with -race) against a throwaway PostgreSQL and a headless Chromium.
test: deps-postgres deps-chromium check
	CHROME_PATH=$(CHROME) $(PORTAL) devdb exec -- $(GO) test -race -count=1 -timeout 15m ./...

## check: gofmt, a tidy go.mod, go vet, staticcheck, and templ output that matches the .templ files.
check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum not tidy (run: go mod tidy)"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	  tar cf - --exclude=./.git --exclude=./.data --exclude=./bin . | tar xf - -C $$tmp; \
	  rm -f $$tmp/web/templates/*_templ.go; \
	  out=$$(cd $$tmp && $(GO) tool templ generate 2>&1) || { echo "$$out"; exit 1; }; \
	  for f in $$tmp/web/templates/*_templ.go; do \
	    if ! cmp -s $$f web/templates/$$(basename $$f); then echo "stale templ output: web/templates/$$(basename $$f) (run: make generate)"; exit 1; fi; \
	  done; \
	  for f in web/templates/*_templ.go; do [ -f $$tmp/web/templates/$$(basename $$f) ] || { echo "orphan templ output: $$f"; exit 1; }; done
	@echo "checks passed"

## generate: regenerate templ output (commit the *_templ.go files).
generate:
	$(GO) tool templ generate

## build: build the portal binary into ./bin.
build:
	$(GO) build -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/portal ./cmd/portal

## bench: the speed benchmarks, against a throwaway PostgreSQL and the sandbox.
bench: deps-postgres
	$(PORTAL) devdb exec -- $(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# PostgreSQL server binaries: needed unless DATABASE_URL (run) or TEST_DATABASE_URL (test) is given.
deps-postgres:
	@if [ -n "$${DATABASE_URL:-}$${TEST_DATABASE_URL:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's postgresql (server binaries for the local cluster)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	else echo "PostgreSQL server binaries are missing. Install them with:  sudo apt-get install -y postgresql   (or set DATABASE_URL / TEST_DATABASE_URL)"; exit 1; fi

# Chromium for the browser tests.
deps-chromium:
	@if [ -x "$(CHROME)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium (for browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "Chromium is missing. Install it with:  sudo apt-get install -y chromium   (or set CHROME=/path/to/chrome)"; exit 1; fi

## clean-data: delete the local database and sandbox state of `make run`.
clean-data:
	rm -rf .data
