// Package excess estimates expected and excess deaths with the model of
// Karlinsky & Kobak (eLife 2021; the World Mortality Dataset): per series,
// an OLS fit of deaths on a linear trend in year plus one intercept per
// period of the year (ISO week, month or quarter) over the baseline years,
// projected to the years of interest; excess = observed − expected, summed
// from a start period, with the predictive standard deviation of the sum.
//
// The model is solved in its fixed-effects (within) form: the slope is
// estimated from the deviations of year and deaths from their means within
// each period, and each period's intercept from those means. That is the
// same least-squares fit as the dummy-variable design of the paper's
// notebook, whose year column (≈ 2017) makes XᵀX ill-conditioned.
//
// Conventions of the published analysis (docs/methods.md, section 14):
// ISO week 53 is never fitted and takes the week-52 baseline; years after
// the first excess year use that year's baseline unless Options.Extrapolate
// is set; a single baseline year (the dataset's pre-averaged "year 0"
// rows) leaves the trend inestimable, so it is 0 and the standard
// deviation is NaN.
package excess

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// Unit is the period of a series.
type Unit string

// The units of the World Mortality Dataset's time_unit column.
const (
	Weekly    Unit = "weekly"
	Monthly   Unit = "monthly"
	Quarterly Unit = "quarterly"
)

// fitted is the number of periods with their own intercept: ISO week 53
// occurs in too few years to estimate one and borrows week 52's.
func (u Unit) fitted() int {
	switch u {
	case Weekly:
		return 52
	case Monthly:
		return 12
	case Quarterly:
		return 4
	}
	return 0
}

// maxPeriod is the largest period number a row may carry.
func (u Unit) maxPeriod() int {
	if u == Weekly {
		return 53
	}
	return u.fitted()
}

// DefaultStart is the first period of the first excess year that the paper
// sums: ISO week 10, March, or the first quarter (the start of the pandemic
// in most countries; eLife notebook, get_excess_begin).
func (u Unit) DefaultStart() int {
	switch u {
	case Weekly:
		return 10
	case Monthly:
		return 3
	}
	return 1
}

// ParseUnit reads a time_unit value.
func ParseUnit(s string) (Unit, error) {
	switch u := Unit(s); u {
	case Weekly, Monthly, Quarterly:
		return u, nil
	}
	return "", fmt.Errorf("time unit %q is not weekly, monthly or quarterly", s)
}

// Obs is one period's count.
type Obs struct {
	Year   int // 0: the World Mortality Dataset's pre-averaged baseline rows
	Period int // ISO week 1–53, month 1–12 or quarter 1–4
	Deaths float64
	// Population is the person-years (or mid-period population) behind
	// Deaths; used only with Options.PerPopulation.
	Population float64
}

// Series is one area's counts, in one unit.
type Series struct {
	Name string
	Unit Unit
	Obs  []Obs
}

// Options choose the baseline, the years of interest and the summation.
// The zero value is the published analysis.
type Options struct {
	// Year is the first year of excess (default 2020). Every observation
	// from Year on gets an expected count.
	Year int
	// BaselineFrom and BaselineTo bound the fitted years, inclusive;
	// 0 means no lower bound and Year−1 respectively.
	BaselineFrom, BaselineTo int
	// Start is the first period of Year that is summed (default
	// Unit.DefaultStart); every period of later years is summed.
	Start int
	// Extrapolate projects the trend to each year's own value. Without it
	// every year from Year on uses Year's baseline, as the paper did for
	// 2021.
	Extrapolate bool
	// PerPopulation fits death rates (deaths / Population) instead of
	// counts; expected deaths are then the rate times each period's
	// population, which takes population change out of the trend.
	PerPopulation bool
	// Subtract is a number of deaths taken off the summed excess after the
	// fit, for deaths known to have another cause (the paper: 4000 war
	// deaths for Armenia and Azerbaijan). It does not change the std.
	Subtract float64
	// Exclude lists periods of Year whose excess is taken off the sum (the
	// paper: the August 2020 heatwave, weeks 32–34, for five countries).
	// Like the paper, the std is not changed.
	Exclude []int
	// Z is the normal quantile of the intervals (default 1.96, 95%).
	Z float64
}

func (o Options) withDefaults(u Unit) Options {
	if o.Year == 0 {
		o.Year = 2020
	}
	if o.BaselineTo == 0 {
		o.BaselineTo = o.Year - 1
	}
	if o.Start == 0 {
		o.Start = u.DefaultStart()
	}
	if o.Z == 0 {
		o.Z = 1.96
	}
	return o
}

// Fit is the fitted baseline of one series.
type Fit struct {
	Unit    Unit
	Periods int // periods with an intercept (52, 12 or 4)
	// Slope is the change of the baseline per year (deaths, or a rate
	// with PerPopulation); 0 when TrendEstimable is false.
	Slope          float64
	TrendEstimable bool
	// N, MeanYear and Mean are per fitted period (index period−1): the
	// number of baseline observations, their mean year and mean value.
	N        []int
	MeanYear []float64
	Mean     []float64
	Stt      float64 // Σ (year − mean year of its period)²
	Sigma2   float64 // residual variance RSS/(n − periods − 1); NaN when not estimable
	DF       int     // n − periods − 1
	NObs     int     // baseline observations fitted
}

// basePeriod maps a period to the intercept it uses: week 53 takes week 52's.
func (f *Fit) basePeriod(p int) int { return min(p, f.Periods) }

// Baseline is the expected value (deaths, or a rate with PerPopulation) of
// period p in year t.
func (f *Fit) Baseline(p int, t float64) float64 {
	k := f.basePeriod(p) - 1
	return f.Mean[k] + f.Slope*(t-f.MeanYear[k])
}

// baselineVar is the variance of Baseline(p, t) as an estimate of the mean:
// σ²(1/nₖ + (t − t̄ₖ)²/Stt), the intercept and the within-slope being
// uncorrelated.
func (f *Fit) baselineVar(p int, t float64) float64 {
	k := f.basePeriod(p) - 1
	d := t - f.MeanYear[k]
	return f.Sigma2 * (1/float64(f.N[k]) + d*d/f.Stt)
}

// Period is the result for one observation from Options.Year on.
type Period struct {
	Year, Period int
	Observed     float64
	Expected     float64
	ExpectedSD   float64 // standard error of Expected as the mean
	Excess       float64 // Observed − Expected
	// ExcessLo and ExcessHi are the prediction interval of the excess
	// (residual noise plus the baseline's uncertainty).
	ExcessLo, ExcessHi float64
	// PScore is 100·Excess/Expected, with the interval of the excess on
	// the same scale (Expected taken as fixed in the denominator).
	PScore, PScoreLo, PScoreHi float64
	Summed                     bool // counted in Result.Excess
}

// Result is the model's answer for one series.
type Result struct {
	Series  string
	Fit     *Fit
	Periods []Period
	// Excess is Σ(observed − expected) over the summed periods, less
	// Options.Subtract and the excess of Options.Exclude.
	Excess float64
	// ExcessSD is the predictive standard deviation of the sum; NaN when
	// the trend or the residual variance cannot be estimated.
	ExcessSD float64
	// ExcessLo and ExcessHi are Excess ± Z·ExcessSD.
	ExcessLo, ExcessHi float64
	T                  float64 // |Excess|/ExcessSD
	// AnnualBaseline is the expected deaths of the periods of Year (week
	// 53 counted when Year has 53 ISO weeks, as the paper's duplicated
	// week-53 entry does); PctOfAnnualBaseline = 100·Excess/AnnualBaseline.
	AnnualBaseline      float64
	PctOfAnnualBaseline float64
	Corrected           float64 // deaths taken off by Subtract and Exclude
	SummedPeriods       int
}

// Estimate fits the baseline of s and computes its excess.
func Estimate(s Series, o Options) (*Result, error) {
	if _, err := ParseUnit(string(s.Unit)); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	o = o.withDefaults(s.Unit)
	if err := check(s, o); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	f, err := fit(s, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	obs := append([]Obs(nil), s.Obs...)
	sort.Slice(obs, func(i, j int) bool {
		return obs[i].Year < obs[j].Year || obs[i].Year == obs[j].Year && obs[i].Period < obs[j].Period
	})
	excluded := map[int]bool{}
	for _, p := range o.Exclude {
		excluded[p] = true
	}
	r := &Result{Series: s.Name, Fit: f}
	var popYear, nYear float64 // population of Year, for the annual baseline of a rate model
	// The variance of the summed excess, σ²[Σaᵢ² + Σₖ Aₖ²/nₖ + (Σaᵢ(tᵢ − t̄ₖ))²/Stt],
	// where aᵢ is 1 (or the population) and Aₖ = Σ aᵢ over the summed
	// observations that use intercept k.
	var sumA2, sumAdt float64
	A := make([]float64, f.Periods)
	for _, x := range obs {
		if x.Year < o.Year {
			continue
		}
		if x.Year == o.Year && o.PerPopulation {
			popYear += x.Population
			nYear++
		}
		t := float64(o.Year)
		if o.Extrapolate {
			t = float64(x.Year)
		}
		a := 1.0
		if o.PerPopulation {
			a = x.Population
		}
		p := Period{Year: x.Year, Period: x.Period, Observed: x.Deaths}
		p.Expected = a * f.Baseline(x.Period, t)
		p.ExpectedSD = a * math.Sqrt(f.baselineVar(x.Period, t))
		p.Excess = p.Observed - p.Expected
		sd := math.Sqrt(a*a*f.Sigma2 + p.ExpectedSD*p.ExpectedSD)
		p.ExcessLo, p.ExcessHi = p.Excess-o.Z*sd, p.Excess+o.Z*sd
		p.PScore = 100 * p.Excess / p.Expected
		p.PScoreLo, p.PScoreHi = 100*p.ExcessLo/p.Expected, 100*p.ExcessHi/p.Expected
		p.Summed = x.Year > o.Year || x.Period >= o.Start
		if p.Summed {
			r.SummedPeriods++
			r.Excess += p.Excess
			k := f.basePeriod(x.Period) - 1
			sumA2 += a * a
			A[k] += a
			sumAdt += a * (t - f.MeanYear[k])
			if x.Year == o.Year && excluded[x.Period] {
				r.Corrected += p.Excess
			}
		}
		r.Periods = append(r.Periods, p)
	}
	if len(r.Periods) == 0 {
		return nil, fmt.Errorf("%s: no observations from %d on", s.Name, o.Year)
	}
	r.Corrected += o.Subtract
	r.Excess -= r.Corrected
	v := sumA2 + sumAdt*sumAdt/f.Stt
	for k, ak := range A {
		if ak != 0 {
			v += ak * ak / float64(f.N[k])
		}
	}
	r.ExcessSD = math.Sqrt(f.Sigma2 * v)
	r.ExcessLo, r.ExcessHi = r.Excess-o.Z*r.ExcessSD, r.Excess+o.Z*r.ExcessSD
	r.T = math.Abs(r.Excess) / r.ExcessSD

	weeks := f.Periods
	if s.Unit == Weekly && isoWeeks(o.Year) == 53 {
		weeks = 53
	}
	scale := 1.0
	if o.PerPopulation {
		scale = popYear / nYear // NaN when Year has no observations: no population to apply
	}
	for p := 1; p <= weeks; p++ {
		r.AnnualBaseline += scale * f.Baseline(p, float64(o.Year))
	}
	r.PctOfAnnualBaseline = 100 * r.Excess / r.AnnualBaseline
	return r, nil
}

// isoWeeks is the number of ISO weeks of year y (52 or 53): 28 December is
// always in the last week.
func isoWeeks(y int) int {
	_, w := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// check rejects what the model cannot use, naming the observation.
func check(s Series, o Options) error {
	if len(s.Obs) == 0 {
		return errors.New("no observations")
	}
	if o.BaselineTo >= o.Year {
		return fmt.Errorf("baseline years end in %d, not before the first excess year %d", o.BaselineTo, o.Year)
	}
	if o.BaselineFrom > o.BaselineTo {
		return fmt.Errorf("baseline years %d–%d are empty", o.BaselineFrom, o.BaselineTo)
	}
	if o.Start < 1 || o.Start > s.Unit.maxPeriod() {
		return fmt.Errorf("start period %d is not in 1–%d", o.Start, s.Unit.maxPeriod())
	}
	seen := map[[2]int]bool{}
	for _, x := range s.Obs {
		switch {
		case x.Year < 0:
			return fmt.Errorf("year %d is negative", x.Year)
		case x.Period < 1 || x.Period > s.Unit.maxPeriod():
			return fmt.Errorf("year %d: %s period %d is not in 1–%d", x.Year, s.Unit, x.Period, s.Unit.maxPeriod())
		case math.IsNaN(x.Deaths) || math.IsInf(x.Deaths, 0) || x.Deaths < 0:
			return fmt.Errorf("year %d period %d: deaths %v is not a count", x.Year, x.Period, x.Deaths)
		case o.PerPopulation && !(x.Population > 0 && !math.IsInf(x.Population, 0)):
			return fmt.Errorf("year %d period %d: population %v is not positive (a rate model needs every population)", x.Year, x.Period, x.Population)
		}
		key := [2]int{x.Year, x.Period}
		if seen[key] {
			return fmt.Errorf("year %d period %d appears twice", x.Year, x.Period)
		}
		seen[key] = true
	}
	return nil
}

// fit solves the OLS of y on year + one intercept per period over the
// baseline rows in the within form: β = Σ(t − t̄ₖ)(y − ȳₖ)/Σ(t − t̄ₖ)².
func fit(s Series, o Options) (*Fit, error) {
	m := s.Unit.fitted()
	f := &Fit{Unit: s.Unit, Periods: m, N: make([]int, m), MeanYear: make([]float64, m), Mean: make([]float64, m)}
	value := func(x Obs) float64 {
		if o.PerPopulation {
			return x.Deaths / x.Population
		}
		return x.Deaths
	}
	var rows []Obs
	for _, x := range s.Obs {
		// Week 53 is never fitted: too few years have one.
		if x.Year >= o.BaselineFrom && x.Year <= o.BaselineTo && x.Period <= m {
			rows = append(rows, x)
			k := x.Period - 1
			f.N[k]++
			f.MeanYear[k] += float64(x.Year)
			f.Mean[k] += value(x)
		}
	}
	for k := range m {
		if f.N[k] == 0 {
			return nil, fmt.Errorf("period %d has no observation in the baseline years %d–%d", k+1, o.BaselineFrom, o.BaselineTo)
		}
		f.MeanYear[k] /= float64(f.N[k])
		f.Mean[k] /= float64(f.N[k])
	}
	var sty float64
	for _, x := range rows {
		k := x.Period - 1
		dt := float64(x.Year) - f.MeanYear[k]
		f.Stt += dt * dt
		sty += dt * (value(x) - f.Mean[k])
	}
	f.NObs = len(rows)
	f.DF = f.NObs - m - 1
	// With a single baseline year (the dataset's "year 0" rows hold a
	// 2015–19 average) the trend is not identified; the minimum-norm
	// least-squares solution of the paper's notebook sets it to 0 and its
	// std is NaN.
	f.TrendEstimable = f.Stt > 0
	if f.TrendEstimable {
		f.Slope = sty / f.Stt
	}
	var rss float64
	for _, x := range rows {
		e := value(x) - f.Baseline(x.Period, float64(x.Year))
		rss += e * e
	}
	f.Sigma2 = math.NaN()
	if f.TrendEstimable && f.DF > 0 {
		f.Sigma2 = rss / float64(f.DF)
	}
	return f, nil
}
