package demog

import (
	"fmt"
	"math"
	"slices"
)

// Sex selects the sex-specific coefficients of the a0 and 4a1 rules.
type Sex uint8

// The zero Sex is invalid on purpose: a rule that depends on sex must be told which.
const (
	Male Sex = iota + 1
	Female
)

func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return fmt.Sprintf("Sex(%d)", uint8(s))
}

func (s Sex) valid() bool { return s == Male || s == Female }

// Group is an age interval [Start, Start+Width) in completed years. Width 0 marks the open
// interval Start+, which must be the last group of a life table.
type Group struct {
	Start int
	Width int
}

// Open reports whether g is the open last interval.
func (g Group) Open() bool { return g.Width == 0 }

func (g Group) String() string {
	switch g.Width {
	case 0:
		return fmt.Sprintf("%d+", g.Start)
	case 1:
		return fmt.Sprintf("%d", g.Start)
	}
	return fmt.Sprintf("%d-%d", g.Start, g.Start+g.Width-1)
}

// AbridgedGroups returns the standard abridged groups 0, 1-4, 5-9, …, open+.
// open must be a multiple of 5 and at least 5.
func AbridgedGroups(open int) ([]Group, error) {
	if open < 5 || open%5 != 0 {
		return nil, fmt.Errorf("abridged groups: open age %d is not a multiple of 5 from 5", open)
	}
	g := []Group{{0, 1}, {1, 4}}
	for x := 5; x < open; x += 5 {
		g = append(g, Group{x, 5})
	}
	return append(g, Group{open, 0}), nil
}

// SingleYearGroups returns 0, 1, …, open-1 and open+.
func SingleYearGroups(open int) ([]Group, error) {
	if open < 1 {
		return nil, fmt.Errorf("single-year groups: open age %d is below 1", open)
	}
	g := make([]Group, 0, open+1)
	for x := range open {
		g = append(g, Group{x, 1})
	}
	return append(g, Group{open, 0}), nil
}

// checkAgeGroups rejects gaps, overlaps, negative starts and open groups anywhere but last.
// needOpen says whether the last group must be open (life tables) or must not be (rates
// summed over widths, as in fertility).
func checkAgeGroups(groups []Group, needOpen bool) error {
	if len(groups) == 0 {
		return fmt.Errorf("no age groups")
	}
	if groups[0].Start < 0 {
		return fmt.Errorf("age group %v starts below 0", groups[0])
	}
	for i, g := range groups {
		last := i == len(groups)-1
		switch {
		case g.Width < 0:
			return fmt.Errorf("age group %d (start %d) has negative width %d", i, g.Start, g.Width)
		case g.Open() && !last:
			return fmt.Errorf("open age group %v is not the last group", g)
		case g.Open() && !needOpen:
			return fmt.Errorf("open age group %v is not allowed here: give its width", g)
		case last && needOpen && !g.Open():
			return fmt.Errorf("last age group %v is not open: a life table must end with an open interval", g)
		}
		if i > 0 {
			prev := groups[i-1]
			if prev.Start+prev.Width != g.Start {
				return fmt.Errorf("age groups not contiguous: %v is followed by %v", prev, g)
			}
		}
	}
	return nil
}

// checkNonNegative rejects a wrong length and any NaN, infinite or negative value.
func checkNonNegative(name string, v []float64, n int) error {
	if len(v) != n {
		return fmt.Errorf("%s has %d values for %d age groups", name, len(v), n)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] is %v", name, i, x)
		}
		if x < 0 {
			return fmt.Errorf("%s[%d] = %v is negative", name, i, x)
		}
	}
	return nil
}

// DefaultRadix is l0 when Options.Radix is 0.
const DefaultRadix = 100000

// Options choose the separation factors and the radix of a life table. The zero value gives
// nax = n/2 in every closed group and radix 100000.
type Options struct {
	// Sex selects the coefficients of the a0/4a1 rules; required by AxUN, AxCoaleDemeny,
	// AxPreston and AxAndreevKingkade.
	Sex Sex
	// Radix is l0; 0 means DefaultRadix.
	Radix float64
	// Rule picks how nax is obtained for the closed groups.
	Rule AxRule
	// Ax holds the given nax for AxGiven, one per group; the open group's value is ignored
	// (it is always 1/M).
	Ax []float64
	// Region picks the Coale-Demeny family for AxCoaleDemeny.
	Region Region
	// IMR, when positive, is used as 1q0 instead of the value implied by M0, as the US Census
	// Bureau's PAS spreadsheets do; the q0-based a0/4a1 rules then use it too. It needs a
	// first group [0,1).
	IMR float64
	// OpenEx, when positive, is the life expectancy at the start of the open group from a
	// model (Gompertz.LifeExpectancy) instead of 1/M: the open group then gets Mx = 1/OpenEx,
	// so that nLx = lx/Mx still holds.
	OpenEx float64
}

// LifeTable is a period life table by age group. Columns run parallel to Groups. The open
// interval closes with qx = 1 and nLx = lx/Mx, so its ex is 1/Mx (Options.OpenEx when given).
type LifeTable struct {
	Groups []Group
	Radix  float64
	// Mx is the death rate. With Options.IMR it is the rate implied by the table at age 0
	// (d0/L0), not the input M0.
	Mx []float64
	Ax []float64 // nax: mean years lived in the group by those dying in it
	Qx []float64 // nqx: probability of dying in the group
	Px []float64 // npx = 1 - nqx
	Lx []float64 // lx: survivors to the group's start (lower-case l in the literature)
	Dx []float64 // ndx: deaths in the group
	// NLx is nLx, the person-years lived in the group (upper-case L in the literature).
	NLx []float64
	Tx  []float64 // person-years lived above the group's start
	// Ex is life expectancy at the group's start; NaN where lx is 0 (no survivors).
	Ex []float64
}

// NewLifeTable builds a life table from death rates nMx, one per group; the last group must
// be open and have a positive rate. nqx = n·M/(1+(n−a)·M), capped at 1 (a closed group
// whose rate is too high for its nax then closes the table like an open one, with
// nax = 1/M).
func NewLifeTable(groups []Group, mx []float64, opt Options) (*LifeTable, error) {
	if err := checkAgeGroups(groups, true); err != nil {
		return nil, fmt.Errorf("life table: %w", err)
	}
	if err := checkNonNegative("mx", mx, len(groups)); err != nil {
		return nil, fmt.Errorf("life table: %w", err)
	}
	radix := opt.Radix
	if radix == 0 {
		radix = DefaultRadix
	}
	if !(radix > 0) || math.IsInf(radix, 0) {
		return nil, fmt.Errorf("life table: radix %v is not a positive number", radix)
	}
	if opt.OpenEx != 0 && !(opt.OpenEx > 0 && !math.IsInf(opt.OpenEx, 0)) {
		return nil, fmt.Errorf("life table: open-group life expectancy %v is not a positive number", opt.OpenEx)
	}
	if opt.IMR != 0 {
		if !(opt.IMR > 0 && opt.IMR < 1) {
			return nil, fmt.Errorf("life table: IMR %v is not a probability in (0,1)", opt.IMR)
		}
		if groups[0] != (Group{0, 1}) {
			return nil, fmt.Errorf("life table: IMR given but the first group is %v, not 0-0", groups[0])
		}
	}
	if opt.OpenEx > 0 {
		// The model's rate also serves as the upper neighbour of the last closed group's nax.
		mx = slices.Clone(mx)
		mx[len(mx)-1] = 1 / opt.OpenEx
	}
	ax, err := separationFactors(groups, mx, opt)
	if err != nil {
		return nil, fmt.Errorf("life table: %w", err)
	}

	n := len(groups)
	cols := make([]float64, 7*n)
	lt := &LifeTable{
		Groups: slices.Clone(groups),
		Radix:  radix,
		Mx:     slices.Clone(mx),
		Ax:     ax,
		Qx:     cols[0*n : 1*n],
		Px:     cols[1*n : 2*n],
		Lx:     cols[2*n : 3*n],
		Dx:     cols[3*n : 4*n],
		NLx:    cols[4*n : 5*n],
		Tx:     cols[5*n : 6*n],
		Ex:     cols[6*n : 7*n],
	}
	l := radix
	for i, g := range groups {
		m := mx[i]
		lt.Lx[i] = l
		if g.Open() {
			if !(m > 0) {
				return nil, fmt.Errorf("life table: open group %v has rate %v; it needs a positive rate to close the table", g, m)
			}
			lt.Qx[i], lt.Ax[i], lt.Dx[i], lt.NLx[i] = 1, 1/m, l, l/m
			break
		}
		w, a := float64(g.Width), ax[i]
		var q float64
		if i == 0 && opt.IMR > 0 {
			q = opt.IMR
		} else {
			q = w * m / (1 + (w-a)*m)
		}
		if q >= 1 {
			// Everyone left dies in this group: L = d/M keeps the identity M = d/L.
			q, a = 1, 1/m
			lt.Ax[i] = a
		}
		d := l * q
		lt.Qx[i], lt.Dx[i] = q, d
		l -= d
		lt.NLx[i] = w*l + a*d
		if i == 0 && opt.IMR > 0 && lt.NLx[0] > 0 {
			lt.Mx[0] = d / lt.NLx[0]
		}
	}
	t := 0.0
	for i := n - 1; i >= 0; i-- {
		t += lt.NLx[i]
		lt.Tx[i] = t
		lt.Px[i] = 1 - lt.Qx[i]
		if lt.Lx[i] > 0 {
			lt.Ex[i] = t / lt.Lx[i]
		} else {
			lt.Ex[i] = math.NaN()
		}
	}
	return lt, nil
}

// LifeTableFromDeaths builds a life table from deaths and person-years of exposure, with
// nMx = deaths/exposures. A closed group with no exposure and no deaths gets rate 0; one
// with deaths but no exposure is an error.
func LifeTableFromDeaths(groups []Group, deaths, exposures []float64, opt Options) (*LifeTable, error) {
	if err := checkNonNegative("deaths", deaths, len(groups)); err != nil {
		return nil, fmt.Errorf("life table: %w", err)
	}
	if err := checkNonNegative("exposures", exposures, len(groups)); err != nil {
		return nil, fmt.Errorf("life table: %w", err)
	}
	mx := make([]float64, len(groups))
	for i := range mx {
		switch {
		case exposures[i] > 0:
			mx[i] = deaths[i] / exposures[i]
		case deaths[i] > 0:
			return nil, fmt.Errorf("life table: group %d has %v deaths but no exposure", i, deaths[i])
		}
	}
	return NewLifeTable(groups, mx, opt)
}

// groupAt returns the index of the group starting at age.
func (lt *LifeTable) groupAt(age int) (int, error) {
	for i, g := range lt.Groups {
		if g.Start == age {
			return i, nil
		}
	}
	return 0, fmt.Errorf("age %d is not the start of an age group of this life table (%v … %v)",
		age, lt.Groups[0], lt.Groups[len(lt.Groups)-1])
}

// Survivors returns lx at age, which must be the start of a group.
func (lt *LifeTable) Survivors(age int) (float64, error) {
	i, err := lt.groupAt(age)
	if err != nil {
		return 0, err
	}
	return lt.Lx[i], nil
}

// LifeExpectancy returns ex at age (e0, e60, …), which must be the start of a group.
func (lt *LifeTable) LifeExpectancy(age int) (float64, error) {
	i, err := lt.groupAt(age)
	if err != nil {
		return 0, err
	}
	if lt.Lx[i] == 0 {
		return 0, fmt.Errorf("life expectancy at %d: no survivors to that age", age)
	}
	return lt.Ex[i], nil
}

// ProbDying returns nqx = 1 − l(x+n)/l(x), the probability that someone alive at age x dies
// before x+n: ProbDying(15, 45) is 45q15, ProbDying(0, 5) is 5q0. Both ages must start groups.
func (lt *LifeTable) ProbDying(x, n int) (float64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("probability of dying: span %d is not positive", n)
	}
	i, err := lt.groupAt(x)
	if err != nil {
		return 0, fmt.Errorf("probability of dying %dq%d: %w", n, x, err)
	}
	j, err := lt.groupAt(x + n)
	if err != nil {
		return 0, fmt.Errorf("probability of dying %dq%d: %w", n, x, err)
	}
	if lt.Lx[i] == 0 {
		return 0, fmt.Errorf("probability of dying %dq%d: no survivors to age %d", n, x, x)
	}
	return 1 - lt.Lx[j]/lt.Lx[i], nil
}
