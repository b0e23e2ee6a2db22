package warehouse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// keepOneIn writes a copy of a lake table keeping one row in n (by event
// id): a source that delivered 1/n of its records.
func keepOneIn(t *testing.T, files []string, n int, out string) []string {
	t.Helper()
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	q := fmt.Sprintf(`copy (select * exclude (i) from (select *, row_number() over (order by event_id, version) as i
		from read_parquet(['%s'])) where i %% %d = 0) to '%s' (format parquet)`, strings.Join(files, "', '"), n, out)
	if _, err := w.DB.Exec(q); err != nil {
		t.Fatal(err)
	}
	return []string{out}
}

// TestGuardRefusesAShortLake: a lake with half its births gone (the
// fixtures are too small to lose 90% and keep any; cmd/vitalstats's
// TestShortLakeIsStopped does that at scale) is refused against the previous build, naming the table, event type, year
// and both counts; the previous warehouse stays as it was; accepted, it is
// swapped in and says so, and check's comparison finds the same. A total
// that then doubles back is refused as a jump.
func TestGuardRefusesAShortLake(t *testing.T) {
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	path := filepath.Join(dir, "w.duckdb")
	// The fixtures are small: every cell is checked.
	guard := warehouse.Guard{MaxFall: 0.10, MinEvents: 1, MaxRise: 0.50}
	build := func(lake map[string][]string, g warehouse.Guard) (*warehouse.BuildSummary, error) {
		return warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
			warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
				AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test", Guard: g}, nil)
	}
	compare := func() warehouse.Comparison {
		w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "512MB", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		c, err := warehouse.Compare(context.Background(), w.DB, guard)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// The first build has nothing to compare with, and passes.
	if _, err := build(lake, guard); err != nil {
		t.Fatalf("first build: %v", err)
	}
	if c := compare(); c.Previous != "" || len(c.Findings) != 0 {
		t.Errorf("first build's comparison: %+v", c)
	}
	births := map[int]int64{}
	func() {
		w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "512MB", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		// build_totals counts what the indicators count: fertility's births.
		rows, err := w.DB.Query(`select t.year, t.events, f.numerator from build_totals as t
			left join fertility_rates as f on f.year = t.year and f.area_code = 'KH' and f.basis = 'registered' and f.measure = 'cbr'
			where t.event_type = 'birth'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var y int
			var n int64
			var cbr *float64
			if err := rows.Scan(&y, &n, &cbr); err != nil {
				t.Fatal(err)
			}
			births[y] = n
			if cbr != nil && int64(*cbr) != n {
				t.Errorf("build_totals births %d = %d, fertility_rates' CBR numerator %v", y, n, *cbr)
			}
		}
	}()
	if births[2021] < 4 {
		t.Fatalf("fixture births of 2021: %d (want several, to remove half)", births[2021])
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	short := map[string][]string{}
	for k, v := range lake {
		short[k] = v
	}
	short["birth"] = keepOneIn(t, lake["birth"], 2, filepath.Join(dir, "birth_short.parquet"))
	_, err = build(short, guard)
	var perr *warehouse.PlausibilityError
	if !errors.As(err, &perr) {
		t.Fatalf("a lake short of half its births: err = %v, want a PlausibilityError", err)
	}
	msg := err.Error()
	for _, want := range []string{"build_totals birth 2021:", fmt.Sprintf("%d in the previous build", births[2021]), "birth all years"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("the refusal is not one line: %q", msg)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused build changed the warehouse")
	}
	if _, err := os.Stat(path + ".building"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused build left %s.building: %v", path, err)
	}

	// Accepted: swapped in, recorded, and check sees the same changes.
	accept := guard
	accept.Accept = true
	sum, err := build(short, accept)
	if err != nil {
		t.Fatalf("accepted: %v", err)
	}
	if len(sum.Accepted) != len(perr.Findings) {
		t.Errorf("accepted %v, refused %v", sum.Accepted, perr.Findings)
	}
	c := compare()
	for _, f := range c.Findings {
		if f.EventType == "birth" && f.Year == 2021 && !strings.Contains(msg, fmt.Sprintf("build_totals birth 2021: %d events, %d in the previous build", f.Events, births[2021])) {
			t.Errorf("the refusal %q does not give the new count %d of 2021's births that the accepted build counts", msg, f.Events)
		}
	}
	if !c.Accepted || c.Previous == "" || fmt.Sprint(c.Findings) != fmt.Sprint(perr.Findings) {
		t.Errorf("check's comparison %+v; the build refused %v", c, perr.Findings)
	}

	// The births come back: the total more than doubles, a jump.
	_, err = build(lake, guard)
	if !errors.As(err, &perr) || !strings.Contains(err.Error(), "birth all years") {
		t.Fatalf("births back in full: err = %v, want the total's rise refused", err)
	}
	for _, f := range perr.Findings {
		if f.EventType != "birth" || f.Events <= f.Previous {
			t.Errorf("unexpected finding %s", f)
		}
	}
	// An unchanged lake passes.
	if _, err := build(short, guard); err != nil {
		t.Errorf("the same lake again: %v", err)
	}
}
