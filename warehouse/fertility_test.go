package warehouse_test

import (
	"math"
	"testing"
)

// The 2021 fixture births, by hand (testdata/fixtures/birth.csv): b1 (mother
// 14, counted in 15-19), b2 (22), b3 (27 after its correction), b5 (33; its
// duplicate b6 is dropped), b7 (51, counted in 45-49), b8 (age unknown); b4 is
// cancelled. Five known ages, six births: each known-age birth counts 6/5
// nationally (in district 0102, b7 counts 2: b8 lives there).
// Women per five-year group in 2021: 1,100 (district 1201, geometric mean of
// 1,000 and 1,210) + 550 (district 0102) = 1,650. Population: 17.5 x base per
// sex, so (17,500 + 8,750) x 2 x 1.1 = 57,750.
func TestFertilityByHand(t *testing.T) {
	db := fixtureWarehouse(t)
	rate := func(measure string) float64 {
		return one[float64](t, db, "select value from fertility_rates where year = 2021 and area_code = 'KH' and measure = ?", measure)
	}
	near(t, "ASFR 15-19", one[float64](t, db, "select value from fertility_asfr where year = 2021 and area_code = 'KH' and age_group = '15-19'"), 1000*1.2/1650, 1e-9)
	near(t, "ASFR 45-49 in district 0102", one[float64](t, db, "select value from fertility_asfr where year = 2021 and area_code = '0102' and age_group = '45-49'"), 1000*2.0/550, 1e-9) // b7, and b8's unknown age pro rata
	near(t, "TFR", rate("tfr"), 5*6.0/1650, 1e-9)
	near(t, "mean age at childbearing", rate("mac"), (17.5+22.5+27.5+32.5+47.5)/5, 1e-9)
	near(t, "GFR", rate("gfr"), 1000*6.0/(7*1650), 1e-9)
	near(t, "CBR", rate("cbr"), 1000*6.0/57750, 1e-9)
	near(t, "adolescent birth rate 10-14", rate("abr_10_14"), 1000*1.0/1650, 1e-9)
	near(t, "adolescent birth rate 15-19", rate("abr_15_19"), 0, 1e-12)
	near(t, "GRR", rate("grr"), 5*6.0/1650*3/6, 1e-9)

	char := func(measure string) float64 {
		return one[float64](t, db, "select value from births_characteristics where year = 2021 and area_code = 'KH' and measure = ?", measure)
	}
	near(t, "sex ratio at birth", char("sex_ratio_at_birth"), 100, 1e-9) // b2, b3, b5 boys; b1, b7, b8 girls
	near(t, "low birth weight", char("low_birth_weight"), 1.0/5, 1e-9)   // b2 2,400 g of five weighed
	near(t, "facility births", char("facility_births"), 4.0/6, 1e-9)     // b2 and b7 at home
	near(t, "skilled attendance", char("skilled_attendance"), 4.0/6, 1e-9)
	if f := one[string](t, db, "select flags::varchar from fertility_rates where year = 2021 and area_code = 'KH' and measure = 'tfr'"); f != "[lt20]" {
		t.Errorf("TFR from 6 births: flags %s, want the small-number flags", f)
	}
}

// TestNRRByHand: NRR = Σ ASFR × nLx (female life table, radix 1) × the share
// of girls. In the life-table fixture, district 2301 (province 23) has 43
// births a year to mothers of each of 20, 25, 30, 35 and 40 (105 girls of
// 215), complete registration and, in 2021, a female table of 2020-2022
// (the adjusted table is withheld: its deaths under 5 are unadjusted). In
// the main fixture every female table is withheld, and so is NRR.
func TestNRRByHand(t *testing.T) {
	db := ltFixtureWarehouse(t)
	var want float64
	for _, g := range []string{"20-24", "25-29", "30-34", "35-39", "40-44"} {
		nlx := one[float64](t, db, `select nlx from int_life_tables
			where year = 2021 and area_code = '23' and sex = 'F' and basis = 'registered' and age_group = ?`, g)
		women := one[float64](t, db, `select population from int_population_areas
			where year = 2021 and area_code = '23' and sex = 'F' and age_group = ?`, g)
		want += 43 / women * nlx / 100000
	}
	want *= 105.0 / 215
	near(t, "NRR", one[float64](t, db, "select value from fertility_rates where year = 2021 and area_code = '23' and measure = 'nrr_registered'"), want, 1e-12)
	// The fixture's population is stationary: women of a group = 105 girls
	// born a year × the true nLx, so NRR = 5 × 43/105 × 105/215 = 1 whenever
	// the table's nLx equal the true ones (here within sampling error).
	if math.Abs(want-1) > 0.02 {
		t.Errorf("NRR %g: a stationary population replaces itself (NRR 1)", want)
	}
	main := fixtureWarehouse(t)
	if n := one[int64](t, main, "select count(*) from fertility_rates where measure like 'nrr%'"); n != 0 {
		t.Errorf("%d NRR rows in the main fixture, whose female life tables are all withheld", n)
	}
}
