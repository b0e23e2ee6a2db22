package refdata

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// WPPMx is one central death rate nMx of UN WPP 2024 for Cambodia, by sex and abridged age
// group, over a period that runs from mid-year PeriodStart to mid-year PeriodEnd (the
// legacy 5-year series: "1995-2000" is mid-1995 to mid-2000). A row whose PeriodEnd equals
// its PeriodStart is the rate of that calendar year (a site's annual file).
type WPPMx struct {
	PeriodStart int
	PeriodEnd   int
	Sex         string // "M" or "F"
	AgeStart    int
	AgeEnd      int // inclusive; -1 for the open group
	Mx          float64
}

// Open reports whether the row is the open age group.
func (m WPPMx) Open() bool { return m.AgeEnd < 0 }

// Mid is the period's midpoint in years whose integer values are mid-years: 1997.5 for
// 1995-2000, 2010 for a calendar-year row 2010-2010.
func (m WPPMx) Mid() float64 { return float64(m.PeriodStart+m.PeriodEnd) / 2 }

// IGMEEstimate is one UN IGME estimate for Cambodia, per 1,000 live births: the median with
// its 90% uncertainty bounds (NaN when the file leaves them empty).
type IGMEEstimate struct {
	Year       int
	Indicator  string // "imr", "u5mr" or "nmr"
	Sex        string // "T": both sexes (the warehouse splits by sex with WPP's ratio)
	Value      float64
	Lower      float64
	Upper      float64
	SourceNote string
}

var (
	wppMxColumns = []string{"period_start", "period_end", "sex", "age_start", "age_end", "mx"}
	igmeColumns  = []string{"year", "indicator", "sex", "value", "lower", "upper", "source_note"}
)

// LoadWPPMx loads WPP 2024's death rates by period, sex and age, from the site's file when
// there is one. Every period and sex must have the same abridged groups 0, 1-4, 5-9 … and an
// open group from 85 or older (a multiple of 5), and the periods of a sex must not overlap.
func (s Source) LoadWPPMx() ([]WPPMx, error) {
	var out []WPPMx
	type cell struct {
		start, end int
		sex        string
	}
	groups := map[cell][]int{} // age starts, in file order
	closed := map[cell]bool{}  // the open group has been read
	lines := map[cell]int{}
	var cells []cell
	err := s.readCSV(FileWPPMx, wppMxColumns, func(f *csvFile) error {
		m := WPPMx{
			PeriodStart: f.int("period_start"),
			PeriodEnd:   f.int("period_end"),
			Sex:         f.oneOf("sex", "M", "F"),
			AgeStart:    f.int("age_start"),
			AgeEnd:      -1,
			Mx:          f.float("mx"),
		}
		if f.str("age_end") != "" {
			m.AgeEnd = f.int("age_end")
		}
		if f.err != nil {
			return nil
		}
		c := cell{m.PeriodStart, m.PeriodEnd, m.Sex}
		if _, ok := groups[c]; !ok {
			cells = append(cells, c)
			lines[c] = f.line()
		}
		switch {
		case m.PeriodEnd < m.PeriodStart:
			f.errorf("period_end", "%d is before period_start %d", m.PeriodEnd, m.PeriodStart)
		case m.Mx < 0:
			f.errorf("mx", "%g is negative", m.Mx)
		case m.Open() && !(m.Mx > 0):
			f.errorf("mx", "the open group needs a positive rate, not %g", m.Mx)
		case closed[c]:
			f.errorf("age_start", "age %d after the open group (period %d-%d, sex %s)", m.AgeStart, m.PeriodStart, m.PeriodEnd, m.Sex)
		case !nextAbridged(groups[c], m):
			f.errorf("age_start", "group %d-%d does not continue the groups 0, 1-4, 5-9 … (period %d-%d, sex %s)",
				m.AgeStart, m.AgeEnd, m.PeriodStart, m.PeriodEnd, m.Sex)
		}
		groups[c] = append(groups[c], m.AgeStart)
		closed[c] = closed[c] || m.Open()
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("refdata: %s: no rates", s.Describe(FileWPPMx))
	}
	// Every period and sex: the same complete set of groups, open at 85 or older.
	var grid []int
	for _, c := range cells {
		g := groups[c]
		if last := g[len(g)-1]; !closed[c] || last < 85 || last%5 != 0 {
			return nil, fmt.Errorf("refdata: %s: line %d: period %d-%d, sex %s ends with age %d; want an open group (empty age_end) from 85 or older",
				s.Describe(FileWPPMx), lines[c], c.start, c.end, c.sex, last)
		}
		if grid == nil {
			grid = g
		} else if !slices.Equal(grid, g) {
			return nil, fmt.Errorf("refdata: %s: line %d: period %d-%d, sex %s has age groups starting %v; the first period has %v",
				s.Describe(FileWPPMx), lines[c], c.start, c.end, c.sex, g, grid)
		}
	}
	for _, sex := range []string{"M", "F"} {
		var ps []cell
		for _, c := range cells {
			if c.sex == sex {
				ps = append(ps, c)
			}
		}
		if len(ps) == 0 {
			return nil, fmt.Errorf("refdata: %s: no rates for sex %s", s.Describe(FileWPPMx), sex)
		}
		sort.Slice(ps, func(i, j int) bool {
			return ps[i].start < ps[j].start || ps[i].start == ps[j].start && ps[i].end < ps[j].end
		})
		for i := 1; i < len(ps); i++ {
			if ps[i].start < ps[i-1].end || ps[i] == ps[i-1] {
				return nil, fmt.Errorf("refdata: %s: line %d: period %d-%d of sex %s overlaps %d-%d",
					s.Describe(FileWPPMx), lines[ps[i]], ps[i].start, ps[i].end, sex, ps[i-1].start, ps[i-1].end)
			}
		}
	}
	return out, nil
}

// nextAbridged reports whether m continues the abridged groups whose starts are prev: 0-0,
// 1-4, then 5-year groups, and an open group.
func nextAbridged(prev []int, m WPPMx) bool {
	want, width := 0, 0
	switch n := len(prev); {
	case n == 1:
		want, width = 1, 3
	case n > 1:
		want, width = prev[n-1]+5, 4
		if prev[n-1] == 1 {
			want = 5
		}
	}
	return m.AgeStart == want && (m.Open() || m.AgeEnd-m.AgeStart == width)
}

// LoadIGME loads UN IGME's infant, under-five and neonatal mortality for Cambodia, from the
// site's file when there is one. Rates are per 1,000 live births, both sexes; the bounds may
// be empty, and must otherwise hold the value; NMR ≤ IMR ≤ U5MR where a year has them.
func (s Source) LoadIGME() ([]IGMEEstimate, error) {
	var out []IGMEEstimate
	type key struct {
		year      int
		indicator string
	}
	seen := map[key]bool{}
	value := map[key]float64{}
	err := s.readCSV(FileIGME, igmeColumns, func(f *csvFile) error {
		e := IGMEEstimate{
			Year:       f.int("year"),
			Indicator:  f.oneOf("indicator", "imr", "u5mr", "nmr"),
			Sex:        f.oneOf("sex", "T"),
			Value:      f.float("value"),
			Lower:      math.NaN(),
			Upper:      math.NaN(),
			SourceNote: f.str("source_note"),
		}
		if f.str("lower") != "" {
			e.Lower = f.float("lower")
		}
		if f.str("upper") != "" {
			e.Upper = f.float("upper")
		}
		if f.err != nil {
			return nil
		}
		switch {
		case !(e.Value > 0 && e.Value < 1000):
			f.errorf("value", "%g is not a rate per 1,000 between 0 and 1,000", e.Value)
		case !math.IsNaN(e.Lower) && !(e.Lower > 0 && e.Lower <= e.Value):
			f.errorf("lower", "%g is not in (0, value %g]", e.Lower, e.Value)
		case !math.IsNaN(e.Upper) && !(e.Upper >= e.Value && e.Upper < 1000):
			f.errorf("upper", "%g is not in [value %g, 1000)", e.Upper, e.Value)
		}
		k := key{e.Year, e.Indicator}
		if seen[k] {
			f.errorf("indicator", "a second %s for %d", e.Indicator, e.Year)
		}
		seen[k] = true
		value[k] = e.Value
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if e.Indicator != "imr" {
			continue
		}
		if n, ok := value[key{e.Year, "nmr"}]; ok && n > e.Value {
			return nil, fmt.Errorf("refdata: %s: %d: NMR %g exceeds IMR %g", s.Describe(FileIGME), e.Year, n, e.Value)
		}
		if u, ok := value[key{e.Year, "u5mr"}]; ok && u < e.Value {
			return nil, fmt.Errorf("refdata: %s: %d: U5MR %g is below IMR %g", s.Describe(FileIGME), e.Year, u, e.Value)
		}
	}
	return out, nil
}
