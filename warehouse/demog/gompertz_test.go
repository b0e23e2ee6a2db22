package demog_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"vitalstats/warehouse/demog"
)

// gompertzE1 is the exponential integral E1(c) by its power series, independent of the
// quadrature in Gompertz.LifeExpectancy: E1(c) = −γ − ln c − Σ_{k≥1} (−c)^k / (k·k!).
func gompertzE1(c float64) float64 {
	const euler = 0.5772156649015329
	sum, term := 0.0, 1.0
	for k := 1; k < 80; k++ {
		term *= -c / float64(k)
		sum += term / float64(k)
	}
	return -euler - math.Log(c) - sum
}

// gompertzWorld gives deaths and exposures of groups 60-64 … 80-84 (and 85+) whose rates are
// exactly exp(a + b·midpoint).
func gompertzWorld(a, b, exposure float64) (groups []demog.Group, deaths, expo []float64) {
	groups, _ = demog.AbridgedGroups(85)
	deaths = make([]float64, len(groups))
	expo = make([]float64, len(groups))
	for i, g := range groups {
		expo[i] = exposure
		deaths[i] = exposure * math.Exp(a+b*(float64(g.Start)+2.5))
	}
	return groups, deaths, expo
}

// TestGompertzFitAndExpectancy: rates lying exactly on a Gompertz curve give its parameters
// back, and the life expectancy at 85 equals the closed form (1/B)·e^c·E1(c), c = μ(85)/B
// (Gompertz survival integrated analytically).
func TestGompertzFitAndExpectancy(t *testing.T) {
	for _, p := range []struct{ a, b float64 }{{-10.5, 0.1}, {-9.2, 0.085}, {-11.8, 0.115}} {
		groups, deaths, expo := gompertzWorld(p.a, p.b, 5000)
		g, err := demog.FitGompertz(groups, deaths, expo, 60, 85)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(g.A-p.a) > 1e-8 || math.Abs(g.B-p.b) > 1e-10 {
			t.Errorf("fit (%v, %v), want (%v, %v)", g.A, g.B, p.a, p.b)
		}
		c := g.Hazard(85) / g.B
		want := math.Exp(c) * gompertzE1(c) / g.B
		if got := g.LifeExpectancy(85); math.Abs(got-want) > 1e-7 {
			t.Errorf("e85 under (%v, %v) = %.9f, closed form %.9f", p.a, p.b, got, want)
		}
		t.Logf("a %v b %v: e85 %.4f", p.a, p.b, want)
	}
}

// TestGompertzVarianceMatchesSimulation: the delta-method variance of e85 agrees with the
// spread of e85 over Poisson redraws of the deaths (about 30-150 deaths a group).
func TestGompertzVarianceMatchesSimulation(t *testing.T) {
	groups, mean, expo := gompertzWorld(-10.5, 0.1, 1500)
	rng := rand.New(rand.NewPCG(3, 4))
	g0, err := demog.FitGompertz(groups, mean, expo, 60, 85)
	if err != nil {
		t.Fatal(err)
	}
	delta := math.Sqrt(g0.LifeExpectancyVar(85))
	var sum, sum2 float64
	const reps = 2000
	draw := make([]float64, len(mean))
	for range reps {
		for i, m := range mean {
			draw[i] = ltPoisson(rng, m)
		}
		g, err := demog.FitGompertz(groups, draw, expo, 60, 85)
		if err != nil {
			t.Fatal(err)
		}
		e := g.LifeExpectancy(85)
		sum += e
		sum2 += e * e
	}
	sd := math.Sqrt(sum2/reps - (sum/reps)*(sum/reps))
	t.Logf("e85 SD over redraws %.4f, delta-method SE %.4f", sd, delta)
	if math.Abs(delta/sd-1) > 0.15 {
		t.Errorf("delta-method SE %.4f vs simulated SD %.4f", delta, sd)
	}
}

func TestGompertzFitErrors(t *testing.T) {
	groups, _, expo := gompertzWorld(-10, 0.1, 1000)
	flat := make([]float64, len(groups))
	for i := range flat {
		flat[i] = 30 - float64(i)/2 // rates falling with age
	}
	if _, err := demog.FitGompertz(groups, flat, expo, 60, 85); err == nil {
		t.Error("falling rates: no error")
	}
	if _, err := demog.FitGompertz(groups, make([]float64, len(groups)), expo, 60, 85); err == nil {
		t.Error("no deaths: no error")
	}
	expo[14] = 0 // 60-64
	if _, err := demog.FitGompertz(groups, flat, expo, 60, 85); err == nil {
		t.Error("a group without exposure: no error")
	}
}

// TestOpenEx: a model life expectancy for the open group gives the same table as the rate
// 1/OpenEx would, and its ex at the open age is OpenEx.
func TestOpenEx(t *testing.T) {
	groups, _ := demog.AbridgedGroups(85)
	mx := ltRandomRates(rand.New(rand.NewPCG(1, 2)), groups)
	a, err := demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN, OpenEx: 4.2})
	if err != nil {
		t.Fatal(err)
	}
	mx[len(mx)-1] = 1 / 4.2
	b, err := demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	for i := range groups {
		if a.Ex[i] != b.Ex[i] || a.Ax[i] != b.Ax[i] {
			t.Errorf("%v: ex %v vs %v, ax %v vs %v", groups[i], a.Ex[i], b.Ex[i], a.Ax[i], b.Ax[i])
		}
	}
	if got := a.Ex[len(groups)-1]; math.Abs(got-4.2) > 1e-12 {
		t.Errorf("e85 %v, want 4.2", got)
	}
	if _, err := demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN, OpenEx: -1}); err == nil {
		t.Error("negative OpenEx: no error")
	}
}

// ltPoisson draws a Poisson count (Knuth below 30, normal approximation above).
func ltPoisson(r *rand.Rand, lambda float64) float64 {
	if lambda >= 30 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
	}
	limit, p, k := math.Exp(-lambda), r.Float64(), 0.0
	for p > limit {
		p *= r.Float64()
		k++
	}
	return k
}
