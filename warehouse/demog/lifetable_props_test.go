package demog_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"vitalstats/warehouse/demog"
)

// ltRandomRates draws a plausible but noisy schedule: infant and child rates, an accident
// hump and Gompertz ageing, each group's rate multiplied by lognormal noise.
func ltRandomRates(rng *rand.Rand, groups []demog.Group) []float64 {
	m0 := 0.002 + 0.2*rng.Float64()
	b := 1e-5 * math.Exp(2*rng.Float64())
	c := 0.07 + 0.05*rng.Float64()
	mx := make([]float64, len(groups))
	for i, g := range groups {
		x := float64(g.Start) + float64(g.Width)/2
		m := m0*math.Exp(-2*x) + 0.0005 + b*math.Exp(c*x)
		if g.Open() {
			m = 0.0005 + b*math.Exp(c*(float64(g.Start)+5))
		}
		mx[i] = m * math.Exp(0.3*rng.NormFloat64())
	}
	return mx
}

// ltCheckIdentities checks what must hold in any life table.
func ltCheckIdentities(t *testing.T, name string, lt *demog.LifeTable, imr bool) {
	t.Helper()
	n := len(lt.Groups)
	sumD := 0.0
	for i, g := range lt.Groups {
		q, l, d, L := lt.Qx[i], lt.Lx[i], lt.Dx[i], lt.NLx[i]
		sumD += d
		if !(q >= 0 && q <= 1) || math.Abs(lt.Px[i]-(1-q)) > 1e-15 {
			t.Errorf("%s %v: qx %v, px %v", name, g, q, lt.Px[i])
		}
		if i > 0 && lt.Lx[i] > lt.Lx[i-1] {
			t.Errorf("%s %v: lx rises from %v to %v", name, g, lt.Lx[i-1], l)
		}
		if !g.Open() {
			if math.Abs(lt.Lx[i+1]-(l-d)) > 1e-9*lt.Radix {
				t.Errorf("%s %v: l(x+n) %v is not lx − dx %v", name, g, lt.Lx[i+1], l-d)
			}
			w := float64(g.Width)
			if L < w*lt.Lx[i+1]-1e-9 || L > w*l+1e-9 {
				t.Errorf("%s %v: nLx %v outside [n·l(x+n), n·lx]", name, g, L)
			}
			if a := lt.Ax[i]; !(a >= 0 && a <= w) {
				t.Errorf("%s %v: nax %v outside [0, %v]", name, g, a, w)
			}
		}
		// M = d/L holds in every group, by construction of qx from M and nax.
		if L > 0 && !(i == 0 && imr) && math.Abs(d/L-lt.Mx[i]) > 1e-12*math.Max(1, lt.Mx[i]) {
			t.Errorf("%s %v: dx/nLx %v differs from Mx %v", name, g, d/L, lt.Mx[i])
		}
		if i < n-1 && math.Abs(lt.Tx[i]-lt.Tx[i+1]-L) > 1e-9*lt.Radix {
			t.Errorf("%s %v: Tx − T(x+n) is not nLx", name, g)
		}
	}
	if math.Abs(sumD-lt.Radix) > 1e-9*lt.Radix {
		t.Errorf("%s: Σdx = %v, want the radix %v", name, sumD, lt.Radix)
	}
	if lt.Lx[0] != lt.Radix {
		t.Errorf("%s: l0 %v, radix %v", name, lt.Lx[0], lt.Radix)
	}
	if e0 := lt.Tx[0] / lt.Lx[0]; math.Abs(e0-lt.Ex[0]) > 1e-12*e0 {
		t.Errorf("%s: T0/l0 = %v, e0 = %v", name, e0, lt.Ex[0])
	}
	if last := n - 1; math.Abs(lt.Ex[last]-1/lt.Mx[last]) > 1e-12*lt.Ex[last] {
		t.Errorf("%s: open e %v is not 1/M %v", name, lt.Ex[last], 1/lt.Mx[last])
	}
}

func TestLifeTableProperties(t *testing.T) {
	abridged, err := demog.AbridgedGroups(85)
	if err != nil {
		t.Fatal(err)
	}
	single, err := demog.SingleYearGroups(100)
	if err != nil {
		t.Fatal(err)
	}
	rules := []demog.Options{
		{Rule: demog.AxHalf},
		{Sex: demog.Male, Rule: demog.AxUN},
		{Sex: demog.Female, Rule: demog.AxUN, Radix: 1},
		{Sex: demog.Male, Rule: demog.AxCoaleDemeny, Region: demog.East},
		{Sex: demog.Female, Rule: demog.AxCoaleDemeny, Region: demog.South, IMR: 0.045},
		{Sex: demog.Female, Rule: demog.AxPreston},
		{Sex: demog.Male, Rule: demog.AxAndreevKingkade, Radix: 1000},
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for draw := range 50 {
		for k, opt := range rules {
			for _, groups := range [][]demog.Group{abridged, single} {
				if opt.Rule == demog.AxUN && len(groups) != len(abridged) {
					continue // the UN rule is for abridged tables
				}
				name := fmt.Sprintf("draw %d rule %d (%d groups)", draw, k, len(groups))
				mx := ltRandomRates(rng, groups)
				lt, err := demog.NewLifeTable(groups, mx, opt)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				ltCheckIdentities(t, name, lt, opt.IMR > 0)
			}
		}
	}
	// And the oracle tables.
	groups, deaths, pop, nax := ltAustria(t)
	lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, demog.Options{Rule: demog.AxGiven, Ax: nax})
	if err != nil {
		t.Fatal(err)
	}
	ltCheckIdentities(t, "Austria", lt, false)
}

// TestLifeTableHighRates checks the cap at qx = 1 for a closed group whose rate exceeds 1/nax:
// the table closes there, later groups have no survivors and ask for their ex is an error.
func TestLifeTableHighRates(t *testing.T) {
	groups, err := demog.AbridgedGroups(20)
	if err != nil {
		t.Fatal(err)
	}
	mx := []float64{0.01, 0.001, 0.6, 0.001, 0.001, 0.5} // 5-9: 5·0.6/(1+2.5·0.6) = 1.2 > 1
	lt, err := demog.NewLifeTable(groups, mx, demog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lt.Qx[2] != 1 || lt.Lx[3] != 0 {
		t.Fatalf("q5 %v, l10 %v: want 1 and 0", lt.Qx[2], lt.Lx[3])
	}
	if math.Abs(lt.Dx[2]/lt.NLx[2]-0.6) > 1e-12 {
		t.Errorf("capped group: d/L %v, want M 0.6", lt.Dx[2]/lt.NLx[2])
	}
	if !math.IsNaN(lt.Ex[3]) {
		t.Errorf("ex without survivors %v, want NaN", lt.Ex[3])
	}
	if _, err := lt.LifeExpectancy(10); err == nil {
		t.Error("LifeExpectancy(10) without survivors: no error")
	}
	if e5, err := lt.LifeExpectancy(5); err != nil || math.Abs(e5-1/0.6) > 1e-12 {
		t.Errorf("e5 = %v, %v; want 1/M", e5, err)
	}
}

func TestSummaryMeasures(t *testing.T) {
	groups, deaths, pop, nax := ltAustria(t)
	lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, demog.Options{Rule: demog.AxGiven, Ax: nax})
	if err != nil {
		t.Fatal(err)
	}
	e60, err := lt.LifeExpectancy(60)
	if err != nil || e60 != lt.Ex[13] {
		t.Errorf("e60 = %v, %v; want %v", e60, err, lt.Ex[13])
	}
	q, err := lt.ProbDying(15, 45)
	if want := 1 - lt.Lx[13]/lt.Lx[4]; err != nil || math.Abs(q-want) > 1e-15 {
		t.Errorf("45q15 = %v, %v; want %v", q, err, want)
	}
	// 5q0 = 1 − (1−q0)(1−4q1).
	q, err = lt.ProbDying(0, 5)
	if want := 1 - (1-lt.Qx[0])*(1-lt.Qx[1]); err != nil || math.Abs(q-want) > 1e-15 {
		t.Errorf("5q0 = %v, %v; want %v", q, err, want)
	}
	// Up to the open group's start; 5q80 then is 80-84's own qx.
	if q, err := lt.ProbDying(80, 5); err != nil || math.Abs(q-lt.Qx[17]) > 1e-15 {
		t.Errorf("5q80 = %v, %v; want %v", q, err, lt.Qx[17])
	}
	if l, err := lt.Survivors(65); err != nil || l != lt.Lx[14] {
		t.Errorf("l65 = %v, %v", l, err)
	}
	for name, f := range map[string]func() (float64, error){
		"e62":   func() (float64, error) { return lt.LifeExpectancy(62) },
		"e90":   func() (float64, error) { return lt.LifeExpectancy(90) },
		"45q12": func() (float64, error) { return lt.ProbDying(12, 45) },
		"3q0":   func() (float64, error) { return lt.ProbDying(0, 3) },
		"10q85": func() (float64, error) { return lt.ProbDying(85, 10) },
		"0q15":  func() (float64, error) { return lt.ProbDying(15, 0) },
		"l-5":   func() (float64, error) { return lt.Survivors(-5) },
		"-5q10": func() (float64, error) { return lt.ProbDying(10, -5) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error for ages that are not group boundaries", name)
		}
	}
}

func TestLifeTableInputErrors(t *testing.T) {
	abridged, err := demog.AbridgedGroups(85)
	if err != nil {
		t.Fatal(err)
	}
	single, err := demog.SingleYearGroups(10)
	if err != nil {
		t.Fatal(err)
	}
	mx := ltRandomRates(rand.New(rand.NewPCG(3, 4)), abridged)
	with := func(i int, v float64) []float64 {
		m := append([]float64(nil), mx...)
		m[i] = v
		return m
	}
	gap := append([]demog.Group(nil), abridged...)
	gap[5].Start++
	closed := append([]demog.Group(nil), abridged...)
	closed[len(closed)-1].Width = 5
	openMiddle := append([]demog.Group(nil), abridged...)
	openMiddle[4].Width = 0
	noInfant := abridged[1:]

	cases := []struct {
		name   string
		groups []demog.Group
		mx     []float64
		opt    demog.Options
	}{
		{"mismatched lengths", abridged, mx[1:], demog.Options{}},
		{"negative rate", abridged, with(3, -0.001), demog.Options{}},
		{"NaN rate", abridged, with(3, math.NaN()), demog.Options{}},
		{"infinite rate", abridged, with(3, math.Inf(1)), demog.Options{}},
		{"zero open rate", abridged, with(len(mx)-1, 0), demog.Options{}},
		{"gap between groups", gap, mx, demog.Options{}},
		{"no open group", closed, mx, demog.Options{}},
		{"open group in the middle", openMiddle, mx, demog.Options{}},
		{"no groups", nil, nil, demog.Options{}},
		{"negative radix", abridged, mx, demog.Options{Radix: -1}},
		{"NaN radix", abridged, mx, demog.Options{Radix: math.NaN()}},
		{"given nax missing", abridged, mx, demog.Options{Rule: demog.AxGiven}},
		{"given nax above n", abridged, mx, demog.Options{Rule: demog.AxGiven, Ax: func() []float64 {
			a := make([]float64, len(mx))
			a[3] = 5.5
			return a
		}()}},
		{"UN without sex", abridged, mx, demog.Options{Rule: demog.AxUN}},
		{"UN on single years", single, mx[:len(single)], demog.Options{Sex: demog.Male, Rule: demog.AxUN}},
		{"Coale-Demeny without age 0", noInfant, mx[1:], demog.Options{Sex: demog.Male, Rule: demog.AxCoaleDemeny}},
		{"Coale-Demeny bad region", abridged, mx, demog.Options{Sex: demog.Male, Rule: demog.AxCoaleDemeny, Region: demog.Region(7)}},
		{"Andreev-Kingkade bad sex", abridged, mx, demog.Options{Sex: demog.Sex(3), Rule: demog.AxAndreevKingkade}},
		{"Preston without sex", abridged, mx, demog.Options{Rule: demog.AxPreston}},
		{"unknown rule", abridged, mx, demog.Options{Rule: demog.AxRule(99)}},
		{"IMR above 1", abridged, mx, demog.Options{IMR: 1.2}},
		{"IMR without age 0", noInfant, mx[1:], demog.Options{IMR: 0.05}},
	}
	for _, c := range cases {
		if _, err := demog.NewLifeTable(c.groups, c.mx, c.opt); err == nil {
			t.Errorf("%s: no error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}

	deaths := make([]float64, len(abridged))
	expo := make([]float64, len(abridged))
	for i := range deaths {
		deaths[i], expo[i] = 10, 1000
	}
	expo[3] = 0
	if _, err := demog.LifeTableFromDeaths(abridged, deaths, expo, demog.Options{}); err == nil {
		t.Error("deaths without exposure: no error")
	}
	deaths[3] = 0
	if _, err := demog.LifeTableFromDeaths(abridged, deaths, expo, demog.Options{}); err != nil {
		t.Errorf("a closed group without deaths or exposure: %v", err)
	}
	if _, err := demog.LifeTableFromDeaths(abridged, deaths[1:], expo, demog.Options{}); err == nil {
		t.Error("mismatched deaths: no error")
	}
	if _, err := demog.AbridgedGroups(83); err == nil {
		t.Error("AbridgedGroups(83): no error")
	}
	if _, err := demog.SingleYearGroups(0); err == nil {
		t.Error("SingleYearGroups(0): no error")
	}
}

// BenchmarkAbridgedLifeTable builds one abridged table (0, 1-4, …, 85+) with the UN rule and
// its Chiang standard errors: what the warehouse does per year × sex × province.
func BenchmarkAbridgedLifeTable(b *testing.B) {
	groups, deaths, pop, _ := ltAustria(b)
	opt := demog.Options{Sex: demog.Male, Rule: demog.AxUN}
	for b.Loop() {
		lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, opt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lt.ChiangSE(deaths, demog.ChiangII); err != nil {
			b.Fatal(err)
		}
	}
}
