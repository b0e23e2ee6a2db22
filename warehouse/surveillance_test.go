package warehouse_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vitalstats/warehouse"
)

// survWorld is a generated death registry: deaths every day from 2012 in
// provinces 12 and 01 (Poisson, with a winter season), registered
// electronically after an exponential delay (mean 30 days, at most 170: all
// within the nowcast's maximum delay), until 2020 a tenth of them paper
// records digitized two years after the death (a backlog cleared by the
// first as-of date), and an epidemic: epidemicPerDay
// extra deaths a day at ages 70-89 in province 12 in June-August 2022.
type survWorld struct {
	csv      string
	epidemic int // the extra deaths injected
}

const (
	survEpidemicPerDay = 3
	survLastDeath      = "2024-06-30"
)

func survEpidemicDay(d time.Time) bool {
	return d.Year() == 2022 && d.Month() >= 6 && d.Month() <= 8
}

func newSurvWorld(t *testing.T, dir string) survWorld {
	t.Helper()
	rng := rand.New(rand.NewPCG(20, 4))
	poisson := func(l float64) int {
		// Knuth: small means only
		L, k, p := math.Exp(-l), 0, 1.0
		for {
			p *= rng.Float64()
			if p <= L {
				return k
			}
			k++
		}
	}
	path := filepath.Join(dir, "deaths.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"event_id", "version", "status", "source", "source_ref", "provenance", "event_date", "registration_date",
		"digitized_at", "registration_commune", "occurrence_year", "flags", "sex", "age_value", "age_unit", "age_years",
		"residence_province", "residence_district", "residence_commune"})
	world := survWorld{csv: path}
	end, _ := time.Parse(time.DateOnly, survLastDeath)
	n := 0
	ages := []struct {
		share  float64
		lo, hi int
	}{{0.05, 0, 0}, {0.03, 1, 4}, {0.04, 5, 14}, {0.18, 15, 44}, {0.30, 45, 64}, {0.40, 65, 95}}
	for d := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC); !d.After(end); d = d.AddDate(0, 0, 1) {
		season := 1 + 0.2*math.Cos(2*math.Pi*float64(d.YearDay())/365)
		for _, p := range []struct {
			code, district, commune string
			rate                    float64
		}{{"12", "1201", "120101", 8}, {"01", "0102", "010201", 3}} {
			k := poisson(p.rate * season)
			extra := 0
			if p.code == "12" && survEpidemicDay(d) {
				extra = survEpidemicPerDay
				world.epidemic += extra
			}
			for i := 0; i < k+extra; i++ {
				n++
				age := 70 + rng.IntN(20)
				if i < k {
					u := rng.Float64()
					for _, a := range ages {
						if u < a.share {
							age = a.lo + rng.IntN(a.hi-a.lo+1)
							break
						}
						u -= a.share
					}
				}
				sex := "M"
				if rng.IntN(2) == 0 {
					sex = "F"
				}
				reg := d.AddDate(0, 0, min(170, int(rng.ExpFloat64()*30)))
				prov, digitized := "ict", ""
				if d.Year() < 2021 && rng.IntN(10) == 0 {
					prov, reg = "digitized", d.AddDate(0, 0, 10)
					digitized = d.AddDate(2, 0, 0).Format(time.DateOnly) + " 09:00:00"
				}
				w.Write([]string{fmt.Sprintf("reg:s%d", n), "1", "registered", "registry", "deaths:" + strconv.Itoa(n), prov,
					d.Format(time.DateOnly), reg.Format(time.DateOnly), digitized, p.commune, strconv.Itoa(d.Year()), "[]", sex,
					strconv.Itoa(age), "Y", strconv.Itoa(age), p.code, p.district, p.commune})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return world
}

// build builds the surveillance tables of the registry as it stood on asOf:
// only the deaths registered (the backlog: digitized) by then.
func (sw survWorld) build(t *testing.T, dir string, asOf time.Time) *sql.DB {
	t.Helper()
	lake := fixtureLake(t, dir)
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "death_surveillance.parquet")
	day := asOf.Format(time.DateOnly)
	for _, q := range []string{
		fmt.Sprintf("create table t as select * from read_parquet('%s') limit 0", lake["death"][0]),
		fmt.Sprintf(`insert into t by name select * from read_csv('%s', header = true, all_varchar = true)
			where registration_date <= '%s' and (digitized_at is null or digitized_at::timestamp < '%s'::date + 1)`, sw.csv, day, day),
		fmt.Sprintf("copy t to '%s' (format parquet)", out),
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	lake["death"] = []string{out}
	path := filepath.Join(dir, "w.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "1GB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: asOf, Snapshot: "surveillance", Version: "test", Only: []string{"surveillance", "surveillance_delay"}}, nil); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.DB
}

// TestSurveillance builds the generated registry as of 2023-06-30 (a year's
// registrations held back) and as of 2024-06-30, when the held-back periods
// are complete, and checks the grain, the nowcast's coverage of the counts
// that arrived later, that complete periods are not nowcast, the excess
// arithmetic, the injected epidemic and the delays of current registrations
// and the backlog.
func TestSurveillance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generated registry twice")
	}
	dir := t.TempDir()
	sw := newSurvWorld(t, dir)
	early := sw.build(t, filepath.Join(dir, "early"), time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC))
	late := sw.build(t, filepath.Join(dir, "late"), time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC))

	for _, db := range []*sql.DB{early, late} {
		if n := one[int64](t, db, `select count(*) - count(distinct (period_type, period, area_code, sex, age_group)) from surveillance`); n != 0 {
			t.Errorf("surveillance: %d rows repeat a grain", n)
		}
		if n := one[int64](t, db, `select count(*) - count(distinct (period_type, period, area_code, kind)) from surveillance_delay`); n != 0 {
			t.Errorf("surveillance_delay: %d rows repeat a grain", n)
		}
		// complete periods are as counted
		if n := one[int64](t, db, `select count(*) from surveillance where status = 'complete'
			and (nowcast is distinct from observed or nowcast_low is distinct from observed or nowcast_high is distinct from observed)`); n != 0 {
			t.Errorf("%d complete periods have a nowcast other than the observed count", n)
		}
		// excess = nowcast - expected, inside its interval; the P-score on it
		if n := one[int64](t, db, `select count(*) from surveillance where expected is not null and nowcast is not null
			and (abs(excess - (nowcast - expected)) > 1e-6 or not (excess_low <= excess and excess <= excess_high)
			     or not (expected_low <= expected and expected <= expected_high)
			     or abs(p_score - 100 * excess / expected) > 1e-6
			     or (status = 'complete' and abs(excess - (observed - expected)) > 1e-6))`); n != 0 {
			t.Errorf("%d rows whose excess is not nowcast (observed) - expected, or outside its interval", n)
		}
		// the adjusted excess is the excess over the completeness, inside
		// its interval, which holds the excess's own scaled; none without
		// a completeness or an excess
		if n := one[int64](t, db, `select count(*) from surveillance where
			(completeness is null or excess is null) and excess_adjusted is not null
			or completeness is not null and excess is not null and (
			     abs(excess_adjusted - excess / completeness) > 1e-6
			     or not (excess_adjusted_low <= excess_adjusted and excess_adjusted <= excess_adjusted_high)
			     or excess_adjusted_low > excess_low / completeness + 1e-6 or excess_adjusted_high < excess_high / completeness - 1e-6)`); n != 0 {
			t.Errorf("%d rows whose adjusted excess is not excess / completeness or outside its interval", n)
		}
		if n := one[int64](t, db, `select count(excess_adjusted) from surveillance`); n == 0 {
			t.Error("no row has an adjusted excess")
		}
		if n := one[int64](t, db, `select count(*) from surveillance where status = 'provisional' and nowcast is not null
			and not (nowcast_low <= nowcast_high and observed <= nowcast_low and observed <= nowcast)`); n != 0 {
			var ex string
			db.QueryRow(`select concat_ws(' ', period_type, period, area_code, sex, age_group, observed, nowcast_low, nowcast, nowcast_high) from surveillance where status = 'provisional' and nowcast is not null
				and not (nowcast_low <= nowcast_high and observed <= nowcast_low and observed <= nowcast) limit 1`).Scan(&ex)
			t.Errorf("%d provisional rows with a nowcast or interval below the observed count, e.g. %s", n, ex)
		}
	}
	// The provisional periods as of 2023-06-30 are complete a year later:
	// their 95% intervals should hold the counts that arrived.
	rows, err := early.Query(`select period_type, period, area_code, sex, age_group, observed, nowcast_low, nowcast_high, flags
		from surveillance where status = 'provisional' and nowcast is not null`)
	if err != nil {
		t.Fatal(err)
	}
	type cell struct{ unit, period, area, sex, age string }
	type band struct {
		observed, lo, hi float64
		pooled           bool
	}
	bands := map[cell]band{}
	for rows.Next() {
		var c cell
		var b band
		var flags []any
		if err := rows.Scan(&c.unit, &c.period, &c.area, &c.sex, &c.age, &b.observed, &b.lo, &b.hi, &flags); err != nil {
			t.Fatal(err)
		}
		for _, f := range flags {
			b.pooled = b.pooled || f == "pooled_delay"
		}
		bands[c] = b
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err = late.Query(`select period_type, period, area_code, sex, age_group, observed, status from surveillance`)
	if err != nil {
		t.Fatal(err)
	}
	var in, naive, total, pooled, inOpen, open int
	for rows.Next() {
		var c cell
		var eventual float64
		var status string
		if err := rows.Scan(&c.unit, &c.period, &c.area, &c.sex, &c.age, &eventual, &status); err != nil {
			t.Fatal(err)
		}
		b, ok := bands[c]
		if !ok {
			continue
		}
		if status != "complete" {
			t.Errorf("%v: provisional a year later", c)
		}
		total++
		if b.lo <= eventual && eventual <= b.hi {
			in++
		}
		if b.observed == eventual {
			naive++
		}
		// the cells with at least 5 deaths still to come then
		if eventual-b.observed >= 5 {
			open++
			if b.lo <= eventual && eventual <= b.hi {
				inOpen++
			}
		}
		if b.pooled {
			pooled++
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if total < 1000 {
		t.Fatalf("%d provisional cells compared: the generated registry should give over 1,000", total)
	}
	coverage := float64(in) / float64(total)
	t.Logf("95%% nowcast intervals as of 2023-06-30 hold %d of %d eventual counts (%.3f); the count observed then was already final in %d; %d pooled; of the %d cells with 5 or more deaths still to come, %d (%.3f)",
		in, total, coverage, naive, pooled, open, inOpen, float64(inOpen)/float64(open))
	if open < 150 || float64(inOpen)/float64(open) < 0.85 {
		t.Errorf("the 95%% intervals hold %d of the %d cells with 5 or more deaths still to come", inOpen, open)
	}
	if coverage < 0.88 || coverage > 0.995 {
		t.Errorf("coverage of the 95%% nowcast intervals %.3f, want close to 0.95 (0.88-0.995)", coverage)
	}
	if pooled == 0 {
		t.Error("no small series took the nation's delay (pooled_delay)")
	}

	// The epidemic: province 12, all ages, June-August 2022 (complete as of
	// 2023-06-30): the excess holds the injected deaths within its interval,
	// and each month's P-score interval is above 0.
	var ex, lo, hi, pmin float64
	if err := early.QueryRow(`select sum(excess), sum(excess_low), sum(excess_high), min(p_score_low) from surveillance
		where period_type = 'month' and period in ('2022-06', '2022-07', '2022-08') and area_code = '12' and sex = 'T' and age_group = 'all'`).
		Scan(&ex, &lo, &hi, &pmin); err != nil {
		t.Fatal(err)
	}
	t.Logf("epidemic of %d deaths: excess %.0f (summed monthly intervals %.0f to %.0f), lowest monthly P-score bound %.1f", sw.epidemic, ex, lo, hi, pmin)
	if float64(sw.epidemic) < lo || float64(sw.epidemic) > hi || pmin <= 0 {
		t.Errorf("the epidemic of %d deaths: excess %.0f [%.0f, %.0f], lowest P-score bound %.1f", sw.epidemic, ex, lo, hi, pmin)
	}
	// and no excess in the quiet province
	if n := one[int64](t, early, `select count(*) from surveillance where period_type = 'month' and year = 2022
		and area_code = '01' and sex = 'T' and age_group = 'all' and excess_low > 0`); n > 1 {
		t.Errorf("%d months of 2022 with excess in province 01, where there is none", n)
	}

	// Delays: the backlog (paper registrations 10 days after the death,
	// digitized two years later) apart from the current registrations.
	var cur, back, arrival float64
	if err := late.QueryRow(`select max(median_delay_days) filter (kind = 'current'),
		max(median_delay_days) filter (kind = 'backlog'), min(median_arrival_days) filter (kind = 'backlog')
		from surveillance_delay where period_type = 'month' and year = 2020 and area_code = 'KH'`).Scan(&cur, &back, &arrival); err != nil {
		t.Fatal(err)
	}
	if cur < 10 || cur > 40 || back != 10 || arrival < 700 {
		t.Errorf("2020's monthly median delays: current %g days (want about 21), backlog %g (want 10), backlog arrival %g (want about 731)", cur, back, arrival)
	}
}
