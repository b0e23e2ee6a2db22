package warehouse_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vitalstats"
	"vitalstats/etl"
	"vitalstats/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureAsOf is the extraction date of the fixtures: windows of late
// registration for 2021 events are closed by then, except five years.
var fixtureAsOf = time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)

// fixtureLake writes the hand-made rows of testdata/fixtures/<table>.csv as
// Parquet files with the lake's exact schema (taken from the ETL's own empty
// file), so the warehouse reads what the ETL writes.
func fixtureLake(t *testing.T, dir string) map[string][]string {
	t.Helper()
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	files := map[string][]string{}
	for _, table := range warehouse.LakeTables {
		empty := filepath.Join(dir, "empty_"+table+".parquet")
		if err := etl.WriteEmpty(table, empty); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, table+".parquet")
		fixture, _ := filepath.Abs(filepath.Join("testdata", "fixtures", table+".csv"))
		for _, q := range []string{
			fmt.Sprintf("create or replace table t as select * from read_parquet('%s')", empty),
			fmt.Sprintf("insert into t by name select * from read_csv('%s', header = true, all_varchar = true)", fixture),
			fmt.Sprintf("copy t to '%s' (format parquet)", out),
		} {
			if _, err := w.DB.Exec(q); err != nil {
				t.Fatalf("fixture %s: %v", table, err)
			}
		}
		files[table] = []string{out}
	}
	return files
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// fixtureWarehouse builds the warehouse of the fixtures once per test binary
// and opens it read-only.
func fixtureWarehouse(t *testing.T) *sql.DB {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "vitalstats-fixture-")
		if fixtureErr != nil {
			return
		}
		lake := fixtureLake(t, fixtureDir)
		_, fixtureErr = warehouse.Build(context.Background(), filepath.Join(fixtureDir, "w.duckdb"),
			warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
			warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
				AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test",
				// Small enough for the fixtures' ten deaths to make life tables
				// and the death-distribution methods run.
				LifeTableMinDeaths: 1, CensusYears: []int{2020, 2022},
				// The tests read intermediate models too.
				KeepIntermediate: true}, nil)
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	w, err := warehouse.Open(filepath.Join(fixtureDir, "w.duckdb"), warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// TestGolden compares every indicator table built from the fixtures with its
// golden file (go test ./warehouse -update rewrites them; review the diff).
func TestGolden(t *testing.T) {
	db := fixtureWarehouse(t)
	inds, err := vitalstats.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	if len(inds) == 0 {
		t.Fatal("no indicators")
	}
	for _, ind := range inds {
		t.Run(ind.ID, func(t *testing.T) {
			got := tableCSV(t, db, "select * from "+ind.ID+" order by all")
			path := filepath.Join("testdata", "golden", ind.ID+".csv")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./warehouse -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test ./warehouse -run TestGolden -update rewrites it):\n%s", ind.ID, path, firstDiff(want, got))
			}
		})
	}
}

// tableCSV renders a query as CSV with floats rounded to 6 significant
// digits, so golden files do not churn on the last bit.
func tableCSV(t *testing.T, db *sql.DB, q string) []byte {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = formatValue(v)
		}
		w.Write(rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return buf.Bytes()
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return fmt.Sprintf("%.6g", x)
	case time.Time:
		return x.Format(time.DateOnly)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\n want %s\n  got %s", i+1, w, g)
		}
	}
	return "(same lines)"
}

// one returns a single value of a query.
func one[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.6g, want %.6g ± %g", what, got, want, tol)
	}
}

// TestBuildSwapsAtomically: a failed build leaves the previous warehouse.
func TestBuildKeepsOldWarehouseOnFailure(t *testing.T) {
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	path := filepath.Join(dir, "w.duckdb")
	in := warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"), AsOf: fixtureAsOf}
	opt := warehouse.Options{Threads: 1, MemoryLimit: "512MB"}
	if _, err := warehouse.Build(context.Background(), path, opt, in, nil); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "population.csv")
	os.WriteFile(bad, []byte("year,province_code,district_code,sex,age_group,population\n2021,12,1201,X,0,10\n"), 0o644)
	in.Population = bad
	_, err = warehouse.Build(context.Background(), path, opt, in, nil)
	if err == nil || !strings.Contains(err.Error(), "sex not M or F") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad population: err = %v, want the file and the problem named", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a failed build changed the warehouse")
	}
	if _, err := os.Stat(path + ".building"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed build left %s.building: %v", path, err)
	}
}

// TestDefaultPopulation: with no population file the build derives the
// denominators from the 2008 census and WPP 2024 (sql/population/default.sql),
// and every year's total is WPP's (births / CBR).
func TestDefaultPopulation(t *testing.T) {
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	path := filepath.Join(dir, "w.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test"}, nil); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.DB.Query(`select p.year, sum(p.population), any_value(1e6 * w.births_thousands / w.cbr_per_1000)
		from ref_population as p join ref_wpp_annual as w using (year)
		where w.variant = (select min(variant) from ref_wpp_annual) group by p.year`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var year int
		var got, want float64
		if err := rows.Scan(&year, &got, &want); err != nil {
			t.Fatal(err)
		}
		if math.Abs(got/want-1) > 1e-6 {
			t.Errorf("%d: population %.0f, WPP %.0f", year, got, want)
		}
		n++
	}
	if n < 20 {
		t.Errorf("default population for %d years", n)
	}
}
