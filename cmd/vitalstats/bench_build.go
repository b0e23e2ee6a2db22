package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"vitalstats/internal/benchreport"
	"vitalstats/warehouse"
)

// benchWarehouse is the warehouse section of a bench lake's config: the
// generator's simulated population as the denominators (it is the synthetic
// country's census), 2008 and 2019 as census years, and DuckDB held to the
// memory the design allows a full rebuild.
func benchWarehouse(dir string, reg *benchRegistry) map[string]any {
	return map[string]any{
		"path":         filepath.Join(dir, "warehouse.duckdb"),
		"threads":      2,
		"memory_limit": "1200MB",
		"population":   filepath.Join(reg.dir, "truth_population.csv"),
		"census_years": []int{2008, 2019},
	}
}

var stepBuild = benchStep{
	name:  "build",
	title: "warehouse build of every indicator from the national lake",
	how: "`vitalstats build` in a child process reads the national lake left by the backfill steps and builds every indicator " +
		"(staging, intermediate, life tables and the other demographic methods, indicators, checks) into a new DuckDB file, " +
		"swapped in at the end; DuckDB has 2 threads and a 1,200 MB memory limit.",
	run: func(ctx context.Context, b *bencher) error {
		l, err := b.nationalLake(ctx)
		if err != nil {
			return err
		}
		reg := l.reg
		run, err := b.child(ctx, "build", "build", "-config", l.config)
		if err != nil {
			return err
		}
		var sum warehouse.BuildSummary
		if err := lastSummary(filepath.Join(l.dir, "data", "jobs", "runs.jsonl"), "build", &sum); err != nil {
			return err
		}
		surv, ok := sum.Steps["int_surveillance"]
		if !ok {
			return fmt.Errorf("the build's summary has no step int_surveillance: %v", sum.Steps)
		}
		path := filepath.Join(l.dir, "warehouse.duckdb")
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("the build left no warehouse: %w", err)
		}
		w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
		if err != nil {
			return err
		}
		defer w.Close()
		var tables int64
		if err := w.DB.QueryRowContext(ctx, "select count(*) from information_schema.tables").Scan(&tables); err != nil {
			return err
		}
		// The publication layer's information loss at national scale.
		var cells, nonzero, changed, withheld int64
		var abs float64
		if err := w.DB.QueryRowContext(ctx, `select sum(cells), sum(nonzero), sum(changed), sum(suppressed),
			sum(mean_abs_change * greatest(nonzero - suppressed, 0)) / greatest(sum(greatest(nonzero - suppressed, 0)), 1)
			from publication_loss`).Scan(&cells, &nonzero, &changed, &withheld, &abs); err != nil {
			return fmt.Errorf("publication_loss: %w", err)
		}
		return b.res.Add(
			benchreport.Figure{Name: "publish.cells", Label: "published count cells (publication layer)", Value: float64(cells), Unit: benchreport.Count},
			benchreport.Figure{Name: "publish.changed_share", Label: "share of the non-zero published counts changed by the cell-key noise", Value: float64(changed) / float64(max(nonzero, 1)), Unit: benchreport.Share},
			benchreport.Figure{Name: "publish.withheld", Label: "rows withheld (published count or counted denominator 1-4)", Value: float64(withheld), Unit: benchreport.Count},
			benchreport.Figure{Name: "publish.mean_abs_change", Label: "mean absolute change of the shown non-zero counts (events)", Value: abs, Unit: benchreport.Events},
			benchreport.Figure{Name: "build.seconds", Label: "warehouse build, every indicator, " + reg.label + " lake", Value: run.seconds(), Unit: benchreport.Seconds,
				Target: &benchreport.Target{ValueMax: 30, Stretch: &benchreport.Target{ValueMax: 15}}},
			benchreport.Figure{Name: "build.surveillance.seconds", Label: "of which the surveillance models (nowcasts, expected deaths and excess of every series)",
				Value: surv, Unit: benchreport.Seconds, Peer: "build.seconds"},
			benchreport.Figure{Name: "build.rss", Label: "peak RSS of the build", Value: run.rssMiB(), Unit: benchreport.MiB,
				Target: &benchreport.Target{ValueMax: 2048}},
			benchreport.Figure{Name: "build.tables", Label: "tables in the warehouse", Value: float64(tables), Unit: benchreport.Count},
			benchreport.Figure{Name: "build.file_mib", Label: "size of the warehouse file", Value: float64(st.Size()) / (1 << 20), Unit: benchreport.MiB},
		)
	},
}
