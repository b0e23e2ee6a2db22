package link

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// partValues appends the values of one key part of record i (none when the
// value is missing). Only a name's tokens give more than one value.
func (t *Table) partValues(p keyPart, i int32, out []uint64) []uint64 {
	col := &t.cols[p.field]
	switch t.cfg.Fields[p.field].Kind {
	case KindName:
		tk := col.tok[int(i)*MaxTokens : (int(i)+1)*MaxTokens]
		if p.op == "token" {
			for _, x := range tk {
				if x != 0 {
					out = append(out, uint64(x))
				}
			}
			return out
		}
		if tk[0] == 0 {
			return out
		}
		h := uint64(0)
		for _, x := range tk {
			h = mix(h ^ uint64(x))
		}
		return append(out, h|1)
	case KindDate:
		d := col.i32[i]
		if d == 0 {
			return out
		}
		var v int32
		switch p.op {
		case "":
			v = d
		case "year":
			v = d / 10000
		case "month":
			v = d / 100 % 100
		case "day":
			v = d % 100
		case "month_day":
			v = d % 10000
			if v/100 == 0 || v%100 == 0 {
				return out
			}
		}
		if v == 0 {
			return out
		}
		return append(out, uint64(v))
	case KindPlace:
		v := col.u64[i]
		switch p.op {
		case "province":
			v = placePrefix(v, 2)
		case "district":
			v = placePrefix(v, 4)
		case "substr":
			v = placePrefix(v, p.n)
		}
		if v == 0 {
			return out
		}
		return append(out, v)
	case KindExact, KindID:
		if v := col.u64[i]; v != 0 {
			out = append(out, v)
		}
		return out
	default:
		s := col.str[i]
		if p.op == "substr" {
			n := 0
			for k := range s {
				if n == p.n {
					s = s[:k]
					break
				}
				n++
			}
			if n < p.n { // shorter than n: no key, as SQL's substr would pad nothing
				return out
			}
		}
		if v := hashString(s); v != 0 {
			out = append(out, v)
		}
		return out
	}
}

// ruleKeys appends record i's keys for rule r: one per combination of its
// parts' values, none when a part is missing.
func (t *Table) ruleKeys(r int, i int32, out []uint64) []uint64 {
	base := len(out)
	out = append(out, mix(uint64(r)+0x9e3779b97f4a7c15))
	var vals [MaxTokens]uint64
	for _, p := range t.cfg.rules[r].parts {
		vs := t.partValues(p, i, vals[:0])
		if len(vs) == 0 {
			return out[:base]
		}
		n := len(out)
		for k := base; k < n; k++ {
			for _, v := range vs[1:] {
				out = append(out, mix(out[k]^v))
			}
			out[k] = mix(out[k] ^ vs[0])
		}
	}
	for k := base; k < len(out); k++ {
		if out[k] == 0 {
			out[k] = 1
		}
	}
	return out
}

// Keyer gives records' blocking keys one at a time, reusing its memory.
type Keyer struct {
	t    *Table
	keys []uint64
}

// NewKeyer makes a Keyer for the config.
func (c *Config) NewKeyer() (*Keyer, error) {
	t, err := NewTable(c, 1)
	if err != nil {
		return nil, err
	}
	return &Keyer{t: t}, nil
}

// Keys returns a record's blocking keys: for each rule in order, one key
// per combination of its parts' values (a name.token part gives one per
// token), none for a rule when a part is missing. Two records are compared
// when they share a key. Keys are stable across runs and processes, so the
// ETL can store them and, for a daily increment, find the existing records
// sharing a key with the new ones. The rule of a key is mixed into it. The
// slice is the Keyer's until its next call.
func (k *Keyer) Keys(r Record) ([]uint64, error) {
	k.t.reset()
	if err := k.t.Add(r); err != nil {
		return nil, err
	}
	k.keys = k.keys[:0]
	for ri := range k.t.cfg.rules {
		k.keys = k.t.ruleKeys(ri, 0, k.keys)
	}
	return k.keys, nil
}

type entry struct {
	key uint64
	row int32
}

type span struct{ lo, hi int32 }

// blocking is one rule's sorted keys and its blocks, and each record's
// keys (record i's are keys[off[i]:off[i+1]]).
type blocking struct {
	entries   []entry
	blocks    []span
	oversized map[uint64]struct{}
	keys      []uint64
	off       []int32
}

// of is record i's keys.
func (b *blocking) of(i int32) []uint64 { return b.keys[b.off[i]:b.off[i+1]] }

// blockStats counts what blocking did.
type blockStats struct {
	oversizedBlocks  int
	oversizedRecords int64
}

// buildBlocks sorts rule r's keys and finds the blocks worth comparing: two
// or more records, at least one new, both sources when linking, at most
// MaxBlock records (larger ones are counted and skipped).
func (t *Table) buildBlocks(r int, st *blockStats) *blocking {
	b := &blocking{oversized: map[uint64]struct{}{}, keys: make([]uint64, 0, t.n), off: make([]int32, 1, t.n+1)}
	for i := int32(0); i < int32(t.n); i++ {
		b.keys = t.ruleKeys(r, i, b.keys)
		b.off = append(b.off, int32(len(b.keys)))
	}
	es := make([]entry, 0, len(b.keys))
	for i := int32(0); i < int32(t.n); i++ {
		for _, k := range b.of(i) {
			es = append(es, entry{k, i})
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return int(a.row - b.row)
	})
	for lo := 0; lo < len(es); {
		hi := lo + 1
		for hi < len(es) && es[hi].key == es[lo].key {
			hi++
		}
		n := hi - lo
		if n >= 2 && t.blockUseful(es[lo:hi]) {
			if n > t.cfg.MaxBlock {
				st.oversizedBlocks++
				st.oversizedRecords += int64(n)
				b.oversized[es[lo].key] = struct{}{}
			} else {
				b.blocks = append(b.blocks, span{int32(lo), int32(hi)})
			}
		}
		lo = hi
	}
	b.entries = es
	return b
}

func (t *Table) blockUseful(es []entry) bool {
	anyNew, src := false, [2]bool{}
	for _, e := range es {
		anyNew = anyNew || t.isNew(e.row)
		src[t.source[e.row]] = true
	}
	return anyNew && (!t.Link || src[0] && src[1])
}

// pairVisitor is called once per candidate pair, on worker w, with the
// rule that found it.
type pairVisitor func(w, r int, i, j int32)

// candidates calls visit once for every distinct pair that shares a key of
// some rule in a block that was not skipped, that involves a new record,
// and (linking) crosses sources. A pair sharing several keys is visited at
// its first (rule, key) only: no set of pairs is kept. With perRule, a pair
// is visited once for each rule that blocks it (EM's sessions need all the
// pairs of a rule).
func (t *Table) candidates(ctx context.Context, bl []*blocking, workers int, perRule bool, visit pairVisitor) (int64, error) {
	var total atomic.Int64
	for r, b := range bl {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				var n int64
				for {
					bi := int(next.Add(1) - 1)
					if bi >= len(b.blocks) || ctx.Err() != nil {
						break
					}
					sp := b.blocks[bi]
					es := b.entries[sp.lo:sp.hi]
					key := es[0].key
					for x := range es {
						i := es[x].row
						iNew := t.isNew(i)
						for y := x + 1; y < len(es); y++ {
							j := es[y].row
							if !iNew && !t.isNew(j) || t.Link && t.source[i] == t.source[j] {
								continue
							}
							if seenBefore(bl, r, key, i, j, perRule) {
								continue
							}
							n++
							visit(w, r, i, j)
						}
					}
				}
				total.Add(n)
			}(w)
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	return total.Load(), nil
}

// seenBefore reports whether records i and j share a compared key that
// comes before key of rule r: of an earlier rule (unless perRule), or a
// smaller key of r.
func seenBefore(bl []*blocking, r int, key uint64, i, j int32, perRule bool) bool {
	q0 := 0
	if perRule {
		q0 = r
	}
	for q := q0; q <= r; q++ {
		kj := bl[q].of(j)
		for _, a := range bl[q].of(i) {
			if q == r && a >= key {
				continue
			}
			for _, b := range kj {
				if a == b {
					if _, big := bl[q].oversized[a]; !big {
						return true
					}
				}
			}
		}
	}
	return false
}

func (c *Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}
