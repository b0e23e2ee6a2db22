package warehouse_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vitalstats/warehouse"
)

// fixtureLatestRegistration reads the fixtures' CSVs (not the lake, not the
// warehouse) for the latest registration_date of the registration tables.
func fixtureLatestRegistration(t *testing.T) string {
	t.Helper()
	latest := ""
	for _, table := range []string{"birth", "death", "fetal_death", "marriage"} {
		f, err := os.Open(filepath.Join("testdata", "fixtures", table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for i, c := range recs[0] {
			if c == "registration_date" {
				col = i
			}
		}
		for _, r := range recs[1:] {
			if r[col] > latest {
				latest = r[col]
			}
		}
	}
	return latest
}

// TestAsOfIsTheDataDate: without a date set, the build dates the data by
// their latest registration (not the clock), the models read that date
// (2021's registration windows are still open on it, closed on the
// fixtures' set date of 2023-06-30), and a date the site sets wins.
func TestAsOfIsTheDataDate(t *testing.T) {
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	latest := fixtureLatestRegistration(t) // 2022-10-01
	if got, ok, err := warehouse.LatestRegistration(context.Background(), lake); err != nil || !ok || got.Format(time.DateOnly) != latest {
		t.Errorf("LatestRegistration = %v %v %v, the fixtures' latest registration is %s", got, ok, err, latest)
	}
	for _, tc := range []struct {
		set          time.Time
		want, source string
		open2021     bool
	}{
		{time.Time{}, latest, "data", true},
		{fixtureAsOf, "2023-06-30", "config", false},
	} {
		path := filepath.Join(dir, tc.source+".duckdb")
		sum, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
			warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
				AsOf: tc.set, Snapshot: "fixtures", Version: "test", Only: []string{"timeliness"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum.AsOf.Date.Format(time.DateOnly); got != tc.want || sum.AsOf.Source != tc.source {
			t.Errorf("summary as_of %s (%s), want %s (%s)", got, sum.AsOf.Source, tc.want, tc.source)
		}
		w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var asOf, latestReg time.Time
		var source string
		var built time.Time
		if err := w.DB.QueryRow("select as_of, as_of_source, latest_registration, built_at from build_info").Scan(&asOf, &source, &latestReg, &built); err != nil {
			t.Fatal(err)
		}
		if asOf.Format(time.DateOnly) != tc.want || source != tc.source || latestReg.Format(time.DateOnly) != latest {
			t.Errorf("build_info as_of %s (%s), latest registration %s; want %s (%s), %s", asOf.Format(time.DateOnly), source,
				latestReg.Format(time.DateOnly), tc.want, tc.source, latest)
		}
		if time.Since(built) > time.Hour {
			t.Errorf("build_info.built_at %v is not the build's time", built)
		}
		var open2021 bool
		if err := w.DB.QueryRow(`select bool_and(list_contains(flags, 'window_open')) from timeliness
			where year = 2021 and event_type = 'birth'`).Scan(&open2021); err != nil {
			t.Fatal(err)
		}
		if open2021 != tc.open2021 {
			t.Errorf("as_of %s: 2021's birth timeliness window_open = %v, want %v (the models must read build_info's as_of)", tc.want, open2021, tc.open2021)
		}
		w.Close()
	}
}
