package nowcast

import (
	"fmt"
	"math"
)

// EstimateDelay estimates the delay PMF from the last n rows of t
// (baselinenowcast's estimate_delay). The missing cells of those rows are
// filled by the multiplicative chain ladder, column by column from the first
// column with a gap: with r the first missing row of column d,
//
//	f = Σ(column d, rows < r) / max(Σ(columns < d, rows < r), 1)
//
// and every row ≥ r of column d becomes f × (its sum over columns < d, already
// filled). The PMF is the filled matrix's column sums over its total. Negative
// cells (downward corrections) are kept, so an entry may be negative; call
// PreprocessNegativeValues first to avoid that.
func EstimateDelay(t Triangle, n int) ([]float64, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || n > len(t) {
		return nil, fmt.Errorf("nowcast: delay estimation needs 1 ≤ n ≤ %d rows, got n = %d", len(t), n)
	}
	rt := t[len(t)-n:]
	nd := len(rt[0])
	exp := Triangle(rt).Clone()
	for d := 0; d < nd; d++ {
		r0 := -1
		for r := range rt {
			if IsMissing(rt[r][d]) {
				r0 = r
				break
			}
		}
		if r0 < 0 {
			continue // column complete
		}
		if d == 0 || r0 == 0 {
			return nil, fmt.Errorf("nowcast: delay %d is missing from the first of the last %d rows: delay estimation needs n larger than the number of incomplete rows", d, n)
		}
		top, topLeft := 0.0, 0.0
		for r := 0; r < r0; r++ {
			if IsMissing(rt[r][d]) {
				return nil, fmt.Errorf("nowcast: cell (%d, %d) is missing above the first gap of its column", len(t)-n+r, d)
			}
			top += rt[r][d]
			for c := 0; c < d; c++ {
				if IsMissing(rt[r][c]) {
					return nil, fmt.Errorf("nowcast: cell (%d, %d) is missing although a longer delay of its row is reported", len(t)-n+r, c)
				}
				topLeft += rt[r][c]
			}
		}
		f := top / math.Max(topLeft, 1)
		for r := r0; r < len(rt); r++ {
			x := 0.0
			for c := 0; c < d; c++ {
				x += exp[r][c]
			}
			exp[r][d] = f * x
		}
	}
	pmf := make([]float64, nd)
	total := 0.0
	for _, row := range exp {
		for d, v := range row {
			pmf[d] += v
			total += v
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("nowcast: the last %d rows hold no counts: the delay cannot be estimated", n)
	}
	for d := range pmf {
		pmf[d] /= total
	}
	return pmf, nil
}

// ApplyDelay fills the missing cells of t from a delay PMF
// (baselinenowcast's apply_delay), column by column from delay 1. A missing
// cell (r, d) becomes
//
//	pmf[d] · (x + 1 − F[d−1]) / F[d−1]
//
// where x is the row's sum over columns < d (already filled) and F the
// cumulative PMF. (x + 1 − F)/F is E[N | x] when the x reported by delay d−1
// are Binomial(N, F) and N has a flat prior: it is not the plain chain ladder
// x/F, and differs from it most where x is small.
func ApplyDelay(t Triangle, pmf []float64) (Triangle, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if len(pmf) != len(t[0]) {
		return nil, fmt.Errorf("nowcast: the delay PMF has %d entries, the triangle %d delays", len(pmf), len(t[0]))
	}
	for d, p := range pmf {
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("nowcast: delay PMF entry %d is %v", d, p)
		}
	}
	out := t.Clone()
	for r := range out {
		if IsMissing(out[r][0]) {
			return nil, fmt.Errorf("nowcast: row %d has no count at delay 0: nothing to scale up", r)
		}
	}
	F := pmf[0]
	for d := 1; d < len(pmf); d++ {
		for r := range out {
			if !IsMissing(out[r][d]) {
				continue
			}
			if F <= 0 {
				return nil, fmt.Errorf("nowcast: the cumulative delay PMF up to delay %d is %g: no count can be scaled up from it", d-1, F)
			}
			x := 0.0
			for c := 0; c < d; c++ {
				x += out[r][c]
			}
			out[r][d] = pmf[d] * (x + 1 - F) / F
		}
		F += pmf[d]
	}
	return out, nil
}

// EstimateAndApplyDelay is ApplyDelay(t, EstimateDelay(t, n)).
func EstimateAndApplyDelay(t Triangle, n int) (Triangle, []float64, error) {
	pmf, err := EstimateDelay(t, n)
	if err != nil {
		return nil, nil, err
	}
	m, err := ApplyDelay(t, pmf)
	return m, pmf, err
}

// PreprocessNegativeValues moves downward corrections to shorter delays
// (baselinenowcast's preprocess_negative_values): each row is walked from the
// longest delay to delay 0, the deficit carried so far is added to the cell,
// and a cell still negative is set to 0 and its value carried on. A deficit
// left at delay 0 is dropped, as the package does. Missing cells stay missing
// and are skipped.
func PreprocessNegativeValues(t Triangle) Triangle {
	out := t.Clone()
	for _, row := range out {
		carry := 0.0
		for d := len(row) - 1; d >= 0; d-- {
			if IsMissing(row[d]) {
				continue
			}
			v := row[d] + carry
			if v < 0 {
				carry = v
				row[d] = 0
			} else {
				row[d] = v
				carry = 0
			}
		}
	}
	return out
}
