package link

import (
	"strings"
	"unicode"
)

// Khmer code points the normaliser needs by name.
const (
	khmerFirst      = 0x1780 // ក, first consonant
	khmerLastCons   = 0x17A2 // អ, last consonant
	khmerCoeng      = 0x17D2 // the sign that makes the next consonant a subscript
	khmerDa         = 0x178A // ដ
	khmerTa         = 0x178F // ត
	khmerRo         = 0x179A // រ
	khmerSubscript0 = 0xE000 // private-use base: a subscript consonant becomes one unit
)

// khmerUnits splits a Khmer name into parts (on white space and
// punctuation) and each part into units: a base character, or a subscript
// consonant (coeng + consonant) folded into one private-use rune, so that a
// dropped subscript costs one unit rather than two. Invisible characters
// (zero-width joiners, the inherent vowels U+17B4/U+17B5) are dropped,
// while a zero-width space separates words as in Khmer text; coeng-DA becomes coeng-TA (the two look alike and are typed for
// each other); the marks after a base are put in the Unicode encoding order
// (subscripts with RO last, register shifter, vowel, signs), because
// typists enter them in any order that renders alike; the two split vowels
// that have a precomposed form are composed.
func khmerUnits(s string) [][]rune {
	var parts [][]rune
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			sortMarks(cur)
			parts = append(parts, cur)
			cur = nil
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x200C || r == 0x200D || r == 0xFEFF || r == 0x17B4 || r == 0x17B5:
			continue
		case r == khmerCoeng:
			if i+1 < len(rs) && rs[i+1] >= khmerFirst && rs[i+1] <= khmerLastCons {
				c := rs[i+1]
				if c == khmerDa {
					c = khmerTa
				}
				cur = append(cur, khmerSubscript0+(c-khmerFirst))
				i++
			}
			// a coeng with nothing to subscript is a typing slip: dropped
		case r >= khmerFirst && r <= 0x17DD && r != 0x17D4 && r != 0x17D5 && r != 0x17DB:
			// ។ ៕ ៛ are punctuation and currency: separators below
			if n := len(cur); n > 0 && r == 0x17B8 && cur[n-1] == 0x17C1 {
				cur[n-1] = 0x17BE // េ + ី = ើ
				continue
			}
			if n := len(cur); n > 0 && r == 0x17B6 && cur[n-1] == 0x17C1 {
				cur[n-1] = 0x17C4 // េ + ា = ោ
				continue
			}
			cur = append(cur, r)
		default:
			flush() // white space, punctuation, digits, other scripts
		}
	}
	flush()
	return parts
}

// markClass orders the marks that follow a Khmer base (0 for a base).
func markClass(r rune) int {
	switch {
	case r >= khmerSubscript0 && r < khmerSubscript0+0x100:
		if r == khmerSubscript0+(khmerRo-khmerFirst) {
			return 3
		}
		return 2
	case r == 0x17CC: // robat
		return 1
	case r == 0x17C9 || r == 0x17CA: // register shifters
		return 4
	case r >= 0x17B6 && r <= 0x17C5: // dependent vowels
		return 5
	case r >= 0x17C6 && r <= 0x17DD: // other signs
		return 6
	}
	return 0
}

// sortMarks stable-sorts each run of marks after a base by markClass
// (insertion sort: runs are a few runes long).
func sortMarks(u []rune) {
	for i := 1; i < len(u); i++ {
		for j := i; j > 0; j-- {
			a, b := markClass(u[j-1]), markClass(u[j])
			if b == 0 || a <= b {
				break
			}
			u[j-1], u[j] = u[j], u[j-1]
		}
	}
}

// khmerConsonantClass maps a base consonant to the consonant of the other
// register (series) that is romanised alike (ក/គ k, ខ/ឃ kh, ច/ជ ch, ឆ/ឈ chh,
// ដ/ឌ d, ឋ/ឍ th, ណ/ន n, ត/ទ t, ថ/ធ th, ផ/ភ ph, ល/ឡ l), so that the
// skeleton is a little phonetic: a confusion between the pair of a sound
// keeps the token.
var khmerConsonantClass = map[rune]rune{
	0x1782: 0x1780, 0x1783: 0x1781, 0x1787: 0x1785, 0x1788: 0x1786,
	0x178C: 0x178A, 0x178D: 0x178B, 0x178E: 0x1793, 0x1791: 0x178F,
	0x1792: 0x1790, 0x1797: 0x1795, 0x17A1: 0x179B,
}

// khmerSkeleton is the base consonants of one part, in their register
// class: vowels, subscripts and signs are dropped, so a dropped or swapped
// vowel sign or subscript keeps the skeleton. Independent vowels (U+17A3..
// U+17B3) count as the vowel carrier អ.
func khmerSkeleton(part []rune) string {
	var b strings.Builder
	for _, r := range part {
		switch {
		case r >= khmerFirst && r <= khmerLastCons:
			if c, ok := khmerConsonantClass[r]; ok {
				r = c
			}
			b.WriteRune(r)
		case r >= 0x17A3 && r <= 0x17B3:
			b.WriteRune(khmerLastCons)
		}
	}
	return b.String()
}

// latinFold lower-cases a letter and strips its diacritic (è → e); it
// returns 0 for anything that is not a letter.
func latinFold(r rune) rune {
	r = unicode.ToLower(r)
	if r >= 'a' && r <= 'z' {
		return r
	}
	if f, ok := diacritics[r]; ok {
		return f
	}
	return 0
}

// diacritics covers the Latin-1 and Latin Extended-A letters that
// romanisations of Khmer and French-influenced spellings use.
var diacritics = func() map[rune]rune {
	m := map[rune]rune{}
	for base, list := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě",
		'g': "ĝğġģ", 'h': "ĥħ", 'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ",
		'l': "ĺļľŀł", 'n': "ñńņňŉ", 'o': "òóôõöøōŏő", 'r': "ŕŗř",
		's': "śŝşšß", 't': "ţťŧ", 'u': "ùúûüũūŭůűų", 'w': "ŵ",
		'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, r := range list {
			m[r] = base
		}
	}
	return m
}()

// latinParts splits a romanised name into lower-case, diacritic-free parts
// of letters only (on anything that is not a letter).
func latinParts(s string) []string {
	var parts []string
	var b strings.Builder
	for _, r := range s {
		if f := latinFold(r); f != 0 {
			b.WriteRune(f)
			continue
		}
		if r == '\'' || r == '’' { // O'Neil, Sok'khom: an apostrophe joins
			continue
		}
		if b.Len() > 0 {
			parts = append(parts, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		parts = append(parts, b.String())
	}
	return parts
}

// latinPhonetic maps the spelling variants of romanised Khmer names to one
// key: an h after a consonant or at the end is dropped (Chanh, Sokh, Phan →
// Chan, Sok, Pan), doubled letters are single (Chann), w is v and f is p,
// and every run of vowels becomes its class from its first letter: a, front
// (e, i, y) or back (o, u) — so Sophea/Sophia, Chea/Chia, Ouch/Uch and
// Heng/Hèng agree. A leading y is a consonant.
func latinPhonetic(p string) string {
	b := make([]byte, 0, len(p))
	vowelClass := func(c byte) byte {
		switch c {
		case 'a':
			return 'a'
		case 'e', 'i', 'y':
			return 'i'
		case 'o', 'u':
			return 'u'
		}
		return 0
	}
	prevVowel := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case 'w':
			c = 'v'
		case 'f':
			c = 'p'
		}
		if v := vowelClass(c); v != 0 && !(c == 'y' && i == 0) {
			if !prevVowel {
				b = append(b, v)
			}
			prevVowel = true
			continue
		}
		prevVowel = false
		if c == 'h' && (i == len(p)-1 || (i > 0 && vowelClass(p[i-1]) == 0)) {
			continue
		}
		if n := len(b); n > 0 && b[n-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}
