package warehouse_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"vitalstats"
	"vitalstats/warehouse"
)

// arrivalLake is the fixtures' lake with the births replaced by one birth a
// day in each of two provinces from 2012 to 2020, registered after a lag that
// cycles through ten values (province 12: 0, 40 … 360 days; province 01: 0,
// 100 … 900 days), and only those registered by asOf: a lake observed while
// the last years' registrations are still arriving.
func arrivalLake(t *testing.T, asOf time.Time) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	out := filepath.Join(dir, "birth_arrival.parquet")
	for _, q := range []string{
		fmt.Sprintf("create table t as select * from read_parquet('%s') limit 0", lake["birth"][0]),
		fmt.Sprintf(`insert into t by name
			select 'reg:' || p.code || '-' || i as event_id, 1 as version, 'registered' as status, 'registry' as source,
			       'births:' || p.code || i as source_ref, 'ict' as provenance,
			       date '2012-01-01' + i::integer as event_date,
			       date '2012-01-01' + i::integer + ((i %% 10) * p.step)::integer as registration_date,
			       p.commune as registration_commune, year(date '2012-01-01' + i::integer) as occurrence_year,
			       []::varchar[] as flags, 'F' as sex, 25 as mother_age, p.code as residence_province,
			       p.district as residence_district, p.commune as mother_residence_commune
			from range(0, 3288) as r(i)
			cross join (values ('12', '1201', '120101', 40), ('01', '0102', '010201', 100)) as p(code, district, commune, step)
			where date '2012-01-01' + i::integer + ((i %% 10) * p.step)::integer <= date '%s'`, asOf.Format(time.DateOnly)),
		fmt.Sprintf("copy t to '%s' (format parquet)", out),
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	lake["birth"] = []string{out}
	return lake
}

// arrivedShare is the share of a year's registrations made by asOf as the
// model should estimate it: the mean over the year's days d of F(asOf - d),
// days after asOf counting 0, where F(t) is the share of lags at most t among
// the events of the reference cohort (event dates in the five years up to
// asOf - 1,826 days) of the lake arrivalLake writes.
func arrivedShare(year int, step int, asOf time.Time) float64 {
	start := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	closed := asOf.AddDate(0, 0, -1826)
	var lags []int
	for i := 0; i < 3288; i++ {
		if d := start.AddDate(0, 0, i); !d.After(closed) && d.After(closed.AddDate(-5, 0, 0)) {
			lags = append(lags, (i%10)*step)
		}
	}
	var sum float64
	n := 0
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		n++
		if d.After(asOf) {
			continue
		}
		elapsed := int(asOf.Sub(d).Hours() / 24)
		if elapsed >= 1826 {
			sum++
			continue
		}
		k := 0
		for _, l := range lags {
			if l <= elapsed {
				k++
			}
		}
		sum += float64(k) / float64(len(lags))
	}
	return sum / float64(n)
}

// TestProvisionalYears: the arrived share of each recent year matches the one
// computed here from the known lags; years below 95% are flagged provisional
// in registration_arrival and in every row of the tables that count them,
// and no final year is.
func TestProvisionalYears(t *testing.T) {
	asOf := time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: arrivalLake(t, asOf), Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: asOf, Snapshot: "arrival", Version: "test", LifeTableMinDeaths: 1}, nil); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	db := w.DB

	provisional := map[string]bool{} // area/year
	for _, p := range []struct {
		area string
		step int
	}{{"12", 40}, {"01", 100}} {
		for year := 2012; year <= 2020; year++ {
			want := arrivedShare(year, p.step, asOf)
			var got float64
			var flags []any
			if err := db.QueryRow(`select value, flags from registration_arrival
				where event_type = 'birth' and area_code = ? and year = ?`, p.area, year).Scan(&got, &flags); err != nil {
				t.Fatalf("%s %d: %v", p.area, year, err)
			}
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("province %s, %d: arrived share %.6f, want %.6f", p.area, year, got, want)
			}
			isProv := slices.Contains(flags, any("provisional"))
			if isProv != (want < 0.95) {
				t.Errorf("province %s, %d: share %.4f, flags %v", p.area, year, want, flags)
			}
			provisional[fmt.Sprint(p.area, "/", year)] = isProv
		}
	}
	// the lags of province 01 run to 900 days: its 2019 is still provisional,
	// province 12's (lags to 360 days) is not; both 2020s are
	for key, want := range map[string]bool{"01/2019": true, "12/2019": false, "01/2020": true, "12/2020": true, "01/2016": false} {
		if provisional[key] != want {
			t.Errorf("%s provisional = %v, want %v", key, provisional[key], want)
		}
	}

	// every row of a table counting births carries the flag of its year and area
	for _, table := range []string{"fertility_rates", "tab_births_mother_age", "completeness", "events_by_month"} {
		year, area, event := "year", "area_code", "true"
		switch table {
		case "events_by_month":
			year, event = "year(month)", "event_type = 'birth'"
		case "completeness":
			event = "event_type = 'birth'"
		}
		rows, err := db.Query(fmt.Sprintf(`select %s, %s, list_contains(flags, 'provisional') from %s
			where %s and %s in ('01', '12', '0102', '1201')`, year, area, table, event, area))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		n := 0
		for rows.Next() {
			var y int
			var a string
			var flagged bool
			if err := rows.Scan(&y, &a, &flagged); err != nil {
				t.Fatal(err)
			}
			if want := provisional[fmt.Sprint(a[:2], "/", y)]; flagged != want {
				t.Errorf("%s %s %d: provisional %v, want %v", table, a, y, flagged, want)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if n == 0 {
			t.Errorf("%s: no rows of provinces 01 and 12", table)
		}
	}
}

// TestEveryYearTableIsMarked: the fixtures are too few to estimate lags, so
// every year within the horizon of their as_of is provisional, in every
// indicator table with a year and flags.
func TestEveryYearTableIsMarked(t *testing.T) {
	db := fixtureWarehouse(t)
	inds, err := vitalstats.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for _, ind := range inds {
		var n int
		if err := db.QueryRow(`select count(*) filter (where column_name = 'flags') * count(*) filter (where column_name in ('year', 'month'))
			from duckdb_columns() where table_name = ?`, ind.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			tables = append(tables, ind.ID)
		}
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables with a year and flags: %v", len(tables), tables)
	}
	for _, table := range tables {
		var all, marked int
		if err := db.QueryRow(fmt.Sprintf(`select count(*), count(*) filter (where list_contains(flags, 'provisional')) from %s`, table)).Scan(&all, &marked); err != nil {
			t.Fatal(err)
		}
		if all > 0 && marked != all {
			t.Errorf("%s: %d of %d rows flagged provisional; the fixtures' years are all provisional", table, marked, all)
		}
	}
}
