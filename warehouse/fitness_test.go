package warehouse_test

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// TestReferenceChildMortality: the nation's reference IMR, U5MR and NMR in
// mortality_rates are UN IGME's own (refdata), with IGME's 90% bounds
// carried to a 95% interval on the log scale, and carry no completeness
// flag.
func TestReferenceChildMortality(t *testing.T) {
	db := fixtureWarehouse(t)
	igme := map[string][3]float64{}
	f, err := os.Open(filepath.Join("..", "refdata", "cambodia", "vital_rates", "igme_child_mortality_cambodia.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		var v [3]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(r[3+i], 64)
		}
		igme[r[0]+r[1]] = v
	}
	n := 0
	forRows(t, db, `select year, measure, value, ci_low, ci_high, flags::varchar from mortality_rates
		where basis = 'reference_igme2024' and area_code = 'KH' and sex = 'T'`, func(rows *sql.Rows) {
		var year, measure, flags string
		var v, lo, hi float64
		if err := rows.Scan(&year, &measure, &v, &lo, &hi, &flags); err != nil {
			t.Fatal(err)
		}
		want, ok := igme[year+measure]
		if !ok {
			t.Errorf("%s %s: a reference value where IGME has none", year, measure)
			return
		}
		se := math.Log(want[2]/want[1]) / (2 * 1.644854)
		if math.Abs(v-want[0]) > 1e-9 || math.Abs(lo-want[0]*math.Exp(-1.959964*se)) > 1e-9 || math.Abs(hi-want[0]*math.Exp(1.959964*se)) > 1e-9 {
			t.Errorf("%s %s: %g (%g-%g), IGME %v", year, measure, v, lo, hi, want)
		}
		if strings.Contains(flags, "completeness") {
			t.Errorf("%s %s: a reference value flagged %s", year, measure, flags)
		}
		n++
	})
	if n < 3 {
		t.Errorf("%d reference rows of both sexes, want IMR, U5MR and NMR of each fixture year", n)
	}
}
