#!/usr/bin/env bash
# prereqs.sh: checks what building and testing vitalstats needs from the
# machine, and installs what is missing when it can (root, with apt-get);
# otherwise it prints exactly what to install and fails.
#
#   Go >= 1.26      the toolchain (not installable from Debian 12's packages)
#   gcc             cgo, for DuckDB
#   make            the entry points (make demo, make test)
#   postgresql-15   the registry's server binaries in /usr/lib/postgresql/15/bin,
#                   which vitalstats and the tests start themselves
#   ca-certificates go mod download over HTTPS
#   nodejs, npm     npm ci of the dashboards' ECharts and Khmer font
#                   (scripts/assets.sh, dashboards/web/package.json)
#
# Used by the Makefile (make demo, make test, make build) and by .ci/run.
#
# With --browser (make test) it checks instead what the tests need beyond
# the build: the dashboards' tests in a real headless browser, and the
# validation of the releases' SDMX-ML structure messages against the
# SDMX-ML 2.1 schemas (reports/testdata/sdmx-ml-2.1):
#
#   chromium        /usr/bin/chromium
#   libxml2-utils   xmllint
#
# With --office (make test) it checks instead what the workbook's test in
# LibreOffice needs (reports/xlsx_soffice_test.go; skipped without it):
#
#   libreoffice-calc-nogui   soffice, headless (Calc only, no recommends)
#
# With --bench (make bench only; make test and CI need none of it) it checks
# instead what the benchmark's baseline needs:
#
#   r-base-core, r-cran-data.table   Rscript and data.table, for the R baseline
#                                    (scripts/baseline/indicators.R)
set -euo pipefail

if [ "${1:-}" = "--browser" ]; then
	test_pkgs=()
	[ -x /usr/bin/chromium ] || test_pkgs+=(chromium)
	command -v xmllint >/dev/null 2>&1 || test_pkgs+=(libxml2-utils)
	[ "${#test_pkgs[@]}" -eq 0 ] && exit 0
	if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "prereqs: installing ${test_pkgs[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${test_pkgs[@]}" >/dev/null
		exit 0
	fi
	echo "prereqs: the tests need ${test_pkgs[*]} (the dashboards' browser tests /usr/bin/chromium, the SDMX tests xmllint); install with:" >&2
	echo "  sudo apt-get install ${test_pkgs[*]}" >&2
	exit 1
fi

if [ "${1:-}" = "--office" ]; then
	command -v soffice >/dev/null 2>&1 && exit 0
	if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "prereqs: installing libreoffice-calc-nogui" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
		exit 0
	fi
	echo "prereqs: the workbook's LibreOffice test needs soffice; install with:" >&2
	echo "  sudo apt-get install --no-install-recommends libreoffice-calc-nogui" >&2
	exit 1
fi

if [ "${1:-}" = "--bench" ]; then
	if command -v Rscript >/dev/null 2>&1 &&
		Rscript --vanilla -e 'quit(status = if (requireNamespace("data.table", quietly = TRUE)) 0 else 1)' >/dev/null 2>&1; then
		exit 0
	fi
	bench_pkgs=(r-base-core r-cran-data.table)
	if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "prereqs: installing ${bench_pkgs[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${bench_pkgs[@]}" >/dev/null
		exit 0
	fi
	echo "prereqs: the benchmark's R baseline needs ${bench_pkgs[*]}; install with:" >&2
	echo "  sudo apt-get install ${bench_pkgs[*]}" >&2
	echo "(or skip the baseline: make bench BENCH_FLAGS=-baseline=false)" >&2
	exit 1
fi

pg_bin=/usr/lib/postgresql/15/bin
go_min_major=1
go_min_minor=26

# Go is often installed in /usr/local/go without being on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	PATH="$PATH:/usr/local/go/bin"
fi

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
for b in initdb pg_ctl postgres; do
	if [ ! -x "$pg_bin/$b" ]; then
		missing+=(postgresql-15)
		break
	fi
done
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "prereqs: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "prereqs: missing ${missing[*]}; install with:" >&2
		echo "  sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

# Go last: it cannot be installed from Debian 12's packages (they carry 1.19).
if ! command -v go >/dev/null 2>&1; then
	echo "prereqs: Go ${go_min_major}.${go_min_minor} or later is not on PATH (nor in /usr/local/go/bin); install it and put its bin directory on PATH" >&2
	exit 1
fi
go_version=$(go env GOVERSION)
if [[ ! $go_version =~ ^go([0-9]+)\.([0-9]+) ]]; then
	echo "prereqs: cannot read the Go version from '$go_version'" >&2
	exit 1
fi
major=${BASH_REMATCH[1]}
minor=${BASH_REMATCH[2]}
if [ "$major" -lt "$go_min_major" ] || { [ "$major" -eq "$go_min_major" ] && [ "$minor" -lt "$go_min_minor" ]; }; then
	echo "prereqs: $(command -v go) is $go_version; vitalstats needs Go ${go_min_major}.${go_min_minor} or later" >&2
	exit 1
fi
