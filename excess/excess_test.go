package excess

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// oracle is testdata/expected.json: the eLife 2021 results (see testdata/README.md).
type oracle struct {
	Expected map[string]struct {
		DataType   string   `json:"data_type"`
		Excess     float64  `json:"excess_deaths"`
		SD         *float64 `json:"excess_deaths_std"` // null: not estimable (Argentina)
		T          *float64 `json:"t_statistic"`
		Pct        float64  `json:"excess_pct_of_annual_baseline"`
		Correction float64  `json:"correction_subtracted"`
	} `json:"expected"`
	Tolerance struct {
		Excess float64 `json:"excess_deaths"`
		SD     float64 `json:"excess_deaths_std"`
		T      float64 `json:"t_statistic"`
		Pct    float64 `json:"excess_pct_of_annual_baseline"`
	} `json:"tolerance"`
}

func readOracle(t *testing.T) (oracle, []Series) {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/world_mortality_subset.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	series, err := ReadWMD(f, "world_mortality_subset.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != len(o.Expected) || len(o.Expected) != 7 {
		t.Fatalf("%d series, %d expected countries", len(series), len(o.Expected))
	}
	return o, series
}

// TestELifeOracle reproduces every published figure of the eLife 2021
// export (excess deaths, std, t-statistic, % of annual baseline) within
// the oracle's tolerances.
func TestELifeOracle(t *testing.T) {
	o, series := readOracle(t)
	var worst [4]float64
	for _, s := range series {
		want, ok := o.Expected[s.Name]
		if !ok {
			t.Fatalf("no expected result for %s", s.Name)
		}
		if string(s.Unit[0]) != want.DataType {
			t.Errorf("%s: unit %s, published data type %s", s.Name, s.Unit, want.DataType)
		}
		sub, excl := ELifeCorrection(s.Name)
		if sub != want.Correction {
			t.Errorf("%s: correction %v, published %v", s.Name, sub, want.Correction)
		}
		r, err := Estimate(s, Options{Subtract: sub, Exclude: excl})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-10s excess %9.2f (%v) sd %7.2f (%v) t %5.2f pct %6.2f (%v)", s.Name, r.Excess, want.Excess, r.ExcessSD, deref(want.SD), r.T, r.PctOfAnnualBaseline, want.Pct)
		near := func(i int, what string, got, want, tol float64) {
			d := math.Abs(got - want)
			if !(d <= tol) { // also fails on NaN
				t.Errorf("%s: %s %.3f, published %v (tolerance %v)", s.Name, what, got, want, tol)
			}
			worst[i] = max(worst[i], d)
		}
		near(0, "excess deaths", r.Excess, want.Excess, o.Tolerance.Excess)
		near(3, "% of annual baseline", r.PctOfAnnualBaseline, want.Pct, o.Tolerance.Pct)
		if want.SD == nil {
			if !math.IsNaN(r.ExcessSD) || !math.IsNaN(r.T) || r.Fit.TrendEstimable {
				t.Errorf("%s: std %v, t %v, trend estimable %v; published nan (single baseline year)", s.Name, r.ExcessSD, r.T, r.Fit.TrendEstimable)
			}
			continue
		}
		near(1, "std", r.ExcessSD, *want.SD, o.Tolerance.SD)
		near(2, "t-statistic", r.T, *want.T, o.Tolerance.T)
	}
	t.Logf("largest deviations: excess %.3f, std %.3f, t %.3f, pct %.3f", worst[0], worst[1], worst[2], worst[3])
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// TestDummyFormEquivalence checks the within solution against the dummy
// design of the paper (year + one column per period, no intercept) solved
// by the normal equations on a small series with centred years, where
// that design is well conditioned.
func TestDummyFormEquivalence(t *testing.T) {
	// Quarterly, years 0..4 (centred enough), deterministic noise.
	s := Series{Name: "q", Unit: Quarterly}
	for y := range 5 {
		for q := 1; q <= 4; q++ {
			d := 100 + 10*float64(q) + 3*float64(y) + float64((y*7+q*3)%5) - 2
			s.Obs = append(s.Obs, Obs{Year: y, Period: q, Deaths: d})
		}
	}
	s.Obs = append(s.Obs, Obs{Year: 5, Period: 1, Deaths: 150}, Obs{Year: 5, Period: 2, Deaths: 160})
	r, err := Estimate(s, Options{Year: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Normal equations XᵀX b = Xᵀy for X = [year, D1..D4].
	const p = 5
	var xtx [p][p + 1]float64
	for _, x := range s.Obs {
		if x.Year >= 5 {
			continue
		}
		row := [p]float64{float64(x.Year)}
		row[x.Period] = 1
		for i := range p {
			for j := range p {
				xtx[i][j] += row[i] * row[j]
			}
			xtx[i][p] += row[i] * x.Deaths
		}
	}
	b := solve(xtx)
	if math.Abs(b[0]-r.Fit.Slope) > 1e-9 {
		t.Errorf("slope %v, dummy form %v", r.Fit.Slope, b[0])
	}
	for _, pr := range r.Periods {
		want := 5*b[0] + b[pr.Period]
		if math.Abs(pr.Expected-want) > 1e-9 {
			t.Errorf("Q%d expected %v, dummy form %v", pr.Period, pr.Expected, want)
		}
	}
	// Both quarters of year 5 are summed from Q1 (the quarterly default).
	if r.SummedPeriods != 2 || math.Abs(r.Excess-(310-(10*b[0]+b[1]+b[2]))) > 1e-9 {
		t.Errorf("summed %d periods, excess %v", r.SummedPeriods, r.Excess)
	}
	if !(r.ExcessSD > 0) || r.Fit.DF != 20-4-1 {
		t.Errorf("sd %v, df %d", r.ExcessSD, r.Fit.DF)
	}
}

// solve is Gauss–Jordan elimination with partial pivoting on an augmented matrix.
func solve(a [5][6]float64) [5]float64 {
	const n = 5
	for c := range n {
		piv := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		a[c], a[piv] = a[piv], a[c]
		for r := range n {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k <= n; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var x [5]float64
	for i := range n {
		x[i] = a[i][n] / a[i][i]
	}
	return x
}

// TestOptions covers the choices the warehouse needs beyond the paper.
func TestOptions(t *testing.T) {
	_, series := readOracle(t)
	var albania, austria Series
	for _, s := range series {
		switch s.Name {
		case "Albania":
			albania = s
		case "Austria":
			austria = s
		}
	}
	base, err := Estimate(albania, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Summing from January adds the excess of January and February 2020.
	jan, err := Estimate(albania, Options{Start: 1})
	if err != nil {
		t.Fatal(err)
	}
	var janFeb float64
	for _, p := range base.Periods {
		if p.Year == 2020 && p.Period <= 2 {
			if p.Summed {
				t.Errorf("2020-%02d summed with the default start (March)", p.Period)
			}
			janFeb += p.Excess
		}
	}
	if d := jan.Excess - base.Excess - janFeb; math.Abs(d) > 1e-6 {
		t.Errorf("start January: excess %v − %v ≠ Jan+Feb %v", jan.Excess, base.Excess, janFeb)
	}
	// Extrapolating the trend changes only the 2021 periods.
	ex, err := Estimate(albania, Options{Extrapolate: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ex.Periods {
		q := base.Periods[i]
		same := math.Abs(p.Expected-q.Expected) < 1e-9
		if same != (p.Year == 2020) {
			t.Errorf("%d-%02d: expected %v extrapolated, %v not", p.Year, p.Period, p.Expected, q.Expected)
		}
		if p.Year == 2021 && math.Abs(p.Expected-q.Expected-ex.Fit.Slope) > 1e-9 {
			t.Errorf("2021-%02d: extrapolated by %v, slope %v", p.Period, p.Expected-q.Expected, ex.Fit.Slope)
		}
	}
	// A shorter baseline fits fewer observations.
	short, err := Estimate(albania, Options{BaselineFrom: 2017})
	if err != nil {
		t.Fatal(err)
	}
	if short.Fit.NObs != 36 || base.Fit.NObs != 60 {
		t.Errorf("baseline 2017–19 fitted %d rows, 2015–19 %d", short.Fit.NObs, base.Fit.NObs)
	}
	// Week 53 takes the week-52 baseline and is never fitted.
	aw, err := Estimate(austria, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var w52, w53 float64
	for _, p := range aw.Periods {
		if p.Year == 2020 && p.Period == 52 {
			w52 = p.Expected
		}
		if p.Year == 2020 && p.Period == 53 {
			w53 = p.Expected
		}
	}
	if w52 == 0 || w52 != w53 || aw.Fit.NObs != 5*52 {
		t.Errorf("Austria: week 52 %v, week 53 %v, %d rows fitted", w52, w53, aw.Fit.NObs)
	}
	// P-score and its interval.
	for _, p := range aw.Periods {
		if math.Abs(p.PScore-100*(p.Observed-p.Expected)/p.Expected) > 1e-9 || !(p.PScoreLo < p.PScore && p.PScore < p.PScoreHi) || !(p.ExcessLo < p.Excess && p.Excess < p.ExcessHi) {
			t.Fatalf("%d-%d: P-score %v [%v, %v], excess %v [%v, %v]", p.Year, p.Period, p.PScore, p.PScoreLo, p.PScoreHi, p.Excess, p.ExcessLo, p.ExcessHi)
		}
	}
	if !(aw.ExcessLo < aw.Excess && aw.Excess < aw.ExcessHi) {
		t.Errorf("summed interval [%v, %v] around %v", aw.ExcessLo, aw.ExcessHi, aw.Excess)
	}
}

// TestPerPopulation: with a constant population the rate model is the count
// model; with a population growing exactly like the deaths the trend is gone.
func TestPerPopulation(t *testing.T) {
	_, series := readOracle(t)
	s := series[0] // Albania
	counts, err := Estimate(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	flat := s
	flat.Obs = nil
	for _, x := range s.Obs {
		x.Population = 2.8e6
		flat.Obs = append(flat.Obs, x)
	}
	rates, err := Estimate(flat, Options{PerPopulation: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]float64{{counts.Excess, rates.Excess}, {counts.ExcessSD, rates.ExcessSD}, {counts.AnnualBaseline, rates.AnnualBaseline}} {
		if math.Abs(c[0]-c[1]) > 1e-6*math.Abs(c[0]) {
			t.Errorf("constant population: counts %v, rates %v", c[0], c[1])
		}
	}
	// Deaths = rate(period) × population, population growing 2% a year.
	grow := Series{Name: "g", Unit: Monthly}
	for y := 2015; y <= 2020; y++ {
		pop := 1e6 * math.Pow(1.02, float64(y-2015))
		for m := 1; m <= 12; m++ {
			rate := 1e-3 * (1 + 0.1*float64(m%3)) * (1 + 0.01*float64((y*m)%3-1))
			grow.Obs = append(grow.Obs, Obs{Year: y, Period: m, Deaths: rate * pop, Population: pop})
		}
	}
	r, err := Estimate(grow, Options{PerPopulation: true})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Fit.Slope) > 2e-6 || math.Abs(r.PctOfAnnualBaseline) > 2 {
		t.Errorf("rate slope %v, %% of baseline %v: population growth not taken out", r.Fit.Slope, r.PctOfAnnualBaseline)
	}
	if _, err := Estimate(s, Options{PerPopulation: true}); err == nil || !strings.Contains(err.Error(), "population") {
		t.Errorf("rates without population: %v", err)
	}
}

func TestErrors(t *testing.T) {
	ok := Series{Name: "X", Unit: Monthly}
	for y := 2018; y <= 2020; y++ {
		for m := 1; m <= 12; m++ {
			ok.Obs = append(ok.Obs, Obs{Year: y, Period: m, Deaths: 100})
		}
	}
	if _, err := Estimate(ok, Options{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*Series, *Options)
		want string
	}{
		{"unit", func(s *Series, _ *Options) { s.Unit = "daily" }, `"daily"`},
		{"period", func(s *Series, _ *Options) { s.Obs[3].Period = 13 }, "period 13"},
		{"negative", func(s *Series, _ *Options) { s.Obs[3].Deaths = -1 }, "not a count"},
		{"duplicate", func(s *Series, _ *Options) { s.Obs[3].Period = 3 }, "twice"},
		{"gap", func(s *Series, _ *Options) { s.Obs[4].Year, s.Obs[16].Year = 2021, 2022 }, "period 5 has no observation"},
		{"nothing after", func(s *Series, o *Options) { o.Year = 2022 }, "no observations from 2022"},
		{"baseline", func(_ *Series, o *Options) { o.BaselineTo = 2020 }, "not before"},
		{"start", func(_ *Series, o *Options) { o.Start = 14 }, "start period 14"},
	}
	for _, c := range cases {
		s := ok
		s.Obs = append([]Obs(nil), ok.Obs...)
		var o Options
		c.edit(&s, &o)
		_, err := Estimate(s, o)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "X: ") {
			t.Errorf("%s: error %v, want one naming the series and %q", c.name, err, c.want)
		}
	}
}

func TestReadWMDErrors(t *testing.T) {
	head := "country_name,year,time,time_unit,deaths\n"
	cases := []struct{ in, want string }{
		{"", "in.csv: empty file"},
		{"country,year,time,time_unit,deaths\n", `in.csv line 1: no column "country_name"`},
		{head + "A,2019,1,monthly,10\nA,20x9,2,monthly,10\n", `in.csv line 3: year "20x9"`},
		{head + "A,2019,13,monthly,10\n", `in.csv line 2: time "13" is not a monthly period 1–12`},
		{head + "A,2019,1,daily,10\n", `in.csv line 2: time_unit "daily"`},
		{head + "A,2019,1,monthly,-3\n", `in.csv line 2: deaths "-3" is not a count`},
		{head + "A,2019,1,monthly,ten\n", `in.csv line 2: deaths "ten"`},
		{head + "A,2019,1,monthly,10\nA,2019,1,weekly,10\n", `in.csv line 3: time_unit "weekly", but A's earlier rows are monthly`},
		{head + "A,2019,1,monthly,10\nA,2019,1,monthly,11\n", "in.csv line 3: A 2019 monthly period 1 appears twice (first on line 2)"},
		{head + "A,2019,1,monthly\n", "in.csv line 2: 4 fields, no deaths"},
		{head + "A,2019,1,monthly,\n", "in.csv: no rows with deaths"},
	}
	for _, c := range cases {
		_, err := ReadWMD(strings.NewReader(c.in), "in.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
	// Missing counts are dropped and fractions truncated, as in the notebook.
	s, err := ReadWMD(strings.NewReader(head+"A,2019,1,monthly,NA\nA,2019,2,monthly,10.9\n"), "in.csv")
	if err != nil || len(s) != 1 || len(s[0].Obs) != 1 || s[0].Obs[0].Deaths != 10 {
		t.Errorf("got %+v, %v", s, err)
	}
}
