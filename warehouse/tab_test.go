package warehouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// tabWarehouse builds the warehouse of the fixtures plus the rows of
// testdata/tab_extra: records without a residence province, a sex, a place of
// delivery, an age or a gestation, which the fixtures never lack, so that the
// 'unknown' rows and area '99' of the tab_* tables are exercised.
func tabWarehouse(t *testing.T) *sql.DB {
	t.Helper()
	return extraWarehouse(t, "tab_extra")
}

// extraWarehouse builds the warehouse of the fixtures plus the rows of each
// folder testdata/<extra>/<table>.csv, in order.
func extraWarehouse(t *testing.T, extras ...string) *sql.DB {
	t.Helper()
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i, x := range extras {
		for table, files := range lake {
			extra, _ := filepath.Abs(filepath.Join("testdata", x, table+".csv"))
			if _, err := os.Stat(extra); err != nil {
				continue
			}
			out := filepath.Join(dir, fmt.Sprintf("%s_%d.parquet", table, i))
			for _, q := range []string{
				fmt.Sprintf("create or replace table t as select * from read_parquet('%s')", files[0]),
				fmt.Sprintf("insert into t by name select * from read_csv('%s', header = true, all_varchar = true)", extra),
				fmt.Sprintf("copy t to '%s' (format parquet)", out),
			} {
				if _, err := w.DB.Exec(q); err != nil {
					t.Fatalf("extra %s %s: %v", x, table, err)
				}
			}
			lake[table] = []string{out}
		}
	}
	path := filepath.Join(dir, "extra.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: fixtureAsOf, Snapshot: "fixtures+" + strings.Join(extras, "+"), Version: "test", KeepIntermediate: true}, nil); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.DB
}

// tabTable is a tab_* table: its category columns after year, each with the
// code of its margin.
type tabTable struct {
	id     string
	dims   []string
	totals []string
}

var tabTables = []tabTable{
	{"tab_births_mother_age", []string{"area_code", "mother_age_group"}, []string{"KH", "total"}},
	{"tab_births_sex_place", []string{"area_code", "sex", "place_of_delivery"}, []string{"KH", "T", "total"}},
	{"tab_deaths_age_sex", []string{"area_code", "sex", "age_group"}, []string{"KH", "T", "total"}},
	{"tab_infant_deaths", []string{"area_code", "sex", "age_at_death"}, []string{"KH", "T", "total"}},
	{"tab_fetal_deaths", []string{"area_code", "sex", "gestation"}, []string{"KH", "T", "total"}},
	{"tab_marriages", []string{"area_code", "bride_age_group", "groom_age_group"}, []string{"KH", "total", "total"}},
}

// tabCells reads a tab_* table as cell key ("year|dim|dim...") -> count,
// checking on the way that it publishes integer counts only.
func tabCells(t *testing.T, db *sql.DB, tab tabTable) map[string]int64 {
	t.Helper()
	q := fmt.Sprintf("select year::varchar || '|' || concat_ws('|', %s), numerator, denominator is null and ci_low is null and ci_high is null, value, array_to_string(list_filter(flags, f -> f <> 'provisional'), ',') from %s",
		strings.Join(tab.dims, ", "), tab.id)
	cells := map[string]int64{}
	forRows(t, db, q, func(rows *sql.Rows) {
		var key, flags string
		var n int64
		var noRate bool
		var v float64
		if err := rows.Scan(&key, &n, &noRate, &v, &flags); err != nil {
			t.Fatal(err)
		}
		want := ""
		switch {
		case n < 5:
			want = "lt5,lt20"
		case n < 20:
			want = "lt20"
		}
		if n < 0 || !noRate || v != float64(n) || flags != want {
			t.Errorf("%s %s: numerator %d, value %g, flags %q, no denominator or interval %v", tab.id, key, n, v, flags, noRate)
		}
		cells[key] = n
	})
	if len(cells) == 0 {
		t.Fatalf("%s is empty", tab.id)
	}
	return cells
}

// TestTabTables checks the annual report tabulations on the fixtures and the
// extra records: every margin row is the sum of its categories, the grand
// totals agree with counts taken another way, and a few cells by hand.
func TestTabTables(t *testing.T) {
	db := tabWarehouse(t)
	cells := map[string]map[string]int64{}
	for _, tab := range tabTables {
		cells[tab.id] = tabCells(t, db, tab)
	}

	t.Run("margins", func(t *testing.T) {
		for _, tab := range tabTables {
			for i, dim := range tab.dims {
				// per combination of the other columns: the margin row and the sum of the rest
				margin, parts := map[string]int64{}, map[string]int64{}
				for key, n := range cells[tab.id] {
					f := strings.Split(key, "|")
					v := f[i+1]
					f[i+1] = "*"
					other := strings.Join(f, "|")
					if v == tab.totals[i] {
						margin[other] += n
					} else {
						parts[other] += n
					}
				}
				for other, n := range parts {
					if margin[other] != n {
						t.Errorf("%s %s: %s row %d, the other %s add up to %d", tab.id, other, tab.totals[i], margin[other], dim, n)
					}
				}
				for other, n := range margin {
					if _, ok := parts[other]; !ok {
						t.Errorf("%s %s: %s row %d without any %s", tab.id, other, tab.totals[i], n, dim)
					}
				}
			}
		}
	})

	t.Run("grand totals", func(t *testing.T) {
		type check struct{ what, tab, cell, q string }
		checks := []check{}
		for _, y := range []string{"2020", "2021", "2022"} {
			checks = append(checks,
				check{"births " + y, "tab_births_mother_age", y + "|KH|total",
					"select coalesce(sum(numerator), 0)::bigint from fertility_rates where measure = 'cbr' and basis = 'registered' and area_code = 'KH' and year = " + y},
				check{"births " + y, "tab_births_sex_place", y + "|KH|T|total",
					"select count(*) from int_births_current where year = " + y},
				check{"deaths " + y, "tab_deaths_age_sex", y + "|KH|T|total",
					"select count(*) from int_deaths_current where year = " + y},
				check{"fetal deaths " + y, "tab_fetal_deaths", y + "|KH|T|total",
					"select count(*) from int_fetal_deaths_current where year = " + y},
				check{"marriages " + y, "tab_marriages", y + "|KH|total|total",
					"select coalesce(sum(numerator), 0)::bigint from events_by_month where event_type = 'marriage' and measure = 'occurred' and area_code = 'KH' and year(month) = " + y},
			)
			// mortality_rates counts deaths of sex not stated in T, and of
			// residence not known in KH, as these tables do
			for _, sex := range []string{"M", "F", "T"} {
				checks = append(checks,
					check{"deaths " + y + " " + sex, "tab_deaths_age_sex", y + "|KH|" + sex + "|total",
						fmt.Sprintf("select coalesce(sum(numerator), 0)::bigint from mortality_rates where measure = 'cdr' and area_code = 'KH' and sex = '%s' and year = %s", sex, y)},
					check{"infant deaths " + y + " " + sex, "tab_infant_deaths", y + "|KH|" + sex + "|total",
						fmt.Sprintf("select coalesce(sum(numerator), 0)::bigint from mortality_rates where measure = 'imr' and area_code = 'KH' and sex = '%s' and year = %s", sex, y)},
				)
			}
		}
		for _, c := range checks {
			if got, want := cells[c.tab][c.cell], one[int64](t, db, c.q); got != want {
				t.Errorf("%s: %s %s = %d, want %d", c.what, c.tab, c.cell, got, want)
			}
		}
		// stillbirths (28 weeks and over) are the fetal deaths from 28-31 on
		for _, y := range []string{"2021", "2022"} {
			var got int64
			for _, g := range []string{"28-31", "32-36", "37-41", "42+"} {
				got += cells["tab_fetal_deaths"][y+"|KH|T|"+g]
			}
			want := one[int64](t, db, "select coalesce(sum(numerator), 0)::bigint from mortality_rates where measure = 'stillbirth_rate' and area_code = 'KH' and year = "+y)
			if got != want {
				t.Errorf("stillbirths %s: %d, mortality_rates %d", y, got, want)
			}
		}
	})

	// By hand from testdata/fixtures and testdata/tab_extra.
	t.Run("cells", func(t *testing.T) {
		want := map[string]map[string]int64{
			"tab_births_mother_age": {
				"2021|KH|total":   8, // b1, b2, b3 (v2), b5/b6 once, b7, b8, xb1, xb2; b4 cancelled
				"2021|12|<15":     1, // b1, 14
				"2021|12|25-29":   1, // b3 corrected from 22 to 27
				"2021|12|20-24":   1, // b2 only
				"2021|01|50+":     1, // b7, 51
				"2021|12|unknown": 1, // xb2
				"2021|99|15-19":   1, // xb1, no residence
				"2021|99|total":   1,
			},
			"tab_births_sex_place": {
				"2021|12|M|health_centre": 2, // b3 and the duplicate group b5/b6
				"2021|12|F|other":         1, // xb2
				"2021|99|U|unknown":       1, // xb1: no sex, no place
				"2021|KH|U|total":         1,
				"2021|KH|T|home":          2, // b2, b7
				"2021|KH|T|total":         8,
			},
			"tab_deaths_age_sex": {
				"2021|12|M|0":       2,  // d1 (5 days), xd2 (0 days)
				"2021|01|F|70-74":   1,  // d7 and d7b are one death
				"2021|99|U|0":       1,  // xd1
				"2021|KH|T|total":   12, // d1-d10 with d7/d7b once, xd1, xd2; d11 cancelled
				"2022|01|M|unknown": 1,  // xd3
				"2022|12|F|unknown": 1,  // c11
				"2022|KH|T|unknown": 2,
			},
			"tab_infant_deaths": {
				"2021|12|M|0d":      1, // xd2
				"2021|12|M|1-6d":    1, // d1, 5 days
				"2021|12|F|28-364d": 1, // d2, 100 days
				"2021|99|U|unknown": 1, // xd1, 0 years
				"2021|KH|T|total":   4,
				"2022|01|F|7-27d":   1, // xd4, 7 days
				"2022|01|M|28-364d": 1, // xd5, 28 days
				"2022|01|T|total":   2,
			},
			"tab_fetal_deaths": {
				"2021|12|M|28-31":   1, // f1, 30 weeks
				"2021|12|F|<28":     1, // f2, 24 weeks
				"2021|99|U|unknown": 1, // xf1, sex undetermined
				"2022|12|U|42+":     1, // xf2, sex not stated, 43 weeks
				"2021|KH|T|total":   3,
				"2022|01|M|28-31":   1, // xf3, 31 weeks
				"2022|01|F|32-36":   1, // xf4, 32 weeks
			},
			"tab_marriages": {
				"2021|12|20-24|25-29":   1, // m1
				"2021|01|35-39|40-49":   1, // m2
				"2021|99|unknown|<15":   1, // xm1
				"2022|12|<15|unknown":   1, // xm2
				"2021|KH|total|total":   3,
				"2021|KH|total|40-49":   1,
				"2022|KH|unknown|total": 0, // a zero row of the frame
			},
		}
		for id, ws := range want {
			for cell, n := range ws {
				if got := cells[id][cell]; got != n {
					t.Errorf("%s %s = %d, want %d", id, cell, got, n)
				}
			}
		}
	})
}
