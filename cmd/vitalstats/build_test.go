package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// truthFile is the part of the generator's truth.json these tests read.
type truthFile struct {
	TFR               map[string]float64            `json:"tfr"`
	E0                map[string]map[string]float64 `json:"e0"`
	IMR               map[string]float64            `json:"imr"`
	U5MR              map[string]float64            `json:"u5mr"`
	BirthCompleteness map[string]map[string]float64 `json:"birth_completeness"`
	Observed          struct {
		Births         map[string][2]int64                    `json:"births"`
		InfantDeaths   map[string]int64                       `json:"infant_deaths"`
		NeonatalDeaths map[string]int64                       `json:"neonatal_deaths"`
		DeathsByAge    map[string]map[string]map[string]int64 `json:"deaths_by_age"` // year -> male/female -> age group
	} `json:"observed"`
	dir string // where truth.json and truth_population.csv are
}

// pipeline runs gen → etl → build on a fresh site with the given profile
// overrides, the generator's simulated population as the denominators, and
// returns the built warehouse (read-only) and the truth. extra is appended
// to the config (profile overrides, a [serve] section); configPath, when
// not nil, receives the config's path.
func pipeline(t *testing.T, events int, extra string, configPath ...*string) (*sql.DB, truthFile) {
	t.Helper()
	return pipelineSeed(t, 7, events, extra, configPath...)
}

// pipelineSeed is pipeline with the generator's seed given.
func pipelineSeed(t *testing.T, seed, events int, extra string, configPath ...*string) (*sql.DB, truthFile) {
	t.Helper()
	pgDir := managedDir(t, "vitalstats-build-test-")
	out := t.TempDir()
	inbox, truthPath := filepath.Join(out, "inbox"), filepath.Join(out, "truth.json")
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir = %q
[log]
level = "warn"
[registry]
managed_dir = %q
[etl]
lake = %q
inbox = %q
secret_file = %q
[warehouse]
path = %q
threads = 2
memory_limit = "1GB"
population = %q
population_source = "the simulated population of the synthetic country"
census_years = [2011, 2019]
[gen]
seed = %d
inbox = %q
truth = %q
%s`, out, filepath.Join(pgDir, "registry-pg"), filepath.Join(out, "lake"), inbox, filepath.Join(out, "secret.key"),
		filepath.Join(out, "warehouse.duckdb"), filepath.Join(out, "truth_population.csv"), seed, inbox, truthPath, extra))
	for _, p := range configPath {
		*p = cfg
	}
	for _, args := range [][]string{
		{"gen", "-config", cfg, "-scale", strconv.Itoa(events), "-to", "both"},
		{"etl", "-config", cfg},
		{"build", "-config", cfg},
		{"check", "-config", cfg},
	} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%s: exit %d\nstderr: %s", args[0], code, stderr)
		}
	}
	var truth truthFile
	b, err := os.ReadFile(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	truth.dir = out
	w, err := warehouse.Open(filepath.Join(out, "warehouse.duckdb"), warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB, truth
}

// A profile where (all but 1 in 100,000) events are registered within a year
// and digitized, without defects: the warehouse's rates must then equal the simulated ones.
const completeProfile = `
[gen.profile]
first_year = 2010
last_year = 2019
as_of = "2021-12-31"
[gen.profile.registration]
birth = [0.99999, 0.99999]
death = [0.99999, 0.99999]
infant_death_odds = 1.0
child_death_odds = 1.0
female_death_odds = 1.0
province_spread = 0.0
within_limit_share = 0.9
late_share = 0.1
digitization_start = "2010-01-01"
digitized_share = 1.0
digitize_mean_days = 30
cancelled = 0.0
[gen.profile.defects]
duplicate = 0.0
missing_optional = 0.0
missing_required = 0.0
impossible_date = 0.0
unknown_commune = 0.0
invalid_icd = 0.0
age_reported = 0.0
age_heaping = 0.0
[gen.profile.defects.file]
wrong_field_count = 0.0
unterminated_quote = 0.0
invalid_date = 0.0
invalid_utf8 = 0.0
garbled_line = 0.0
number_as_text = 0.0
`

// TestWarehouseRecoversTruth: on complete, clean registration the warehouse
// recovers the generator's TFR, e0 by sex and IMR within sampling error, and
// the death-distribution methods find registration complete.
func TestWarehouseRecoversTruth(t *testing.T) {
	db, truth := pipeline(t, 250_000, completeProfile)
	checkDeathDistributionMethods(t, db)
	// The abridged table runs 0.2-0.3 years above the generator's
	// single-year e0 at this scale (docs/methods.md section 7), so coverage
	// falls short of 95% by bias, not by the width of the intervals: 17 of
	// 20 with this seed. Intervals twice too wide or too narrow (mean z²
	// about 0.4 or 7) fail.
	if c := checkLifeTablesComplete(t, db, truth); c.covered < 15 || c.meanZ2() < 0.6 || c.meanZ2() > 3 {
		t.Errorf("e0 intervals: %d of %d cover the truth, mean z² %.2f; want at least 15 and 0.6-3", c.covered, c.cells, c.meanZ2())
	}
	for year := 2011; year <= 2019; year++ {
		y := strconv.Itoa(year)
		var tfr, lo, hi float64
		if err := db.QueryRow(`select value, ci_low, ci_high from fertility_rates
			where year = ? and area_code = 'KH' and measure = 'tfr' and basis = 'registered'`, year).Scan(&tfr, &lo, &hi); err != nil {
			t.Fatalf("TFR %d: %v", year, err)
		}
		se := (hi - lo) / (2 * 1.959964)
		t.Logf("%d TFR %.3f (SE %.3f), truth %.3f", year, tfr, se, truth.TFR[y])
		if d := tfr - truth.TFR[y]; math.Abs(d) > 4*se {
			t.Errorf("TFR %d = %.4f, truth %.4f: %.1f standard errors off", year, tfr, truth.TFR[y], d/se)
		}
		var imr, infants, births float64
		if err := db.QueryRow(`select value, numerator, denominator from mortality_rates
			where year = ? and area_code = 'KH' and sex = 'T' and basis = 'registered' and measure = 'imr'`, year).Scan(&imr, &infants, &births); err != nil {
			t.Fatalf("IMR %d: %v", year, err)
		}
		// All but one in 100,000 births and infant deaths are registered.
		// Record linkage takes a few twins for one child (same mother, day
		// and commune, rhyming names, no birth weight, the same parity: 4 of
		// 15,682 births of 2012): one in 2,000 is allowed besides.
		ob := truth.Observed.Births[y]
		slack := func(n float64) float64 { return 3 + n/2000 }
		if math.Abs(births-float64(ob[0]+ob[1])) > slack(births) || math.Abs(infants-float64(truth.Observed.InfantDeaths[y])) > slack(infants) {
			t.Errorf("IMR %d from %v infant deaths / %v births; the simulation had %d / %d", year, infants, births,
				truth.Observed.InfantDeaths[y], ob[0]+ob[1])
		}
		// The truth is the expected probability of the year's births (a
		// cohort rate); the warehouse's is a period rate: sampling error plus
		// the cohort-period difference, small when births change slowly.
		t.Logf("%d IMR %.2f, truth %.2f", year, imr, truth.IMR[y])
		if se := 1000 * math.Sqrt(truth.IMR[y]/1000/births); math.Abs(imr-truth.IMR[y]) > 4*se+0.5 {
			t.Errorf("IMR %d = %.2f, truth %.2f (SE %.2f)", year, imr, truth.IMR[y], se)
		}
	}
}

// TestInfantAgesReported: on complete registration where paper records give
// the age at death as reported (days under a month, months under a year, no
// date of birth: age_reported = 1), the neonatal deaths and the neonatal
// share of infant deaths equal the simulated ones, and NMR, IMR and U5MR
// match the truth within sampling error. With the split by age in days alone,
// infants reported in months left the share's base and it came out 0.66-0.68
// against 0.55 (issue 14).
func TestInfantAgesReported(t *testing.T) {
	profile := strings.Replace(completeProfile, "age_reported = 0.0", "age_reported = 1.0", 1)
	if profile == completeProfile {
		t.Fatal("the complete profile no longer sets age_reported")
	}
	db, truth := pipeline(t, 150_000, profile)
	var months int64
	if err := db.QueryRow(`select count(*) from tab_infant_deaths where area_code = 'KH' and sex = 'T' and age_at_death = '28-364d'`).Scan(&months); err != nil || months == 0 {
		t.Fatalf("no post-neonatal deaths (%v)", err)
	}
	var neoAll, infAll, trueNeo, trueInf float64
	for year := 2011; year <= 2019; year++ {
		y := strconv.Itoa(year)
		var nmr, neo, births, imr, infants, u5mr, zeroMonths float64
		if err := db.QueryRow(`select max(value) filter (where measure = 'nmr'), max(numerator) filter (where measure = 'nmr'),
				max(denominator) filter (where measure = 'nmr'), max(value) filter (where measure = 'imr'),
				max(numerator) filter (where measure = 'imr'), max(value) filter (where measure = 'u5mr'),
				(select coalesce(sum(numerator), 0) from tab_infant_deaths
				 where year = ? and area_code = 'KH' and sex = 'T' and age_at_death = 'neonatal_day_unknown')
			from mortality_rates where year = ? and area_code = 'KH' and sex = 'T' and basis = 'registered'`, year, year).Scan(
			&nmr, &neo, &births, &imr, &infants, &u5mr, &zeroMonths); err != nil {
			t.Fatalf("%d: %v", year, err)
		}
		// All but one in 100,000 deaths are registered, and every reported
		// age gives the neonatal class: the counts are the simulation's, but
		// for the convention that 0 months is neonatal. The generator reports
		// completed months of 30.44 days and ages under 28 days in days, so
		// its deaths at 0 months are all 30 days old: post-neonatal.
		if on := float64(truth.Observed.NeonatalDeaths[y]); math.Abs(neo-zeroMonths-on) > 3 {
			t.Errorf("%d: %.1f neonatal deaths, %.0f of them reported at 0 months; the simulation had %.0f", year, neo, zeroMonths, on)
		}
		neoAll, infAll = neoAll+neo, infAll+infants
		trueNeo, trueInf = trueNeo+float64(truth.Observed.NeonatalDeaths[y]), trueInf+float64(truth.Observed.InfantDeaths[y])
		ob := truth.Observed.Births[y]
		trueNMR := 1000 * float64(truth.Observed.NeonatalDeaths[y]) / float64(ob[0]+ob[1])
		t.Logf("%d NMR %.2f (simulated deaths / births %.2f), IMR %.2f (truth %.2f), U5MR %.2f (truth %.2f)",
			year, nmr, trueNMR, imr, truth.IMR[y], u5mr, truth.U5MR[y])
		if se := 1000 * math.Sqrt(trueNMR/1000/births); math.Abs(nmr-trueNMR) > 4*se {
			t.Errorf("NMR %d = %.2f, simulated %.2f (SE %.2f)", year, nmr, trueNMR, se)
		}
		// The truth is the expected probability of the year's births; the
		// period rate differs by sampling error and the cohort-period
		// difference, as for IMR in TestWarehouseRecoversTruth.
		if se := 1000 * math.Sqrt(truth.U5MR[y]/1000/births); math.Abs(u5mr-truth.U5MR[y]) > 4*se+1 {
			t.Errorf("U5MR %d = %.2f, truth %.2f (SE %.2f)", year, u5mr, truth.U5MR[y], se)
		}
	}
	share, want := neoAll/infAll, trueNeo/trueInf
	t.Logf("neonatal share of infant deaths 2011-2019: %.4f, simulated %.4f (%.0f infant deaths)", share, want, infAll)
	// the 0-month convention moves about 1 infant death in 800 (0.001 of the share)
	if math.Abs(share-want) > 0.004 {
		t.Errorf("neonatal share %.4f, simulated %.4f", share, want)
	}
	// and the simulated share is the profile's 0.55 within sampling error
	if se := math.Sqrt(0.55 * 0.45 / trueInf); math.Abs(want-0.55) > 4*se {
		t.Errorf("simulated neonatal share %.4f, profile 0.55 (SE %.4f)", want, se)
	}
}

// checkLifeTablesComplete: on complete registration, e0 of every year and sex
// equals the e0 an independent abridged table gives from the deaths and
// population the generator simulated (the same method: only the one death in
// 100,000 left unregistered differs), and its 95% interval covers the
// generator's true e0 at close to the nominal rate.
func checkLifeTablesComplete(t *testing.T, db *sql.DB, truth truthFile) coverage {
	pop := truthPopulation(t, truth.dir)
	var c coverage
	var diffs float64
	for year := 2010; year <= 2019; year++ {
		y := strconv.Itoa(year)
		for si, sex := range []struct{ code, name string }{{"M", "male"}, {"F", "female"}} {
			var e0, lo, hi float64
			if err := db.QueryRow(`select value, ci_low, ci_high from life_expectancy
				where year = ? and area_code = 'KH' and sex = ? and measure = 'e0' and basis = 'registered'`, year, sex.code).Scan(&e0, &lo, &hi); err != nil {
				t.Fatalf("e0 %d %s: %v", year, sex.code, err)
			}
			d := make([]float64, len(ltLabels))
			for i, l := range ltLabels {
				d[i] = float64(truth.Observed.DeathsByAge[y][sex.name][l])
			}
			want := independentTable(sex.code == "M", d, pop[y][sex.code], float64(truth.Observed.Births[y][si])).e0
			se := (hi - lo) / (2 * 1.959964)
			z := (e0 - truth.E0[y][sex.name]) / se
			t.Logf("%d e0 %s %.3f (SE %.2f), independent %.3f (%+.4f), truth %.2f (z %+.2f)", year, sex.name, e0, se, want, e0-want, truth.E0[y][sex.name], z)
			// 0.01 years was the tolerance of exact duplicate keys; record
			// linkage may take two namesakes of one age, dead the same days in
			// one province, for one death (0 to 2 a year here): +0.012.
			if math.Abs(e0-want) > 0.025 {
				t.Errorf("e0 %d %s = %.4f, the independent table gives %.4f", year, sex.name, e0, want)
			}
			diffs += e0 - want
			c.add(z)
		}
	}
	t.Logf("e0: %d of %d 95%% intervals cover the true e0; mean z² %.2f; mean difference from the independent table %+.4f",
		c.covered, c.cells, c.meanZ2(), diffs/float64(c.cells))
	return c
}

// coverage counts the intervals that cover the truth, and Σ z².
type coverage struct {
	covered, cells int
	z2, z          float64
}

func (c *coverage) add(z float64) {
	c.cells++
	c.z += z
	c.z2 += z * z
	if math.Abs(z) <= 1.959964 {
		c.covered++
	}
}

func (c coverage) meanZ2() float64 { return c.z2 / float64(c.cells) }

// checkLifeTablesDefault: on the default profile (about a third of deaths
// registered, infant deaths least), registered e0 is published only inside
// its bounds; the tables adjusted by GGB-SEG withhold e0 (their deaths under
// 5 are not adjusted) and publish e60 and 45q15, which come much closer than
// the registered ones to the values of all the simulated deaths (registered
// or not, by the independent table), with 95% intervals that cover them at
// about the nominal rate; so do the e60 and 45q15 of the tables adjusted by
// completeness (whose e0 checkAdjustedE0 checks).
func checkLifeTablesDefault(t *testing.T, db *sql.DB, truth truthFile) coverage {
	pop := truthPopulation(t, truth.dir)
	var c coverage
	errs := map[string]*[2]float64{"e60": {}, "45q15": {}} // mean |error| of GGB-SEG's and of the completeness's
	for year := 2012; year <= 2018; year++ {
		y := strconv.Itoa(year)
		for si, sex := range []struct{ code, name string }{{"M", "male"}, {"F", "female"}} {
			d := make([]float64, len(ltLabels))
			for i, l := range ltLabels {
				d[i] = float64(truth.Observed.DeathsByAge[y][sex.name][l])
			}
			all := independentTable(sex.code == "M", d, pop[y][sex.code], float64(truth.Observed.Births[y][si]))
			var regE0 sql.NullFloat64
			var regFlags, adjFlags string
			if err := db.QueryRow(`select max(value) filter (where basis = 'registered'), max(flags::varchar) filter (where basis = 'registered'),
					max(flags::varchar) filter (where basis = 'adjusted_ggb_seg' and value is null)
				from life_expectancy where year = ? and area_code = 'KH' and sex = ? and measure = 'e0'`, year, sex.code).Scan(&regE0, &regFlags, &adjFlags); err != nil {
				t.Fatalf("e0 %d %s: %v", year, sex.code, err)
			}
			if !regE0.Valid && !strings.Contains(regFlags, "withheld_e0_out_of_bounds") {
				t.Errorf("e0 %d %s: registered withheld for another reason than its bounds: %s", year, sex.name, regFlags)
			}
			if !strings.Contains(adjFlags, "withheld_under5_unadjusted") {
				t.Errorf("e0 %d %s: the adjusted e0 is not withheld for its deaths under 5 (%s)", year, sex.name, adjFlags)
			}
			t.Logf("%d %s: registered e0 %.1f %s, true %.2f", year, sex.name, regE0.Float64, regFlags, truth.E0[y][sex.name])
			for _, m := range []struct {
				measure string
				want    float64
			}{{"e60", all.e60}, {"45q15", all.q45x15}} {
				var reg sql.NullFloat64 // withheld where the registered e0 is out of bounds
				var adj, lo, hi, byBand float64
				if err := db.QueryRow(`select max(value) filter (where basis = 'registered'), max(value) filter (where basis = 'adjusted_ggb_seg'),
						max(ci_low) filter (where basis = 'adjusted_ggb_seg'), max(ci_high) filter (where basis = 'adjusted_ggb_seg'),
						max(value) filter (where basis = 'adjusted_completeness')
					from life_expectancy where year = ? and area_code = 'KH' and sex = ? and measure = ?`, year, sex.code, m.measure).Scan(&reg, &adj, &lo, &hi, &byBand); err != nil {
					t.Fatalf("%s %d %s: %v", m.measure, year, sex.code, err)
				}
				z := (adj - m.want) / ((hi - lo) / (2 * 1.959964))
				t.Logf("%d %s %s: registered %.4f, adjusted %.4f (%.4f-%.4f), by completeness %.4f, all deaths %.4f (z %+.2f)",
					year, sex.name, m.measure, reg.Float64, adj, lo, hi, byBand, m.want, z)
				for _, v := range []float64{adj, byBand} {
					if reg.Valid && math.Abs(v-m.want) > math.Abs(reg.Float64-m.want)/2 {
						t.Errorf("%s %d %s: adjusted %.4f is not much closer to %.4f than registered %.4f", m.measure, year, sex.name, v, m.want, reg.Float64)
					}
				}
				errs[m.measure][0] += math.Abs(adj-m.want) / 14
				errs[m.measure][1] += math.Abs(byBand-m.want) / 14
				c.add(z)
			}
		}
	}
	t.Logf("adjusted e60 and 45q15: %d of %d 95%% intervals cover the values of all simulated deaths; mean z² %.2f", c.covered, c.cells, c.meanZ2())
	for m, e := range errs {
		t.Logf("%s: mean |error| adjusted by GGB-SEG %.4f, by the completeness of each band %.4f", m, e[0], e[1])
	}
	return c
}

// checkAdjustedE0: on the default profile, e0 of the tables adjusted by the
// completeness of each age band is published in every year and sex from
// first to last (unless its registered deaths fail the gate on rates rising
// with age, as 1 table in 384 did over 8 seeds), far closer to the generator's true e0 than registered e0
// (80-90 years against 59-74, where the registered table is not withheld
// for its bounds), and its 95% interval covers the truth; it returns the
// coverage and the mean absolute error.
func checkAdjustedE0(t *testing.T, db *sql.DB, e0 map[string]map[string]float64, first, last int) (coverage, float64) {
	t.Helper()
	var c coverage
	var absErr float64
	for year := first; year <= last; year++ {
		y := strconv.Itoa(year)
		for _, sex := range []struct{ code, name string }{{"M", "male"}, {"F", "female"}} {
			truth, ok := e0[y][sex.name]
			if !ok {
				t.Fatalf("truth.json has no e0 for %d %s", year, sex.name)
			}
			var reg, adj, lo, hi sql.NullFloat64
			var flags string
			if err := db.QueryRow(`select max(value) filter (where basis = 'registered'),
					max(value) filter (where basis = 'adjusted_completeness'), max(ci_low) filter (where basis = 'adjusted_completeness'),
					max(ci_high) filter (where basis = 'adjusted_completeness'), max(flags::varchar) filter (where basis = 'adjusted_completeness')
				from life_expectancy where year = ? and area_code = 'KH' and sex = ? and measure = 'e0'`, year, sex.code).Scan(&reg, &adj, &lo, &hi, &flags); err != nil {
				t.Fatalf("e0 %d %s: %v", year, sex.code, err)
			}
			if !adj.Valid && strings.Contains(flags, "withheld_rates_not_rising") {
				// a gate on the registered deaths' age pattern, the same for every basis
				t.Logf("%d %s e0: withheld, %s", year, sex.name, flags)
				continue
			}
			if !adj.Valid || !lo.Valid || !(hi.Float64 > lo.Float64) {
				t.Errorf("e0 %d %s: the table adjusted by completeness is not published with an interval (%v, %v-%v, %s)",
					year, sex.name, adj, lo, hi, flags)
				continue
			}
			z := (adj.Float64 - truth) / ((hi.Float64 - lo.Float64) / (2 * 1.959964))
			regText := "withheld"
			if reg.Valid {
				regText = strconv.FormatFloat(reg.Float64, 'f', 2, 64)
			}
			t.Logf("%d %s e0: registered %s, adjusted %.2f (%.2f-%.2f), true %.2f (z %+.2f)", year, sex.name, regText,
				adj.Float64, lo.Float64, hi.Float64, truth, z)
			if reg.Valid && math.Abs(adj.Float64-truth) > math.Abs(reg.Float64-truth)/4 {
				t.Errorf("e0 %d %s: adjusted %.2f is not far closer to the true %.2f than registered %.2f", year, sex.name, adj.Float64, truth, reg.Float64)
			}
			absErr += math.Abs(adj.Float64 - truth)
			c.add(z)
		}
	}
	absErr /= float64(c.cells)
	t.Logf("adjusted e0: %d of %d 95%% intervals cover the true e0; mean z %+.2f, mean z² %.2f; mean |error| %.2f years",
		c.covered, c.cells, c.z/float64(c.cells), c.meanZ2(), absErr)
	return c, absErr
}

// checkDeathDistributionMethods: with every death registered and the true
// population as the two counts, the death-distribution methods must find
// completeness near 1. Their known biases (GGB where the age distribution
// curves, SEG through the model life table of its open age; warehouse/demog
// measures both) set the tolerance.
func checkDeathDistributionMethods(t *testing.T, db *sql.DB) {
	for _, c := range []struct {
		method string
		tol    float64
	}{{"ggb", 0.08}, {"seg", 0.08}, {"ggb_seg", 0.08}} {
		for _, sex := range []string{"M", "F"} {
			var v float64
			if err := db.QueryRow(`select value from completeness_death_methods
				where method = ? and area_code = 'KH' and sex = ? and year_start = 2011 and year_end = 2019`, c.method, sex).Scan(&v); err != nil {
				t.Fatalf("%s %s: %v", c.method, sex, err)
			}
			t.Logf("%s %s completeness %.3f", c.method, sex, v)
			if math.Abs(v-1) > c.tol {
				t.Errorf("%s %s: completeness %.3f of complete registration, want 1 ± %.2f", c.method, sex, v, c.tol)
			}
		}
	}
}

// TestCompletenessByProvince: on the default profile (incomplete, late and
// defective registration), birth registration completeness by province,
// pooled over 2010-2019, recovers the generator's within sampling error; and
// the life tables adjusted by the death-distribution methods (e60, 45q15) and
// by the completeness of each age band (e0) come much closer to the truth
// than those of registered deaths.
func TestCompletenessByProvince(t *testing.T) {
	db, truth := pipeline(t, 300_000, "")
	// The intervals carry the Poisson noise of the registered deaths and of
	// the completeness estimate, not the error of applying the period's
	// average completeness to each year while registration improves (25% to
	// 50% over 2002-2025): 19 of 28 covered, mean z² 3.3 (3.9 without the
	// completeness's variance; 7.2 with the variance of the inflated
	// deaths, registered ÷ c, the old method). The generator of issue 17
	// (names, twins, a backlog without identity codes) draws other deaths
	// from the same seed: 16 of 28, mean z² 4.0, the bias the same (adjusted
	// e60 above, 45q15 below); record linkage excluded 458 deaths as
	// duplicates where the truth has 467, so the shift is the draw's.
	if c := checkLifeTablesDefault(t, db, truth); c.covered < 15 || c.meanZ2() > 4.5 {
		t.Errorf("adjusted intervals: %d of %d cover, mean z² %.2f; want at least 15 and at most 4.5", c.covered, c.cells, c.meanZ2())
	}
	// e0 adjusted by completeness, on WPP and IGME's rates, which are not the
	// synthetic country's (TestReferenceCompleteness checks it on the truth).
	if _, mae := checkAdjustedE0(t, db, truth.E0, 2012, 2018); mae > 1.5 {
		t.Errorf("adjusted e0: mean |error| %.2f years, want at most 1.5", mae)
	}
	rows, err := db.Query(`select area_code, year, numerator, denominator from completeness
		where event_type = 'birth' and within = 'all' and method = 'reference_asfr' and length(area_code) = 2 and area_code <> 'KH'
		  and year between 2010 and 2019`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	num, den, want := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for rows.Next() {
		var area string
		var year int
		var n, d float64
		if err := rows.Scan(&area, &year, &n, &d); err != nil {
			t.Fatal(err)
		}
		num[area] += n
		den[area] += d
		want[area] += truth.BirthCompleteness[area][strconv.Itoa(year)] * d
	}
	if len(num) != 25 {
		t.Fatalf("completeness for %d provinces, want 25", len(num))
	}
	for area := range num {
		got, w := num[area]/den[area], want[area]/den[area]
		// Relative error: Poisson births around the expected number, plus
		// about 1% of records lost to quarantine (the planted defects).
		tol := 4/math.Sqrt(den[area]) + 0.015
		if r := got/w - 1; math.Abs(r) > tol {
			t.Errorf("province %s: completeness %.4f, truth %.4f (%.1f%% off, tolerance %.1f%%)", area, got, w, 100*r, 100*tol)
		}
	}
}
