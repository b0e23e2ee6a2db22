package warehouse_test

import (
	"database/sql"
	"fmt"
	"testing"
)

// completenessBand is the age band whose completeness a registered rate
// rests on (the sidecars' [completeness] rules, written again here).
func completenessBand(table string, key string) (event, band string) {
	switch table {
	case "fertility_rates", "fertility_asfr":
		return "birth", "all"
	case "mortality_asdr":
		if key == "0" || key == "1-4" {
			return "death", key
		}
		return "death", "5+"
	}
	switch key { // mortality_rates, by measure
	case "imr", "nmr", "pnmr", "u5mr", "perinatal_mortality":
		return "death", "0"
	case "mmr", "late_maternal", "pregnancy_related", "sdg_3_4_1":
		return "death", "5+"
	case "stillbirth_rate":
		return "death", ""
	}
	return "death", "all"
}

// TestCompletenessFlags: every registered rate carries completeness_lt70
// below 70%, completeness_lt90 below 90%, completeness_unknown without an
// estimate, by the best estimate of its event type, age band, year and
// area; rates on another basis carry none.
func TestCompletenessFlags(t *testing.T) {
	db := fixtureWarehouse(t)
	best := map[string]float64{}
	forRows(t, db, "select event_type, age_band, year, area_code, value from int_completeness_best where value is not null", func(rows *sql.Rows) {
		var e, b, a string
		var y int
		var v float64
		if err := rows.Scan(&e, &b, &y, &a, &v); err != nil {
			t.Fatal(err)
		}
		best[fmt.Sprint(e, b, y, a)] = v
	})
	seen := map[string]int{}
	for _, tc := range []struct{ table, key string }{
		{"mortality_rates", "measure"}, {"mortality_asdr", "age_group"}, {"fertility_rates", "measure"}, {"fertility_asfr", "age_group"},
	} {
		q := fmt.Sprintf("select basis, %s, year, area_code, list_filter(flags, f -> f like 'completeness%%')::varchar from %s", tc.key, tc.table)
		forRows(t, db, q, func(rows *sql.Rows) {
			var basis, key, area, flags string
			var year int
			if err := rows.Scan(&basis, &key, &year, &area, &flags); err != nil {
				t.Fatal(err)
			}
			want := "[]"
			if basis == "registered" {
				event, band := completenessBand(tc.table, key)
				v, ok := best[fmt.Sprint(event, band, year, area)]
				switch {
				case !ok || band == "":
					want = "[completeness_unknown]"
				case v < 0.7:
					want = "[completeness_lt70]"
				case v < 0.9:
					want = "[completeness_lt90]"
				}
			}
			seen[want]++
			if flags != want {
				t.Errorf("%s %s %s %d %s: flags %s, want %s", tc.table, basis, key, year, area, flags, want)
			}
		})
	}
	for _, f := range []string{"[]", "[completeness_lt70]", "[completeness_lt90]", "[completeness_unknown]"} {
		if seen[f] == 0 {
			t.Errorf("no rate flagged %s in the fixtures: %v", f, seen)
		}
	}
}

// TestCompletenessFlagEdges: 70% and 90% complete are the first values
// without the lower flag.
func TestCompletenessFlagEdges(t *testing.T) {
	db := fixtureWarehouse(t)
	for _, c := range []struct {
		v    string
		want string
	}{{"null", "[completeness_unknown]"}, {"0.0", "[completeness_lt70]"}, {"0.6999", "[completeness_lt70]"}, {"0.7", "[completeness_lt90]"},
		{"0.8999", "[completeness_lt90]"}, {"0.9", "[]"}, {"1.2", "[]"}} {
		var got string
		if err := db.QueryRow("select completeness_flags(" + c.v + "::double)::varchar").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("completeness %s: flags %s, want %s", c.v, got, c.want)
		}
	}
}
