package link

// Scores are precision, recall and F1 of predicted against true links.
type Scores struct {
	TP, FP, FN            int64
	Precision, Recall, F1 float64
}

func scores(tp, predicted, truth int64) Scores {
	s := Scores{TP: tp, FP: predicted - tp, FN: truth - tp}
	if predicted > 0 {
		s.Precision = float64(tp) / float64(predicted)
	}
	if truth > 0 {
		s.Recall = float64(tp) / float64(truth)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

// PairScores scores predicted pairs of record ids against the truth, a
// record id → entity map: the true pairs are all pairs of records of one
// entity (Σ n(n−1)/2), so duplicates of one original match each other too.
// A pair given twice (either order) counts once; ids missing from truth
// are their own entity.
func PairScores(pred [][2]string, truth map[string]string) Scores {
	seen := map[[2]string]bool{}
	var tp, n int64
	for _, p := range pred {
		a, b := p[0], p[1]
		if a == b {
			continue
		}
		if b < a {
			a, b = b, a
		}
		if seen[[2]string{a, b}] {
			continue
		}
		seen[[2]string{a, b}] = true
		n++
		ea, oka := truth[a]
		eb, okb := truth[b]
		if oka && okb && ea == eb {
			tp++
		}
	}
	return scores(tp, n, truePairs(truth))
}

func truePairs(truth map[string]string) int64 {
	size := map[string]int64{}
	for _, e := range truth {
		size[e]++
	}
	var n int64
	for _, k := range size {
		n += k * (k - 1) / 2
	}
	return n
}

// ClusterScores scores predicted clusters (record id → cluster) against
// the truth (record id → entity), over the records of truth; a record
// without a cluster is alone. It gives the pairwise scores of the
// clusters (every pair within a cluster is a predicted link) and the
// B-cubed scores (Bagga & Baldwin 1998: per record, the share of its
// cluster that is its entity and the share of its entity in its cluster,
// averaged).
func ClusterScores(cluster, truth map[string]string) (pairwise, bcubed Scores) {
	cl := func(id string) string {
		if c, ok := cluster[id]; ok {
			return "c:" + c
		}
		return "r:" + id
	}
	clSize := map[string]int64{}
	enSize := map[string]int64{}
	both := map[[2]string]int64{}
	for id, e := range truth {
		c := cl(id)
		clSize[c]++
		enSize[e]++
		both[[2]string{c, e}]++
	}
	var tp, pred int64
	for _, k := range both {
		tp += k * (k - 1) / 2
	}
	for _, k := range clSize {
		pred += k * (k - 1) / 2
	}
	pairwise = scores(tp, pred, truePairs(truth))
	var p, r float64
	for id, e := range truth {
		c := cl(id)
		k := float64(both[[2]string{c, e}])
		p += k / float64(clSize[c])
		r += k / float64(enSize[e])
	}
	n := float64(len(truth))
	if n > 0 {
		bcubed.Precision, bcubed.Recall = p/n, r/n
	}
	if bcubed.Precision+bcubed.Recall > 0 {
		bcubed.F1 = 2 * bcubed.Precision * bcubed.Recall / (bcubed.Precision + bcubed.Recall)
	}
	return pairwise, bcubed
}
