package nowcast

import (
	"errors"
	"fmt"
	"math"
)

// Allocation is how many of the latest reference periods estimate the delay
// (NHistoryDelay) and how many retrospective nowcasts estimate the
// uncertainty (NRetro).
type Allocation struct {
	NHistoryDelay int
	NRetro        int
}

// Allocate splits the triangle's rows as baselinenowcast's
// allocate_reference_times does: it aims at round(scaleFactor × D) rows, a
// share propDelay of them for the delay (at least one more than the
// incomplete rows) and the rest, at least 2, for retrospective nowcasts; when
// the triangle is shorter than the aim, it uses every row. scaleFactor 3 and
// propDelay 0.5 are the package's defaults.
func Allocate(t Triangle, scaleFactor, propDelay float64) (Allocation, error) {
	if err := t.Validate(); err != nil {
		return Allocation{}, err
	}
	if !(scaleFactor > 0) || !(propDelay > 0 && propDelay < 1) {
		return Allocation{}, fmt.Errorf("nowcast: scale factor %g must be > 0 and the delay's share %g in (0, 1)", scaleFactor, propDelay)
	}
	const minRetro = 2
	nRows := len(t)
	minDelay := t.incompleteRows() + 1
	required := minDelay + minRetro
	target := int(math.Round(scaleFactor * float64(t.MaxDelay())))
	used := target
	switch {
	case target > nRows && nRows >= required:
		used = nRows
	case target > nRows || target < required:
		return Allocation{}, fmt.Errorf("nowcast: %d reference periods are needed (%d to estimate the delay, %d retrospective nowcasts), the triangle has %d and the scale factor asks for %d",
			required, minDelay, minRetro, nRows, target)
	}
	var a Allocation
	if used >= target {
		a.NHistoryDelay = max(int(math.Floor(float64(used)*propDelay)), minDelay)
		a.NRetro = used - a.NHistoryDelay
	} else {
		a.NRetro = int(math.Ceil(float64(used-minDelay) * (1 - propDelay)))
		a.NHistoryDelay = used - a.NRetro
	}
	if a.NRetro < minRetro {
		a.NRetro = minRetro
		a.NHistoryDelay = used - minRetro
	}
	return a, nil
}

// retroTriangle is t as it stood k periods before its as-of date: the last
// k rows dropped (truncate_triangle) and every cell (r, d) with r + d beyond
// the new last row masked (construct_triangle, structure 1). It returns the
// truncated rows (what has been reported of them since) and the masked ones.
func retroTriangle(t Triangle, k int) (trunc, retro Triangle) {
	trunc = t[:len(t)-k]
	retro = trunc.Clone()
	last := len(trunc) - 1
	for r := range retro {
		for d := range retro[r] {
			if r+d > last {
				retro[r][d] = Missing
			}
		}
	}
	return trunc, retro
}

// RetroErrors holds, for each horizon h (h = 0 the latest reference period
// of a retrospective triangle, h = 1 the one before, ...), the point nowcast
// of what was still to be reported (Pred) and what has been reported of it
// since (Obs), one entry per retrospective nowcast, over the cells reported
// since.
type RetroErrors struct {
	Pred, Obs [][]float64
}

// Retrospective makes nRetro retrospective nowcasts of t (as of 1, 2, ...,
// nRetro periods before its as-of date), each from a delay estimated on the
// last nHist rows of the retrospective triangle (of pool's, truncated the
// same way, when pool is not nil), and collects their errors by horizon
// (baselinenowcast's truncate_triangles, construct_triangles, fill_triangles
// and the sums of estimate_uncertainty). A retrospective triangle that cannot
// be nowcast (too few rows, no count) is skipped, as the package does.
func Retrospective(t, pool Triangle, nHist, nRetro int) (RetroErrors, int, error) {
	if err := t.Validate(); err != nil {
		return RetroErrors{}, 0, err
	}
	if pool != nil && (len(pool) != len(t) || len(pool[0]) != len(t[0])) {
		return RetroErrors{}, 0, errors.New("nowcast: the pooled triangle must have the shape of the area's")
	}
	if nRetro < 1 || nRetro >= len(t) {
		return RetroErrors{}, 0, fmt.Errorf("nowcast: %d retrospective nowcasts asked of a triangle of %d rows", nRetro, len(t))
	}
	_, first := retroTriangle(t, 1)
	H := first.incompleteRows()
	if H == 0 {
		return RetroErrors{}, 0, errors.New("nowcast: the retrospective triangles have no incomplete row")
	}
	e := RetroErrors{Pred: make([][]float64, H), Obs: make([][]float64, H)}
	used := 0
	for k := 1; k <= nRetro; k++ {
		trunc, retro := retroTriangle(t, k)
		if len(retro) < nHist || len(retro) < H {
			continue
		}
		delaySrc := retro
		if pool != nil {
			_, delaySrc = retroTriangle(pool, k)
		}
		pmf, err := EstimateDelay(delaySrc, nHist)
		if err != nil {
			continue
		}
		point, err := ApplyDelay(retro, pmf)
		if err != nil {
			continue
		}
		used++
		for h := 0; h < H; h++ {
			r := len(retro) - 1 - h
			pred, obs := 0.0, 0.0
			for d := range retro[r] {
				if IsMissing(retro[r][d]) && !IsMissing(trunc[r][d]) {
					pred += point[r][d]
					obs += trunc[r][d]
				}
			}
			e.Pred[h] = append(e.Pred[h], pred)
			e.Obs[h] = append(e.Obs[h], obs)
		}
	}
	if used < 2 {
		return RetroErrors{}, used, fmt.Errorf("nowcast: %d usable retrospective nowcasts of %d, at least 2 are needed to estimate the uncertainty", used, nRetro)
	}
	return e, used, nil
}

// FitDispersion fits the negative binomial size of each horizon
// (baselinenowcast's fit_by_horizon with fit_nb). Observed sums below 0
// (downward corrections kept) are an error: preprocess the triangle first.
func (e RetroErrors) FitDispersion() ([]float64, error) {
	out := make([]float64, len(e.Obs))
	for h := range e.Obs {
		for _, x := range e.Obs[h] {
			if x < 0 {
				return nil, fmt.Errorf("nowcast: a retrospective nowcast at horizon %d was followed by a net downward correction (%g): preprocess the negative values first", h, x)
			}
		}
		out[h] = FitNBDispersion(e.Obs[h], e.Pred[h])
	}
	return out, nil
}
