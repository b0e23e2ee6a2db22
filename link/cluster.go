package link

import (
	"cmp"
	"fmt"
	"slices"
)

// maxCross bounds the members of each side examined when two clusters are
// about to merge (so at most maxCross² pairs are weighed).
const maxCross = 64

// IDLess orders record and cluster ids: shorter first, then bytewise, so
// that numbered ids ("rec-9" < "rec-10") and zero-padded sequences sort by
// age. The founding member of a cluster, whose id names it, is its least
// record; when existing clusters merge, the least cluster id survives.
func IDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// clusterPairs merges the kept pairs into clusters: existing clusters first,
// then the analysts' "same" decisions and the pairs with equal ids
// (forced), then the match pairs in descending weight. A merge is refused
// when any weighed pair across the two clusters cannot link (different ids,
// an analyst's "different") or weighs less than the review bound, or when
// the pairs across weigh less than the threshold on average, so that one
// strong link does not chain two unrelated groups.
func (t *Table) clusterPairs(sc *scorer, pairs []scored, decisions []Decision, res *Result) error {
	c := t.cfg
	n := int32(t.n)
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	members := map[int32][]int32{}
	group := func(r int32) []int32 {
		if m, ok := members[r]; ok {
			return m
		}
		return []int32{r}
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		ma, mb := group(ra), group(rb)
		if len(ma) < len(mb) {
			ra, rb, ma, mb = rb, ra, mb, ma
		}
		parent[rb] = ra
		members[ra] = append(ma, mb...)
		delete(members, rb)
	}

	// existing clusters
	first := make([]int32, len(t.clusters))
	for k := range first {
		first[k] = -1
	}
	for i := int32(0); i < n; i++ {
		if k := t.cluster[i]; k >= 0 {
			if first[k] < 0 {
				first[k] = i
			} else {
				union(first[k], i)
			}
		}
	}

	// analysts' decisions
	var row map[string]int32
	if len(decisions) > 0 {
		row = map[string]int32{}
		for _, d := range decisions {
			row[d.A], row[d.B] = -1, -1
		}
		for i := int32(0); i < n; i++ {
			if _, ok := row[t.ID(int(i))]; ok {
				row[t.ID(int(i))] = i
			}
		}
	}
	cannot := map[[2]int32]bool{}
	key := func(a, b int32) [2]int32 { return [2]int32{min(a, b), max(a, b)} }
	var same [][2]int32
	for _, d := range decisions {
		a, b := row[d.A], row[d.B]
		if a < 0 || b < 0 {
			continue // not in this run's table
		}
		if d.Same {
			same = append(same, [2]int32{a, b})
		} else {
			cannot[key(a, b)] = true
		}
	}
	for _, s := range same {
		if cannot[key(s[0], s[1])] {
			return fmt.Errorf("analyst decisions: %s and %s are said to be both the same and different", t.ID(int(s[0])), t.ID(int(s[1])))
		}
		union(s[0], s[1])
	}

	// forced pairs, then matches by descending weight; pairs that analysts
	// called different are dropped
	pairs = slices.DeleteFunc(pairs, func(p scored) bool { return cannot[key(p.i, p.j)] })
	slices.SortFunc(pairs, func(a, b scored) int {
		if a.forced != b.forced {
			if a.forced {
				return -1
			}
			return 1
		}
		if d := cmp.Compare(b.w, a.w); d != 0 {
			return d
		}
		if d := cmp.Compare(a.i, b.i); d != 0 {
			return d
		}
		return cmp.Compare(a.j, b.j)
	})
	canMerge := func(ra, rb int32) bool {
		ma, mb := group(ra), group(rb)
		ma, mb = ma[:min(len(ma), maxCross)], mb[:min(len(mb), maxCross)]
		sum := 0.0
		for _, a := range ma {
			for _, b := range mb {
				if cannot[key(a, b)] {
					return false
				}
				s, ok := sc.score(a, b)
				if !ok {
					return false
				}
				if s.forced {
					s.w = max(s.w, c.Threshold)
				}
				if s.w < c.Review {
					return false
				}
				sum += s.w
			}
		}
		return sum/float64(len(ma)*len(mb)) >= c.Threshold
	}
	st := &res.Stats
	for _, p := range pairs {
		match := p.forced || p.w >= c.Threshold
		d := "review"
		if match {
			d = "match"
			st.Matches++
		}
		res.Pairs = append(res.Pairs, Pair{A: t.ID(int(p.i)), B: t.ID(int(p.j)), Weight: p.w, Decision: d, Levels: p.pat})
		if !match {
			continue
		}
		ra, rb := find(p.i), find(p.j)
		if ra == rb {
			continue
		}
		if p.forced || canMerge(ra, rb) {
			union(ra, rb)
		} else {
			st.RefusedMerges++
		}
	}
	st.Kept = len(res.Pairs)

	// name the clusters: the least existing cluster id survives; a cluster
	// of new records only is named by its least record id
	bestCl := make([]int32, n) // per root: least existing cluster, -1
	bestID := make([]int32, n) // per root: least record
	for i := range bestCl {
		bestCl[i], bestID[i] = -1, -1
	}
	for i := int32(0); i < n; i++ {
		r := find(i)
		if k := t.cluster[i]; k >= 0 && (bestCl[r] < 0 || IDLess(t.clusters[k], t.clusters[bestCl[r]])) {
			bestCl[r] = k
		}
		if bestID[r] < 0 || IDLess(t.ID(int(i)), t.ID(int(bestID[r]))) {
			bestID[r] = i
		}
	}
	renamed := map[int32]bool{}
	for i := int32(0); i < n; i++ {
		r := find(i)
		if r == i {
			st.Clusters++
		}
		name := ""
		if k := bestCl[r]; k >= 0 {
			name = t.clusters[k]
		} else {
			name = t.ID(int(bestID[r]))
		}
		k := t.cluster[i]
		switch {
		case k < 0:
			res.Clusters = append(res.Clusters, Assign{ID: t.ID(int(i)), Cluster: name})
		case t.clusters[k] != name:
			res.Clusters = append(res.Clusters, Assign{ID: t.ID(int(i)), Cluster: name})
			if !renamed[k] {
				renamed[k] = true
				res.Renamed = append(res.Renamed, Rename{From: t.clusters[k], Into: name})
			}
		}
	}
	return nil
}
