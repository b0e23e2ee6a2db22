package warehouse_test

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"

	"vitalstats/warehouse/demog"
)

// The rows of testdata/mortality_extra, all of 2020 (a year without other
// deaths in the fixtures), by hand. Residence district 1201 (province 12)
// unless said otherwise.
//
// Deaths (50): M 18, F 29, sex not stated 3: a7 and m17 'U', i9 empty (NULL),
// the two forms a record of unknown sex may take in the lake.
//   - infants (11): by days i1 (M, 0 days from the date of birth), i2 (F, 6
//     days), i3 (M, 7), i4 (F, 27), i5 (M, 28), i11 (F, 364 days from the
//     date of birth); by months i6 (F, 0 months), i7 (M, 1), i8 (F, 11); age 0
//     years only: i9 (U), i10 (M, residence not known). i12 (M, 366 days, 1
//     year) is not an infant.
//     Neonatal known: i1 i2 i3 i4 i6 (M 2, F 3); post-neonatal known: i5 i7
//     i8 i11 (M 2, F 2); unknown: i9, i10. Days known among neonatal: i1-i4,
//     of which under 7 days: i1, i2.
//   - 1-4 years: i12 (M, 1), c1 (F, 1), c2 (M, 4); c3 (M, 5) is 5-9.
//   - a1 (M, 85), a2 (F, 84); NCD deaths 30-69 (SDG 3.4.1): a3 (F 30, I21.9),
//     a7 (U 50, I64), m14 (F 55, I21.9), a8 (F 60, E11.9, residence not
//     known), a4 (M 69, C34.9); a5 (M 70) and a6 (F 29) are outside.
//   - maternal (9): m1 O72.1, m2 A34, m3 D39.2, m4 E23.0, m5 F53, m6 M83.0,
//     m7 O99.0, m8 O95, m17 O00.1 (sex not stated, province 01); not maternal:
//     m9 O96.0 and m11 O15.0 reported 43 days to a year after (late maternal,
//     2), m10 O97.1 (neither), m15 D39.1, m16 E23.1, m18 O15.0 (a man).
//   - pregnancy-related (12): the 9 maternal, m12 (B50.9, pregnant), m13 (54,
//     V89.2, within 42 days), m19 (age unknown, R99, within 42 days); not m14
//     (55, pregnant).
//   - road traffic (SDG 3.6.1): r1 V01.0 (M), r3 V99 (F), r4 V80.9 (M), m13
//     V89.2 (F); not r2 V05.0 or r5 V81.0. Suicide s1 X84 (M, province 01),
//     s2 Y87.0 (M); homicide h1 Y87.1 (F).
//   - m19 (F) is the only death of unknown age.
//
// Live births of 2020: the fixtures' b9 (M) and 19 here: M 10, F 8 (one of
// residence not known), U 1: T 20, M 11, F 8; province 12: 19.
// Fetal deaths: 28 weeks (stillbirth), 27 (not), 40 (stillbirth), gestation
// unknown (not), 36 with residence not known (stillbirth): KH 3, province 12 2.
//
// Population 2020 (testdata/fixtures/population.csv): per sex, district 1201
// 17,500 and district 0102 8,750; by group per sex at KH: 0 300, 1-4 1,200,
// 5-9 ... 80-84 1,500 each, 85+ 750.
func TestMortalityByHand(t *testing.T) {
	db := extraWarehouse(t, "mortality_extra")
	type row struct {
		num, den, value sql.NullFloat64
		flags           string
		events          int64
	}
	get := func(area, sex, measure string) row {
		t.Helper()
		var r row
		if err := db.QueryRow(`select numerator, denominator, value, flags::varchar, event_count from mortality_rates
			where year = 2020 and area_code = ? and sex = ? and measure = ? and basis = 'registered'`, area, sex, measure).Scan(
			&r.num, &r.den, &r.value, &r.flags, &r.events); err != nil {
			t.Fatalf("%s %s %s: %v", area, sex, measure, err)
		}
		return r
	}
	check := func(area, sex, measure string, num, den, scale float64, events int64) {
		t.Helper()
		r := get(area, sex, measure)
		what := fmt.Sprintf("%s %s %s", area, sex, measure)
		near(t, what+" numerator", r.num.Float64, math.Round(num*1000)/1000, 1e-9)
		near(t, what+" denominator", r.den.Float64, den, 1e-9)
		near(t, what, r.value.Float64, scale*num/den, 1e-9*scale)
		if r.events != events {
			t.Errorf("%s: event_count %d, want %d", what, r.events, events)
		}
	}
	const births, birthsM, birthsF, births12 = 20.0, 11.0, 8.0, 19.0
	const pop, popSex = 52500.0, 26250.0

	t.Run("crude and not stated", func(t *testing.T) {
		check("KH", "T", "cdr", 50, pop, 1000, 50) // the 3 of sex not stated count in T
		check("KH", "M", "cdr", 18, popSex, 1000, 18)
		check("KH", "F", "cdr", 29, popSex, 1000, 29)
		check("12", "T", "cdr", 46, 2*17500, 1000, 46) // not i10, a8 (residence not known), m17, s1 (01)
		check("01", "T", "cdr", 2, 2*8750, 1000, 2)
		// the frame: no death of a woman in province 01 or district 0102 in 2020, yet a row with 0
		check("01", "F", "cdr", 0, 8750, 1000, 0)
		check("0102", "F", "imr", 0, 0, 1000, 0)
		if r := get("0102", "F", "imr"); r.value.Valid || !strings.Contains(r.flags, "no_denominator") {
			t.Errorf("0102 F imr without births: value %v, flags %s; want NULL, no_denominator", r.value, r.flags)
		}
		if n := one[int64](t, db, "select count(*) from mortality_asdr where year = 2020 and area_code = '0102' and sex = 'F' and numerator = 0"); n != 19 {
			t.Errorf("mortality_asdr 2020 0102 F: %d age groups with 0 deaths, want all 19", n)
		}
		if n := one[int64](t, db, "select count(*) from mortality_rates where sex = 'U' or area_code = '99'"); n != 0 {
			t.Errorf("mortality_rates: %d rows of sex U or area 99 (no denominator holds them)", n)
		}
	})

	t.Run("infant and child", func(t *testing.T) {
		check("KH", "T", "imr", 11, births, 1000, 11)
		// neonatal: the 5 known, with the 2 of unknown age shared as the 9 known are
		nmr := 5 * 11.0 / 9
		check("KH", "T", "nmr", nmr, births, 1000, 5)
		check("KH", "T", "pnmr", 11-nmr, births, 1000, 4)
		check("KH", "M", "nmr", 2*5.0/4, birthsM, 1000, 2) // i10 shared over i1, i3 | i5, i7
		check("KH", "F", "nmr", 3, birthsF, 1000, 3)       // no infant girl of unknown age
		check("12", "T", "nmr", 5*10.0/9, births12, 1000, 5)
		// early neonatal: 2 of the 4 neonatal deaths with days known, scaled to all neonatal deaths
		check("KH", "T", "stillbirth_rate", 3, births+3, 1000, 3)
		check("KH", "T", "perinatal_mortality", 3+2*nmr/4, births+3, 1000, 5)
		check("12", "T", "perinatal_mortality", 2+2*(5*10.0/9)/4, births12+2, 1000, 4)

		// U5MR = 1 - (1 - q0)(1 - 4q1), 4q1 = 4M / (1 + (4 - 4a1) M), 4a1 by
		// Coale-Demeny West on q0 (all three q0 here are over 0.1: the constants)
		u5 := func(infants, births, deaths14, pop14, a1 float64) float64 {
			q0 := infants / births
			m := deaths14 / pop14
			return 1000 * (1 - (1-q0)*(1-4*m/(1+(4-a1)*m)))
		}
		near(t, "u5mr T", get("KH", "T", "u5mr").value.Float64, u5(11, births, 3*50.0/49, 2400, (1.05*1.352+1.361)/2.05), 1e-9)
		near(t, "u5mr M", get("KH", "M", "u5mr").value.Float64, u5(5, birthsM, 2, 1200, 1.352), 1e-9)
		near(t, "u5mr F", get("KH", "F", "u5mr").value.Float64, u5(5, birthsF, 29.0/28, 1200, 1.361), 1e-9)
		if e := get("KH", "T", "u5mr").events; e != 14 {
			t.Errorf("u5mr event_count %d, want 14 (11 infants, 3 at 1-4)", e)
		}
	})

	t.Run("maternal", func(t *testing.T) {
		check("KH", "T", "mmr", 9, births, 1e5, 9)
		check("12", "T", "mmr", 8, births12, 1e5, 8) // m17 lives in 01
		check("KH", "T", "late_maternal", 2, births, 1e5, 2)
		check("KH", "T", "pregnancy_related", 12, births, 1e5, 12)
		if n := one[int64](t, db, "select count(*) from mortality_rates where measure in ('mmr', 'late_maternal', 'pregnancy_related') and sex <> 'T'"); n != 0 {
			t.Errorf("%d maternal rows by sex", n)
		}
	})

	t.Run("SDGs", func(t *testing.T) {
		check("KH", "T", "road_traffic", 4, pop, 1e5, 4)
		check("KH", "M", "road_traffic", 2, popSex, 1e5, 2)
		check("KH", "F", "road_traffic", 2, popSex, 1e5, 2)
		check("KH", "T", "suicide", 2, pop, 1e5, 2)
		check("KH", "T", "homicide", 1, pop, 1e5, 1)
		// SDG 3.4.1: 1 - prod over 30-34 ... 65-69 of (1 - 5q), 5q = 5M / (1 + 2.5M)
		sdg := func(deaths map[int]float64, pop float64) float64 {
			p := 1.0
			for a := 30; a <= 65; a += 5 {
				m := deaths[a] / pop
				p *= 1 - 5*m/(1+2.5*m)
			}
			return 1 - p
		}
		near(t, "sdg_3_4_1 T", get("KH", "T", "sdg_3_4_1").value.Float64, sdg(map[int]float64{30: 1, 50: 1, 55: 1, 60: 1, 65: 1}, 3000), 1e-12)
		near(t, "sdg_3_4_1 F", get("KH", "F", "sdg_3_4_1").value.Float64, sdg(map[int]float64{30: 1, 55: 1, 60: 1}, 1500), 1e-12)
		near(t, "sdg_3_4_1 M", get("KH", "M", "sdg_3_4_1").value.Float64, sdg(map[int]float64{65: 1}, 1500), 1e-12)
		near(t, "sdg_3_4_1 12 F", get("12", "F", "sdg_3_4_1").value.Float64, sdg(map[int]float64{30: 1, 55: 1}, 1000), 1e-12) // a8 has no province
	})

	t.Run("age groups", func(t *testing.T) {
		asdr := func(sex, group string) (num, den float64) {
			t.Helper()
			if err := db.QueryRow(`select numerator, denominator from mortality_asdr
				where year = 2020 and area_code = 'KH' and sex = ? and age_group = ? and basis = 'registered'`, sex, group).Scan(&num, &den); err != nil {
				t.Fatalf("asdr %s %s: %v", sex, group, err)
			}
			return num, den
		}
		// m19 (F) is the only death of unknown age: deaths of women count 29/28, of both sexes 50/49
		for _, c := range []struct {
			sex, group string
			deaths     float64
		}{
			{"T", "0", 11 * 50.0 / 49}, {"T", "1-4", 3 * 50.0 / 49}, {"T", "5-9", 50.0 / 49},
			{"M", "80-84", 0}, {"M", "85+", 1}, {"F", "80-84", 29.0 / 28}, {"F", "85+", 0},
			{"T", "25-29", 6 * 50.0 / 49}, // m1 25, m7 26, m5 27, m3 28, a6 29, m11 29; r5 (24) is in 20-24
			{"M", "65-69", 1}, {"M", "70-74", 1},
		} {
			num, _ := asdr(c.sex, c.group)
			near(t, "mortality_asdr "+c.sex+" "+c.group, num, math.Round(c.deaths*1000)/1000, 1e-9)
		}
		near(t, "asdr_who T numerator", get("KH", "T", "asdr_who").num.Float64, 50, 0)
	})

	t.Run("infant deaths table", func(t *testing.T) {
		want := map[string]int64{
			"KH|T|total": 11, "KH|M|0d": 1, "KH|F|1-6d": 1, "KH|T|7-27d": 2, "KH|F|neonatal_day_unknown": 1,
			"KH|T|28-364d": 4, "KH|M|28-364d": 2, "KH|T|unknown": 2, "99|M|unknown": 1, "12|U|unknown": 1,
		}
		got := map[string]int64{}
		forRows(t, db, "select concat_ws('|', area_code, sex, age_at_death), numerator from tab_infant_deaths where year = 2020", func(rows *sql.Rows) {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			got[k] = n
		})
		for k, n := range want {
			if got[k] != n {
				t.Errorf("tab_infant_deaths 2020 %s = %d, want %d", k, got[k], n)
			}
		}
		// the neonatal deaths whose age is known are nmr's event_count
		neo := got["KH|T|0d"] + got["KH|T|1-6d"] + got["KH|T|7-27d"] + got["KH|T|neonatal_day_unknown"]
		if e := get("KH", "T", "nmr").events; neo != e {
			t.Errorf("tab_infant_deaths neonatal %d, nmr event_count %d", neo, e)
		}
	})
}

// TestCoaleDemeny4a1 holds the SQL macros cd_west_4a1 and q_from_m equal to
// the life tables' rule (demog AxUN with a given q0): 4a1 and 4q1 of a table
// on both sides of q0 = 0.1, where the rule turns constant.
func TestCoaleDemeny4a1(t *testing.T) {
	db := fixtureWarehouse(t)
	groups, err := demog.AbridgedGroups(85)
	if err != nil {
		t.Fatal(err)
	}
	deaths, expo := make([]float64, len(groups)), make([]float64, len(groups))
	for i := range groups {
		deaths[i], expo[i] = 10+float64(i*i), 1000
	}
	m14 := deaths[1] / expo[1]
	for _, q0 := range []float64{0.001, 0.02, 0.0999, 0.1, 0.1001, 0.25} {
		var both float64
		for _, s := range []struct {
			code string
			sex  demog.Sex
			w    float64
		}{{"M", demog.Male, 1.05}, {"F", demog.Female, 1}} {
			lt, err := demog.LifeTableFromDeaths(groups, deaths, expo, demog.Options{Sex: s.sex, Rule: demog.AxUN, IMR: q0})
			if err != nil {
				t.Fatal(err)
			}
			var a1, q1 float64
			if err := db.QueryRow("select cd_west_4a1(?::double, ?), q_from_m(4, ?::double, cd_west_4a1(?::double, ?))",
				q0, s.code, m14, q0, s.code).Scan(&a1, &q1); err != nil {
				t.Fatal(err)
			}
			near(t, fmt.Sprintf("4a1 %s q0 %g", s.code, q0), a1, lt.Ax[1], 1e-12)
			near(t, fmt.Sprintf("4q1 %s q0 %g", s.code, q0), q1, lt.Qx[1], 1e-12)
			both += s.w * lt.Ax[1] / 2.05
		}
		near(t, fmt.Sprintf("4a1 T q0 %g", q0), one[float64](t, db, "select cd_west_4a1(?::double, 'T')", q0), both, 1e-12)
	}
}
