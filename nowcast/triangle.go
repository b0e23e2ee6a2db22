// Package nowcast estimates the eventual count of recent reference periods
// whose registrations are still arriving, by the method of the R package
// baselinenowcast (epinowcast/baselinenowcast, MIT): a delay distribution
// estimated from a reporting triangle by the multiplicative chain ladder, a
// point nowcast by the "modified expectation" of each missing cell, and
// prediction intervals from the errors of retrospective nowcasts, fitted by a
// negative binomial per horizon. docs/methods.md (section "Nowcasting")
// describes the method and its sources; testdata/ holds the published cases
// the tests reproduce.
//
// A Triangle has one row per reference period, oldest first, and one column
// per delay 0..D (in periods); a cell not yet reported is NaN (R's NA).
package nowcast

import (
	"errors"
	"fmt"
	"math"
)

// Triangle is a reporting triangle: Triangle[r][d] is the count of reference
// period r reported with a delay of d periods, NaN when not yet reported.
type Triangle [][]float64

// Missing is the value of a cell not yet reported.
var Missing = math.NaN()

// IsMissing reports whether a cell is not yet reported.
func IsMissing(v float64) bool { return math.IsNaN(v) }

// Validate checks that t is a non-empty rectangle of finite or missing cells.
func (t Triangle) Validate() error {
	if len(t) == 0 {
		return errors.New("nowcast: the reporting triangle has no rows")
	}
	nc := len(t[0])
	if nc == 0 {
		return errors.New("nowcast: the reporting triangle has no delay columns")
	}
	for r, row := range t {
		if len(row) != nc {
			return fmt.Errorf("nowcast: row %d of the reporting triangle has %d delays, row 0 has %d", r, len(row), nc)
		}
		for d, v := range row {
			if math.IsInf(v, 0) {
				return fmt.Errorf("nowcast: cell (%d, %d) of the reporting triangle is infinite", r, d)
			}
		}
	}
	return nil
}

// Rows is the number of reference periods; MaxDelay is D (columns - 1).
func (t Triangle) Rows() int     { return len(t) }
func (t Triangle) MaxDelay() int { return len(t[0]) - 1 }

// Clone returns a deep copy.
func (t Triangle) Clone() Triangle {
	c := make(Triangle, len(t))
	for r, row := range t {
		c[r] = append([]float64(nil), row...)
	}
	return c
}

// RowObserved is the sum of the reported cells of row r.
func (t Triangle) RowObserved(r int) float64 {
	s := 0.0
	for _, v := range t[r] {
		if !IsMissing(v) {
			s += v
		}
	}
	return s
}

// RowSum is the sum of every cell of row r (of a filled matrix).
func (t Triangle) RowSum(r int) float64 {
	s := 0.0
	for _, v := range t[r] {
		s += v
	}
	return s
}

// incompleteRows is the number of rows with at least one missing cell: the
// nowcast horizons (baselinenowcast: sum(is.na(rowSums(triangle)))).
func (t Triangle) incompleteRows() int {
	n := 0
	for _, row := range t {
		for _, v := range row {
			if IsMissing(v) {
				n++
				break
			}
		}
	}
	return n
}

// Pool sums triangles of the same shape cell by cell: the national triangle
// from the provinces', say. A cell is missing in the pool if it is missing in
// any of them, so that the pool's delay estimate uses only what every part
// has reported.
func Pool(ts ...Triangle) (Triangle, error) {
	if len(ts) == 0 {
		return nil, errors.New("nowcast: nothing to pool")
	}
	for i, t := range ts {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("triangle %d: %w", i, err)
		}
		if len(t) != len(ts[0]) || len(t[0]) != len(ts[0][0]) {
			return nil, fmt.Errorf("nowcast: triangle %d is %d×%d, triangle 0 is %d×%d: pooled triangles must cover the same periods and delays",
				i, len(t), len(t[0]), len(ts[0]), len(ts[0][0]))
		}
	}
	p := make(Triangle, len(ts[0]))
	for r := range p {
		p[r] = make([]float64, len(ts[0][0]))
		for _, t := range ts {
			for d, v := range t[r] {
				p[r][d] += v // NaN propagates: missing anywhere, missing in the pool
			}
		}
	}
	return p, nil
}
