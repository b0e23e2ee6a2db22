package warehouse_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// A build of a few indicators holds them, equal to the full build's, and
// nothing it did not need; each indicator builds alone, so every model it
// reads (the Go methods' inputs included) is found.
func TestBuildOnly(t *testing.T) {
	full := fixtureWarehouse(t)
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	build := func(path string, only ...string) (*warehouse.BuildSummary, error) {
		return warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
			warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
				AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test", LifeTableMinDeaths: 1, CensusYears: []int{2020, 2022},
				Only: only}, nil)
	}
	four := []string{"fertility_asfr", "fertility_rates", "mortality_asdr", "mortality_rates"}
	path := filepath.Join(dir, "four.duckdb")
	sum, err := build(path, four...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range sum.Rows {
		got = append(got, name)
	}
	slices.Sort(got)
	// every build marks its provisional years, so it makes their table too
	if want := append(slices.Clone(four), "registration_arrival"); !slices.Equal(got, want) {
		t.Errorf("indicators built: %v, want %v", got, want)
	}
	w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.Exec(fmt.Sprintf("attach '%s' as f (read_only)", filepath.Join(fixtureDir, "w.duckdb"))); err != nil {
		t.Fatal(err)
	}
	for _, m := range four {
		// to 8 decimals: sums in another order differ in the last bits
		const cols = "select * exclude (flags) replace (round(value, 8) as value, round(ci_low, 8) as ci_low, round(ci_high, 8) as ci_high), flags::varchar from "
		q := "select count(*) from (" + cols + "%s except all " + cols + "%s)"
		var only, both int64
		if err := w.DB.QueryRow(fmt.Sprintf(q, m, "f."+m)).Scan(&only); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.QueryRow(fmt.Sprintf(q, "f."+m, m)).Scan(&both); err != nil {
			t.Fatal(err)
		}
		if only != 0 || both != 0 {
			t.Errorf("%s: %d rows only in the build of four, %d only in the full build", m, only, both)
		}
		if sum.Rows[m] == 0 {
			t.Errorf("%s is empty", m)
		}
	}
	if _, err := build(filepath.Join(dir, "x.duckdb"), "int_births_current"); err == nil || !strings.Contains(err.Error(), "not an indicator") {
		t.Errorf("an intermediate model asked for: %v", err)
	}
	var all []string
	rows, err := full.Query("select table_name from duckdb_tables() where database_name = current_database() and table_name not like 'int\\_%' escape '\\' and table_name not like 'ref\\_%' escape '\\' and table_name not like 'stg\\_%' escape '\\' and table_name not in ('build_info', 'build_totals', 'link_review', 'catalog')")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		all = append(all, n)
	}
	rows.Close()
	if len(all) < 30 {
		t.Fatalf("only %d indicators in the full build: %v", len(all), all)
	}
	for _, m := range all {
		if _, err := build(filepath.Join(dir, m+".duckdb"), m); err != nil {
			t.Errorf("%s alone: %v", m, err)
		}
	}
}
