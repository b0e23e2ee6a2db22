//go:build coverage

package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// TestLifeTableCoverage measures, over many seeds, how often the 95%
// intervals of registered e0 (complete registration), of the GGB-SEG-adjusted
// e60 and 45q15 and of e0 adjusted by completeness (default profile, with the
// synthetic country's own rates as the reference) cover the truth: the
// figures of docs/methods.md section 7. It runs the two pipelines of the
// end-to-end tests once per seed (about a minute each) and a second build of
// the default one, so it is built only with the coverage tag:
//
//	VITALSTATS_COVERAGE_SEEDS=20 go test -tags coverage -run TestLifeTableCoverage -timeout 3h -v ./cmd/vitalstats
func TestLifeTableCoverage(t *testing.T) {
	seeds, err := strconv.Atoi(os.Getenv("VITALSTATS_COVERAGE_SEEDS"))
	if err != nil || seeds < 1 {
		t.Fatal("set VITALSTATS_COVERAGE_SEEDS to the number of seeds")
	}
	var complete, adjusted, e0 coverage
	var mae float64
	for seed := 1001; seed < 1001+seeds; seed++ {
		t.Run(strconv.Itoa(seed), func(t *testing.T) {
			db, truth := pipelineSeed(t, seed, 250_000, completeProfile)
			c := checkLifeTablesComplete(t, db, truth)
			var cfg string
			db2, truth2 := pipelineSeed(t, seed, 300_000, "", &cfg)
			a := checkLifeTablesDefault(t, db2, truth2)
			e, m := checkAdjustedE0(t, buildWithTruthReference(t, cfg, truth2.dir), truth2.E0, 2002, 2025)
			mae += m
			for _, p := range []struct{ sum, one *coverage }{{&complete, &c}, {&adjusted, &a}, {&e0, &e}} {
				p.sum.covered += p.one.covered
				p.sum.cells += p.one.cells
				p.sum.z2 += p.one.z2
				p.sum.z += p.one.z
			}
			t.Logf("seed %d: registered e0 %d/%d, adjusted e60 and 45q15 %d/%d, e0 adjusted by completeness %d/%d",
				seed, c.covered, c.cells, a.covered, a.cells, e.covered, e.cells)
		})
	}
	t.Logf("e0 adjusted by completeness: mean |error| %.2f years", mae/float64(seeds))
	for _, c := range []struct {
		what string
		c    coverage
	}{{"registered e0, complete registration", complete}, {"adjusted e60 and 45q15, default profile", adjusted},
		{"e0 adjusted by completeness, default profile, the truth as reference", e0}} {
		t.Logf("%s: %d of %d intervals cover (%.1f%%), mean z %+.2f, mean z² %.2f", c.what, c.c.covered, c.c.cells,
			100*float64(c.c.covered)/float64(c.c.cells), c.c.z/float64(c.c.cells), c.c.meanZ2())
	}
}

// buildWithTruthReference builds the lake of a pipeline's config again with
// the synthetic country's own rates as the site's reference files (written by
// gen into dir), into a warehouse of its own, and opens it read-only.
func buildWithTruthReference(t *testing.T, cfg, dir string) *sql.DB {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "truth-reference.duckdb")
	text := strings.Replace(string(b), fmt.Sprintf("path = %q", filepath.Join(dir, "warehouse.duckdb")), fmt.Sprintf("path = %q", path), 1)
	if text == string(b) {
		t.Fatal("the pipeline's config names no warehouse path to replace")
	}
	site := writeConfig(t, text+fmt.Sprintf("\n[reference]\n%q = %q\n%q = %q\n",
		"cambodia/vital_rates/wpp2024_mx_5yr_1995_2035.csv", filepath.Join(dir, "truth_reference_mx.csv"),
		"cambodia/vital_rates/igme_child_mortality_cambodia.csv", filepath.Join(dir, "truth_reference_igme.csv")))
	if code, _, stderr := runCLI(t, "build", "-config", site); code != 0 {
		t.Fatalf("build with the truth as reference: exit %d\nstderr: %s", code, stderr)
	}
	w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB
}
