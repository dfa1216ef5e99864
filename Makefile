# connectgen's build. `make test` is what CI runs (.ci/run); `make test-unit`
# is the fast tier (Go alone). Measured on the 2-core machine, quiet, 2026-12-04:
# make test-unit 40 s warm (52 s after a change), make test 3 min 9 s from a
# clean clone with warm npm and Node caches (README, Contributing).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# -s -w leave out the symbol table and DWARF (stack traces keep their
# function names); the binary is smaller and starts sooner.
LDFLAGS := -s -w -X github.com/connectgen/connectgen/internal/build.Version=$(VERSION)
GO ?= go
# The linters at pinned versions, run through the module proxy: nothing to
# install by hand and nothing added to go.mod. errcheck: every error is
# checked or assigned to _ with a reason (.errcheck-excludes lists the few
# nobody can act on); errorlint: errors are compared with errors.Is/As and
# wrapped with %w; deadcode: no function is unreachable from the repo's two
# programs, connectgen and `make bench` (internal/bench), which reports the
# local host's conformance figures (test helpers live in tests or in
# test-support packages).
STATICCHECK_VERSION := v0.8.2
ERRCHECK_VERSION := v1.9.0
# Packages that exist for tests (the bench uses some of them too): deadcode
# does not judge them.
TEST_SUPPORT := apptest|testenv|openapicheck|browsertest|templatehistory|tmplsource/ziptest
ERRORLINT_VERSION := v1.8.0
DEADCODE_VERSION := v0.53.0

.PHONY: build test test-unit test-deps lint install bench bench-smoke clean

# A static binary (no cgo): nothing in connectgen needs the C library, and
# without the dynamic loader every command starts about a millisecond sooner.
build: ## bin/connectgen
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/connectgen .

# Every test: unit tests, the binary's scripts and the end-to-end tests that
# install the generated app with npm once and run it on real Node and in
# headless Chromium. test-deps installs what is missing first, or stops
# saying what to install; a missing Node or Chromium fails, never skips.
test: test-deps lint
	$(GO) test -count=1 -timeout 45m ./...

# The fast tier: every package with Go alone (no Node, npm, Chromium or
# network); tests that need them skip under -short, naming what they need.
# GORACE: a race-instrumented program sleeps a second at exit by default
# (ThreadSanitizer's atexit_sleep_ms); the scripts start the test binary
# about 300 times, so the sleep alone was most of the tier's time.
test-unit:
	GORACE=atexit_sleep_ms=0 $(GO) test -short -race -shuffle=on -count=1 -timeout 10m ./...

# What `make test` needs beyond Go, in one place: .ci/test-deps (its
# header says how to add a step).
test-deps:
	.ci/test-deps

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) run github.com/kisielk/errcheck@$(ERRCHECK_VERSION) -exclude .errcheck-excludes ./...
	$(GO) run github.com/polyfloyd/go-errorlint@$(ERRORLINT_VERSION) ./...
	@dead=$$($(GO) run golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION) . ./internal/bench) || exit 1; \
	dead=$$(echo "$$dead" | grep -Ev '^internal/($(TEST_SUPPORT))/' || true); \
	if [ -n "$$dead" ]; then echo "unreachable code in the binary:"; echo "$$dead"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

# Side-by-side figures against atlas-connect, ajv-cli, node and the
# physical floors, measured in one run; writes BENCHMARKS.md. Never a gate.
bench:
	$(GO) run ./internal/bench -runs 10 -warmup 1

# One run of every figure, printed and not written; `go test ./internal/bench`
# does the same as part of `make test`.
bench-smoke:
	$(GO) run ./internal/bench -runs 1 -warmup 0 -out -

install:
	CGO_ENABLED=0 $(GO) install -ldflags "$(LDFLAGS)" .

clean:
	rm -rf bin BENCHMARKS.tmp
