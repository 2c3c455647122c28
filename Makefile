# Tierdesk. The two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PORTAL := $(GO) run ./cmd/portal
CHROME ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome || echo /usr/bin/chromium)

# The go test step of `make test`, against a throwaway PostgreSQL that is removed when it ends.
GOTEST = CHROME_PATH=$(CHROME) $(PORTAL) devdb exec -- $(GO) test -race -count=1 -timeout 15m
# test-stress: how many runs, and which packages.
N ?= 3
PKGS ?= ./...
# fuzz: how long each fuzz test runs (`make test` gives each a short FUZZTIME_TEST).
FUZZTIME ?= 1m
FUZZTIME_TEST ?= 2s

.PHONY: run test test-stress fuzz check generate build bench deps-postgres deps-chromium deps-promtool clean-data

## run: start PostgreSQL (under ./.data), the Zoom sandbox and the portal; print the URL and demo sign-ins.
run: deps-postgres
	@$(GO) build -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/portal ./cmd/portal
	@# The portal takes Ctrl-C as a key on a terminal (so that it, not make, ends the run: exit 0);
	@# the terminal's settings are put back here too, should it die before it can.
	@tty=$$(stty -g 2>/dev/null || true); rc=0; bin/portal dev || rc=$$?; if [ -n "$$tty" ]; then stty "$$tty"; fi; exit $$rc

## test: checks, then every test (with -race) against a throwaway PostgreSQL and a headless Chromium,
## then every fuzz test for a short while (FUZZTIME_TEST each).
test: deps-postgres deps-chromium deps-promtool check
	$(GOTEST) ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_TEST)

## fuzz: every fuzz test (func Fuzz* in a *_test.go) for FUZZTIME each, one after another
## (make fuzz FUZZTIME=10m). A failing input is saved under the package's testdata/fuzz: commit
## it with the fix, so that the plain test run replays it. None needs a database. Go's engine
## sometimes reports "context deadline exceeded" at the end of a short run on a busy machine with
## no failing input written: that target is run once more (a real failure always writes one).
# Each package's test binary is built once (go test -c -fuzz) and run once per target, sharing
# go test -fuzz's corpus cache: Go fuzzes one target per run, and relinking each time costs more
# than a short run.
fuzz:
	@start=$$SECONDS; n=0; bin=$$(mktemp -d); trap 'rm -rf "$$bin"' EXIT; cache=$$($(GO) env GOCACHE)/fuzz; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd internal | xargs -n1 dirname | sort -u); do \
	  pkg=$$($(GO) list ./$$dir); \
	  $(GO) test -c -fuzz=. -o "$$bin/fuzz.test" ./$$dir; \
	  for name in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -d' ' -f2 | sort); do \
	    n=$$((n+1)); \
	    run() { cd $$dir && "$$bin/fuzz.test" -test.run='^$$' -test.fuzz="^$$name$$" -test.fuzztime=$(FUZZTIME) \
	      -test.fuzzminimizetime=10s -test.parallel=2 -test.fuzzcachedir="$$cache/$$pkg" 2>&1; }; \
	    out=$$(run) || { \
	      if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written to'; then \
	        echo "fuzz: $$name: the engine ran out of time with no failing input (a busy machine); once more"; out=$$(run); \
	      else false; fi; \
	    } || { echo "$$out"; echo "fuzz: $$name (./$$dir) FAILED; the input is saved under ./$$dir/testdata/fuzz/$$name"; exit 1; }; \
	  done; \
	done; \
	echo "fuzz: $$n fuzz tests passed, $(FUZZTIME) each, in $$((SECONDS - start))s"

## test-stress: the tests of `make test` N times in a row (N=3) while two CPU burners load the
## machine, stopping at the first failing run; PKGS=./internal/devdb narrows it. A flaky test is a bug.
# Each run is a job of its own (set -m: its own process group), so that an interrupt of make
# (Ctrl-C, SIGTERM, SIGHUP) reaches all of it as an interrupt, however the shell got it, and the
# shell waits for it to remove its PostgreSQL. The burners stop with the shell, or by themselves
# when it is gone.
test-stress: deps-postgres deps-chromium
	@burners=(); run=; \
	stop() { if [ -n "$$run" ]; then kill -INT -- -$$run 2>/dev/null || true; wait $$run || true; fi; exit $$1; }; \
	trap 'stop 130' INT; trap 'stop 143' TERM; trap 'stop 129' HUP; \
	trap 'kill $${burners[@]} 2>/dev/null; wait; true' EXIT; \
	for b in 1 2; do \
	  { while kill -0 $$$$ 2>/dev/null; do for j in {1..20000}; do :; done; done; } & burners+=($$!); \
	done; \
	echo "test-stress: $(N) runs of go test -race $(PKGS), under 2 CPU burners"; \
	for i in $$(seq 1 $(N)); do \
	  start=$$SECONDS; \
	  set -m; $(GOTEST) $(PKGS) & run=$$!; set +m; \
	  if wait $$run; then run=; \
	    echo "test-stress: run $$i of $(N) passed in $$((SECONDS - start))s"; \
	  else \
	    echo "test-stress: run $$i of $(N) FAILED after $$((SECONDS - start))s"; exit 1; \
	  fi; \
	done; \
	echo "test-stress: all $(N) runs passed"

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

## bench: the speed benchmarks, against a throwaway PostgreSQL and the sandbox, ending with the
## dashboard table of the goals (also written to BENCHMARKS.md, see internal/benchtable).
bench: deps-postgres
	@set -o pipefail; $(PORTAL) devdb exec -- $(GO) test -run '^$$' -bench . -benchmem -timeout 20m ./... 2>&1 | $(GO) run ./internal/benchtable -md BENCHMARKS.md

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

# promtool (Debian's prometheus package) checks the alert rules and dashboard of deploy/.
deps-promtool:
	@if command -v promtool >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's prometheus (promtool checks deploy/prometheus)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	else echo "promtool is missing. Install it with:  sudo apt-get install -y prometheus"; exit 1; fi

## clean-data: delete the local database and sandbox state of `make run`.
clean-data:
	rm -rf .data
