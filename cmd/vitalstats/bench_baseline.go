package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"vitalstats/etl/lake"
	"vitalstats/internal/benchreport"
	"vitalstats/warehouse"
)

// The R data.table baseline (DESIGN.md section 6: the same indicator tables
// by R data.table from a CSV export of the same events, vitalstats at least
// 25 times faster with 5 times less memory). R gets what the warehouse
// gets: every version of every birth and death record of the national lake,
// as CSV, and the population file; it must find the current events itself
// (latest version, cancellations, duplicate groups) and compute the
// fertility and mortality tables. Its numbers are then checked against the
// warehouse's, so the two programs are timed doing the same work.

// baselineScript is the R script, relative to the working directory (the
// checkout, where make bench runs).
const baselineScript = "scripts/baseline/indicators.R"

// baselineTables are the warehouse's tables that hold what the R script
// computes; the R script's peer builds them alone.
var baselineTables = []string{"fertility_asfr", "fertility_rates", "mortality_asdr", "mortality_rates"}

// baselineTolerance is the relative difference allowed between R's values
// and the warehouse's: the same sums in another order.
const baselineTolerance = 1e-9

var stepBaselineR = benchStep{
	name:  "baseline-r",
	title: "R data.table baseline: the same indicator tables from a CSV export",
	how: "The national lake's birth and death records (every version, the columns the rules need) are exported to CSV with DuckDB, untimed; " +
		"`Rscript " + baselineScript + "` in a child process (data.table, 2 threads) reads them and the population file, keeps each event once " +
		"(latest version, not cancelled, first registered of a duplicate group) and writes births, ASFR and TFR, age-specific death rates and CDR " +
		"by year, area (nation, provinces, districts) and sex. Every value it writes is checked against the warehouse of the build step " +
		"(relative difference at most 1e-9), or the step fails. Its time and peak RSS are compared with `vitalstats build -only` of the same four " +
		"indicator tables (with everything they read: staging, deduplication, population, life tables) from the same lake, in a child process.",
	run: func(ctx context.Context, b *bencher) error {
		if !b.opt.baseline {
			b.log.Info("bench: the R baseline is skipped (-baseline=false)")
			return nil
		}
		return b.baselineR(ctx)
	},
}

func (b *bencher) baselineR(ctx context.Context) error {
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		return fmt.Errorf("Rscript is not installed (make bench installs it: bash scripts/prereqs.sh --bench), or run with -baseline=false: %w", err)
	}
	script, err := filepath.Abs(baselineScript)
	if err != nil {
		return err
	}
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("the R script: %w (vitalstats bench runs from the checkout)", err)
	}
	l, err := b.nationalLake(ctx)
	if err != nil {
		return err
	}
	reg := l.reg
	dir := filepath.Join(b.runDir, "baseline-r")
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	rows, err := exportLakeCSV(ctx, l.lake, dir, b)
	if err != nil {
		return err
	}
	population, err := filepath.Abs(filepath.Join(reg.dir, "truth_population.csv"))
	if err != nil {
		return err
	}
	b.rVersion = rVersion(ctx, rscript)

	cmd := exec.CommandContext(ctx, rscript, "--vanilla", script,
		filepath.Join(dir, "births.csv"), filepath.Join(dir, "deaths.csv"), population, out)
	run, err := b.measure("baseline-r", cmd)
	if err != nil {
		return err
	}
	// The peer: vitalstats building the same tables, and what they read,
	// from the same lake, into a file of its own.
	same := filepath.Join(dir, "same_tables.duckdb")
	peer, err := b.child(ctx, "build-same-tables", "build", "-config", l.config,
		"-only", strings.Join(baselineTables, ","), "-out", same)
	if err != nil {
		return err
	}
	checked, err := checkBaseline(ctx, same, out)
	if err != nil {
		return fmt.Errorf("the R baseline does not compute the warehouse's numbers: %w", err)
	}
	b.log.Info("bench: the R baseline agrees with the warehouse", "values", checked)
	note := fmt.Sprintf("%s records read; %s values checked equal to the warehouse's", thousands(rows), thousands(checked))
	return b.res.Add(
		benchreport.Figure{Name: "build.same_tables.seconds", Label: "vitalstats build -only " + strings.Join(baselineTables, ", "), Value: peer.seconds(), Unit: benchreport.Seconds},
		benchreport.Figure{Name: "build.same_tables.rss", Label: "peak RSS of that build", Value: peer.rssMiB(), Unit: benchreport.MiB},
		benchreport.Figure{Name: "baseline.r.seconds", Label: "R data.table, same indicator tables", Value: run.seconds(), Unit: benchreport.Seconds,
			Peer: "build.same_tables.seconds", Target: &benchreport.Target{RatioMin: 25}, Note: note},
		benchreport.Figure{Name: "baseline.r.rss", Label: "peak RSS of R data.table", Value: run.rssMiB(), Unit: benchreport.MiB,
			Peer: "build.same_tables.rss", Target: &benchreport.Target{RatioMin: 5}},
	)
}

// exportLakeCSV writes births.csv and deaths.csv into dir: every record of
// the lake's committed files, with the columns the R script reads, under the
// names the warehouse's staging gives them. It returns the records written.
func exportLakeCSV(ctx context.Context, lakeDir, dir string, b *bencher) (int64, error) {
	lk, err := lake.Open(lakeDir, b.log)
	if err != nil {
		return 0, fmt.Errorf("baseline: open the lake: %w", err)
	}
	defer lk.Close()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "set threads = 2; set memory_limit = '1GB'; set preserve_insertion_order = false"); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	// dup_group as staging gives it: the record's linkage cluster (the
	// latest row of the event in link_cluster, stg_lake__link_clusters),
	// else the group its identity code gave it.
	clusters, err := lk.Files("link_cluster")
	if err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	clusterSQL := "select null::varchar as event_type, null::varchar as event_id, null::varchar as cluster_id where false"
	if len(clusters) > 0 {
		quoted := make([]string, len(clusters))
		for i, f := range clusters {
			quoted[i] = sqlQuote(f)
		}
		clusterSQL = fmt.Sprintf("select event_type, event_id, cluster_id from read_parquet([%s], union_by_name = true, hive_partitioning = false) "+
			"qualify row_number() over (partition by event_type, event_id order by batch desc, seq desc) = 1", strings.Join(quoted, ", "))
	}
	if _, err := db.ExecContext(ctx, "create temp table cluster as "+clusterSQL); err != nil {
		return 0, fmt.Errorf("baseline: the lake's linkage clusters: %w", err)
	}
	const keys = "event_id, version, status, coalesce(c.cluster_id, r.dup_group) as dup_group, registration_date, occurrence_year as year, " +
		"residence_province as province_code, residence_district as district_code, sex"
	var total int64
	for _, t := range []struct{ table, file, cols string }{
		{"birth", "births.csv", keys + ", mother_age"},
		{"death", "deaths.csv", keys + ", age_years"},
	} {
		files, err := lk.Files(t.table)
		if err != nil {
			return 0, fmt.Errorf("baseline: %w", err)
		}
		if len(files) == 0 {
			return 0, fmt.Errorf("baseline: the lake has no %s file", t.table)
		}
		quoted := make([]string, len(files))
		for i, f := range files {
			quoted[i] = sqlQuote(f)
		}
		// The file list is data, as in warehouse.createRaw: the only SQL built here.
		q := fmt.Sprintf("copy (select %s from read_parquet([%s], union_by_name = true, hive_partitioning = false) as r "+
			"left join (select event_id, cluster_id from cluster where event_type = %s) as c using (event_id)) to %s (header, delimiter ',')",
			t.cols, strings.Join(quoted, ", "), sqlQuote(t.table), sqlQuote(filepath.Join(dir, t.file)))
		var n int64
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return 0, fmt.Errorf("baseline: export %s: %w", t.table, err)
		}
		b.log.Info("bench: exported for R", "table", t.table, "rows", n)
		total += n
	}
	return total, nil
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// rVersion says which R and data.table ran, for the machine description.
func rVersion(ctx context.Context, rscript string) string {
	out, err := exec.CommandContext(ctx, rscript, "--vanilla", "-e",
		`cat(R.version$major, ".", R.version$minor, ", data.table ", format(packageVersion("data.table")), sep = "")`).Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

// baselineCheck compares one table R wrote with the warehouse's.
type baselineCheck struct {
	file      string
	columns   string // read_csv's columns
	keys      []string
	warehouse string // the warehouse's rows: keys and value
	// rOnly allows rows R has and the warehouse has not (births by area:
	// the warehouse's CBR, where they are read, needs a population).
	rOnly bool
}

var baselineChecks = []baselineCheck{
	{file: "births.csv", columns: "{'year': 'integer', 'area_code': 'varchar', 'value': 'double'}",
		keys:      []string{"year", "area_code"},
		warehouse: "select year, area_code, numerator::double as value from fertility_rates where measure = 'cbr' and basis = 'registered' and numerator > 0", rOnly: true},
	{file: "asfr.csv", columns: "{'year': 'integer', 'area_code': 'varchar', 'age_group': 'varchar', 'births': 'double', 'women': 'double', 'value': 'double'}",
		keys:      []string{"year", "area_code", "age_group"},
		warehouse: "select year, area_code, age_group, value from fertility_asfr where basis = 'registered' and numerator > 0"},
	{file: "tfr.csv", columns: "{'year': 'integer', 'area_code': 'varchar', 'value': 'double'}",
		keys:      []string{"year", "area_code"},
		warehouse: "select year, area_code, value from fertility_rates where measure = 'tfr' and basis = 'registered' and numerator > 0 and value is not null"},
	{file: "asdr.csv", columns: "{'year': 'integer', 'area_code': 'varchar', 'sex': 'varchar', 'age_group': 'varchar', 'deaths': 'double', 'population': 'double', 'value': 'double'}",
		keys:      []string{"year", "area_code", "sex", "age_group"},
		warehouse: "select year, area_code, sex, age_group, value from mortality_asdr"},
	{file: "cdr.csv", columns: "{'year': 'integer', 'area_code': 'varchar', 'sex': 'varchar', 'deaths': 'double', 'population': 'double', 'value': 'double'}",
		keys:      []string{"year", "area_code", "sex"},
		warehouse: "select year, area_code, sex, value from mortality_rates where measure = 'cdr' and basis = 'registered'"},
}

// checkBaseline compares every value R wrote in dir with the warehouse's,
// and every warehouse row of those tables with R's: a row on one side only,
// or values more than baselineTolerance apart, is an error. It returns the
// number of values compared.
func checkBaseline(ctx context.Context, path, dir string) (int64, error) {
	w, err := warehouse.Open(path, warehouse.Options{Threads: 2, MemoryLimit: "512MB", ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer w.Close()
	var total int64
	var errs []error
	for _, c := range baselineChecks {
		// A missing rate (no denominator) is NULL in the warehouse and NA in
		// R's file, and 0 / 0 is NaN in DuckDB and empty in R's: equal. The
		// file name is ours, not input.
		q := fmt.Sprintf(`with r as (select %[1]s, value, true as in_r
			          from read_csv(%[2]s, header = true, auto_detect = false, columns = %[3]s, nullstr = ['', 'NA'])),
			w as (select *, true as in_w from (%[4]s)),
			j as (select %[1]s, nullif(w.value, 'nan'::double) as wv, r.value as rv, in_w, in_r from w full join r using (%[1]s)),
			checked as (select *, case
			        when wv is null and rv is null or wv = rv then true
			        when wv is null or rv is null then %[5]t and in_w is null
			        else abs(wv - rv) <= %[6]g * greatest(abs(wv), abs(rv)) end as ok
			    from j)
			select count(*), count(*) filter (where not ok),
			       coalesce(any_value(concat_ws(' ', %[1]s, 'warehouse', coalesce(wv::varchar, 'none'), 'R', coalesce(rv::varchar, 'none')))
			                filter (where not ok), '')
			from checked`,
			strings.Join(c.keys, ", "), sqlQuote(filepath.Join(dir, c.file)), c.columns, c.warehouse, c.rOnly, baselineTolerance)
		var n, bad int64
		var example string
		if err := w.DB.QueryRowContext(ctx, q).Scan(&n, &bad, &example); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.file, err))
			continue
		}
		if n == 0 {
			errs = append(errs, fmt.Errorf("%s: no rows to compare", c.file))
		}
		if bad > 0 {
			errs = append(errs, fmt.Errorf("%s: %d of %d rows differ, e.g. %s", c.file, bad, n, example))
		}
		total += n
	}
	return total, errors.Join(errs...)
}
