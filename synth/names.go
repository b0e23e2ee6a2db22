package synth

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Names in Khmer script with a romanization, for the registry's name
// columns only: the pipeline must never extract them, and tests look for
// them in its outputs. The lists come from sovanken/kname (MIT licence, its
// text embedded beside them so that it ships in the binary); see
// names/README.md and docs/synthetic-registry.md.
//
//go:embed names/khmer_given_names.csv names/khmer_family_names.csv names/LICENSE_kname_MIT.txt
var namesFS embed.FS

// NamesLicence is the MIT licence of the name lists, shipped with them.
func NamesLicence() string {
	b, _ := namesFS.ReadFile("names/LICENSE_kname_MIT.txt")
	return string(b)
}

// syllable is one part of a given name, in script and romanization.
type syllable struct{ km, latin string }

// givenSplits cuts the listed two-syllable given names into syllables whose
// romanizations, joined, give the listed romanization. New given names are
// composed from them (Khmer given names are often two syllables): every
// first syllable with every second. Each second syllable begins with a
// consonant, so the joined script is well formed.
var givenSplits = map[string][2]syllable{
	"សិរី":    {{"សិ", "Se"}, {"រី", "rey"}},
	"សុខា":    {{"សុ", "So"}, {"ខា", "kha"}},
	"ដារា":    {{"ដា", "Da"}, {"រា", "ra"}},
	"សោភា":    {{"សោ", "So"}, {"ភា", "phea"}},
	"សុភា":    {{"សុ", "So"}, {"ភា", "phea"}},
	"អនុ":     {{"អ", "A"}, {"នុ", "nu"}},
	"ស្រីណា":  {{"ស្រី", "Srey"}, {"ណា", "na"}},
	"មនោ":     {{"ម", "Ma"}, {"នោ", "nou"}},
	"បុរី":    {{"បុ", "Bo"}, {"រី", "rey"}},
	"វិជ្ជា":  {{"វិ", "Vi"}, {"ជ្ជា", "chhea"}},
	"វិចិត្រ": {{"វិ", "Vi"}, {"ចិត្រ", "chetr"}},
	"វិបុល":   {{"វិ", "Vi"}, {"បុល", "bol"}},
	"លក្ខិណា": {{"លក្ខិ", "Lakhe"}, {"ណា", "na"}},
	"អភិ":     {{"អ", "A"}, {"ភិ", "pi"}},
	"មេត្តា":  {{"មេ", "Me"}, {"ត្តា", "tta"}},
}

// monoFirst are listed one-syllable names that also open composed names
// (ស្រីពេជ្រ Sreypich, សុខណា Sokna); their sex weights are their own.
var monoFirst = []string{"ស្រី", "សុខ", "ពេជ្រ", "រិទ្ធ", "គុណ", "ចន្ទ"}

// composedShare is the share of given names drawn from the composed ones;
// the rest are the listed names, by their occurrences.
const composedShare = 0.5

// nameBook holds every full name as a ready string, so that drawing a name
// allocates nothing: full[sex][family*len(given)+given].
type nameBook struct {
	family    []syllable
	familyCum picker
	given     [2][]syllable // male, female
	givenCum  [2]picker
	fullKm    [2][]string
	fullLatin [2][]string
}

var names = mustLoadNames()

func mustLoadNames() *nameBook {
	b, err := loadNames()
	if err != nil {
		panic("synth: embedded name lists: " + err.Error())
	}
	return b
}

func readNamesCSV(name string, cols int) ([][]string, error) {
	b, err := namesFS.ReadFile("names/" + name)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 || len(rows[0]) != cols {
		return nil, fmt.Errorf("%s: want a header and rows of %d fields", name, cols)
	}
	for _, r := range rows[1:] {
		if !validKhmerName(r[0]) || r[1] == "" {
			return nil, fmt.Errorf("%s: %q is not a Khmer name with a romanization", name, r[0])
		}
	}
	return rows[1:], nil
}

func loadNames() (*nameBook, error) {
	fam, err := readNamesCSV("khmer_family_names.csv", 3)
	if err != nil {
		return nil, err
	}
	giv, err := readNamesCSV("khmer_given_names.csv", 4)
	if err != nil {
		return nil, err
	}
	b := &nameBook{}
	// Family names: the source's occurrences are nearly flat (28-40 in its
	// 1,000 names), while real Khmer family names are concentrated on a few;
	// the weight is occurrences ÷ rank (a Zipf law), so the five commonest
	// carry over half the people.
	slices.SortStableFunc(fam, func(x, y []string) int { return atoi(y[2]) - atoi(x[2]) })
	var fw []float64
	for i, r := range fam {
		b.family = append(b.family, syllable{r[0], r[1]})
		fw = append(fw, float64(atoi(r[2]))/float64(i+1))
	}
	b.familyCum = newPicker(fw)

	// Listed given names, one per script and romanization, weighted by sex:
	// a unisex row counts for both.
	type gname struct {
		s syllable
		w [2]float64
	}
	var listed []*gname
	byKey := map[syllable]*gname{}
	for _, r := range giv {
		k := syllable{r[0], r[1]}
		g := byKey[k]
		if g == nil {
			g = &gname{s: k}
			byKey[k] = g
			listed = append(listed, g)
		}
		n := float64(atoi(r[3]))
		switch r[2] {
		case "M":
			g.w[0] += n
		case "F":
			g.w[1] += n
		default:
			g.w[0] += n
			g.w[1] += n
		}
	}
	// Syllables carry the sex weights of the names they come from.
	type slot struct {
		s      syllable
		second bool
	}
	sylW := map[slot][2]float64{}
	var firsts, seconds []syllable
	add := func(list *[]syllable, s syllable, second bool, w [2]float64) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
		old := sylW[slot{s, second}]
		sylW[slot{s, second}] = [2]float64{old[0] + w[0], old[1] + w[1]}
	}
	for _, g := range listed {
		if sp, ok := givenSplits[g.s.km]; ok {
			add(&firsts, sp[0], false, g.w)
			add(&seconds, sp[1], true, g.w)
		}
	}
	for _, km := range monoFirst {
		for _, g := range listed {
			if g.s.km == km {
				add(&firsts, g.s, false, g.w)
				break
			}
		}
	}
	if !slices.ContainsFunc(firsts, func(s syllable) bool { return s.km == "ចន្ទ" }) {
		// ចន្ទ (moon) opens Chantrea and Channary; it is no listed name of its own.
		add(&firsts, syllable{"ចន្ទ", "Chan"}, false, [2]float64{5, 10})
	}
	seen := map[string]bool{}
	for _, g := range listed {
		seen[g.s.km] = true
	}
	type composed struct {
		s syllable
		w [2]float64
	}
	var comp []composed
	for _, f := range firsts {
		for _, s := range seconds {
			km := f.km + s.km
			if seen[km] {
				continue
			}
			seen[km] = true
			fw, sw := sylW[slot{f, false}], sylW[slot{s, true}]
			var w [2]float64
			for sx := range 2 {
				// The sex's share at each syllable, multiplied: a name of two
				// women's syllables is a woman's name.
				w[sx] = fw[sx] / (fw[0] + fw[1]) * sw[sx] / (sw[0] + sw[1])
			}
			comp = append(comp, composed{syllable{km, f.latin + s.latin}, w})
		}
	}
	for sx := range 2 {
		var ws []float64
		var lt, ct float64
		for _, g := range listed {
			lt += g.w[sx]
		}
		for _, c := range comp {
			ct += c.w[sx]
		}
		for _, g := range listed {
			if g.w[sx] > 0 {
				b.given[sx] = append(b.given[sx], g.s)
				ws = append(ws, (1-composedShare)*g.w[sx]/lt)
			}
		}
		for _, c := range comp {
			if c.w[sx] > 0 {
				b.given[sx] = append(b.given[sx], c.s)
				ws = append(ws, composedShare*c.w[sx]/ct)
			}
		}
		b.givenCum[sx] = newPicker(ws)
		n := len(b.given[sx])
		b.fullKm[sx] = make([]string, len(b.family)*n)
		b.fullLatin[sx] = make([]string, len(b.family)*n)
		for fi, f := range b.family {
			for gi, g := range b.given[sx] {
				b.fullKm[sx][fi*n+gi] = f.km + " " + g.km
				b.fullLatin[sx][fi*n+gi] = f.latin + " " + g.latin
			}
		}
	}
	for sx := range 2 {
		for _, s := range b.fullKm[sx] {
			if !validKhmerName(s) {
				return nil, fmt.Errorf("composed name %q is not well-formed Khmer", s)
			}
		}
	}
	return b, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// personName is a name: family name (index fam) and given name of sex sx.
type personName struct {
	sx, fam, given int32
}

func (p personName) km() string {
	return names.fullKm[p.sx][int(p.fam)*len(names.given[p.sx])+int(p.given)]
}
func (p personName) latin() string {
	return names.fullLatin[p.sx][int(p.fam)*len(names.given[p.sx])+int(p.given)]
}

// nameFrom draws a name from 64 random bits: the family name from the high
// half, the given name from the low half.
func nameFrom(h uint64, sx int) personName {
	return personName{
		sx:    int32(sx),
		fam:   int32(names.familyCum.pick(uint32(h >> 32))),
		given: int32(names.givenCum[sx].pick(uint32(h))),
	}
}

// givenFrom is a name of family fam with a given name drawn from h.
func givenFrom(h uint64, sx int, fam int32) personName {
	return personName{sx: int32(sx), fam: fam, given: int32(names.givenCum[sx].pick(uint32(h)))}
}

// picker draws an index from weights with one 32-bit uniform draw: a guide
// table says where to start scanning the cumulative weights, so a draw
// costs a step or two whatever the number of weights.
type picker struct {
	cum   []float64
	guide [256]int32 // guide[j]: the first index whose cumulative weight exceeds j/256
}

func newPicker(w []float64) picker {
	p := picker{cum: cumulative(w)}
	i := 0
	for j := range p.guide {
		for i < len(p.cum)-1 && p.cum[i] <= float64(j)/256 {
			i++
		}
		p.guide[j] = int32(i)
	}
	return p
}

// pick is the first index whose cumulative weight exceeds u/2^32.
func (p *picker) pick(u uint32) int {
	x := float64(u) / (1 << 32)
	i := int(p.guide[u>>24])
	for i < len(p.cum)-1 && p.cum[i] <= x {
		i++
	}
	return i
}

// name draws a person's name at random (a sex of 1 is female).
func (r rng) name(sx int) personName { return nameFrom(r.Uint64(), sx) }

// mix64 is SplitMix64's finaliser: a bijective scramble of 64 bits, for
// names and identity numbers that are functions of an identity.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Khmer script: consonants U+1780-17A2, independent vowels U+17A3-17B3,
// dependent vowel signs U+17B6-17C5, other signs U+17C6-17D1 and U+17D3,
// the coeng U+17D2 that makes the next consonant a subscript.
func isKhmerConsonant(r rune) bool { return r >= 0x1780 && r <= 0x17A2 }
func isKhmerVowelSign(r rune) bool { return r >= 0x17B6 && r <= 0x17C5 }
func isKhmerBase(r rune) bool      { return r >= 0x1780 && r <= 0x17B3 }
func isKhmerMark(r rune) bool {
	return r >= 0x17B6 && r <= 0x17D1 || r == 0x17D3 || r == 0x17DD
}

const coeng = 0x17D2

// validKhmerName reports whether s is one or more words of Khmer script
// separated by single spaces, each word starting with a consonant or an
// independent vowel, and every coeng followed by a consonant.
func validKhmerName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, w := range strings.Split(s, " ") {
		rs := []rune(w)
		if len(rs) == 0 || !isKhmerBase(rs[0]) {
			return false
		}
		for i, r := range rs {
			switch {
			case r == coeng:
				if i+1 >= len(rs) || !isKhmerConsonant(rs[i+1]) {
					return false
				}
			case isKhmerBase(r), isKhmerMark(r):
			default:
				return false
			}
		}
	}
	return true
}

// kidc issues Khmer Identification Codes: 12 digits, random-looking, unique
// within a run (an affine permutation of a counter modulo 10^12). Like the
// real KIDC they carry no information.
type kidc struct{ next uint64 }

const kidcModulus = 1_000_000_000_000

func (k *kidc) issue(buf []byte) string {
	k.next++
	return kidcOf(k.next, buf)
}

// kidcOf is the code of counter value n (n < 10^12; different n, different code).
func kidcOf(n uint64, buf []byte) string {
	hi, lo := bits.Mul64(n%kidcModulus, 714_285_714_289)
	v := (bits.Rem64(hi, lo, kidcModulus) + 271_828_182_845) % kidcModulus
	for i := 11; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[:12])
}
