package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vitalstats/etl"
	"vitalstats/warehouse"
)

// int_marriages_current keeps the latest version of each marriage, drops
// cancelled ones, and keeps the first registered of each duplicate group
// (ties by event_id). Each record has its own bride's age, to tell them apart.
func TestMarriagesCurrent(t *testing.T) {
	rows := []string{
		"reg:m1,1,registered,,20,2021-02-01", "reg:m1,2,registered,,21,2021-02-01", // corrected: v2
		"reg:m2,1,registered,,22,2021-02-01", "reg:m2,2,cancelled,,23,2021-02-01", // cancelled: none
		"reg:m3,1,registered,g1,24,2021-01-05", "reg:m4,1,registered,g1,25,2021-01-03", // duplicates: the earlier, m4
		"reg:m5,1,registered,g2,26,2021-02-01", "reg:m6,1,registered,g2,27,2021-01-01", "reg:m6,2,cancelled,g2,28,2021-01-01", // m6 cancelled: m5
		"reg:m7,1,registered,g3,29,2021-03-01",                                         // a group of one
		"reg:m8,1,registered,g4,30,2021-03-01", "reg:m9,1,registered,g4,31,2021-03-01", // same day: m8 by its id
	}
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	var b strings.Builder
	b.WriteString("event_id,version,status,dup_group,bride_age,registration_date,source,provenance,event_date,occurrence_year,bride_residence_province,groom_age\n")
	for _, r := range rows {
		b.WriteString(r + ",registry,ict,2021-01-01,2021,12,30\n")
	}
	src := filepath.Join(dir, "marriages.csv")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty_marriages.parquet")
	if err := etl.WriteEmpty("marriage", empty); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "marriages.parquet")
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		fmt.Sprintf("create table t as select * from read_parquet('%s')", empty),
		fmt.Sprintf("insert into t by name select * from read_csv('%s', header = true, all_varchar = true)", src),
		fmt.Sprintf("copy t to '%s' (format parquet)", out),
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	lake["marriage"] = []string{out}

	path := filepath.Join(dir, "w.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test", KeepIntermediate: true, Only: []string{"tab_marriages"}}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := rows2strings(t, r.DB, "select bride_age::varchar from int_marriages_current order by bride_age")
	if want := []string{"21", "25", "26", "29", "30"}; !slices.Equal(got, want) {
		t.Errorf("current marriages by bride's age: %v, want %v", got, want)
	}
}
