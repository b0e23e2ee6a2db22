package link

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// Level 0 of every field is "null": a value is missing on either side, and
// the field adds nothing to the weight (Splink's convention). Levels 1.. run
// from the closest agreement to "else".
const levelNull = 0

// nLevels is the number of levels of field f, null included.
func (c *Config) nLevels(f int) int {
	fd := c.Fields[f]
	switch fd.Kind {
	case KindName: // null, exact, parts, Dice ≥ each level, token, else
		return 1 + 2 + len(fd.Levels) + 2
	case KindDate: // null, exact, transposed, near (one digit or up to 2 days), year off, else
		return 6
	case KindExact, KindID:
		return 3
	case KindPlace: // null, each prefix, else
		return 1 + len(fd.Levels) + 1
	default: // null, exact, each level, else
		return 1 + 1 + len(fd.Levels) + 1
	}
}

// LevelNames names the levels of field f, null first.
func (c *Config) LevelNames(f int) []string {
	fd := c.Fields[f]
	names := []string{"null"}
	switch fd.Kind {
	case KindName:
		names = append(names, "exact", "parts")
		for _, l := range fd.Levels {
			names = append(names, fmt.Sprintf("dice>=%g", l))
		}
		names = append(names, "token", "else")
	case KindDate:
		names = append(names, "exact", "day-month", "near", "year-off", "else")
	case KindExact:
		names = append(names, "equal", "else")
	case KindID:
		names = append(names, "equal", "different")
	case KindPlace:
		for _, l := range fd.Levels {
			names = append(names, fmt.Sprintf("%g-digits", l))
		}
		names = append(names, "else")
	default:
		names = append(names, "exact")
		sim := "jw"
		if fd.Kind == KindLevenshtein {
			sim = "lev"
		}
		for _, l := range fd.Levels {
			names = append(names, fmt.Sprintf("%s>=%g", sim, l))
		}
		names = append(names, "else")
	}
	return names
}

// level compares records i and j on field f.
func (t *Table) level(f int, i, j int32) uint8 {
	col := &t.cols[f]
	fd := &t.cfg.Fields[f]
	switch fd.Kind {
	case KindName:
		a := col.bloom[int(i)*BloomBytes : (int(i)+1)*BloomBytes]
		b := col.bloom[int(j)*BloomBytes : (int(j)+1)*BloomBytes]
		ta := col.tok[int(i)*MaxTokens : (int(i)+1)*MaxTokens]
		tb := col.tok[int(j)*MaxTokens : (int(j)+1)*MaxTokens]
		return nameLevel(a, b, ta, tb, fd.Levels)
	case KindDate:
		return dateLevel(col.i32[i], col.i32[j])
	case KindExact, KindID:
		a, b := col.u64[i], col.u64[j]
		switch {
		case a == 0 || b == 0:
			return levelNull
		case a == b:
			return 1
		}
		return 2
	case KindPlace:
		a, b := col.u64[i], col.u64[j]
		if a == 0 || b == 0 {
			return levelNull
		}
		for l, d := range fd.Levels {
			n := int(d)
			pa := placePrefix(a, n)
			if pa != 0 && pa == placePrefix(b, n) {
				return uint8(1 + l)
			}
		}
		return uint8(1 + len(fd.Levels))
	default:
		a, b := col.str[i], col.str[j]
		if a == "" || b == "" {
			return levelNull
		}
		if a == b {
			return 1
		}
		var s float64
		if fd.Kind == KindString {
			s = JaroWinkler(a, b)
		} else {
			s = LevenshteinSimilarity(a, b)
		}
		for l, th := range fd.Levels {
			if s >= th {
				return uint8(2 + l)
			}
		}
		return uint8(2 + len(fd.Levels))
	}
}

func nameLevel(a, b []byte, ta, tb []uint32, levels []float64) uint8 {
	if ta[0] == 0 && allZero(a) || tb[0] == 0 && allZero(b) {
		return levelNull
	}
	var both, na, nb int
	same := true
	for k := 0; k < BloomBytes; k += 8 {
		x, y := binary.LittleEndian.Uint64(a[k:]), binary.LittleEndian.Uint64(b[k:])
		both += bits.OnesCount64(x & y)
		na += bits.OnesCount64(x)
		nb += bits.OnesCount64(y)
		same = same && x == y
	}
	if same && ta[0] == tb[0] && ta[1] == tb[1] && ta[2] == tb[2] && ta[3] == tb[3] {
		return 1
	}
	// parts: every token agrees (the tokens are sorted), so the names have
	// the same parts up to spelling (a vowel sign dropped, a romanization
	// variant, family and given name swapped), however far apart their
	// bigrams; two siblings share the family part only.
	if ta[0] != 0 && slices.Equal(ta, tb) {
		return 2
	}
	d := 0.0
	if na+nb > 0 {
		d = 2 * float64(both) / float64(na+nb)
	}
	for l, th := range levels {
		if d >= th {
			return uint8(3 + l)
		}
	}
	for _, x := range ta {
		if x == 0 {
			break
		}
		for _, y := range tb {
			if x == y {
				return uint8(3 + len(levels))
			}
		}
	}
	return uint8(4 + len(levels))
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// dateLevel: 1 exact, 2 day and month exchanged, 3 one day apart or one
// digit different, 4 the same day and month a year apart, 5 else.
func dateLevel(a, b int32) uint8 {
	switch {
	case a == 0 || b == 0:
		return levelNull
	case a == b:
		return 1
	}
	ya, ma, da := a/10000, a/100%100, a%100
	yb, mb, db := b/10000, b/100%100, b%100
	switch {
	case ya == yb && ma == db && da == mb:
		return 2
	case digitsApart(a, b) == 1:
		return 3
	case abs32(dayNumber(ya, ma, da)-dayNumber(yb, mb, db)) <= 2: // a day or two off
		return 3
	case ma == mb && da == db && abs32(ya-yb) == 1:
		return 4
	}
	return 5
}

func digitsApart(a, b int32) int {
	n := 0
	for k := 0; k < 8; k++ {
		if a%10 != b%10 {
			n++
		}
		a, b = a/10, b/10
	}
	return n
}

// dayNumber counts days (proleptic Gregorian); an impossible date gives a
// number no neighbour shares.
func dayNumber(y, m, d int32) int32 {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return -1 << 30
	}
	if m <= 2 {
		y--
		m += 12
	}
	return 365*y + y/4 - y/100 + y/400 + (153*(m-3)+2)/5 + d
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// JaroWinkler is the Jaro–Winkler similarity as jellyfish computes it:
// match window max(len)/2−1, half the transpositions, a common prefix of
// at most 4 with p = 0.1, applied only when Jaro > 0.7.
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	la, lb := len(ra), len(rb)
	if la == 0 || lb == 0 {
		return 0
	}
	window := max(max(la, lb)/2-1, 0)
	ma := make([]bool, la)
	mb := make([]bool, lb)
	m := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		for j := lo; j <= hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	tr, k := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if ra[i] != rb[k] {
			tr++
		}
		k++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(tr/2))/fm) / 3
	if jaro <= 0.7 {
		return jaro
	}
	p := 0
	for p < min(4, la, lb) && ra[p] == rb[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// LevenshteinSimilarity is 1 − distance/max(len) (in runes).
func LevenshteinSimilarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(n)
}
