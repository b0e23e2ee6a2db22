package main

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"

	"vitalstats/internal/benchreport"
	"vitalstats/reports"
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
		figs := []benchreport.Figure{
			{Name: "export.seconds", Label: "export: build, research extracts, annual report, aggregates (" + l.reg.label + ")", Value: run.seconds(), Unit: benchreport.Seconds},
			{Name: "export.rss", Label: "peak RSS of the export", Value: run.rssMiB(), Unit: benchreport.MiB,
				Target: &benchreport.Target{ValueMax: 2048}},
			{Name: "export.release_kib", Label: "size of the release", Value: float64(size) / (1 << 10), Unit: benchreport.KiB},
		}
		if etl := b.res.Figure("etl.backfill.seconds"); etl != nil {
			figs = append(figs, benchreport.Figure{Name: "full_rebuild.seconds", Label: "full rebuild: backfill ETL + export",
				Value: etl.Value + run.seconds(), Unit: benchreport.Seconds, Target: &benchreport.Target{ValueMax: 60}})
		}
		return b.res.Add(figs...)
	},
}
