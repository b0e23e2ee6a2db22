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

.PHONY: demo test build assets bench prereqs vet fmt-check clean clean-data

## demo: build, write the synthetic registry, take it into the lake and build the warehouse
demo: build
	@# The demo starts from a clean slate: a new registry, lake and warehouse.
	rm -rf data/lake data/inbox data/jobs data/warehouse.duckdb data/site data/releases data/demo.toml data/demo-admin-password.txt
	@# data/ holds names, identity numbers and the admin's password: for this account only
	@# (vitalstats itself creates everything 0700/0600; this closes what older demos left open).
	@mkdir -p -m 700 data && chmod -R go= data
	@# The synthetic country's own population stands in for NIS projections, and two of its
	@# years for censuses (Cambodia counted its people in 2008 and 2019).
	@# data/demo.toml lives in data/, and a config's paths are relative to its folder.
	umask 077; sed -e 's|^data_dir = "data"|data_dir = "."|' -e 's|= "data/|= "|' \
	    -e 's|^population = ""|population = "truth_population.csv"|' \
	    -e 's|^population_source = ""|population_source = "the simulated mid-year population of the synthetic country (vitalstats gen)"|' \
	    -e 's|^census_years = \[\]|census_years = [2008, 2019]|' \
	    -e 's|^public_page = ""|public_page = "overview"|' $(CONFIG) > data/demo.toml
	$(BIN) gen -config data/demo.toml -to both
	$(BIN) etl -config data/demo.toml
	$(BIN) build -config data/demo.toml
	@# The dashboards: an admin account with a new random password (kept in data/, shown below),
	@# the national overview public, and a static copy of the planners' pages.
	@umask 077; pw=$$(head -c 18 /dev/urandom | base64 | tr -d '/+='); \
	  printf '\n[[serve.users]]\nname = "admin"\nrole = "admin"\n' >> data/demo.toml; \
	  echo "$$pw" | $(BIN) passwd >> data/demo.toml && echo "$$pw" > data/demo-admin-password.txt
	$(BIN) serve -config data/demo.toml -export-site data/site
	$(BIN) export -config data/demo.toml -note "make demo"
	@echo
	@echo "Where to look:"
	@echo "  data/truth.json         the known answers (TFR, e0, IMR, completeness...) of the synthetic registry"
	@echo "  data/registry-pg/       the registry's PostgreSQL cluster; the lines 'registry' above say how to open it with psql"
	@echo "  data/inbox/done/        the file drops (CSV and NDJSON batches of digitized records), taken by the ETL"
	@echo "  data/lake/              the Parquet lake: one folder per table (birth, death, ..., quarantine), by year"
	@echo "  data/warehouse.duckdb   the warehouse: one table per indicator (listed above), e.g. in DuckDB:"
	@echo "                          select * from life_expectancy where area_code = 'KH' and measure = 'e0' order by year"
	@echo "  docs/methods.md         how each indicator is computed, with its sources"
	@echo "  data/site/index.html    the dashboards as static files (English and Khmer), to open in a browser"
	@echo "  data/releases/          the release of vitalstats export: the annual report's tables (XLSX, CSV, SDMX-CSV)"
	@echo "                          after disclosure control, and de-identified research extracts with codebooks"
	@echo "The dashboards served, with every filter, data quality and ETL runs:"
	@echo "  bin/vitalstats serve -config data/demo.toml -no-jobs   then open http://127.0.0.1:8080/"
	@echo "  and sign in as admin with the password in data/demo-admin-password.txt"

## test: vet, formatting, then every package's tests (they start their own PostgreSQL;
## the dashboards' run in headless Chromium and the SDMX tests' xmllint, which scripts/prereqs.sh --browser installs;
## the workbook's in LibreOffice headless, which scripts/prereqs.sh --office installs)
test: prereqs assets vet fmt-check
	@bash scripts/prereqs.sh --browser
	@bash scripts/prereqs.sh --office
	$(GO) test -timeout 60m ./...

## build: bin/vitalstats
build: prereqs assets
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/vitalstats

## assets: ECharts and the Khmer font from npm, at the versions of dashboards/web/package-lock.json,
## into dashboards/assets/vendor for go:embed; a no-op when they are already there
assets: prereqs
	@bash scripts/assets.sh

## bench: the benchmark of DESIGN.md section 6 on a 16 M-event registry, generated once and
## cached in data/bench/cache; writes bench/results.json and BENCHMARKS.md.
## A quick one: make bench BENCH_FLAGS='-scale 1000000 -small 100000'
BENCH_FLAGS ?=
## The R data.table baseline needs R (scripts/prereqs.sh --bench installs it; -baseline=false skips it).
bench: build
	@bash scripts/prereqs.sh --bench
	@# the dashboards' first visit is measured in headless Chromium
	@bash scripts/prereqs.sh --browser
	$(BIN) bench $(BENCH_FLAGS)

prereqs:
	@bash scripts/prereqs.sh

vet: assets
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
