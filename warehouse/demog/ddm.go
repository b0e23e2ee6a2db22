package demog

// Death-distribution methods for the completeness of adult death registration that use two
// population counts and the registered deaths between them: the General Growth Balance
// (Hill 1987) here, the Synthetic Extinct Generations method and the GGB-SEG hybrid in
// ddm_seg.go. The formulas follow Dorrington (2013), "The Generalized Growth Balance method"
// and "Synthetic extinct generations methods", in Moultrie et al. (eds), Tools for Demographic
// Estimation, IUSSP, with the conventions of the DDMethods R package (IHME) that reproduce the
// Tools' South Africa worked example: see testdata/oracles/README.md.

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Intercensal holds the inputs of the two-count methods for one sex (or both sexes together):
// two population counts by age group and the deaths registered between them.
//
// Age groups must have one width n (5 years in practice), start at age 0 and end with an open
// group: the warehouse's 0 and 1–4 groups must be added together first. Deaths and Migrants
// are totals over the whole interval (what a registry yields), not annual averages.
type Intercensal struct {
	AgeStart []int     // lower bound of each group: 0, n, 2n, …; the last group is open
	Pop1     []float64 // first count (census or mid-year population)
	Pop2     []float64 // second count
	Deaths   []float64 // registered deaths between the two counts, total over the interval
	Migrants []float64 // net migrants (in − out) over the interval; nil when unknown
	Years    float64   // length of the interval in years, see IntervalYears
}

// IntervalYears returns the length of the interval between two counts in years as days/365,
// the convention of the IUSSP Tools workbooks (2001-10-10 to 2007-02-15 gives 5.353425).
func IntervalYears(date1, date2 time.Time) float64 {
	return date2.Sub(date1).Hours() / 24 / 365
}

// GrowthRateMethod chooses how the GGB computes the growth rate of the population aged a+.
type GrowthRateMethod int

const (
	// GrowthLog is r(a+) = ln(N2(a+)/N1(a+))/t (Hill, You and Choi 2009, eq. 8c), the DDMethods
	// default that reproduces 0.9333 for the South Africa example.
	GrowthLog GrowthRateMethod = iota
	// GrowthIUSSP is r(a+) = (N2(a+)−N1(a+)) / (t·√(N1(a+)·N2(a+))), the IUSSP Tools workbook and
	// timriffe/DDM form; it moves the South Africa result by less than 0.01.
	GrowthIUSSP
)

// GGBOptions configures GeneralGrowthBalance. The zero value gives the defaults.
type GGBOptions struct {
	// MinAge and MaxAge bound the exact ages a whose points enter the fit (inclusive). Zero
	// means 5 and 80. The point of the open group is never fitted, so MaxAge is lowered to the
	// last closed group when it reaches the open age.
	MinAge, MaxAge int
	// Migration adds the net migration rate M(a+)/N(a+) to the left-hand side; it needs
	// Intercensal.Migrants.
	Migration bool
	// Growth chooses the growth-rate formula; the zero value is GrowthLog.
	Growth GrowthRateMethod
}

// GGBPoint is one exact age a of the growth-balance diagnostic. Dashboards plot LeftSide
// against DeathRate with the fitted line Intercept + Slope·DeathRate.
type GGBPoint struct {
	Age           int
	EntryRate     float64 // b(a+) = N(a)/N(a+), N(a) = (1/n)·√(N1[a−n]·N2[a])
	GrowthRate    float64 // r(a+)
	MigrationRate float64 // M(a+)/N(a+), annual; 0 without migration
	DeathRate     float64 // registered D(a+)/N(a+), annual
	LeftSide      float64 // b(a+) − r(a+) + m(a+)
	Fitted        bool    // inside the fitted age range
}

// GGBResult is the outcome of GeneralGrowthBalance.
type GGBResult struct {
	Points         []GGBPoint
	MinAge, MaxAge int     // the age range actually fitted
	Slope          float64 // √(k1·k2)/c
	Intercept      float64 // ln(k1/k2)/t
	K1OverK2       float64 // coverage of the first count relative to the second
	// K1 and K2 are the coverages of the two counts with the more complete one set to 1.
	K1, K2 float64
	// Completeness of registered deaths relative to the more complete count, the figure the
	// IUSSP Tools and DDMethods report (0.9333 for South African males 2001–2007).
	Completeness float64
	// CompletenessVsPop1 is completeness relative to the first count (k1 = 1).
	CompletenessVsPop1 float64
	// RMSE is the root mean squared vertical residual of the fitted points, a rough measure
	// of how straight the diagnostic is.
	RMSE float64
}

// ddmPrepared holds the validated inputs with annual deaths and migrants.
type ddmPrepared struct {
	n      int // width of the closed groups
	ages   []int
	p1, p2 []float64
	d, m   []float64 // annual registered deaths and net migrants (m nil without migration)
	t      float64
}

// ddmPrepare validates an Intercensal and annualises its flows.
func ddmPrepare(in Intercensal, needMigrants bool) (ddmPrepared, error) {
	k := len(in.AgeStart)
	if k < 4 {
		return ddmPrepared{}, fmt.Errorf("need at least 4 age groups, got %d", k)
	}
	if len(in.Pop1) != k || len(in.Pop2) != k || len(in.Deaths) != k {
		return ddmPrepared{}, fmt.Errorf("lengths differ: %d ages, %d pop1, %d pop2, %d deaths",
			k, len(in.Pop1), len(in.Pop2), len(in.Deaths))
	}
	if needMigrants && in.Migrants == nil {
		return ddmPrepared{}, errors.New("migration requested but no migrants given")
	}
	if in.Migrants != nil && len(in.Migrants) != k {
		return ddmPrepared{}, fmt.Errorf("lengths differ: %d ages, %d migrants", k, len(in.Migrants))
	}
	if !(in.Years > 0) || math.IsInf(in.Years, 0) {
		return ddmPrepared{}, fmt.Errorf("interval length must be positive, got %v", in.Years)
	}
	n, err := ddmCheckAges(in.AgeStart)
	if err != nil {
		return ddmPrepared{}, err
	}
	p := ddmPrepared{n: n, ages: in.AgeStart, p1: in.Pop1, p2: in.Pop2, t: in.Years,
		d: make([]float64, k)}
	for i := 0; i < k; i++ {
		if !(in.Pop1[i] > 0) || !(in.Pop2[i] > 0) || math.IsInf(in.Pop1[i], 0) || math.IsInf(in.Pop2[i], 0) {
			return ddmPrepared{}, fmt.Errorf("age %d: populations must be positive and finite, got %v and %v",
				in.AgeStart[i], in.Pop1[i], in.Pop2[i])
		}
		if !(in.Deaths[i] >= 0) || math.IsInf(in.Deaths[i], 0) {
			return ddmPrepared{}, fmt.Errorf("age %d: deaths must be non-negative and finite, got %v",
				in.AgeStart[i], in.Deaths[i])
		}
		p.d[i] = in.Deaths[i] / in.Years
	}
	if needMigrants {
		p.m = make([]float64, k)
		for i, v := range in.Migrants {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ddmPrepared{}, fmt.Errorf("age %d: migrants must be finite, got %v", in.AgeStart[i], v)
			}
			p.m[i] = v / in.Years
		}
	}
	return p, nil
}

// ddmCheckAges checks that ages start at 0 and step by one width; it returns the width.
func ddmCheckAges(ages []int) (int, error) {
	if ages[0] != 0 {
		return 0, fmt.Errorf("age groups must start at 0, got %d", ages[0])
	}
	n := ages[1] - ages[0]
	if n <= 0 {
		return 0, fmt.Errorf("age groups must increase, got %d then %d", ages[0], ages[1])
	}
	for i := 1; i < len(ages); i++ {
		if ages[i]-ages[i-1] != n {
			return 0, fmt.Errorf("age groups must all be %d years wide: %d follows %d", n, ages[i], ages[i-1])
		}
	}
	return n, nil
}

// ddmSumFrom returns the sums of x over groups i, i+1, … (the "a+" totals).
func ddmSumFrom(x []float64) []float64 {
	s := make([]float64, len(x))
	acc := 0.0
	for i := len(x) - 1; i >= 0; i-- {
		acc += x[i]
		s[i] = acc
	}
	return s
}

// ddmFitRange resolves the default and clamps the upper bound below the open group.
func ddmFitRange(minAge, maxAge, defMin, defMax int, p ddmPrepared) (int, int, error) {
	if minAge == 0 {
		minAge = defMin
	}
	if maxAge == 0 {
		maxAge = defMax
	}
	open := p.ages[len(p.ages)-1]
	if maxAge >= open {
		maxAge = open - p.n
	}
	if minAge < p.n {
		return 0, 0, fmt.Errorf("fit range must start at age %d or above, got %d", p.n, minAge)
	}
	if minAge > maxAge {
		return 0, 0, fmt.Errorf("empty fit range %d–%d (open age %d)", minAge, maxAge, open)
	}
	return minAge, maxAge, nil
}

// ddmLine is a straight line fitted by the "orthogonal" rule of the IUSSP Tools and DDMethods
// (reduced major axis): slope = sd(y)/sd(x) signed by the correlation, through the means.
type ddmLine struct{ slope, intercept, rmse float64 }

func ddmFitLine(x, y []float64) (ddmLine, error) {
	k := len(x)
	if k < 3 {
		return ddmLine{}, fmt.Errorf("need at least 3 points to fit, got %d", k)
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(k)
	my /= float64(k)
	var sxx, syy, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	if !(sxx > 0) || !(syy > 0) {
		return ddmLine{}, errors.New("points do not vary, no line can be fitted")
	}
	// A negative association means the data contradict the balance equation: fitting a
	// positive slope through it would report a meaningless completeness.
	if !(sxy > 0) {
		return ddmLine{}, errors.New("left side does not increase with the death rate, no fit")
	}
	l := ddmLine{slope: math.Sqrt(syy / sxx)}
	l.intercept = my - l.slope*mx
	var ss float64
	for i := range x {
		e := y[i] - (l.intercept + l.slope*x[i])
		ss += e * e
	}
	l.rmse = math.Sqrt(ss / float64(k))
	return l, nil
}

// GeneralGrowthBalance estimates the completeness of registered deaths relative to the
// population, and the relative coverage of the two counts, by Hill's (1987) General Growth
// Balance: b(a+) − r(a+) + m(a+) = ln(k1/k2)/t + (√(k1·k2)/c)·d(a+), fitted over the exact
// ages MinAge..MaxAge.
func GeneralGrowthBalance(in Intercensal, opt GGBOptions) (GGBResult, error) {
	if opt.Growth != GrowthLog && opt.Growth != GrowthIUSSP {
		return GGBResult{}, fmt.Errorf("ggb: unknown growth-rate method %d", opt.Growth)
	}
	p, err := ddmPrepare(in, opt.Migration)
	if err != nil {
		return GGBResult{}, fmt.Errorf("ggb: %w", err)
	}
	lo, hi, err := ddmFitRange(opt.MinAge, opt.MaxAge, 5, 80, p)
	if err != nil {
		return GGBResult{}, fmt.Errorf("ggb: %w", err)
	}
	points := ddmGGBPoints(p, opt)
	var xs, ys []float64
	for i := range points {
		if points[i].Age >= lo && points[i].Age <= hi {
			points[i].Fitted = true
			xs = append(xs, points[i].DeathRate)
			ys = append(ys, points[i].LeftSide)
		}
	}
	line, err := ddmFitLine(xs, ys)
	if err != nil {
		return GGBResult{}, fmt.Errorf("ggb: ages %d–%d: %w", lo, hi, err)
	}
	r := GGBResult{Points: points, MinAge: lo, MaxAge: hi, Slope: line.slope,
		Intercept: line.intercept, RMSE: line.rmse}
	r.K1OverK2 = math.Exp(p.t * line.intercept)
	if r.K1OverK2 > 1 {
		r.K1, r.K2 = 1, 1/r.K1OverK2
	} else {
		r.K1, r.K2 = r.K1OverK2, 1
	}
	r.Completeness = math.Sqrt(r.K1*r.K2) / line.slope
	r.CompletenessVsPop1 = math.Sqrt(1/r.K1OverK2) / line.slope
	return r, nil
}

// ddmGGBPoints computes the diagnostic for every exact age n … open age.
func ddmGGBPoints(p ddmPrepared, opt GGBOptions) []GGBPoint {
	s1, s2 := ddmSumFrom(p.p1), ddmSumFrom(p.p2)
	sd := ddmSumFrom(p.d)
	var sm []float64
	if opt.Migration {
		sm = ddmSumFrom(p.m)
	}
	n := float64(p.n)
	var pts []GGBPoint
	for i := 1; i < len(p.ages); i++ {
		nPlus := math.Sqrt(s1[i] * s2[i])
		pt := GGBPoint{Age: p.ages[i]}
		// Birthdays: the cohort aged a−n at the first count reaches a by the second.
		pt.EntryRate = math.Sqrt(p.p1[i-1]*p.p2[i]) / n / nPlus
		switch opt.Growth {
		case GrowthIUSSP:
			pt.GrowthRate = (s2[i] - s1[i]) / (p.t * nPlus)
		default:
			pt.GrowthRate = math.Log(s2[i]/s1[i]) / p.t
		}
		if opt.Migration {
			pt.MigrationRate = sm[i] / nPlus
		}
		pt.DeathRate = sd[i] / nPlus
		pt.LeftSide = pt.EntryRate - pt.GrowthRate + pt.MigrationRate
		pts = append(pts, pt)
	}
	return pts
}
