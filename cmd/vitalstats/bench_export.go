package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vitalstats/internal/benchreport"
	"vitalstats/reports"
	"vitalstats/warehouse"
)

var stepExport = benchStep{
	name:  "export",
	title: "export of a release from the national lake",
	how: "`vitalstats export` in a child process builds the warehouse from the national lake (as the build step does) and, from " +
		"the build's own intermediate tables, writes the de-identified research extracts; then the annual report (XLSX, CSV, " +
		"SDMX-CSV, after disclosure control) and the extracts' aggregate tables, into a new release. The full rebuild is the " +
		"backfill ETL (registry and file drops) plus this export: registry to lake to warehouse to published files.",
	run: func(ctx context.Context, b *bencher) error {
		l, err := b.nationalLake(ctx)
		if err != nil {
			return err
		}
		run, err := b.child(ctx, "export", "export", "-config", l.config)
		if err != nil {
			return err
		}
		log, err := reports.Releases(filepath.Join(l.dir, "releases"))
		if err != nil || len(log) == 0 {
			return fmt.Errorf("the export left no release: %v", err)
		}
		var size int64
		err = filepath.WalkDir(filepath.Join(l.dir, "releases", log[len(log)-1].ID), func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err == nil {
				size += info.Size()
			}
			return err
		})
		if err != nil {
			return err
		}
		extracts, err := extractFigures(filepath.Join(l.dir, "releases", log[len(log)-1].ID))
		if err != nil {
			return err
		}
		figs := []benchreport.Figure{
			{Name: "export.seconds", Label: "export: build, research extracts, annual report, aggregates (" + l.reg.label + ")", Value: run.seconds(), Unit: benchreport.Seconds},
			{Name: "export.rss", Label: "peak RSS of the export", Value: run.rssMiB(), Unit: benchreport.MiB,
				Target: &benchreport.Target{ValueMax: 2048}},
			{Name: "export.release_kib", Label: "size of the release", Value: float64(size) / (1 << 10), Unit: benchreport.KiB},
		}
		figs = append(figs, extracts...)
		if etl := b.res.Figure("etl.backfill.seconds"); etl != nil {
			figs = append(figs, benchreport.Figure{Name: "full_rebuild.seconds", Label: "full rebuild: backfill ETL + export",
				Value: etl.Value + run.seconds(), Unit: benchreport.Seconds, Target: &benchreport.Target{ValueMax: 60}})
		}
		return b.res.Add(figs...)
	},
}

// extractFigures reads the codebook of each research extract of a release
// and reports, per extract, the size of its Parquet files and its utility:
// the share of records that keep every quasi-identifier and the mean share
// that keep each one (warehouse.Utility).
func extractFigures(release string) ([]benchreport.Figure, error) {
	books, err := filepath.Glob(filepath.Join(release, "research", "*", "codebook.json"))
	if err != nil {
		return nil, err
	}
	if len(books) == 0 {
		return nil, fmt.Errorf("release %s has no research extract", release)
	}
	var figs []benchreport.Figure
	for _, p := range books {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var cb warehouse.Codebook
		if err := json.Unmarshal(b, &cb); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if cb.Event == "" || cb.Event != filepath.Base(filepath.Dir(p)) || len(cb.Utility.Kept) == 0 {
			return nil, fmt.Errorf("%s: no event or no utility", p)
		}
		var size int64
		for _, f := range cb.Files {
			st, err := os.Stat(filepath.Join(filepath.Dir(p), f))
			if err != nil {
				return nil, err
			}
			size += st.Size()
		}
		u, name := cb.Utility, "export.extract."+cb.Event
		figs = append(figs,
			benchreport.Figure{Name: name + ".kib", Label: fmt.Sprintf("research extract %s: Parquet files (%s), %d records", cb.Event, cb.Compression, u.Records),
				Value: float64(size) / (1 << 10), Unit: benchreport.KiB},
			benchreport.Figure{Name: name + ".whole", Label: fmt.Sprintf("research extract %s: share of records keeping every quasi-identifier (k = %d)", cb.Event, cb.K),
				Value: u.Share(), Unit: benchreport.Share},
			benchreport.Figure{Name: name + ".kept", Label: fmt.Sprintf("research extract %s: mean share of records keeping each quasi-identifier (k = %d)", cb.Event, cb.K),
				Value: u.MeanKept(), Unit: benchreport.Share})
	}
	return figs, nil
}
