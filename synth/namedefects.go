package synth

import (
	"strings"
	"unicode"
)

// How a name goes wrong when an event is entered again: a Khmer typing
// slip, a Latin typing slip, another romanization, or the two parts
// swapped. Each returns the damaged name and whether it could damage it.

// khmerVowelSigns are the dependent vowels a typist hits instead of another.
var khmerVowelSigns = []rune("ាិីឹឺុូួើឿៀេែៃោៅ")

// khmerSubscripts are the consonants commonly written below another.
var khmerSubscripts = []rune("កខគងចជញដតទនបពមយរលវសហ")

// typoKhmer drops, replaces or moves a vowel sign, or drops or replaces a
// subscript consonant (U+17D2 and its consonant). The result is still
// well-formed script.
func typoKhmer(r rng, s string) (string, bool) {
	rs := []rune(s)
	var vowels, subs, movable []int
	for i, c := range rs {
		switch {
		case isKhmerVowelSign(c):
			vowels = append(vowels, i)
			if i+1 < len(rs) && isKhmerConsonant(rs[i+1]) {
				movable = append(movable, i) // C1 V C2 -> C1 C2 V
			}
		case c == coeng && i+1 < len(rs) && isKhmerConsonant(rs[i+1]):
			subs = append(subs, i)
		}
	}
	type op struct {
		kind int
		at   []int
	}
	var ops []op
	for k, at := range [][]int{vowels, vowels, movable, subs, subs} {
		if len(at) > 0 {
			ops = append(ops, op{k, at})
		}
	}
	if len(ops) == 0 {
		return s, false
	}
	for range 4 {
		o := ops[r.IntN(len(ops))]
		i := o.at[r.IntN(len(o.at))]
		out := append([]rune(nil), rs...)
		switch o.kind {
		case 0: // drop a vowel sign
			out = append(out[:i], out[i+1:]...)
		case 1: // another vowel sign
			out[i] = khmerVowelSigns[r.IntN(len(khmerVowelSigns))]
		case 2: // the vowel sign typed after the next consonant
			out[i], out[i+1] = out[i+1], out[i]
		case 3: // drop the subscript
			out = append(out[:i], out[i+2:]...)
		case 4: // another subscript consonant
			out[i+1] = khmerSubscripts[r.IntN(len(khmerSubscripts))]
		}
		if t := string(out); t != s && validKhmerName(t) {
			return t, true
		}
	}
	return s, false
}

// typoLatin drops, swaps or replaces a letter; a word's first letter stays,
// and no word loses its last letter.
func typoLatin(r rng, s string) (string, bool) {
	rs := []rune(s)
	var pos []int // letters that are not the first of their word
	for i := 1; i < len(rs); i++ {
		if rs[i] != ' ' && rs[i-1] != ' ' {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return s, false
	}
	for range 4 {
		i := pos[r.IntN(len(pos))]
		out := append([]rune(nil), rs...)
		switch r.IntN(3) {
		case 0:
			out = append(out[:i], out[i+1:]...)
		case 1:
			if i+1 >= len(out) || out[i+1] == ' ' {
				continue
			}
			out[i], out[i+1] = out[i+1], out[i]
		case 2:
			out[i] = rune('a' + r.IntN(26))
		}
		if t := string(out); t != s {
			return t, true
		}
	}
	return s, false
}

// romanizations are other spellings of the same Khmer name, as clerks and
// contractors write them (docs/synthetic-registry.md lists the table).
var romanizations = map[string][]string{
	// Family names.
	"Chan": {"Chann", "Chanh"}, "Sok": {"Sokh"}, "Heng": {"Hèng", "Hieng"}, "Chea": {"Chia"},
	"Ouch": {"Uch"}, "Kim": {"Kym"}, "Ly": {"Lee", "Li"}, "Thach": {"Thac", "Tach"},
	"Hak": {"Hac"}, "Thong": {"Tong"}, "Sokhon": {"Sokhorn"}, "Long": {"Loung"},
	"Van": {"Vann"}, "Bun": {"Boun", "Bunn"}, "Um": {"Oum"}, "Saen": {"Sen", "Sean"},
	"Vong": {"Vung"}, "Yi": {"Yee"}, "Chhay": {"Chhai", "Chay"}, "Nuon": {"Noun"},
	"Sum": {"Som"}, "Vann": {"Van"}, "Huot": {"Hout"}, "Sen": {"Senn"}, "Seng": {"Sieng"},
	"Heoun": {"Hoeun", "Hoeurn"}, "Luch": {"Louch"}, "Cheung": {"Chheung"}, "Saom": {"Sorm"},
	// Given names.
	"Sophea": {"Sophia"}, "Dara": {"Darah"}, "Sokha": {"Sokhar"}, "Serey": {"Serei"},
	"Kon": {"Korn"}, "Cheurn": {"Choeun"}, "Anu": {"Anou"}, "Sreyna": {"Sreina"},
	"Manou": {"Mano"}, "Rith": {"Rit", "Reth"}, "San": {"Sann"}, "Pich": {"Pech"},
	"Chantrea": {"Chanthrea"}, "Bopha": {"Bopa"}, "Lakhena": {"Leakhena"}, "Chakra": {"Chakkra"},
	"Vichhea": {"Vichea"}, "Borey": {"Borei"}, "Vichetr": {"Vichet"}, "Api": {"Aphi"},
	"Sith": {"Sit", "Seth"}, "Channary": {"Chanary"}, "Metta": {"Meta"}, "Srey": {"Srei"},
	"Kun": {"Kunn", "Koun"}, "Vibol": {"Vibul"},
}

// romanizationRules respell part of a composed given name that is not in
// the table: the first occurrence of from becomes to.
var romanizationRules = [][2]string{
	{"phea", "phia"}, {"chhea", "chea"}, {"ey", "ei"}, {"ou", "o"}, {"kha", "ka"}, {"Srey", "Srei"}, {"ra", "rah"},
}

// romanizationVariants are the other spellings of one word.
func romanizationVariants(w string) []string {
	if v, ok := romanizations[w]; ok {
		return v
	}
	var out []string
	for _, rule := range romanizationRules {
		if strings.Contains(w, rule[0]) {
			out = append(out, strings.Replace(w, rule[0], rule[1], 1))
		}
	}
	return out
}

// romanize respells one word of a romanized name.
func romanize(r rng, s string) (string, bool) {
	words := strings.Split(s, " ")
	var cand []int
	for i, w := range words {
		if len(romanizationVariants(w)) > 0 {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return s, false
	}
	i := cand[r.IntN(len(cand))]
	v := romanizationVariants(words[i])
	words[i] = v[r.IntN(len(v))]
	return strings.Join(words, " "), true
}

// swapNameParts writes the given name first: "Chan Dara" becomes "Dara Chan".
func swapNameParts(s string) string {
	fam, given, ok := strings.Cut(s, " ")
	if !ok {
		return s
	}
	return given + " " + fam
}

// isLatinName reports whether s is words of letters separated by single spaces.
func isLatinName(s string) bool {
	for _, w := range strings.Split(s, " ") {
		if w == "" {
			return false
		}
		for _, c := range w {
			if !unicode.IsLetter(c) || c > 0x24F {
				return false
			}
		}
	}
	return true
}
