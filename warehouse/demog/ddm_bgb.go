package demog

// Brass Growth Balance (Brass 1975; UN Manual X, 1983, chapter V): with one population count
// and the deaths registered around it, in a stable population the partial birth rate of the
// population aged x+ is linear in the partial death rate,
//
//	N(x)/N(x+) = r + (1/c)·D(x+)/N(x+),
//
// so the slope of the fitted line is 1/c and the intercept the growth rate. N(x), the people
// reaching exact age x in a year, is (1/n)·√(nN[x−n]·nN[x]), the one-count form of the GGB
// birthdays estimate (the El Salvador 1961 example's implementation uses it too).

import (
	"fmt"
	"math"
)

// PopDeaths is one population count by age group with the deaths registered in a year around
// it, for one sex. Age groups start at 0 with one width and end with an open group.
type PopDeaths struct {
	AgeStart []int
	Pop      []float64
	Deaths   []float64 // registered deaths in one year (an annual average over a few years is better)
}

// BGBOptions configures BrassGrowthBalance. The zero value gives the defaults.
type BGBOptions struct {
	// MinAge and MaxAge bound the exact ages x of the fitted points (inclusive). Zero means 5
	// and 65; MaxAge is cut below the open group.
	MinAge, MaxAge int
}

// BGBPoint is one exact age x of the Brass diagnostic.
type BGBPoint struct {
	Age       int
	EntryRate float64 // N(x)/N(x+), the partial birth rate
	DeathRate float64 // D(x+)/N(x+), the registered partial death rate
	Fitted    bool
}

// BGBResult is the outcome of BrassGrowthBalance.
type BGBResult struct {
	Points         []BGBPoint
	MinAge, MaxAge int
	Slope          float64 // 1/c
	GrowthRate     float64 // the intercept, an estimate of the stable growth rate
	Completeness   float64 // c, completeness of registered deaths relative to the count
	RMSE           float64 // root mean squared vertical residual of the fitted points
}

// BrassGrowthBalance estimates the completeness of registered deaths relative to one
// population count, assuming a stable population (constant growth, no migration).
func BrassGrowthBalance(in PopDeaths, opt BGBOptions) (BGBResult, error) {
	// Reuse the two-count validation with the same count twice: the interval is irrelevant.
	p, err := ddmPrepare(Intercensal{AgeStart: in.AgeStart, Pop1: in.Pop, Pop2: in.Pop,
		Deaths: in.Deaths, Years: 1}, false)
	if err != nil {
		return BGBResult{}, fmt.Errorf("bgb: %w", err)
	}
	lo, hi, err := ddmFitRange(opt.MinAge, opt.MaxAge, 5, 65, p)
	if err != nil {
		return BGBResult{}, fmt.Errorf("bgb: %w", err)
	}
	sp, sd := ddmSumFrom(p.p1), ddmSumFrom(p.d)
	res := BGBResult{MinAge: lo, MaxAge: hi}
	var xs, ys []float64
	for i := 1; i < len(p.ages); i++ {
		pt := BGBPoint{Age: p.ages[i]}
		pt.EntryRate = math.Sqrt(p.p1[i-1]*p.p1[i]) / float64(p.n) / sp[i]
		pt.DeathRate = sd[i] / sp[i]
		if pt.Age >= lo && pt.Age <= hi {
			pt.Fitted = true
			xs = append(xs, pt.DeathRate)
			ys = append(ys, pt.EntryRate)
		}
		res.Points = append(res.Points, pt)
	}
	line, err := ddmFitLine(xs, ys)
	if err != nil {
		return BGBResult{}, fmt.Errorf("bgb: ages %d–%d: %w", lo, hi, err)
	}
	res.Slope, res.GrowthRate, res.RMSE = line.slope, line.intercept, line.rmse
	res.Completeness = 1 / line.slope
	return res, nil
}
