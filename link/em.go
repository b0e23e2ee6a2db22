package link

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Params are the Fellegi–Sunter parameters: for each field and level
// (null excluded) m = P(level | match) and u = P(level | non-match), and
// Lambda, the share of matches among the candidate pairs. An id field has
// no parameters: it forces or forbids a match.
type Params struct {
	Lambda float64
	Fields []FieldParams
}

// FieldParams are one field's levels.
type FieldParams struct {
	Name   string
	Kind   Kind
	Levels []LevelParams // level 1.. (level 0, null, weighs 0)
}

// LevelParams are one level's m and u.
type LevelParams struct {
	Name string
	M, U float64
}

// Weight is log2(m/u), the level's contribution to a pair's match weight.
func (l LevelParams) Weight() float64 { return math.Log2(l.M / l.U) }

// PriorWeight is log2(λ/(1−λ)), the weight every pair starts from.
func (p *Params) PriorWeight() float64 { return math.Log2(p.Lambda / (1 - p.Lambda)) }

// check makes sure fixed params fit the config.
func (p *Params) check(c *Config) error {
	if p.Lambda <= 0 || p.Lambda >= 1 {
		return fmt.Errorf("params: lambda %g is not in (0,1)", p.Lambda)
	}
	if len(p.Fields) != len(c.Fields) {
		return fmt.Errorf("params: %d fields, the config has %d", len(p.Fields), len(c.Fields))
	}
	for f, fp := range p.Fields {
		fd := c.Fields[f]
		want := c.nLevels(f) - 1
		if fd.Kind == KindID {
			want = 0
		}
		if fp.Name != fd.Name || fp.Kind != fd.Kind || len(fp.Levels) != want {
			return fmt.Errorf("params: field %d is %s (%s, %d levels); the config has %s (%s, %d levels)", f+1, fp.Name, fp.Kind, len(fp.Levels), fd.Name, fd.Kind, want)
		}
		for _, l := range fp.Levels {
			if !(l.M > 0 && l.U > 0) {
				return fmt.Errorf("params: field %s level %s: m and u must be positive", fp.Name, l.Name)
			}
		}
	}
	return nil
}

// weights is the weight of each field's levels, indexed [field][level].
func (p *Params) weights() [][]float64 {
	w := make([][]float64, len(p.Fields))
	for f, fp := range p.Fields {
		w[f] = make([]float64, len(fp.Levels)+1)
		for l, lp := range fp.Levels {
			w[f][l+1] = lp.Weight()
		}
	}
	return w
}

// pattern is the comparison vector of records i and j: 4 bits per field.
func (t *Table) pattern(i, j int32) uint64 {
	var p uint64
	for f := range t.cfg.Fields {
		p |= uint64(t.level(f, i, j)) << (4 * f)
	}
	return p
}

func levelOf(p uint64, f int) int { return int(p >> (4 * f) & 15) }

// estimateU compares random pairs (all pairs when there are fewer than
// UPairs): since almost every random pair is a non-match, the share of
// each level estimates u (Splink's estimate_u_using_random_sampling). A
// level never seen gets half a count.
func (t *Table) estimateU(ctx context.Context) ([][]float64, int, error) {
	c := t.cfg
	n := int64(t.n)
	var nl, nr int64 // linking: sizes of the sources
	if t.Link {
		for _, s := range t.source {
			if s == 0 {
				nl++
			}
		}
		nr = n - nl
	}
	total := n * (n - 1) / 2
	if t.Link {
		total = nl * nr
	}
	if total == 0 {
		return nil, 0, fmt.Errorf("u estimation: no pair of records to compare")
	}
	exhaustive := total <= int64(c.UPairs)
	workers := c.workers()
	counts := make([][][]int64, workers)
	var wg sync.WaitGroup
	var left, right []int32
	if t.Link && !exhaustive {
		for i := int32(0); i < int32(t.n); i++ {
			if t.source[i] == 0 {
				left = append(left, i)
			} else {
				right = append(right, i)
			}
		}
	}
	for w := 0; w < workers; w++ {
		counts[w] = make([][]int64, len(c.Fields))
		for f := range c.Fields {
			counts[w][f] = make([]int64, c.nLevels(f))
		}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cnt := counts[w]
			add := func(i, j int32) {
				for f := range c.Fields {
					cnt[f][t.level(f, i, j)]++
				}
			}
			if exhaustive {
				for i := int32(w); i < int32(t.n); i += int32(workers) {
					if ctx.Err() != nil {
						return
					}
					for j := i + 1; j < int32(t.n); j++ {
						if !t.Link || t.source[i] != t.source[j] {
							add(i, j)
						}
					}
				}
				return
			}
			rng := rand.New(rand.NewPCG(uint64(c.Seed), uint64(w)+1))
			for k := w; k < c.UPairs; k += workers {
				if k%4096 == 0 && ctx.Err() != nil {
					return
				}
				if t.Link {
					add(left[rng.IntN(len(left))], right[rng.IntN(len(right))])
					continue
				}
				i := rng.Int32N(int32(t.n))
				j := rng.Int32N(int32(t.n - 1))
				if j >= i {
					j++
				}
				add(i, j)
			}
		}(w)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	u := make([][]float64, len(c.Fields))
	sampled := total
	if !exhaustive {
		sampled = int64(c.UPairs)
	}
	for f := range c.Fields {
		L := c.nLevels(f)
		sum := make([]float64, L)
		var nonNull float64
		for w := range counts {
			for l := 1; l < L; l++ {
				sum[l] += float64(counts[w][f][l])
			}
		}
		for l := 1; l < L; l++ {
			if sum[l] == 0 {
				sum[l] = 0.5
			}
			nonNull += sum[l]
		}
		u[f] = make([]float64, L)
		for l := 1; l < L; l++ {
			u[f][l] = sum[l] / nonNull
		}
	}
	return u, int(sampled), nil
}

// em estimates the params from the counts of the comparison patterns of
// the candidate pairs, per blocking rule (all the pairs the rule blocks).
// As Splink does, u comes from random pairs and m from one EM session per
// rule in which the rule's own fields are left out: all pairs of a rule
// agree on its fields whatever their match status, so those fields say
// nothing there, and counting them drives EM to take every candidate for a
// match (λ → 1 on the synthetic births). A field that every rule blocks on
// is estimated in the sessions of the rules that block on a part of it
// only (dob.year). A field's m is the mean over the sessions that estimated
// it. λ, the share of matches among all candidate
// pairs, is then estimated with m and u fixed (Fellegi & Sunter 1969;
// Winkler 1988; Splink's training sessions). It returns the params and
// the EM iterations run.
func (c *Config) em(byRule []map[uint64]int64, u [][]float64) (*Params, int, error) {
	nf := len(c.Fields)
	start := func() [][]float64 {
		m := make([][]float64, nf)
		for f := range c.Fields {
			L := c.nLevels(f)
			m[f] = make([]float64, L)
			// believe in agreement: m halves from the closest level on,
			// "else" gets 5%
			sum := 0.0
			for l := 1; l < L-1; l++ {
				m[f][l] = math.Pow(0.5, float64(l))
				sum += m[f][l]
			}
			for l := 1; l < L-1; l++ {
				m[f][l] *= 0.95 / sum
			}
			m[f][L-1] = 0.05
			if fm := c.Fields[f].M; len(fm) == L-1 {
				copy(m[f][1:], fm)
			}
		}
		return m
	}
	mSum := make([][]float64, nf)
	mN := make([]int, nf)
	for f := range mSum {
		mSum[f] = make([]float64, c.nLevels(f))
	}
	// blocked[r][f]: 0 free, 1 a part of f's value (date.year, name.token),
	// 2 the whole value
	blocked := make([][]int, len(byRule))
	free := make([]int, nf)
	for r := range byRule {
		blocked[r] = make([]int, nf)
		for _, p := range c.rules[r].parts {
			b := 1
			if p.op == "" {
				b = 2
			}
			blocked[r][p.field] = max(blocked[r][p.field], b)
		}
		for f := range c.Fields {
			if blocked[r][f] == 0 {
				free[f]++
			}
		}
	}
	iters := 0
	for r, counts := range byRule {
		// a field is estimated in the sessions of the rules that do not
		// block on it; one blocked on in every rule, in those that block
		// on a part of it only
		use := make([]bool, nf)
		anyField := false
		for f, fd := range c.Fields {
			use[f] = fd.Kind != KindID && (blocked[r][f] == 0 || free[f] == 0 && blocked[r][f] == 1)
			anyField = anyField || use[f]
		}
		if !anyField || len(counts) == 0 {
			continue
		}
		m, _, it := c.emSession(counts, start(), u, use, false)
		iters += it
		for f := range c.Fields {
			if use[f] {
				for l := range m[f] {
					mSum[f][l] += m[f][l]
				}
				mN[f]++
			}
		}
	}
	m := start()
	for f, fd := range c.Fields {
		if fd.Kind == KindID {
			continue
		}
		if mN[f] == 0 {
			return nil, 0, fmt.Errorf("EM: every blocking rule blocks on the whole of field %s, so no rule's pairs can estimate its m; add a rule without it", fd.Name)
		}
		for l := range m[f] {
			m[f][l] = mSum[f][l] / float64(mN[f])
		}
	}
	all := map[uint64]int64{}
	for _, counts := range byRule {
		for p, n := range counts {
			all[p] += n
		}
	}
	use := make([]bool, nf)
	for f, fd := range c.Fields {
		use[f] = fd.Kind != KindID
	}
	_, lambda, it := c.emSession(all, m, u, use, true)
	iters += it
	p := &Params{Lambda: lambda}
	for f, fd := range c.Fields {
		fp := FieldParams{Name: fd.Name, Kind: fd.Kind}
		if fd.Kind != KindID {
			names := c.LevelNames(f)
			for l := 1; l < len(m[f]); l++ {
				fp.Levels = append(fp.Levels, LevelParams{Name: names[l], M: m[f][l], U: u[f][l]})
			}
		}
		p.Fields = append(p.Fields, fp)
	}
	return p, iters, nil
}

// emSession runs EM on pattern counts over the fields in use, u fixed;
// lambdaOnly keeps m fixed too. It returns m, λ and the iterations.
func (c *Config) emSession(counts map[uint64]int64, m, u [][]float64, use []bool, lambdaOnly bool) ([][]float64, float64, int) {
	type pc struct {
		p uint64
		n float64
	}
	ps := make([]pc, 0, len(counts))
	for p, n := range counts {
		ps = append(ps, pc{p, float64(n)})
	}
	num := make([][]float64, len(m))
	for f := range num {
		num[f] = make([]float64, len(m[f]))
	}
	lambda := 0.1
	iter := 1
	for ; iter <= c.EMIterations; iter++ {
		for f := range num {
			clear(num[f])
		}
		var matches, all float64
		for _, x := range ps {
			lm, lu := math.Log(lambda), math.Log(1-lambda)
			for f := range m {
				if l := levelOf(x.p, f); use[f] && l != levelNull {
					lm += math.Log(m[f][l])
					lu += math.Log(u[f][l])
				}
			}
			w := 1 / (1 + math.Exp(lu-lm))
			matches += x.n * w
			all += x.n
			for f := range m {
				num[f][levelOf(x.p, f)] += x.n * w
			}
		}
		next := min(max(matches/all, 1e-9), 1-1e-9)
		change := math.Abs(next - lambda)
		lambda = next
		if !lambdaOnly {
			for f := range m {
				sum := 0.0
				for l := 1; l < len(m[f]); l++ {
					sum += num[f][l]
				}
				if !use[f] || sum == 0 || c.Fields[f].M != nil {
					continue
				}
				for l := 1; l < len(m[f]); l++ {
					v := max(num[f][l]/sum, 1e-4) // a level never seen among matches is rare, not impossible
					change = max(change, math.Abs(v-m[f][l]))
					m[f][l] = v
				}
			}
		}
		if change < 1e-6 {
			break
		}
	}
	return m, lambda, min(iter, c.EMIterations)
}

func clone2(x [][]float64) [][]float64 {
	y := make([][]float64, len(x))
	for i := range x {
		y[i] = append([]float64(nil), x[i]...)
	}
	return y
}
