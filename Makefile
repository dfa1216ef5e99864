# connectgen's build. `make test` is what CI runs (.ci/run).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# -s -w leave out the symbol table and DWARF (stack traces keep their
# function names); the binary is smaller and starts sooner.
LDFLAGS := -s -w -X github.com/connectgen/connectgen/internal/build.Version=$(VERSION)
GO ?= go

.PHONY: build test lint install bench bench-smoke clean node-and-postgres

# A static binary (no cgo): nothing in connectgen needs the C library, and
# without the dynamic loader every command starts about a millisecond sooner.
build: ## bin/connectgen
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/connectgen .

# Every test: unit tests, the binary's scripts and the end-to-end tests that
# install the generated app with npm once and run it on real Node.
test: lint node-and-postgres
	$(GO) test -count=1 -timeout 45m ./...

# PostgreSQL (Debian's package) and the pinned Node 22 and 24 the
# generated app is tested on; fetched once into the test cache.
node-and-postgres:
	.ci/node-and-postgres

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

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
