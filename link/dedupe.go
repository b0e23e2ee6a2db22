package link

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Decision is an analyst's word on two records: the same person, or not.
type Decision struct {
	A, B string
	Same bool
}

// Prior is what an earlier run leaves to this one: its params (a daily
// increment reuses them instead of estimating) and the analysts' decisions.
type Prior struct {
	Params    *Params
	Decisions []Decision
}

// Pair is a compared pair kept for the result: a match or one to review.
type Pair struct {
	A, B     string
	Weight   float64 // match weight: log2 of the odds of a match
	Decision string  // "match" or "review"
	// Levels is the comparison vector, 4 bits per field in config order
	// (Config.LevelNames names them).
	Levels uint64
}

// Assign puts a record in a cluster.
type Assign struct{ ID, Cluster string }

// Rename says that an existing cluster was merged into another: its
// records not in this run's table belong to Into as well.
type Rename struct{ From, Into string }

// Stats count what a run did.
type Stats struct {
	Records, New     int
	Candidates       int64 // distinct candidate pairs compared
	Kept             int   // pairs at or above the review bound
	Matches          int
	CannotLink       int64 // compared pairs with different ids
	OversizedBlocks  int   // blocks larger than max_block, skipped
	OversizedRecords int64 // records in them (counted once per block)
	USampled         int   // pairs compared to estimate u (0: params given)
	EMIterations     int
	RefusedMerges    int // match pairs whose clusters stayed apart
	Clusters         int // clusters of the records in the table
	Elapsed          time.Duration
}

// Result is a run's output.
type Result struct {
	Pairs    []Pair
	Clusters []Assign // every new record, and every existing one whose cluster changed
	Renamed  []Rename
	Params   *Params
	Stats    Stats
}

// Dedupe finds the duplicates among a table's records. Records added with a
// Cluster are existing ones: only pairs with at least one new record are
// compared, existing clusters keep their ids, and new records join them
// or found their own. Without prior params, u is estimated from random
// pairs of the table and m and λ by EM on the candidate pairs; an
// incremental run whose table holds only the neighbourhood of the new
// records should pass the params of a full run.
func Dedupe(ctx context.Context, t *Table, prior Prior) (*Result, error) {
	start := time.Now()
	c := t.cfg
	res := &Result{}
	st := &res.Stats
	st.Records = t.n
	for i := int32(0); i < int32(t.n); i++ {
		if t.isNew(i) {
			st.New++
		}
	}
	if t.n == 0 {
		return res, nil
	}
	if t.Link {
		var src [2]int
		for _, s := range t.source {
			src[s]++
		}
		if src[0] == 0 || src[1] == 0 {
			return nil, errors.New("linking: one of the two sources has no records")
		}
	}
	var bs blockStats
	bl := make([]*blocking, len(c.rules))
	for r := range c.rules {
		bl[r] = t.buildBlocks(r, &bs)
	}
	st.OversizedBlocks, st.OversizedRecords = bs.oversizedBlocks, bs.oversizedRecords
	workers := c.workers()

	params := prior.Params
	if params != nil {
		if err := params.check(c); err != nil {
			return nil, err
		}
	} else {
		u, n, err := t.estimateU(ctx)
		if err != nil {
			return nil, err
		}
		st.USampled = n
		// pattern counts per worker and rule
		counts := make([][]map[uint64]int64, workers)
		for w := range counts {
			counts[w] = make([]map[uint64]int64, len(c.rules))
			for r := range counts[w] {
				counts[w][r] = map[uint64]int64{}
			}
		}
		nc, err := t.candidates(ctx, bl, workers, true, func(w, r int, i, j int32) {
			counts[w][r][t.pattern(i, j)]++
		})
		if err != nil {
			return nil, err
		}
		if nc == 0 {
			return nil, errors.New("no candidate pairs: the blocking rules let no two records meet, so nothing can be estimated")
		}
		byRule := counts[0]
		for _, cw := range counts[1:] {
			for r, m := range cw {
				for p, n := range m {
					byRule[r][p] += n
				}
			}
		}
		if params, st.EMIterations, err = c.em(byRule, u); err != nil {
			return nil, err
		}
	}
	res.Params = params
	sc := newScorer(t, params)

	kept := make([][]scored, workers)
	cannot := make([]int64, workers)
	n, err := t.candidates(ctx, bl, workers, false, func(w, _ int, i, j int32) {
		s, ok := sc.score(i, j)
		if !ok {
			cannot[w]++
			return
		}
		if s.forced || s.w >= c.Review {
			kept[w] = append(kept[w], s)
		}
	})
	if err != nil {
		return nil, err
	}
	st.Candidates = n
	var pairs []scored
	for w := range kept {
		pairs = append(pairs, kept[w]...)
		st.CannotLink += cannot[w]
	}
	kept = nil

	if err := t.clusterPairs(sc, pairs, prior.Decisions, res); err != nil {
		return nil, err
	}
	st.Elapsed = time.Since(start)
	return res, nil
}

// scored is a kept pair.
type scored struct {
	i, j   int32
	w      float64
	pat    uint64
	forced bool // equal ids, or an analyst said same
}

// scorer weighs pairs.
type scorer struct {
	t      *Table
	prior  float64
	wt     [][]float64
	idCols []int
}

func newScorer(t *Table, p *Params) *scorer {
	s := &scorer{t: t, prior: p.PriorWeight(), wt: p.weights()}
	for f, fd := range t.cfg.Fields {
		if fd.Kind == KindID {
			s.idCols = append(s.idCols, f)
		}
	}
	return s
}

// score weighs records i and j; ok is false when they cannot be the same
// person (an id field differs, or a field is at a vetoed level and no id
// field forces the match).
func (s *scorer) score(i, j int32) (scored, bool) {
	p := s.t.pattern(i, j)
	r := scored{i: i, j: j, pat: p, w: s.prior}
	for _, f := range s.idCols {
		switch levelOf(p, f) {
		case 1:
			r.forced = true
		case 2:
			return r, false
		}
	}
	for f, w := range s.wt {
		lv := levelOf(p, f)
		if !r.forced && s.t.cfg.Fields[f].veto&(1<<lv) != 0 {
			return r, false
		}
		if lv < len(w) { // an id field has no weights
			r.w += w[lv]
		}
	}
	return r, true
}

func (r *Result) String() string {
	s := r.Stats
	return fmt.Sprintf("%d records (%d new), %d candidate pairs, %d kept, %d matches, %d clusters, %d oversized blocks skipped (%d records), %d merges refused, %s",
		s.Records, s.New, s.Candidates, s.Kept, s.Matches, s.Clusters, s.OversizedBlocks, s.OversizedRecords, s.RefusedMerges, s.Elapsed.Round(time.Millisecond))
}
