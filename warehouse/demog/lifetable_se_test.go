package demog_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"vitalstats/warehouse/demog"
)

// ltAustria returns the Preston Austria 1992 inputs (real deaths and exposures).
func ltAustria(t testing.TB) (groups []demog.Group, deaths, pop, nax []float64) {
	var o ltOracle
	ltReadOracle(t, "lifetable_preston_austria1992_males.json", &o)
	return o.groups(t), o.Input.Deaths, o.Input.Population, o.Input.Nax
}

func ltScale(v []float64, k float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * k
	}
	return out
}

func TestChiangSE(t *testing.T) {
	groups, deaths, pop, nax := ltAustria(t)
	opt := demog.Options{Sex: demog.Male, Rule: demog.AxGiven, Ax: nax}
	lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, opt)
	if err != nil {
		t.Fatal(err)
	}
	se2, err := lt.ChiangSE(deaths, demog.ChiangII)
	if err != nil {
		t.Fatal(err)
	}
	se1, err := lt.ChiangSE(deaths, demog.ChiangI)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Austria 1992 males: e0 %.3f, SE %.4f (Chiang II) %.4f (Chiang I); e60 SE %.4f / %.4f",
		lt.Ex[0], se2[0], se1[0], se2[13], se1[13])
	for i := range groups {
		if !(se2[i] > 0) || !(se1[i] >= 0) {
			t.Errorf("%v: SE %v / %v, want positive", groups[i], se2[i], se1[i])
		}
		// The open group only adds variance.
		if se1[i] > se2[i] {
			t.Errorf("%v: Chiang I SE %v exceeds Chiang II %v", groups[i], se1[i], se2[i])
		}
		lo, hi := demog.CI95(lt.Ex[i], se2[i])
		if !(lo < lt.Ex[i] && lt.Ex[i] < hi) {
			t.Errorf("%v: CI [%v, %v] does not contain ex %v", groups[i], lo, hi, lt.Ex[i])
		}
		if math.Abs((hi-lo)/2-1.96*se2[i]) > 0.001*se2[i] {
			t.Errorf("%v: CI half-width %v is not 1.96·SE %v", groups[i], (hi-lo)/2, se2[i])
		}
	}
	// Chiang I: the open group has no variance.
	if se1[len(se1)-1] != 0 {
		t.Errorf("Chiang I SE of the open group %v, want 0", se1[len(se1)-1])
	}
	// Chiang II: the open group's SE is that of 1/M under Poisson deaths, e/√D.
	last := len(groups) - 1
	if want := lt.Ex[last] / math.Sqrt(deaths[last]); math.Abs(se2[last]-want) > 1e-12 {
		t.Errorf("Chiang II SE of the open group %v, want e/√D = %v", se2[last], want)
	}

	// The same rates from 100 times the deaths: every SE shrinks tenfold.
	lt100, err := demog.LifeTableFromDeaths(groups, ltScale(deaths, 100), ltScale(pop, 100), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []demog.ChiangVariant{demog.ChiangI, demog.ChiangII} {
		small, _ := lt.ChiangSE(deaths, v)
		big, err := lt100.ChiangSE(ltScale(deaths, 100), v)
		if err != nil {
			t.Fatal(err)
		}
		for i := range groups {
			if small[i] == 0 {
				continue
			}
			if r := big[i] / small[i]; math.Abs(r-0.1) > 1e-9 {
				t.Errorf("%v %v: SE ratio for 100× deaths %v, want 0.1", v, groups[i], r)
			}
		}
	}
}

// TestChiangSEMatchesSimulation compares the Chiang II SE of e0 and e60 with the spread of
// ex over tables rebuilt from deaths redrawn around the observed counts (Poisson, by its
// normal approximation: the smallest count here is 36). The delta method should agree within
// a few per cent; 10% leaves room for the 1.6% Monte Carlo error of 2000 draws.
func TestChiangSEMatchesSimulation(t *testing.T) {
	groups, deaths, pop, nax := ltAustria(t)
	// Shrink the population to 1/20 so that the errors are large enough to matter.
	deaths, pop = ltScale(deaths, 0.05), ltScale(pop, 0.05)
	opt := demog.Options{Sex: demog.Male, Rule: demog.AxGiven, Ax: nax}
	lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, opt)
	if err != nil {
		t.Fatal(err)
	}
	se, err := lt.ChiangSE(deaths, demog.ChiangII)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const draws = 2000
	ages := []int{0, 13} // e0 and e60
	var sum, sum2 [2]float64
	d := make([]float64, len(deaths))
	for range draws {
		for i, x := range deaths {
			d[i] = math.Max(0.5, x+math.Sqrt(x)*rng.NormFloat64())
		}
		sim, err := demog.LifeTableFromDeaths(groups, d, pop, opt)
		if err != nil {
			t.Fatal(err)
		}
		for k, i := range ages {
			sum[k] += sim.Ex[i]
			sum2[k] += sim.Ex[i] * sim.Ex[i]
		}
	}
	for k, i := range ages {
		mean := sum[k] / draws
		sd := math.Sqrt(sum2[k]/draws - mean*mean)
		t.Logf("e%d: Chiang II SE %.4f, simulated SD %.4f", groups[i].Start, se[i], sd)
		if math.Abs(se[i]/sd-1) > 0.10 {
			t.Errorf("e%d: Chiang II SE %.4f differs from simulated SD %.4f by more than 10%%", groups[i].Start, se[i], sd)
		}
	}
}

func TestChiangSEErrors(t *testing.T) {
	groups, deaths, pop, nax := ltAustria(t)
	lt, err := demog.LifeTableFromDeaths(groups, deaths, pop, demog.Options{Rule: demog.AxGiven, Ax: nax})
	if err != nil {
		t.Fatal(err)
	}
	noOpen := append([]float64(nil), deaths...)
	noOpen[len(noOpen)-1] = 0
	for name, c := range map[string]struct {
		deaths []float64
		v      demog.ChiangVariant
	}{
		"short":               {deaths[1:], demog.ChiangII},
		"negative":            {append([]float64{-1}, deaths[1:]...), demog.ChiangII},
		"NaN":                 {append([]float64{math.NaN()}, deaths[1:]...), demog.ChiangI},
		"no open deaths (II)": {noOpen, demog.ChiangII},
		"unknown variant":     {deaths, demog.ChiangVariant(9)},
	} {
		if _, err := lt.ChiangSE(c.deaths, c.v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := lt.ChiangSE(noOpen, demog.ChiangI); err != nil {
		t.Errorf("Chiang I without open-group deaths: %v", err)
	}
}
