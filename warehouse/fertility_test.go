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
// sex, so (17,500 + 8,750) x 2 x 1.1 = 57,750. The adolescent birth rates
// spread b8's unknown age as ASFR does: b1 (14) counts 6/5 in 10-14.
func TestFertilityByHand(t *testing.T) {
	db := fixtureWarehouse(t)
	rate := func(measure string) float64 {
		return one[float64](t, db, "select value from fertility_rates where year = 2021 and area_code = 'KH' and basis = 'registered' and measure = ?", measure)
	}
	near(t, "ASFR 15-19", one[float64](t, db, "select value from fertility_asfr where year = 2021 and area_code = 'KH' and basis = 'registered' and age_group = '15-19'"), 1000*1.2/1650, 1e-9)
	near(t, "ASFR 45-49 in district 0102", one[float64](t, db, "select value from fertility_asfr where year = 2021 and area_code = '0102' and basis = 'registered' and age_group = '45-49'"), 1000*2.0/550, 1e-9) // b7, and b8's unknown age pro rata
	near(t, "TFR", rate("tfr"), 5*6.0/1650, 1e-9)
	near(t, "mean age at childbearing", rate("mac"), (17.5+22.5+27.5+32.5+47.5)/5, 1e-9)
	near(t, "GFR", rate("gfr"), 1000*6.0/(7*1650), 1e-9)
	near(t, "CBR", rate("cbr"), 1000*6.0/57750, 1e-9)
	near(t, "adolescent birth rate 10-14", rate("abr_10_14"), 1000*1.2/1650, 1e-9)
	near(t, "adolescent birth rate 15-19", rate("abr_15_19"), 0, 1e-12)
	near(t, "GRR", rate("grr"), 5*6.0/1650*3/6, 1e-9)

	char := func(measure string) float64 {
		return one[float64](t, db, "select value from births_characteristics where year = 2021 and area_code = 'KH' and measure = ?", measure)
	}
	near(t, "sex ratio at birth", char("sex_ratio_at_birth"), 100, 1e-9) // b2, b3, b5 boys; b1, b7, b8 girls
	near(t, "low birth weight", char("low_birth_weight"), 1.0/5, 1e-9)   // b2 2,400 g of five weighed
	near(t, "facility births", char("facility_births"), 4.0/6, 1e-9)     // b2 and b7 at home
	near(t, "skilled attendance", char("skilled_attendance"), 4.0/6, 1e-9)
	if f := one[string](t, db, "select list_filter(flags, f -> f like 'lt%')::varchar from fertility_rates where year = 2021 and area_code = 'KH' and basis = 'registered' and measure = 'tfr'"); f != "[lt20]" {
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
	near(t, "NRR", one[float64](t, db, "select value from fertility_rates where year = 2021 and area_code = '23' and basis = 'registered' and measure = 'nrr'"), want, 1e-12)
	// The fixture's population is stationary: women of a group = 105 girls
	// born a year × the true nLx, so NRR = 5 × 43/105 × 105/215 = 1 whenever
	// the table's nLx equal the true ones (here within sampling error).
	if math.Abs(want-1) > 0.02 {
		t.Errorf("NRR %g: a stationary population replaces itself (NRR 1)", want)
	}
	main := fixtureWarehouse(t)
	if n := one[int64](t, main, "select count(*) from fertility_rates where measure = 'nrr' and basis = 'registered'"); n != 0 {
		t.Errorf("%d registered NRR rows in the main fixture, whose female life tables are all withheld", n)
	}
}

// TestFertilityAdjusted: the adjusted rates are the registered ones over the
// birth-registration completeness of the year and area (2021 nationally: 6
// registered of 601.471 expected births), and the intervals carry the
// completeness's uncertainty less the covariance of counting the same births:
// for ASFR 15-19 var(log) = 1/1 - 1/6 (one reported birth in the group); for
// TFR, GFR and CBR the registered births cancel, leaving the level of the
// reference. Every group with women has a row: 35-39 had no birth.
func TestFertilityAdjusted(t *testing.T) {
	db := fixtureWarehouse(t)
	c := 6 / 601.4711822521169
	asfr := func(basis, col, group string) float64 {
		return one[float64](t, db, "select "+col+" from fertility_asfr where year = 2021 and area_code = 'KH' and basis = ? and age_group = ?", basis, group)
	}
	rate := 1000 * 1.2 / 1650
	near(t, "adjusted ASFR 15-19", asfr("adjusted_completeness", "value", "15-19"), rate/c, 1e-6)
	sd := math.Sqrt(1 - 1.0/6)
	near(t, "its CI low", asfr("adjusted_completeness", "ci_low", "15-19"), rate/c*math.Exp(-1.959964*sd), 1e-6)
	near(t, "its CI high", asfr("adjusted_completeness", "ci_high", "15-19"), rate/c*math.Exp(1.959964*sd), 1e-6)
	near(t, "registered ASFR 35-39 (no births)", asfr("registered", "value", "35-39"), 0, 0)
	near(t, "adjusted ASFR 35-39 (no births)", asfr("adjusted_completeness", "value", "35-39"), 0, 0)
	adj := func(measure, col string) float64 {
		return one[float64](t, db, "select "+col+" from fertility_rates where year = 2021 and area_code = 'KH' and basis = 'adjusted_completeness' and measure = ?", measure)
	}
	near(t, "adjusted TFR", adj("tfr", "value"), 5*6.0/1650/c, 1e-9)
	near(t, "adjusted GFR = expected births / women 15-49", adj("gfr", "value"), 1000*601.4711822521169/11550, 1e-6)
	near(t, "adjusted CBR interval", adj("cbr", "ci_high")-adj("cbr", "ci_low"), 0, 1e-9)
	near(t, "adjusted ABR 10-14", adj("abr_10_14", "value"), 1000*1.2/1650/c, 1e-6)
	var nrr float64
	for _, g := range []string{"15-19", "20-24", "25-29", "30-34", "45-49"} {
		nlx := one[float64](t, db, "select nlx from int_reference_rates where year = 2021 and sex = 'F' and age_group = ?", g)
		nrr += 1.2 / 1650 / c * nlx
	}
	near(t, "adjusted NRR (reference survival)", adj("nrr", "value"), nrr*3/6, 1e-9)
	if n := one[int64](t, db, "select count(*) from fertility_rates where year = 2021 and area_code = 'KH' and measure = 'mac'"); n != 1 {
		t.Errorf("%d mean ages at childbearing, want the registered one only", n)
	}
}
