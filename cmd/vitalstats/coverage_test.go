//go:build coverage

package main

import (
	"os"
	"strconv"
	"testing"
)

// TestLifeTableCoverage measures, over many seeds, how often the 95%
// intervals of registered e0 (complete registration) and of the adjusted
// e60 and 45q15 (default profile) cover the truth: the figures of
// docs/methods.md section 7. It runs the two pipelines of the end-to-end
// tests once per seed (about a minute each), so it is built only with the
// coverage tag:
//
//	VITALSTATS_COVERAGE_SEEDS=20 go test -tags coverage -run TestLifeTableCoverage -timeout 3h -v ./cmd/vitalstats
func TestLifeTableCoverage(t *testing.T) {
	seeds, err := strconv.Atoi(os.Getenv("VITALSTATS_COVERAGE_SEEDS"))
	if err != nil || seeds < 1 {
		t.Fatal("set VITALSTATS_COVERAGE_SEEDS to the number of seeds")
	}
	var complete, adjusted coverage
	for seed := 1001; seed < 1001+seeds; seed++ {
		t.Run(strconv.Itoa(seed), func(t *testing.T) {
			db, truth := pipelineSeed(t, seed, 250_000, completeProfile)
			c := checkLifeTablesComplete(t, db, truth)
			db2, truth2 := pipelineSeed(t, seed, 300_000, "")
			a := checkLifeTablesDefault(t, db2, truth2)
			for _, p := range []struct{ sum, one *coverage }{{&complete, &c}, {&adjusted, &a}} {
				p.sum.covered += p.one.covered
				p.sum.cells += p.one.cells
				p.sum.z2 += p.one.z2
				p.sum.z += p.one.z
			}
			t.Logf("seed %d: registered e0 %d/%d, adjusted e60 and 45q15 %d/%d", seed, c.covered, c.cells, a.covered, a.cells)
		})
	}
	for _, c := range []struct {
		what string
		c    coverage
	}{{"registered e0, complete registration", complete}, {"adjusted e60 and 45q15, default profile", adjusted}} {
		t.Logf("%s: %d of %d intervals cover (%.1f%%), mean z %+.2f, mean z² %.2f", c.what, c.c.covered, c.c.cells,
			100*float64(c.c.covered)/float64(c.c.cells), c.c.z/float64(c.c.cells), c.c.meanZ2())
	}
}
