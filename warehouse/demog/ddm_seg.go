package demog

// Synthetic Extinct Generations (Bennett and Horiuchi 1981, 1984) with age-specific growth
// rates, and the GGB-SEG hybrid (Hill, You and Choi 2009). The population at exact age a is
// rebuilt from the deaths above a, working down from the open group:
//
//	N̂(A)  = D(A+)·[exp(r(A+)·e(A)) − (r(A+)·e(A))²/6]
//	N̂(a)  = N̂(a+n)·exp(n·r(a)) + D(a)·exp(n·r(a)/2)
//
// and compared with N(a) = (1/n)·√(N1[a−n]·N2[a]) from the counts; completeness is the mean
// of N̂(a)/N(a) over the fitted ages (default 25–60).
//
// Open-age life expectancy e(A). Implementations differ here, which is why the published SEG
// results for South Africa are only matched within 0.03:
//   - DDMethods picks a Coale–Demeny West level by the ratio 30d10/20d40 of growth-adjusted
//     deaths, then interpolates e(A) linearly between the two levels around it;
//   - timriffe/DDM does the same with a spline over levels 3–25 and fixed ratios;
//   - here the model is solved continuously: the West table whose ratio 30d10/20d40 equals the
//     observed one is found by bisection on its e10, and e(A) is read from that table.
// The open-group formula above is Bennett and Horiuchi's; DDMethods writes it with the
// correction term outside the bracket (D·exp(re) − (re)²/6), which changes N̂ by a negligible
// amount. SEGOptions.OpenAgeE overrides the model when the user knows better.

import (
	"errors"
	"fmt"
	"math"
)

// BothSexes selects the both-sexes form of a completeness method: the Adair–Lopez "both"
// regressions, and for SEG the mean of the male and female Coale–Demeny West estimates.
// Life-table functions accept Male or Female only.
const BothSexes Sex = 3

// SEGOptions configures SyntheticExtinctGenerations. The zero value gives the defaults,
// except Sex, which the open-age model needs unless OpenAgeE is given.
type SEGOptions struct {
	// MinAge and MaxAge bound the exact ages a averaged (inclusive). Zero means 25 and 60.
	MinAge, MaxAge int
	// Migration subtracts the net migration rate M(a)/√(N1(a)·N2(a)) from each age-specific
	// growth rate; it needs Intercensal.Migrants.
	Migration bool
	// Sex chooses the Coale–Demeny West table for e(A): Male, Female or BothSexes.
	Sex Sex
	// OpenAgeE, when positive, is used as the life expectancy at the open age instead of the
	// Coale–Demeny West estimate.
	OpenAgeE float64
}

// SEGPoint is one exact age a of the SEG diagnostic.
type SEGPoint struct {
	Age          int
	GrowthRate   float64 // r of the group starting at a (after migration when used)
	PopFromDeath float64 // N̂(a), rebuilt from deaths
	PopCounted   float64 // N(a) from the two counts
	Completeness float64 // N̂(a)/N(a)
	Fitted       bool
}

// SEGResult is the outcome of SyntheticExtinctGenerations.
type SEGResult struct {
	Points         []SEGPoint
	MinAge, MaxAge int
	// DeathRatio is Σ growth-adjusted deaths 10–39 over 40–59, used to pick the model table.
	DeathRatio float64
	// OpenAgeE is the life expectancy used at the open age; OpenAgeEFromModel tells whether it
	// came from the Coale–Demeny West model, and ModelClamped whether DeathRatio fell outside
	// the model's levels 1–25, so that the nearest end level was used.
	OpenAgeE          float64
	OpenAgeEFromModel bool
	ModelClamped      bool
	// Completeness of registered deaths relative to the counts (their geometric mean
	// coverage), the mean of the fitted points.
	Completeness float64
}

// SyntheticExtinctGenerations estimates the completeness of registered adult deaths by the
// Bennett–Horiuchi synthetic extinct generations method with growth-rate adjustment.
func SyntheticExtinctGenerations(in Intercensal, opt SEGOptions) (SEGResult, error) {
	p, err := ddmPrepare(in, opt.Migration)
	if err != nil {
		return SEGResult{}, fmt.Errorf("seg: %w", err)
	}
	r, err := ddmSEG(p, opt)
	if err != nil {
		return SEGResult{}, fmt.Errorf("seg: %w", err)
	}
	return r, nil
}

func ddmSEG(p ddmPrepared, opt SEGOptions) (SEGResult, error) {
	lo, hi, err := ddmFitRange(opt.MinAge, opt.MaxAge, 25, 60, p)
	if err != nil {
		return SEGResult{}, err
	}
	k := len(p.ages)
	n := float64(p.n)
	growth := make([]float64, k)
	for i := range growth {
		growth[i] = math.Log(p.p2[i]/p.p1[i]) / p.t
		if opt.Migration {
			growth[i] -= p.m[i] / math.Sqrt(p.p1[i]*p.p2[i])
		}
	}
	res := SEGResult{MinAge: lo, MaxAge: hi}

	// Deaths as a stationary life table would have them: each group's deaths inflated by the
	// growth accumulated from birth to the middle of the group.
	var young, old, cum float64
	for i := 0; i < k-1; i++ {
		adj := p.d[i] * math.Exp(cum+n/2*growth[i])
		cum += n * growth[i]
		switch a := p.ages[i]; {
		case a >= 10 && a < 40:
			young += adj
		case a >= 40 && a < 60:
			old += adj
		}
	}
	if old > 0 {
		res.DeathRatio = young / old
	}

	open := p.ages[k-1]
	switch {
	case opt.OpenAgeE > 0 && !math.IsInf(opt.OpenAgeE, 0):
		res.OpenAgeE = opt.OpenAgeE
	case opt.OpenAgeE != 0:
		return SEGResult{}, fmt.Errorf("open-age life expectancy must be positive and finite, got %v", opt.OpenAgeE)
	default:
		if p.n != 5 {
			return SEGResult{}, fmt.Errorf("the Coale–Demeny West open-age estimate needs 5-year groups (got %d); give OpenAgeE", p.n)
		}
		if open < 60 || open > 95 {
			return SEGResult{}, fmt.Errorf("the Coale–Demeny West open-age estimate needs an open age of 60–95 (got %d); give OpenAgeE", open)
		}
		if !(young > 0) || !(old > 0) {
			return SEGResult{}, errors.New("no deaths at ages 10–59 to choose a model life table")
		}
		e, clamped, err := cdWestOpenAgeE(opt.Sex, res.DeathRatio, open)
		if err != nil {
			return SEGResult{}, err
		}
		res.OpenAgeE, res.OpenAgeEFromModel, res.ModelClamped = e, true, clamped
	}

	re := growth[k-1] * res.OpenAgeE
	est := make([]float64, k)
	est[k-1] = p.d[k-1] * (math.Exp(re) - re*re/6)
	for i := k - 2; i >= 0; i-- {
		est[i] = est[i+1]*math.Exp(n*growth[i]) + p.d[i]*math.Exp(n/2*growth[i])
	}

	var sum float64
	var cnt int
	for i := 1; i < k; i++ {
		pt := SEGPoint{Age: p.ages[i], GrowthRate: growth[i], PopFromDeath: est[i]}
		pt.PopCounted = math.Sqrt(p.p1[i-1]*p.p2[i]) / n
		pt.Completeness = pt.PopFromDeath / pt.PopCounted
		if pt.Age >= lo && pt.Age <= hi {
			pt.Fitted = true
			sum += pt.Completeness
			cnt++
		}
		res.Points = append(res.Points, pt)
	}
	if cnt == 0 || !(est[0] > 0) {
		return SEGResult{}, fmt.Errorf("no usable points at ages %d–%d", lo, hi)
	}
	res.Completeness = sum / float64(cnt)
	if math.IsNaN(res.Completeness) || math.IsInf(res.Completeness, 0) {
		return SEGResult{}, errors.New("completeness is not finite")
	}
	return res, nil
}

// GGBSEGOptions configures GGBSEG: the GGB step gives k1/k2, then SEG runs on the adjusted
// counts. Migration should normally be set alike in both.
type GGBSEGOptions struct {
	GGB GGBOptions // defaults: ages 5–80
	SEG SEGOptions // defaults: ages 25–60
}

// GGBSEGResult is the outcome of GGBSEG.
type GGBSEGResult struct {
	GGB GGBResult
	SEG SEGResult // SEG on the first count divided by GGB's k1/k2
	// Completeness relative to the second count (whose coverage the first count was scaled
	// to), as in the IUSSP Tools and DDMethods.
	Completeness float64
	// CompletenessVsBetterCount rescales Completeness to the more complete of the two counts,
	// the reference of GGBResult.Completeness.
	CompletenessVsBetterCount float64
}

// GGBSEG runs the hybrid method of Hill, You and Choi (2009): the General Growth Balance
// estimates the relative coverage k1/k2 of the two counts, the first count is rescaled to the
// coverage of the second, and SEG then estimates completeness from the adjusted counts.
func GGBSEG(in Intercensal, opt GGBSEGOptions) (GGBSEGResult, error) {
	g, err := GeneralGrowthBalance(in, opt.GGB)
	if err != nil {
		return GGBSEGResult{}, fmt.Errorf("ggb-seg: %w", err)
	}
	adj := in
	adj.Pop1 = make([]float64, len(in.Pop1))
	for i, v := range in.Pop1 {
		adj.Pop1[i] = v / g.K1OverK2
	}
	p, err := ddmPrepare(adj, opt.SEG.Migration)
	if err != nil {
		return GGBSEGResult{}, fmt.Errorf("ggb-seg: %w", err)
	}
	s, err := ddmSEG(p, opt.SEG)
	if err != nil {
		return GGBSEGResult{}, fmt.Errorf("ggb-seg: %w", err)
	}
	return GGBSEGResult{GGB: g, SEG: s, Completeness: s.Completeness,
		CompletenessVsBetterCount: s.Completeness * g.K2}, nil
}

// Coale–Demeny West model life tables (Coale and Demeny 1966; 2nd ed. 1983), built from the
// published regressions of nqx on e10, ages 0, 1, 5, …, 75: a linear equation nqx = A + B·e10
// and a logarithmic one log10(10⁴·nqx) = A1 + B1·e10, with the 1983 rule for choosing between
// them; above 80 the Gompertz extension of the 1983 edition, from the hazard at 77.5 to
// m(105) = 0.613 + 1.75·q75. Coefficients as tabulated in demogR::cdmltw and
// timriffe/DDM:R/cdmltw.R.
type cdWestCoef struct{ a, b, a1, b1 [17]float64 }

var cdWest = map[Sex]cdWestCoef{
	Female: {
		a: [17]float64{.53774, .39368, .10927, .08548, .10979, .1358, .15134, .17032, .18464,
			.1939, .20138, .2535, .31002, .43445, .53481, .69394, .84589},
		b: [17]float64{-.008044, -.006162, -.001686, -.00132, -.001672, -.002051, -.002276, -.002556,
			-.002745, -.002828, -.002831, -.003487, -.004118, -.005646, -.00646, -.007713, -.008239},
		a1: [17]float64{5.8992, 7.4576, 6.2018, 5.9627, 5.9335, 5.9271, 5.8145, 5.6578, 5.3632,
			4.96, 4.5275, 4.4244, 4.3131, 4.3439, 4.2229, 4.1838, 4.1294},
		b1: [17]float64{-.05406, -.08834, -.0741, -.07181, -.06812, -.06577, -.06262, -.05875,
			-.05232, -.0438, -.03436, -.03004, -.02554, -.02295, -.01773, -.01376, -.00978},
	},
	Male: {
		a: [17]float64{.63726, .40548, .10393, .07435, .09880, .14009, .15785, .18260, .21175,
			.25049, .27894, .33729, .38425, .48968, .59565, .73085, .98976},
		b: [17]float64{-.009958, -.006653, -.001662, -.001183, -.001539, -.002183, -.002479,
			-.002875, -.003312, -.003864, -.004158, -.004856, -.005190, -.006300, -.007101,
			-.007911, -.008695},
		a1: [17]float64{5.8061, 7.1062, 5.4472, 5.0654, 4.8700, 5.0677, 5.2660, 5.3438, 5.2792,
			5.0415, 4.6666, 4.4506, 4.2202, 4.1851, 4.1249, 4.1051, 4.1133},
		b1: [17]float64{-.05338, -.08559, -.06295, -.05817, -.05070, -.05156, -.05471, -.05511,
			-.05229, -.04573, -.03637, -.02961, -.02256, -.01891, -.01491, -.01161, -.00895},
	},
}

// cdWestE10 is the e10 range of West levels 1 (female e0 = 20) to 25 (female e0 = 80), as
// used by demogR and DDM; the model is not extrapolated beyond it.
var cdWestE10 = map[Sex][2]float64{
	Female: {21.40560, 78.62524},
	Male:   {21.86420, 74.16678},
}

// cdWestTable is the part of a West table the SEG needs.
type cdWestTable struct {
	ratio float64    // 30d10 / 20d40
	e     [8]float64 // life expectancy at 60, 65, …, 95
}

func cdWestModel(sex Sex, e10 float64) cdWestTable { return cdWestTableOf(sex, e10, true) }

// cdWestTableOf computes the model table; without the tail it gives only the
// ratio of deaths, all the bisection of cdWestOpenAgeE needs (the tail's
// integrals are most of the cost).
func cdWestTableOf(sex Sex, e10 float64, withTail bool) cdWestTable {
	c := cdWest[sex]
	var q [17]float64
	for i := range q {
		lin := c.a[i] + c.b[i]*e10
		lg := math.Pow(10, c.a1[i]+c.b1[i]*e10) / 1e4
		check := c.b[i] / c.b1[i] / math.Ln10 / lg
		switch {
		case lin <= lg && check < 1:
			q[i] = lin
		case lin <= lg:
			q[i] = lg
		default:
			q[i] = (lin + lg) / 2
		}
	}
	// l at ages 0, 1, 5, …, 80 (index 17 is age 80).
	var l [18]float64
	l[0] = 1
	for i := 0; i < 17; i++ {
		l[i+1] = l[i] * (1 - q[i])
	}
	var t cdWestTable
	var young, old float64
	for i := 3; i <= 8; i++ { // ages 10..35
		young += l[i] * q[i]
	}
	for i := 9; i <= 12; i++ { // ages 40..55
		old += l[i] * q[i]
	}
	t.ratio = young / old
	if !withTail {
		return t
	}

	// Gompertz tail from 80.
	l75, q75 := l[16], q[16]
	nL75 := 5*l75*(1-q75) + 2.5*l75*q75
	m77 := l75 * q75 / nL75
	m105 := 0.613 + 1.75*q75
	kappa := math.Log(m105/m77) / 27.5
	m80 := m77 * math.Exp(2.5*kappa)
	surv := func(x float64) float64 { // l(80+x)/l(80)
		return math.Exp(-m80 / kappa * math.Expm1(kappa*x))
	}
	// person-years above 80+x by Simpson's rule to age 140 (l is below 1e-12 well before).
	tail := func(x0 float64) float64 {
		const h = 0.05
		steps := int((60 - x0) / h)
		if steps%2 == 1 {
			steps++
		}
		s := surv(x0) + surv(x0+float64(steps)*h)
		for j := 1; j < steps; j++ {
			w := 2.0
			if j%2 == 1 {
				w = 4
			}
			s += w * surv(x0+float64(j)*h)
		}
		return s * h / 3
	}
	l80 := l[17]
	t80 := l80 * tail(0)
	for j := 4; j < 8; j++ { // 80, 85, 90, 95
		x := float64(5 * (j - 4))
		t.e[j] = tail(x) / surv(x)
	}
	// 60..75 with the 1983 separation factors (2.6 years for 10–74, 2.5 for 75–79).
	tx := t80
	for j := 3; j >= 0; j-- {
		i := 13 + j // index of age 60 + 5j in q and l
		ax := 2.6
		if i == 16 {
			ax = 2.5
		}
		tx += 5*l[i+1] + ax*l[i]*q[i]
		t.e[j] = tx / l[i]
	}
	return t
}

// cdWestOpenAgeE returns e(open) of the West table whose 30d10/20d40 ratio equals ratio.
func cdWestOpenAgeE(sex Sex, ratio float64, open int) (float64, bool, error) {
	if sex == BothSexes {
		em, cm, err := cdWestOpenAgeE(Male, ratio, open)
		if err != nil {
			return 0, false, err
		}
		ef, cf, err := cdWestOpenAgeE(Female, ratio, open)
		if err != nil {
			return 0, false, err
		}
		return (em + ef) / 2, cm || cf, nil
	}
	rng, ok := cdWestE10[sex]
	if !ok {
		return 0, false, fmt.Errorf("sex must be Male, Female or BothSexes for the Coale–Demeny West open-age estimate, got %d", uint8(sex))
	}
	j := (open - 60) / 5
	// The ratio falls as mortality falls (e10 rises).
	lo, hi := rng[0], rng[1]
	tlo, thi := cdWestTableOf(sex, lo, false), cdWestTableOf(sex, hi, false)
	switch {
	case ratio >= tlo.ratio:
		return cdWestModel(sex, lo).e[j], true, nil
	case ratio <= thi.ratio:
		return cdWestModel(sex, hi).e[j], true, nil
	}
	for it := 0; it < 60; it++ {
		mid := (lo + hi) / 2
		if cdWestTableOf(sex, mid, false).ratio > ratio {
			lo = mid
		} else {
			hi = mid
		}
	}
	return cdWestModel(sex, (lo+hi)/2).e[j], false, nil
}
