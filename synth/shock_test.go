package synth

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vitalstats/refdata"
)

// testShock is larger than the demo's so that a small run shows it: all
// adults 40+ of three provinces, for four months of 2019.
var testShock = Shock{
	Name: "test wave", Start: "2019-03-01", End: "2019-06-30", Shape: "gaussian",
	Peak: 1.5, AgeFrom: 40, AgeTo: maxAge, Provinces: []string{"12", "08", "03"},
}

func generateWith(t *testing.T, p Profile, events int64, seed uint64) run {
	t.Helper()
	dir := t.TempDir()
	tr, err := Generate(context.Background(), Options{
		Profile: p, Events: events, Seed: seed,
		InboxDir: filepath.Join(dir, "inbox"), Truth: filepath.Join(dir, "truth.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return run{dir, tr}
}

// TestShockAddsTheTruthsExcess: the same seed with and without a shock. Up
// to the end of the shock's year every month's deaths differ by exactly the
// truth's excess (zero outside the window), since the shock draws from its
// own stream; later years differ only by sampling noise and the deaths the
// shock brought forward. The realised excess is its Poisson expectation
// within 4 standard deviations, and the truth's sums agree with each other
// and with truth_excess.csv.
func TestShockAddsTheTruthsExcess(t *testing.T) {
	p := DefaultProfile()
	p.Shocks = []Shock{testShock}
	shocked := generateWith(t, p, 120_000, 7)
	p.Shocks = nil
	base := generateWith(t, p, 120_000, 7)

	if base.truth.Excess != nil {
		t.Error("a run without shocks has an excess in its truth")
	}
	if a, b := shocked.truth.Generator.PopulationScale, base.truth.Generator.PopulationScale; a != b {
		t.Fatalf("population scale %g with the shock, %g without: the runs are not comparable", a, b)
	}
	ex := shocked.truth.Excess
	if ex == nil || ex.Deaths == 0 {
		t.Fatalf("no excess in the truth: %+v", ex)
	}
	if d := math.Abs(float64(ex.Deaths) - ex.Expected); d > 4*math.Sqrt(ex.Expected) {
		t.Errorf("realised excess %d, expected %.1f: beyond Poisson noise", ex.Deaths, ex.Expected)
	}
	t.Logf("excess deaths %d (expected %.1f)", ex.Deaths, ex.Expected)

	sm, bm := shocked.truth.Observed.DeathsByMonth, base.truth.Observed.DeathsByMonth
	var inWindow, baseInWindow int64
	for y := 2002; y <= 2019; y++ {
		for m := 1; m <= 12; m++ {
			k := strconv.Itoa(y) + "-" + twoDigits(m)
			if got, want := sm[k]-bm[k], ex.ByMonth[k]; got != want {
				t.Errorf("%s: %d deaths with the shock, %d without, but the truth's excess is %d", k, sm[k], bm[k], want)
			}
			if k >= "2019-03" && k <= "2019-06" {
				inWindow, baseInWindow = inWindow+sm[k], baseInWindow+bm[k]
				if ex.ByMonth[k] == 0 {
					t.Errorf("%s: no excess inside the window", k)
				}
			} else if ex.ByMonth[k] != 0 {
				t.Errorf("%s: excess %d outside the window", k, ex.ByMonth[k])
			}
		}
	}
	t.Logf("deaths in the window: %d with the shock, %d without", inWindow, baseInWindow)
	// Later years: the populations differ by the shock's victims, so the
	// draws differ; the yearly deaths agree within sampling noise.
	for y := 2020; y <= 2025; y++ {
		ys := strconv.Itoa(y)
		a := float64(shocked.truth.Observed.Deaths[ys][0] + shocked.truth.Observed.Deaths[ys][1])
		b := float64(base.truth.Observed.Deaths[ys][0] + base.truth.Observed.Deaths[ys][1])
		if math.Abs(a-b) > 4*math.Sqrt(a+b) {
			t.Errorf("%d: %.0f deaths with the shock, %.0f without: beyond sampling noise", y, a, b)
		}
	}

	// The sums agree.
	sum := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}
	for name, m := range map[string]map[string]int64{"by_month": ex.ByMonth, "by_week": ex.ByWeek, "by_province": ex.ByProvince, "by_age": ex.ByAge, "by_sex": ex.BySex} {
		if n := sum(m); n != ex.Deaths {
			t.Errorf("excess %s sums to %d, total %d", name, n, ex.Deaths)
		}
	}
	for prov := range ex.ByProvince {
		if !strings.Contains("12 08 03", prov) {
			t.Errorf("excess in province %s, which the shock does not touch", prov)
		}
	}
	for _, g := range []string{"0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39"} {
		if ex.ByAge[g] != 0 {
			t.Errorf("excess %d at ages %s, below the shock's 40", ex.ByAge[g], g)
		}
	}
	// The wave peaks in the middle of the window.
	if !(ex.ByMonth["2019-04"]+ex.ByMonth["2019-05"] > 2*(ex.ByMonth["2019-03"]+ex.ByMonth["2019-06"])) {
		t.Errorf("a gaussian wave should peak mid-window: %v", ex.ByMonth)
	}
	csvSums := readExcessCSV(t, filepath.Join(shocked.dir, "truth_excess.csv"))
	for unit, byPeriod := range csvSums {
		want := ex.ByMonth
		if unit == "week" {
			want = ex.ByWeek
		}
		for k, v := range want {
			if byPeriod[k] != v {
				t.Errorf("truth_excess.csv %s %s: %d, truth.json %d", unit, k, byPeriod[k], v)
			}
		}
		if sum(byPeriod) != ex.Deaths {
			t.Errorf("truth_excess.csv %s rows sum to %d, truth %d", unit, sum(byPeriod), ex.Deaths)
		}
	}
	if len(csvSums) != 2 {
		t.Errorf("truth_excess.csv has units %v, want month and week", csvSums)
	}
	// The truth's mortality includes the shock: 2019's e0 is lower than
	// without it, other years' are the same.
	for _, sex := range []string{"male", "female"} {
		if a, b := shocked.truth.E0["2019"][sex], base.truth.E0["2019"][sex]; !(a < b-0.1) {
			t.Errorf("2019 %s e0 %.2f with the shock, %.2f without", sex, a, b)
		}
		if a, b := shocked.truth.E0["2018"][sex], base.truth.E0["2018"][sex]; a != b {
			t.Errorf("2018 %s e0 %.2f with the shock, %.2f without", sex, a, b)
		}
	}
}

func twoDigits(m int) string {
	if m < 10 {
		return "0" + strconv.Itoa(m)
	}
	return strconv.Itoa(m)
}

// readExcessCSV sums truth_excess.csv by time unit and period.
func readExcessCSV(t *testing.T, path string) map[string]map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time_unit,period,province_code,sex,age_group,excess_deaths" {
		t.Fatalf("truth_excess.csv header %v", rows[0])
	}
	out := map[string]map[string]int64{}
	for _, r := range rows[1:] {
		n, err := strconv.ParseInt(r[5], 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("truth_excess.csv row %v: count must be a positive integer", r)
		}
		if out[r[0]] == nil {
			out[r[0]] = map[string]int64{}
		}
		out[r[0]][r[1]] += n
	}
	return out
}

// TestShockShapes: over its window a shock adds the peak times the mean of
// its shape to the hazard (flat 1, triangular 1/2, gaussian √(2π)/6 within
// ±3 sd), split between the years it spans.
func TestShockShapes(t *testing.T) {
	for shape, mean := range map[string]float64{"flat": 1, "triangular": 0.5, "gaussian": math.Sqrt(2*math.Pi) / 6 * 0.9973} {
		p := DefaultProfile()
		p.Shocks = []Shock{{Start: "2020-11-01", End: "2021-02-28", Shape: shape, Peak: 0.8, AgeFrom: 60, AgeTo: 100}}
		w, err := newWorld(p, refdata.Source{})
		if err != nil {
			t.Fatal(err)
		}
		pl := w.shocks[0]
		var total float64
		years := 0
		for yi, ys := range pl.years {
			total += ys.mean * float64(daysIn(w.years[yi].year))
			if ys.mean > 0 {
				years++
				if c := ys.cum[len(ys.cum)-1]; math.Abs(c-1) > 1e-9 {
					t.Errorf("%s: cumulative shares end at %g", shape, c)
				}
			}
		}
		if want := 0.8 * mean * 120; math.Abs(total/want-1) > 0.01 {
			t.Errorf("%s: %.2f excess hazard-days, want %.2f", shape, total, want)
		}
		if years != 2 {
			t.Errorf("%s: a window over the new year spans %d years", shape, years)
		}
		for pi, on := range pl.prov {
			if !on {
				t.Errorf("%s: a shock without provinces leaves out province %d", shape, pi)
			}
		}
	}
}

// TestShockClipped: the days of a window outside first_year to as_of are not
// simulated; a profile whose years leave the shock out keeps working.
func TestShockClipped(t *testing.T) {
	p := DefaultProfile()
	p.AsOf = "2025-06-30"
	p.Shocks = []Shock{{Start: "2025-06-01", End: "2025-07-30", Shape: "flat", Peak: 1, AgeFrom: 60, AgeTo: 100}, DefaultShocks()[0]}
	w, err := newWorld(p, refdata.Source{})
	if err != nil {
		t.Fatal(err)
	}
	yi := w.yearIndex(2025)
	if pl := w.shocks[0]; !pl.clipped || !pl.active || math.Abs(pl.years[yi].mean*365-30) > 1e-9 {
		t.Errorf("a flat shock with 30 of its 60 days simulated: clipped %v, active %v, %g hazard-days", pl.clipped, pl.active, pl.years[yi].mean*365)
	}
	if pl := w.shocks[1]; pl.clipped || !pl.active {
		t.Errorf("the default shock lies inside 2002 to mid-2025: clipped %v, active %v", pl.clipped, pl.active)
	}
	// as_of after last_year: 2020 is not simulated either.
	p.FirstYear, p.LastYear, p.AsOf = 2010, 2019, "2021-12-31"
	p.Shocks[0].Start, p.Shocks[0].End = "2019-12-01", "2020-02-01"
	w, err = newWorld(p, refdata.Source{})
	if err != nil {
		t.Fatalf("a profile ending in 2019 with the default shock: %v", err)
	}
	if pl := w.shocks[0]; !pl.active || !pl.clipped {
		t.Errorf("a shock from December 2019 to February 2020: clipped %v, active %v", pl.clipped, pl.active)
	}
	if w.shocks[1].active {
		t.Error("the default shock of 2023 is active in 2010-2019")
	}
}

// TestShockValidation: a shock the simulation cannot honour is an error
// that names what is wrong.
func TestShockValidation(t *testing.T) {
	for _, c := range []struct {
		edit func(*Shock)
		want string
	}{
		{func(s *Shock) { s.Start = "2019-13-01" }, "shocks.start"},
		{func(s *Shock) { s.End = "2019-02-01" }, "before start"},
		{func(s *Shock) { s.Shape = "square" }, "shape"},
		{func(s *Shock) { s.Peak = 0 }, "peak"},
		{func(s *Shock) { s.Peak = math.NaN() }, "peak"},
		{func(s *Shock) { s.AgeFrom = 0 }, "ages"},
		{func(s *Shock) { s.AgeFrom, s.AgeTo = 70, 60 }, "ages"},
		{func(s *Shock) { s.Provinces = []string{"99"} }, "province \"99\""},
	} {
		p := DefaultProfile()
		sh := testShock
		sh.Provinces = append([]string(nil), sh.Provinces...)
		c.edit(&sh)
		p.Shocks = []Shock{sh}
		_, err := newWorld(p, refdata.Source{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("shock %+v: error %v, want one about %q", sh, err, c.want)
		}
	}
}
