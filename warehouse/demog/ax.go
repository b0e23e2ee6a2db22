package demog

import (
	"fmt"
	"math"
)

// AxRule says how a life table gets nax, the mean years lived in a closed group by those who
// die in it. The open group always gets 1/M.
type AxRule uint8

const (
	// AxHalf puts nax = n/2 in every closed group (deaths spread evenly). The default.
	AxHalf AxRule = iota
	// AxGiven takes nax from Options.Ax (observed values, or a published table's).
	AxGiven
	// AxUN is the rule of the UN model life tables (1982) and MortPak: a0 and 4a1 from the
	// Coale-Demeny West equations on q0 (constant branch when q0 ≥ 0.1), 2.5 for 5-9 and
	// 10-14, and Greville's formula for every closed group from 15, the last one using the
	// open group's rate as its upper neighbour. It needs groups 0, 1-4, then 5-year groups.
	AxUN
	// AxCoaleDemeny is the PAS (US Census Bureau) rule: a0 and 4a1 from the Coale-Demeny
	// equations of Options.Region on q0 (constant branch when q0 > 0.1; q0 is Options.IMR if
	// given, else solved from M0), n/2 elsewhere. It needs a first group 0; 4a1 is used when
	// the second group is 1-4.
	AxCoaleDemeny
	// AxPreston is Preston, Heuveline & Guillot (2001) Table 3.3: the Coale-Demeny West
	// equations on m0 (constant branch when m0 ≥ 0.107), n/2 elsewhere.
	AxPreston
	// AxAndreevKingkade is the Human Mortality Database rule (Methods Protocol v6): a0 from
	// m0 by Andreev & Kingkade (2015), n/2 elsewhere (0.5 for single years).
	AxAndreevKingkade
)

// Region is a Coale-Demeny model life table family.
type Region uint8

// The zero Region is West, the family of the UN rule.
const (
	West Region = iota
	North
	South
	East
)

func (r Region) String() string {
	switch r {
	case West:
		return "west"
	case North:
		return "north"
	case South:
		return "south"
	case East:
		return "east"
	}
	return fmt.Sprintf("Region(%d)", uint8(r))
}

// cdCoef holds one row of the Coale-Demeny separation-factor equations: the constant used
// above the q0 threshold, else intercept + slope·q0 (slope negative for 4a1).
type cdCoef struct{ constant, intercept, slope float64 }

// Coale & Demeny (1966), as tabulated in UN Manual X (1983) Table 164 and used by PAS
// LTPOPDTH.XLS; indexed [region][sex-1].
var (
	cdA0 = [4][2]cdCoef{
		West:  {{0.33, 0.0425, 2.875}, {0.35, 0.05, 3.0}},
		North: {{0.33, 0.0425, 2.875}, {0.35, 0.05, 3.0}},
		South: {{0.33, 0.0425, 2.875}, {0.35, 0.05, 3.0}},
		East:  {{0.29, 0.0025, 2.875}, {0.31, 0.01, 3.0}},
	}
	cdA1 = [4][2]cdCoef{
		West:  {{1.352, 1.653, -3.013}, {1.361, 1.524, -1.627}},
		North: {{1.558, 1.859, -3.013}, {1.570, 1.733, -1.627}},
		South: {{1.240, 1.541, -3.013}, {1.239, 1.402, -1.627}},
		East:  {{1.313, 1.614, -3.013}, {1.324, 1.487, -1.627}},
	}
)

func checkRuleArgs(what string, sex Sex, v float64) error {
	if !sex.valid() {
		return fmt.Errorf("%s: sex %v is neither Male nor Female", what, sex)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("%s: rate %v is not a non-negative number", what, v)
	}
	return nil
}

// coaleDemeny evaluates the a0 and 4a1 equations; orEqual switches to the constant branch
// at q0 = 0.1 itself (UN) rather than only above it (PAS).
func coaleDemeny(region Region, sex Sex, q0 float64, orEqual bool) (a0, a1 float64, err error) {
	if err := checkRuleArgs("Coale-Demeny a0", sex, q0); err != nil {
		return 0, 0, err
	}
	if region > East {
		return 0, 0, fmt.Errorf("Coale-Demeny a0: unknown region %v", region)
	}
	c0, c1 := cdA0[region][sex-1], cdA1[region][sex-1]
	if q0 > 0.1 || (orEqual && q0 == 0.1) {
		return c0.constant, c1.constant, nil
	}
	return c0.intercept + c0.slope*q0, c1.intercept + c1.slope*q0, nil
}

// CoaleDemenyAx returns 1a0 and 4a1 from 1q0 by the Coale-Demeny equations of region, with
// the constant branch for q0 > 0.1 as in PAS.
func CoaleDemenyAx(region Region, sex Sex, q0 float64) (a0, a1 float64, err error) {
	return coaleDemeny(region, sex, q0, false)
}

// UNChildAx returns 1a0 and 4a1 as the UN rule (AxUN) sets them from 1q0: the Coale-Demeny
// West equations, with the constant branch from q0 = 0.1 on. A 4q1 given with q0 turns back
// into the table's 4M1 = 4q1 / (4 − (4 − 4a1)·4q1).
func UNChildAx(sex Sex, q0 float64) (a0, a1 float64, err error) {
	return coaleDemeny(West, sex, q0, true)
}

// CoaleDemenyQ0 solves 1q0 from M0 when no IMR is known, so that q0 = M0/(1+(1−a0)·M0) with
// a0 on the linear branch of region's equation (the quadratic used by PAS).
func CoaleDemenyQ0(region Region, sex Sex, m0 float64) (float64, error) {
	if err := checkRuleArgs("Coale-Demeny q0", sex, m0); err != nil {
		return 0, err
	}
	if region > East {
		return 0, fmt.Errorf("Coale-Demeny q0: unknown region %v", region)
	}
	if m0 == 0 {
		return 0, nil
	}
	c := cdA0[region][sex-1]
	a := m0 * c.slope
	b := 1 + m0*(1-c.intercept)
	return (b - math.Sqrt(b*b-4*a*m0)) / (2 * a), nil
}

// PrestonAx returns 1a0 and 4a1 from m0 by Preston, Heuveline & Guillot (2001) Table 3.3.
func PrestonAx(sex Sex, m0 float64) (a0, a1 float64, err error) {
	if err := checkRuleArgs("Preston a0", sex, m0); err != nil {
		return 0, 0, err
	}
	high := m0 >= 0.107
	switch {
	case sex == Male && high:
		return 0.330, 1.352, nil
	case sex == Male:
		return 0.045 + 2.684*m0, 1.651 - 2.816*m0, nil
	case high:
		return 0.350, 1.361, nil
	default:
		return 0.053 + 2.800*m0, 1.522 - 1.518*m0, nil
	}
}

// AndreevKingkadeA0 returns 1a0 from m0 by the segmented model of Andreev & Kingkade (2015)
// used by the Human Mortality Database (Methods Protocol v6). The male middle slope is
// 3.26021, the value in HMD's code that joins the last segment continuously.
func AndreevKingkadeA0(sex Sex, m0 float64) (float64, error) {
	if err := checkRuleArgs("Andreev-Kingkade a0", sex, m0); err != nil {
		return 0, err
	}
	if sex == Male {
		switch {
		case m0 < 0.02300:
			return 0.14929 - 1.99545*m0, nil
		case m0 < 0.08307:
			return 0.02832 + 3.26021*m0, nil
		}
		return 0.29915, nil
	}
	switch {
	case m0 < 0.01724:
		return 0.14903 - 2.05527*m0, nil
	case m0 < 0.06891:
		return 0.04667 + 3.88089*m0, nil
	}
	return 0.31411, nil
}

// AndreevKingkadeA0FromQ0 returns 1a0 from 1q0 by the q0 form of Andreev & Kingkade (2015),
// for when only the infant mortality rate is known.
func AndreevKingkadeA0FromQ0(sex Sex, q0 float64) (float64, error) {
	if err := checkRuleArgs("Andreev-Kingkade a0", sex, q0); err != nil {
		return 0, err
	}
	if sex == Male {
		switch {
		case q0 < 0.0226:
			return 0.1493 - 2.0367*q0, nil
		case q0 < 0.0785:
			return 0.0244 + 3.4994*q0, nil
		}
		return 0.2991, nil
	}
	switch {
	case q0 < 0.0170:
		return 0.1490 - 2.0867*q0, nil
	case q0 < 0.0658:
		return 0.0438 + 4.1075*q0, nil
	}
	return 0.3141, nil
}

// greville returns nax = n/2 − (n²/12)·(M − k), k = ln(M₊/M₋)/(2n), from a group's rate and
// its neighbours' (Greville 1943, as in the UN model life tables). It falls back to n/2 when
// a neighbour's rate is 0 or the result leaves (0, n), which happens only with erratic rates.
func greville(n, m, prev, next float64) float64 {
	if prev > 0 && next > 0 {
		k := math.Log(next/prev) / (2 * n)
		a := n/2 - n*n/12*(m-k)
		if a > 0 && a < n {
			return a
		}
	}
	return n / 2
}

// separationFactors returns nax for every group under opt.Rule; the open group's entry is
// left for the caller (1/M).
func separationFactors(groups []Group, mx []float64, opt Options) ([]float64, error) {
	ax := make([]float64, len(groups))
	for i, g := range groups {
		ax[i] = float64(g.Width) / 2
	}
	infant := groups[0] == Group{0, 1}
	child := infant && len(groups) > 1 && groups[1] == Group{1, 4}
	needInfant := func(rule string) error {
		if !infant {
			return fmt.Errorf("nax rule %s needs a first age group 0-0, got %v", rule, groups[0])
		}
		return nil
	}
	// q0 for the q0-based rules: the IMR if given, else the Coale-Demeny solution from M0.
	q0 := func(region Region) (float64, error) {
		if opt.IMR > 0 {
			return opt.IMR, nil
		}
		return CoaleDemenyQ0(region, opt.Sex, mx[0])
	}

	switch opt.Rule {
	case AxHalf:
	case AxGiven:
		if len(opt.Ax) != len(groups) {
			return nil, fmt.Errorf("given nax has %d values for %d age groups", len(opt.Ax), len(groups))
		}
		for i, g := range groups {
			a := opt.Ax[i]
			if g.Open() {
				continue
			}
			if math.IsNaN(a) || a < 0 || a > float64(g.Width) {
				return nil, fmt.Errorf("given nax[%d] = %v is outside [0, %d] for group %v", i, a, g.Width, g)
			}
			ax[i] = a
		}
	case AxUN:
		if !child {
			return nil, fmt.Errorf("nax rule UN needs age groups 0, 1-4, 5-9, …; got %v, %v", groups[0], groups[min(1, len(groups)-1)])
		}
		for _, g := range groups[2:] {
			if !g.Open() && g.Width != 5 {
				return nil, fmt.Errorf("nax rule UN needs 5-year groups from age 5; got %v", g)
			}
		}
		q, err := q0(West)
		if err != nil {
			return nil, err
		}
		if ax[0], ax[1], err = coaleDemeny(West, opt.Sex, q, true); err != nil {
			return nil, err
		}
		for i, g := range groups {
			if g.Open() || g.Start < 15 {
				continue
			}
			ax[i] = greville(float64(g.Width), mx[i], mx[i-1], mx[i+1])
		}
	case AxCoaleDemeny:
		if err := needInfant("Coale-Demeny"); err != nil {
			return nil, err
		}
		q, err := q0(opt.Region)
		if err != nil {
			return nil, err
		}
		a0, a1, err := CoaleDemenyAx(opt.Region, opt.Sex, q)
		if err != nil {
			return nil, err
		}
		ax[0] = a0
		if child {
			ax[1] = a1
		}
	case AxPreston:
		if err := needInfant("Preston"); err != nil {
			return nil, err
		}
		a0, a1, err := PrestonAx(opt.Sex, mx[0])
		if err != nil {
			return nil, err
		}
		ax[0] = a0
		if child {
			ax[1] = a1
		}
	case AxAndreevKingkade:
		if err := needInfant("Andreev-Kingkade"); err != nil {
			return nil, err
		}
		a0, err := AndreevKingkadeA0(opt.Sex, mx[0])
		if err != nil {
			return nil, err
		}
		ax[0] = a0
	default:
		return nil, fmt.Errorf("unknown nax rule %d", opt.Rule)
	}
	return ax, nil
}
