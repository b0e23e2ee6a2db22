# vitalstats: the entry points. `make demo` and `make test` are the two that
# matter; both check the machine first (scripts/prereqs.sh).

GO      ?= go
BIN     := bin/vitalstats
CONFIG  ?= vitalstats.example.toml
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

# Go is often installed in /usr/local/go without being on PATH.
ifeq ($(shell command -v $(GO) 2>/dev/null),)
export PATH := $(PATH):/usr/local/go/bin
endif
# DuckDB is a C++ library: the binary needs cgo.
export CGO_ENABLED := 1

.PHONY: demo test build bench prereqs vet fmt-check clean clean-data

## demo: build, then write the synthetic registry (PostgreSQL + file drops + truth.json)
demo: build
	@# The demo starts from a clean slate: a new registry and a new lake.
	rm -rf data/lake data/inbox data/jobs
	$(BIN) gen -config $(CONFIG) -to both
	$(BIN) etl -config $(CONFIG)
	@echo
	@echo "Where to look:"
	@echo "  data/truth.json       the known answers (TFR, e0, IMR, completeness...) of the synthetic registry"
	@echo "  data/registry-pg/     the registry's PostgreSQL cluster; the lines 'registry' above say how to open it with psql"
	@echo "  data/inbox/done/      the file drops (CSV and NDJSON batches of digitized records), taken by the ETL"
	@echo "  data/lake/            the Parquet lake: one folder per table (birth, death, ..., quarantine), by year"
	@echo "                        (any Parquet reader; in DuckDB: select reason, count(*) from 'data/lake/quarantine/*/*.parquet' group by all)"
	@echo "The warehouse, dashboards and exports (vitalstats build, serve, export) arrive with issues #4 to #6."

## test: vet, formatting, then every package's tests (they start their own PostgreSQL)
test: prereqs vet fmt-check
	$(GO) test -timeout 45m ./...

## build: bin/vitalstats
build: prereqs
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/vitalstats

## bench: the benchmark of DESIGN.md section 6 (arrives with issue #7)
bench: build
	$(BIN) bench

prereqs:
	@bash scripts/prereqs.sh

vet:
	$(GO) vet ./...

# Fails listing the files gofmt would change; node_modules and testdata hold
# files that are not ours to format.
fmt-check:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -not -path '*/testdata/*' -not -path './data/*' -print); \
	bad=$$(gofmt -l $$files); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$bad"; exit 1; fi

## clean: remove the build output
clean:
	rm -rf bin

## clean-data: remove what the demo wrote (data/: registry cluster, inbox, truth.json)
clean-data:
	rm -rf data
