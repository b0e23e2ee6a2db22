package warehouse_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"vitalstats"
	"vitalstats/warehouse"
)

// TestDualSystemByHand runs the dual-system model on lists made by hand: 100
// notifications of facility births; 80 registrations of facility births, 50 of
// them with a link_key, 40 of which match a notification. Chapman (1951):
// N = 101 x 51 / 41 - 1 = 124.634, var N = 101 x 51 x 60 x 10 / (41^2 x 42)
// = 43.775; completeness = 80 / N = 0.64188 (Petersen's n1 n2 / m = 125 gives
// 0.64), its 95% interval N's on the log scale.
func TestDualSystemByHand(t *testing.T) {
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	macros, err := vitalstats.SQL.ReadFile("sql/macros.sql")
	if err != nil {
		t.Fatal(err)
	}
	var notes, regs []string
	for i := 1; i <= 100; i++ {
		notes = append(notes, fmt.Sprintf("('birth', 2023, '12', '1201', 'N%d')", i))
	}
	for i := 1; i <= 80; i++ {
		key := "NULL" // 30 without an identity code
		switch {
		case i <= 40:
			key = fmt.Sprintf("'N%d'", i) // notified and registered
		case i <= 50:
			key = fmt.Sprintf("'K%d'", i) // registered, not notified
		}
		regs = append(regs, fmt.Sprintf("('birth', 2023, '12', '1201', %s, 'health_centre')", key))
	}
	// a home birth's registration is outside the lists
	regs = append(regs, "('birth', 2023, '12', '1201', 'H1', 'home')")
	for _, q := range []string{
		string(macros),
		`create table stg_lake__notifications (event_type varchar, year integer, province_code varchar, district_code varchar, link_key varchar)`,
		`insert into stg_lake__notifications values ` + strings.Join(notes, ", "),
		`create table int_registrations_linkable (event_type varchar, year integer, province_code varchar, district_code varchar,
			link_key varchar, facility_type varchar)`,
		`insert into int_registrations_linkable values ` + strings.Join(regs, ", "),
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	model, err := vitalstats.SQL.ReadFile("sql/intermediate/int_dual_system.sql")
	if err != nil {
		t.Fatal(err)
	}
	var n1, m, n2, n2k int
	var occurred, se, value, lo, hi float64
	if err := w.DB.QueryRow(`select notified, matched, registered, registered_linkable, occurred, occurred_se, value, ci_low, ci_high
		from (`+string(model)+`) where area_code = 'KH'`).Scan(&n1, &m, &n2, &n2k, &occurred, &se, &value, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if n1 != 100 || m != 40 || n2 != 80 || n2k != 50 {
		t.Errorf("lists n1 %d, m %d, n2 %d, n2k %d; want 100, 40, 80, 50", n1, m, n2, n2k)
	}
	wantN := 101.0*51/41 - 1
	wantVar := 101.0 * 51 * 60 * 10 / (41 * 41 * 42)
	near(t, "Chapman N", occurred, wantN, 1e-9)
	near(t, "Chapman SE", se, math.Sqrt(wantVar), 1e-9)
	near(t, "completeness", value, 80/wantN, 1e-9)
	near(t, "completeness, by hand", value, 0.64188, 1e-5)
	s := math.Sqrt(wantVar) / wantN
	near(t, "CI low", lo, 80/wantN*math.Exp(-1.959964*s), 1e-9)
	near(t, "CI high", hi, 80/wantN*math.Exp(1.959964*s), 1e-9)
}

// TestCompletenessFrame: every area and year of the denominators has its rows
// (births one band, deaths four, each in four windows), registrations or not,
// and the nation's expected events are the sum of its provinces'.
func TestCompletenessFrame(t *testing.T) {
	db := fixtureWarehouse(t)
	// 3 years x 5 areas (KH, 01, 0102, 12, 1201) x (1 + 4 bands) x 4 windows
	if n := one[int64](t, db, `select count(*) from completeness where method <> 'dual_system'`); n != 3*5*5*4 {
		t.Errorf("%d reference rows, want 300", n)
	}
	// Province 01 registered no death in 2020: its rows are there, with 0.
	if v := one[float64](t, db, `select value from completeness where event_type = 'death' and age_band = 'all' and year = 2020
		and area_code = '01' and within = 'all'`); v != 0 {
		t.Errorf("province 01, 2020: completeness %g, want 0", v)
	}
	if d := one[float64](t, db, `select max(abs(n.denominator - p.d)) from completeness as n
		join (select event_type, age_band, year, within, sum(denominator) as d from completeness
		      where area_code in ('01', '12') and method <> 'dual_system' group by all) as p using (event_type, age_band, year, within)
		where n.area_code = 'KH' and n.method <> 'dual_system'`); d > 1e-9 {
		t.Errorf("national expected events differ from the provinces' sum by %g", d)
	}
	// Deaths of all ages: the bands' expected deaths add up; the registered
	// include the deaths of unknown age, spread pro rata over the bands.
	if d := one[float64](t, db, `select max(abs(a.denominator - b.d) + abs(a.numerator - b.n)) from completeness as a
		join (select year, area_code, within, sum(denominator) as d, sum(numerator) as n from completeness
		      where event_type = 'death' and age_band <> 'all' group by all) as b using (year, area_code, within)
		where a.event_type = 'death' and a.age_band = 'all' and a.method = 'reference_rates'`); d > 1e-3 {
		t.Errorf("death bands do not add up to all ages (%g apart)", d)
	}
}

// TestCompletenessBest: the reference-based estimate is the best one wherever
// the reference covers the year (the fixtures' years); its value, interval and
// counts are those of completeness.
func TestCompletenessBest(t *testing.T) {
	db := fixtureWarehouse(t)
	if n := one[int64](t, db, `select count(*) from int_completeness_best`); n != 3*5*5 {
		t.Errorf("%d rows, want 3 years x 5 areas x 5 event type-bands", n)
	}
	if n := one[int64](t, db, `select count(*) from int_completeness_best as b
		join completeness as c using (event_type, age_band, year, area_code)
		where c.within = 'all' and c.method = b.method and coalesce(abs(b.value - c.value) <= 1e-12 * c.value, b.value is not distinct from c.value)
		  and b.ci_low is not distinct from c.ci_low and abs(b.denominator - c.denominator) <= 1e-9 * c.denominator`); n != 75 {
		t.Errorf("%d of 75 best estimates are the reference-based completeness", n)
	}
}

// TestAdairLopezReference5q0: Adair-Lopez takes 5q0 from the reference life
// table of the year and sex (UN IGME's U5MR split by WPP's sex ratio), never
// from the registry. KH females 2021 by hand: 4 deaths of 28,875 women (CDR
// 0.138528), 5.06% of them 65+, 5q0 0.0225838: logit = 37.7887 + 0.8841 CDR -
// 0.0255 CDR^2 - 22.1099 x 0.050637 - 1.5262 ln 5q0 - 0.0217 x 2021, C = 0.0028850.
func TestAdairLopezReference5q0(t *testing.T) {
	db := fixtureWarehouse(t)
	if n := one[int64](t, db, `select count(*) from completeness_death_methods as a
		join (select year, sex, 1 - max(lx) filter (where age_start = 5) as q5 from int_reference_rates group by all) as r
		  on r.year = a.year_start and r.sex = a.sex
		where a.method = 'adair_lopez_model2' and abs(a.q5 - r.q5) < 1e-12 and a.q5_basis = 'reference_igme2024'
		  and not list_contains(a.flags, 'q5_from_registration')`); n != 9 {
		t.Errorf("%d of 9 Adair-Lopez rows on the reference 5q0", n)
	}
	near(t, "Adair-Lopez KH F 2021", one[float64](t, db, `select value from completeness_death_methods
		where method = 'adair_lopez_model2' and year_start = 2021 and area_code = 'KH' and sex = 'F'`), 0.0028850, 1e-6)
}
