package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vitalstats/refdata"
)

// BuildInput is what a build reads besides the SQL models.
type BuildInput struct {
	// Lake maps each lake table (birth, death, fetal_death, marriage,
	// notification, quarantine) to its committed Parquet files; every table
	// needs at least one file, empty or not, so the raw views have columns.
	Lake map[string][]string
	// Snapshot names the lake state read (the manifest entry), for build_info.
	Snapshot string
	// Reference is the reference data, with the site's overrides.
	Reference refdata.Source
	// Population is a CSV of denominators (year, province_code, district_code,
	// sex, age_group, population); "" derives them from the reference data.
	Population string
	// AsOf, if set, is the date the registry data describe, as the site
	// states it; zero takes the latest registration date in the lake (see
	// LatestRegistration). Windows of late registration that have not
	// closed by then are reported as open, not as missing. It is never the
	// build's or the extraction's time: a rebuild of an old lake keeps it.
	AsOf time.Time
	// Version is the code version recorded in build_info.
	Version string
	// CensusYears are the years whose population counts are censuses (or
	// other counts, not projections): the death-distribution methods compare
	// registered deaths between each two consecutive ones.
	CensusYears []int
	// ProvisionalShare is the share of a year's eventual registrations that
	// must have arrived by as_of for the year to be final; 0 means 0.95.
	ProvisionalShare float64
	// LifeTableMinDeaths is the number of registered deaths of a year, area
	// and sex below which no life table is computed; 0 means 200. The same
	// threshold applies to the death-distribution methods' deaths at 5+.
	LifeTableMinDeaths int
	// KeepIntermediate keeps the raw, staging and intermediate layers in the
	// warehouse file (for debugging a model with the duckdb CLI, and for
	// tests); by default they are temporary and only reference tables,
	// Go-method tables and indicators are kept.
	KeepIntermediate bool
	// Only, if not empty, builds these indicators and the models they read,
	// and no other: a quick build of a few tables, into a file of its own.
	Only []string
	// Extracts, if its Dir is set, has the build write the researcher
	// extracts there from its own intermediate tables once the checks have
	// passed; BuildSummary.Extracts describes them.
	Extracts ExtractsInput
	// CellKey keys the noise of the publication layer (publish.go): a
	// secret of the site, the same from build to build, or the noise would
	// change and averaging builds would remove it. Empty: no published
	// tables, so nothing can be read out of the warehouse (ReadSlice).
	CellKey []byte
	// Guard limits how far the counted events may move from those of the
	// warehouse the build replaces; a build beyond them is refused.
	Guard Guard
}

// ExtractsInput asks a build for the researcher extracts.
type ExtractsInput struct {
	Dir string
	K   int // the smallest size of a combination of quasi-identifiers; 0 means DefaultExtractK
}

// LakeTables are the lake tables a build reads, as raw_<table> views.
var LakeTables = []string{"birth", "death", "fetal_death", "marriage", "notification", "quarantine",
	"link_cluster", "link_pair", "link_decision"}

// BuildSummary describes a finished build.
type BuildSummary struct {
	Path     string
	Models   int              // SQL models and methods run
	Checks   int              // checks run (all passed, or the build failed)
	Rows     map[string]int64 // indicator table -> rows
	Elapsed  time.Duration
	Snapshot string
	Extracts *ExtractSummary // when BuildInput.Extracts asked for them
	AsOf     AsOf
	// Accepted lists the changes beyond the Guard's limits that
	// Guard.Accept let through.
	Accepted []Finding
	// Steps is each step's time in seconds (a model, by its name; the
	// checks, publication...), kept in the run history: where a build's
	// time goes.
	Steps map[string]float64
}

// AsOf is the date the data describe and how it was found.
type AsOf struct {
	Date   time.Time
	Source string // AsOfData or AsOfConfig
	// Latest is the latest registration date in the lake (zero if none).
	Latest time.Time
}

// How a build's as_of was found.
const (
	AsOfData   = "data"   // the latest registration date in the lake snapshot
	AsOfConfig = "config" // set by the site
)

// String is the date, with how it was found.
func (a AsOf) String() string {
	how := "the latest registration in the lake"
	if a.Source == AsOfConfig {
		how = "set by the site, [warehouse] as_of"
	}
	return a.Date.Format(time.DateOnly) + " (" + how + ")"
}

// CheckError is returned when a check finds failing rows; the new warehouse
// is then not swapped in.
type CheckError struct {
	Failures []CheckFailure
}

// CheckFailure is one failed check with a few of its failing rows.
type CheckFailure struct {
	Check   string
	Rows    int64
	Example string
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d check(s) failed:", len(e.Failures))
	for _, f := range e.Failures {
		fmt.Fprintf(&b, " %s (%d rows, e.g. %s);", f.Check, f.Rows, f.Example)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Build builds a new warehouse from the lake into path: it writes path.building,
// runs the models and the checks there, and renames it over path only when
// everything passed, so a reader sees the old warehouse or the new one, never
// half of one. A failed or killed build leaves path as it was.
func Build(ctx context.Context, path string, opt Options, in BuildInput, log *slog.Logger) (*BuildSummary, error) {
	start := time.Now()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	tmp := abs + ".building"
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("build: remove the leftover %s: %w", p, err)
		}
	}
	var prev *previousBuild
	if len(in.Only) == 0 { // a build of a few indicators goes to a file of its own and publishes nothing
		if prev, err = readPrevious(ctx, abs, opt, log); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	w, err := Open(tmp, opt)
	if err != nil {
		return nil, err
	}
	sum, err := build(ctx, w, in, prev, log)
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return nil, err
	}
	if err := syncFile(tmp); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return nil, fmt.Errorf("build: swap in %s: %w", abs, err)
	}
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	sum.Path, sum.Elapsed = abs, time.Since(start)
	log.Info("warehouse built", "path", abs, "models", sum.Models, "checks", sum.Checks,
		"snapshot", sum.Snapshot, "as_of", sum.AsOf.String(), "elapsed", sum.Elapsed.Round(time.Millisecond))
	return sum, nil
}

func build(ctx context.Context, w *Warehouse, in BuildInput, prev *previousBuild, log *slog.Logger) (*BuildSummary, error) {
	sum := &BuildSummary{Rows: map[string]int64{}, Snapshot: in.Snapshot, Steps: map[string]float64{}}
	ctx = withLog(ctx, log) // the Go methods log what they fit
	// Variables and macros are per connection: the whole build uses one.
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer conn.Close()
	step := func(name string, f func() error) error {
		t := time.Now()
		if err := f(); err != nil {
			return err
		}
		el := time.Since(t)
		sum.Steps[name] += el.Seconds()
		log.Debug("build step", "step", name, "elapsed", el.Round(time.Millisecond))
		return nil
	}

	if sum.AsOf, err = prepare(ctx, w.DB, conn, in, step); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	ms, err := loadModels()
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	var skip func(check) bool
	if len(in.Only) > 0 {
		built := map[string]bool{} // false: a model left out
		for _, m := range ms {
			built[m.name] = false
		}
		if ms, err = selectModels(ms, in.Only); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		for _, m := range ms {
			built[m.name] = true
		}
		// the checks of sql/checks that read a model left out
		skip = func(c check) bool {
			for _, w := range identifier.FindAllString(stripComments(c.query), -1) {
				if b, ok := built[w]; ok && !b {
					return true
				}
			}
			return false
		}
	}
	for _, m := range ms {
		if err := step(m.name, func() error { return m.run(ctx, conn, in.KeepIntermediate) }); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		sum.Models++
		if m.layer == layerIndicators {
			var n int64
			if err := conn.QueryRowContext(ctx, "select count(*) from "+m.name).Scan(&n); err != nil {
				return nil, fmt.Errorf("build: count %s: %w", m.name, err)
			}
			sum.Rows[m.name] = n
		}
	}
	if err := step("provisional", func() error { return markProvisional(ctx, conn, ms) }); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := step("completeness flags", func() error { return markCompleteness(ctx, conn, ms) }); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	err = step("checks", func() error {
		n, err := runChecks(ctx, conn, ms, skip)
		sum.Checks = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := step("publish", func() error { return publish(ctx, conn, ms, in.CellKey) }); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := step("review queue", func() error { return buildReview(ctx, conn) }); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// Before the extracts: a refused build writes nothing.
	if len(in.Only) == 0 {
		if sum.Accepted, err = guardTotals(ctx, conn, prev, in.Guard, log); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	if in.Extracts.Dir != "" {
		abs, err := filepath.Abs(in.Extracts.Dir)
		if err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		if sum.Extracts, err = writeExtracts(ctx, conn, in, abs, in.Extracts.K, log); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	if err := writeBuildInfo(ctx, conn, in, sum, prev); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// Last, when every table is there: the catalog, and a comment on every
	// table and column.
	if err := step("describe", func() error { return describe(ctx, conn, ms, in.KeepIntermediate, log) }); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := step("checkpoint", func() error {
		_, err := conn.ExecContext(ctx, "checkpoint")
		return err
	}); err != nil {
		return nil, fmt.Errorf("build: checkpoint: %w", err)
	}
	return sum, nil
}

// prepare readies conn for the models: reference tables, macros,
// population, census years, the raw views and the date the data describe.
func prepare(ctx context.Context, db *sql.DB, conn *sql.Conn, in BuildInput, step func(string, func() error) error) (AsOf, error) {
	var asOf AsOf
	if err := step("reference", func() error { return LoadReference(ctx, db, in.Reference) }); err != nil {
		return asOf, err
	}
	if err := step("macros", func() error { return execFile(ctx, conn, "sql/macros.sql") }); err != nil {
		return asOf, err
	}
	if err := step("population", func() error { return loadPopulation(ctx, conn, in.Population) }); err != nil {
		return asOf, err
	}
	minDeaths := in.LifeTableMinDeaths
	if minDeaths <= 0 {
		minDeaths = defaultLifeTableMinDeaths
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("set variable life_table_min_deaths = %d", minDeaths)); err != nil {
		return asOf, err
	}
	share := in.ProvisionalShare
	if share == 0 {
		share = defaultProvisionalShare
	}
	if share <= 0 || share > 1 {
		return asOf, fmt.Errorf("provisional share %g: must lie in (0, 1]", share)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("set variable provisional_share = %g", share)); err != nil {
		return asOf, err
	}
	if err := step("census years", func() error { return createCensusYears(ctx, conn, in.CensusYears) }); err != nil {
		return asOf, err
	}
	if err := step("raw", func() error { return createRaw(ctx, conn, in.Lake, in.KeepIntermediate) }); err != nil {
		return asOf, err
	}
	err := step("as_of", func() error {
		var err error
		asOf, err = resolveAsOf(ctx, conn, in.AsOf)
		return err
	})
	if err != nil {
		return asOf, err
	}
	if _, err := conn.ExecContext(ctx, "set variable as_of = date "+sqlString(asOf.Date.Format(time.DateOnly))); err != nil {
		return asOf, err
	}
	return asOf, nil
}

// registrationTables are the lake tables whose rows are registrations: the
// latest registration_date among them dates the data.
var registrationTables = []string{"birth", "death", "fetal_death", "marriage"}

// resolveAsOf dates the data: set (by the site), or the latest registration
// date of the raw views on conn.
func resolveAsOf(ctx context.Context, conn *sql.Conn, set time.Time) (AsOf, error) {
	latest, err := latestRegistration(ctx, conn)
	if err != nil {
		return AsOf{}, err
	}
	a := AsOf{Date: set, Source: AsOfConfig, Latest: latest.Time}
	if set.IsZero() {
		if !latest.Valid {
			return a, errors.New("as_of: the lake snapshot holds no registration to date the data by (run vitalstats etl, or set [warehouse] as_of)")
		}
		a.Date, a.Source = latest.Time, AsOfData
	}
	a.Date = time.Date(a.Date.Year(), a.Date.Month(), a.Date.Day(), 0, 0, 0, 0, time.UTC)
	return a, nil
}

// latestRegistration is the latest registration_date of the raw views on conn.
func latestRegistration(ctx context.Context, conn *sql.Conn) (sql.NullTime, error) {
	var parts []string
	for _, t := range registrationTables {
		parts = append(parts, "select max(registration_date) as d from raw_"+t)
	}
	var latest sql.NullTime
	if err := conn.QueryRowContext(ctx, "select max(d) from ("+strings.Join(parts, " union all ")+")").Scan(&latest); err != nil {
		return latest, fmt.Errorf("as_of: the latest registration date: %w", err)
	}
	return latest, nil
}

// LatestRegistration dates a lake snapshot the way a build does (the
// latest registration_date of its births, deaths, fetal deaths and
// marriages, every version loaded), for a caller that needs the date before
// the build (a release names it before its files are written). ok is false
// for a lake with no registration.
func LatestRegistration(ctx context.Context, lake map[string][]string) (date time.Time, ok bool, err error) {
	w, err := Open("", Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		return date, false, err
	}
	defer w.Close()
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		return date, false, err
	}
	defer conn.Close()
	if err := createRaw(ctx, conn, lake, false); err != nil {
		return date, false, err
	}
	latest, err := latestRegistration(ctx, conn)
	return latest.Time, latest.Valid, err
}

// createRaw creates the raw layer: one view per lake table over its committed
// files. It is the only SQL assembled in Go, because the file list is data.
func createRaw(ctx context.Context, conn *sql.Conn, lake map[string][]string, keep bool) error {
	for _, t := range LakeTables {
		files := lake[t]
		if len(files) == 0 {
			return fmt.Errorf("raw_%s: the lake snapshot has no file for table %s", t, t)
		}
		quoted := make([]string, len(files))
		for i, f := range files {
			quoted[i] = sqlString(f)
		}
		// Every partition key is a column of the files too (occurrence_year,
		// the quarantine's run_date), except in the old layout, whose
		// quarantine folders (occ_year=) hold the run's year: the quarantine's
		// staging model reads it from the path.
		hive := "hive_partitioning = false"
		if t == "quarantine" {
			hive += ", filename = true"
		}
		kind := "temp view"
		if keep {
			kind = "view"
		}
		q := fmt.Sprintf("create or replace %s raw_%s as select * from read_parquet([%s], union_by_name = true, %s)",
			kind, t, strings.Join(quoted, ", "), hive)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("raw_%s: %w", t, err)
		}
	}
	return nil
}

func createCensusYears(ctx context.Context, conn *sql.Conn, years []int) error {
	if _, err := conn.ExecContext(ctx, "create or replace table ref_census_years (year integer primary key)"); err != nil {
		return err
	}
	for _, y := range years {
		if _, err := conn.ExecContext(ctx, "insert into ref_census_years values (?)", y); err != nil {
			return fmt.Errorf("census year %d: %w", y, err)
		}
	}
	return nil
}

// writeBuildInfo records what the build read and when: as_of is read back
// from the SQL variable the models read, so the two cannot differ.
func writeBuildInfo(ctx context.Context, conn *sql.Conn, in BuildInput, sum *BuildSummary, prev *previousBuild) error {
	pop := in.Population
	if pop == "" {
		pop = "derived from the reference data (census 2008 × WPP 2024)"
	}
	var latest, prevBuilt, prevSnap any
	if !sum.AsOf.Latest.IsZero() {
		latest = sum.AsOf.Latest.Format(time.DateOnly)
	}
	if prev != nil {
		prevBuilt, prevSnap = prev.builtAt, prev.snapshot
	}
	_, err := conn.ExecContext(ctx, `create or replace table build_info as
		select now()::timestamp as built_at, ?::varchar as lake_snapshot,
		       getvariable('as_of')::date as as_of, ?::varchar as as_of_source, ?::date as latest_registration,
		       ?::varchar as code_version, ?::varchar as population_source, version() as duckdb_version,
		       ?::timestamp as previous_built_at, ?::varchar as previous_snapshot, ?::boolean as changes_accepted`,
		in.Snapshot, sum.AsOf.Source, latest, in.Version, pop, prevBuilt, prevSnap, len(sum.Accepted) > 0)
	if err != nil {
		return fmt.Errorf("build_info: %w", err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
