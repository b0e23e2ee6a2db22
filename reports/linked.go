package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CheckLinked checks tables that publish the same count: a cell of one mart
// and year at the same coordinates, such as the deaths of an age group of
// both sexes in the nation, which is the row total of deaths by age × sex
// and of deaths by age × province. Each table is protected alone, so such a
// cell must be published alike everywhere: with the same value, shown in
// all or suppressed in all, and when suppressed, the ranges each table
// allows must still leave it MinRange wide where they overlap. (That last
// check intersects the ranges; it does not solve the tables together.)
func CheckLinked(tables []*Published) error {
	type seen struct {
		p   *Published
		pos CellPos
	}
	at := map[string][]seen{}
	for _, p := range tables {
		for i, row := range p.Protected.Grid {
			for j := range row {
				if k, ok := p.coordinates(i, j); ok {
					at[k] = append(at[k], seen{p, CellPos{i, j}})
				}
			}
		}
	}
	bounds := map[*Published]map[CellPos]CellRange{}
	for _, k := range slices.Sorted(maps.Keys(at)) {
		s := at[k]
		if len(s) < 2 {
			continue
		}
		first := s[0].p.Protected.Grid[s[0].pos.Row][s[0].pos.Col]
		lo, hi := int64(0), int64(-1) // hi < 0: no upper bound yet
		for _, x := range s {
			c := x.p.Protected.Grid[x.pos.Row][x.pos.Col]
			// status first: a suppressed cell holds no value to compare
			if c.Suppressed() != first.Suppressed() {
				return fmt.Errorf("%s is suppressed in one of %s and %s and shown in the other, which gives it away",
					k, s[0].p.Tab.ID, x.p.Tab.ID)
			}
			if !c.Suppressed() {
				if c.Value != first.Value {
					return fmt.Errorf("%s: %d in %s, %d in %s", k, first.Value, s[0].p.Tab.ID, c.Value, x.p.Tab.ID)
				}
				continue
			}
			if bounds[x.p] == nil {
				b, err := AttackBounds(x.p.Protected)
				if err != nil {
					return fmt.Errorf("%s: %w", x.p.Tab.ID, err)
				}
				bounds[x.p] = b
			}
			r := bounds[x.p][x.pos]
			lo = max(lo, r.Min)
			if !r.Unbounded && (hi < 0 || r.Max < hi) {
				hi = r.Max
			}
		}
		if first.Suppressed() && hi >= 0 && hi-lo < max(s[0].p.Protected.MinRange, 1) {
			return fmt.Errorf("%s is suppressed in each of %d tables, but together they narrow it to %d..%d", k, len(s), lo, hi)
		}
	}
	return nil
}

// coordinates names grid cell (i, j) by its mart, year and the mart's
// category columns, or reports false for a margin the mart has no category
// for (a tabulation without RowTotal or ColTotal).
func (p *Published) coordinates(i, j int) (string, bool) {
	c := maps.Clone(p.Tab.Fixed)
	if c == nil {
		c = map[string]string{}
	}
	for _, d := range []struct {
		col, total string
		cats       []string
		k          int
	}{{p.Tab.Row, p.Tab.RowTotal, p.Rows, i}, {p.Tab.Col, p.Tab.ColTotal, p.Cols, j}} {
		switch {
		case d.k < len(d.cats):
			c[d.col] = d.cats[d.k]
		case d.total == "":
			return "", false
		default:
			c[d.col] = d.total
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", p.Tab.Mart, p.Year)
	for _, k := range slices.Sorted(maps.Keys(c)) {
		fmt.Fprintf(&b, " %s=%s", k, c[k])
	}
	return b.String(), true
}
