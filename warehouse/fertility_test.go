package warehouse_test

import "testing"

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
	if f := one[string](t, db, "select flags::varchar from fertility_rates where year = 2021 and area_code = 'KH' and measure = 'tfr'"); f != "[lt20, provisional]" {
		t.Errorf("TFR from 6 births: flags %s, want the small-number flags", f)
	}
}

// TestNRRByHand: NRR = Σ ASFR × nLx (female life table, radix 1) × the share
// of girls, with the 2021 fixture ASFRs (6/5 births of 1,650 women in each of
// 15-19, 20-24, 25-29, 30-34 and 45-49) and girls 3 of 6.
func TestNRRByHand(t *testing.T) {
	db := fixtureWarehouse(t)
	var want float64
	for _, g := range []string{"15-19", "20-24", "25-29", "30-34", "45-49"} {
		nlx := one[float64](t, db, `select nlx from int_life_tables
			where year = 2021 and area_code = 'KH' and sex = 'F' and variant = 'registered' and age_group = ?`, g)
		want += 1.2 / 1650 * nlx / 100000
	}
	want *= 3.0 / 6
	near(t, "NRR", one[float64](t, db, "select value from fertility_rates where year = 2021 and area_code = 'KH' and measure = 'nrr_registered'"), want, 1e-12)
	if want < 0.009 || want > 0.0091 { // five groups of 1.2/1650 × ~5 person-years × 1/2
		t.Errorf("NRR %g: the fixture life table should give each group about 5 person-years", want)
	}
}
