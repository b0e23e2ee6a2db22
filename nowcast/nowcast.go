package nowcast

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Options of Nowcast. The zero value is baselinenowcast's default workflow:
// negative values preprocessed, rows allocated with scale factor 3 and half
// of them for the delay, delay and dispersion estimated on the triangle
// itself, a 95 % interval.
type Options struct {
	// NHistoryDelay and NRetro override the allocation of rows when both
	// are > 0; ScaleFactor and PropDelay tune it otherwise (0: 3 and 0.5).
	NHistoryDelay, NRetro  int
	ScaleFactor, PropDelay float64

	// KeepNegatives skips PreprocessNegativeValues.
	KeepNegatives bool

	// Pool, when set, is a triangle of the same periods and delays (the
	// nation's, say, or the area's neighbours summed with Pool) on which the
	// delay is estimated, in the nowcast and in every retrospective nowcast:
	// for an area whose counts are too small to estimate a delay of its own.
	// The dispersion is still fitted on the area's own retrospective errors,
	// unless PoolDispersion is set, which fits it on the pool's (as
	// baselinenowcast's strata_sharing = "uncertainty" does).
	Pool           Triangle
	PoolDispersion bool

	// DelayPMF and Dispersion, when set, are used instead of estimates.
	DelayPMF   []float64
	Dispersion []float64

	// Level of the prediction interval (0: 0.95).
	Level float64
}

// Row is the nowcast of one reference period.
type Row struct {
	Index    int     // row of the triangle
	Horizon  int     // periods before the latest reference period; -1 for a complete row
	Observed float64 // reported so far (after preprocessing)
	Expected float64 // still to be reported: the point nowcast of the missing cells
	Estimate float64 // Observed + Expected
	Lower    float64 // Observed + the NB quantile (1-Level)/2 of what is to come
	Upper    float64 // Observed + the NB quantile (1+Level)/2
}

// Result of Nowcast.
type Result struct {
	Allocation
	RetroUsed  int       // retrospective nowcasts that entered the dispersion fit
	PMF        []float64 // delay PMF, delays 0..D
	Dispersion []float64 // NB size by horizon, h = 0 the latest period
	Point      Triangle  // the point-nowcast matrix
	Triangle   Triangle  // the triangle nowcast (after preprocessing)
	Level      float64
	Rows       []Row
}

// Nowcast estimates the eventual count of every reference period of t with
// a prediction interval, by baselinenowcast's workflow: preprocess negative
// values, estimate the delay on the latest NHistoryDelay rows, apply it
// (modified expectation), fit a negative binomial size per horizon to the
// errors of NRetro retrospective nowcasts, and take the interval of each
// period as what it has reported plus the NB(point nowcast of the rest, size
// of its horizon) quantiles. The package draws from that distribution; the
// quantiles here are exact, and SampleTotals draws from it.
func Nowcast(t Triangle, o Options) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if o.Pool != nil {
		if err := o.Pool.Validate(); err != nil {
			return nil, fmt.Errorf("pool: %w", err)
		}
		if len(o.Pool) != len(t) || len(o.Pool[0]) != len(t[0]) {
			return nil, fmt.Errorf("nowcast: the pooled triangle is %d×%d, the area's %d×%d: they must cover the same periods and delays",
				len(o.Pool), len(o.Pool[0]), len(t), len(t[0]))
		}
	}
	level := o.Level
	if level == 0 {
		level = 0.95
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("nowcast: interval level %g is not in (0, 1)", level)
	}
	tri, pool := t, o.Pool
	if !o.KeepNegatives {
		tri = PreprocessNegativeValues(t)
		if pool != nil {
			pool = PreprocessNegativeValues(pool)
		}
	}
	delaySrc := tri
	if pool != nil {
		delaySrc = pool
	}
	res := &Result{Triangle: tri, Level: level}
	if o.NHistoryDelay > 0 && o.NRetro > 0 {
		res.Allocation = Allocation{o.NHistoryDelay, o.NRetro}
	} else {
		sf, pd := o.ScaleFactor, o.PropDelay
		if sf == 0 {
			sf = 3
		}
		if pd == 0 {
			pd = 0.5
		}
		a, err := Allocate(delaySrc, sf, pd)
		if err != nil {
			return nil, err
		}
		res.Allocation = a
	}

	res.PMF = o.DelayPMF
	if res.PMF == nil {
		pmf, err := EstimateDelay(delaySrc, res.NHistoryDelay)
		if err != nil {
			return nil, err
		}
		res.PMF = pmf
	}
	point, err := ApplyDelay(tri, res.PMF)
	if err != nil {
		return nil, err
	}
	res.Point = point

	H := tri.incompleteRows()
	res.Dispersion = o.Dispersion
	if res.Dispersion == nil && H > 0 {
		var e RetroErrors
		if o.PoolDispersion && pool != nil {
			e, res.RetroUsed, err = Retrospective(pool, nil, res.NHistoryDelay, res.NRetro)
		} else {
			e, res.RetroUsed, err = Retrospective(tri, pool, res.NHistoryDelay, res.NRetro)
		}
		if err != nil {
			return nil, err
		}
		if res.Dispersion, err = e.FitDispersion(); err != nil {
			return nil, err
		}
	}

	res.Rows = make([]Row, len(tri))
	lo, hi := (1-level)/2, (1+level)/2
	for r := range tri {
		row := Row{Index: r, Horizon: -1, Observed: tri.RowObserved(r)}
		row.Estimate = point.RowSum(r)
		row.Expected = row.Estimate - row.Observed
		row.Lower, row.Upper = row.Observed, row.Observed
		if h := len(tri) - 1 - r; h < H {
			row.Horizon = h
			if h >= len(res.Dispersion) {
				return nil, fmt.Errorf("nowcast: %d dispersion parameters for %d horizons", len(res.Dispersion), H)
			}
			mu := math.Max(row.Expected, 0)
			row.Lower += nbQuantile(lo, mu, res.Dispersion[h])
			row.Upper += nbQuantile(hi, mu, res.Dispersion[h])
		} else if hasMissing(tri[r]) {
			// The incomplete rows must be the last H: a gap in an older
			// row is not a triangle this method can read.
			return nil, fmt.Errorf("nowcast: row %d has a missing cell but a later row is complete: the triangle's gaps must be its latest rows", r)
		}
		res.Rows[r] = row
	}
	return res, nil
}

// SampleTotals draws n samples of the eventual count of every reference
// period (draws × rows), each period independent given the point nowcast, as
// baselinenowcast's sample_nowcasts does. Sum the draws of several periods
// for an interval of their total.
func (res *Result) SampleTotals(rng *rand.Rand, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, len(res.Rows))
		for r, row := range res.Rows {
			out[i][r] = row.Observed
			if row.Horizon >= 0 {
				out[i][r] += nbDraw(rng, math.Max(row.Expected, 0), res.Dispersion[row.Horizon])
			}
		}
	}
	return out
}

func hasMissing(row []float64) bool {
	for _, v := range row {
		if IsMissing(v) {
			return true
		}
	}
	return false
}
