package synth

import (
	"fmt"
	"math"
)

// maxAge is the simulation's open age group (100+).
const maxAge = 100

// siler is the shape of the force of mortality at ages 1 and over:
// mu(x) = k·(a1·exp(-b1·x) + a2 + a3·exp(b3·x)), a childhood component, a
// constant and a Gompertz senescent component. The level k is solved per year
// and sex so that life expectancy at birth equals the target (WPP's e0).
type siler struct{ a1, b1, a2, a3, b3 float64 }

// silerShapes hold plausible shapes for a population with e0 in the 60s and
// 70s (male excess at adult ages), index 0 male, 1 female.
var silerShapes = [2]siler{
	{a1: 0.012, b1: 1.0, a2: 0.0011, a3: 0.000060, b3: 0.093},
	{a1: 0.011, b1: 1.0, a2: 0.0008, a3: 0.000032, b3: 0.098},
}

// infantC0 is the cumulative infant hazard at level k = 1.
const infantC0 = 0.035

// Infant deaths by age: the neonatal share is a profile value; within the
// neonatal period the split by day follows the usual early-neonatal
// concentration; post-neonatal months decline geometrically.
var (
	neonatalDays   = [28]float64{} // weights by day of age 0..27
	postneoMonths  = [11]float64{} // weights by month 1..11
	infantDayCum   []float64
	infantMonthCum []float64
)

func init() {
	for d := range neonatalDays {
		switch {
		case d == 0:
			neonatalDays[d] = 0.35
		case d < 7:
			neonatalDays[d] = 0.35 / 6
		default:
			neonatalDays[d] = 0.30 / 21
		}
	}
	for m := range postneoMonths {
		postneoMonths[m] = math.Exp(-0.22 * float64(m))
	}
	infantDayCum = cumulative(neonatalDays[:])
	infantMonthCum = cumulative(postneoMonths[:])
}

func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		s += v
		c[i] = s
	}
	for i := range c {
		c[i] /= s
	}
	return c
}

// infantMeanAge is the mean age at death of infants in years (a0), given the
// neonatal share.
func infantMeanAge(neonatalShare float64) float64 {
	var neo, post float64
	prev := 0.0
	for d, c := range infantDayCum {
		neo += (c - prev) * (float64(d) + 0.5) / 365.25
		prev = c
	}
	prev = 0
	for m, c := range infantMonthCum {
		post += (c - prev) * (float64(m+1) + 0.5) / 12
		prev = c
	}
	return neonatalShare*neo + (1-neonatalShare)*post
}

// schedule is one sex's mortality in one year at level k: the infant death
// probability and central death rates by single year of age.
type schedule struct {
	q0 float64
	m  [maxAge + 1]float64 // m[1..99] single years, m[100] the open group; m[0] unused
}

func newSchedule(sh siler, k float64) schedule {
	var s schedule
	s.q0 = 1 - math.Exp(-k*infantC0)
	for a := 1; a < maxAge; a++ {
		s.m[a] = k * sh.integral(float64(a), float64(a+1))
	}
	// Open group: the Gompertz hazard averaged over the stationary
	// population above 100 is close to its value at about 102.
	s.m[maxAge] = k * sh.mu(maxAge+2)
	return s
}

func (sh siler) mu(x float64) float64 {
	return sh.a1*math.Exp(-sh.b1*x) + sh.a2 + sh.a3*math.Exp(sh.b3*x)
}

// integral is the cumulative hazard over [x0, x1], in closed form.
func (sh siler) integral(x0, x1 float64) float64 {
	return sh.a1/sh.b1*(math.Exp(-sh.b1*x0)-math.Exp(-sh.b1*x1)) +
		sh.a2*(x1-x0) +
		sh.a3/sh.b3*(math.Exp(sh.b3*x1)-math.Exp(sh.b3*x0))
}

// lifeTable holds the single-year life table of a schedule.
type lifeTable struct {
	l  [maxAge + 1]float64 // survivors at exact age, radix 1
	e0 float64
}

// qx is the probability of dying between ages a and a+1 under a constant
// hazard m over the year.
func qx(m float64) float64 { return 1 - math.Exp(-m) }

// lifeTableOf builds the life table with person-years exact for a constant
// hazard within each year of age (L = d/m), a0 from the infant age-at-death
// pattern, and the open group closed with L = l/m.
func lifeTableOf(s schedule, a0 float64) lifeTable {
	var lt lifeTable
	lt.l[0] = 1
	T := (1 - s.q0*(1-a0)) // L0
	lt.l[1] = 1 - s.q0
	for a := 1; a < maxAge; a++ {
		d := lt.l[a] * qx(s.m[a])
		T += d / s.m[a]
		lt.l[a+1] = lt.l[a] - d
	}
	T += lt.l[maxAge] / s.m[maxAge]
	lt.e0 = T
	return lt
}

// solveLevel finds k so that the schedule's e0 equals target.
func solveLevel(sh siler, target, a0 float64) (float64, error) {
	lo, hi := math.Log(1e-3), math.Log(50.0)
	e := func(lk float64) float64 { return lifeTableOf(newSchedule(sh, math.Exp(lk)), a0).e0 }
	if target > e(lo) || target < e(hi) {
		return 0, fmt.Errorf("life expectancy %.2f is outside what the mortality model reaches (%.1f-%.1f)", target, e(hi), e(lo))
	}
	for range 100 {
		mid := (lo + hi) / 2
		if e(mid) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2), nil
}
