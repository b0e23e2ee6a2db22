package link

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Synthetic births for benchmarks and tests: Khmer-looking names made of
// syllables (family names concentrated on a few, as in Cambodia), with
// their romanisation, and duplicates carrying the defects of issue 17.

// syllable is one Khmer onset + vowel and its romanisation.
type syllable struct{ km, lt string }

var (
	synthOnsets = []syllable{
		{"ក", "k"}, {"ខ", "kh"}, {"ច", "ch"}, {"ឆ", "chh"}, {"ដ", "d"}, {"ត", "t"},
		{"ថ", "th"}, {"ន", "n"}, {"ប", "b"}, {"ព", "p"}, {"ភ", "ph"}, {"ម", "m"},
		{"យ", "y"}, {"រ", "r"}, {"ល", "l"}, {"វ", "v"}, {"ស", "s"}, {"ហ", "h"},
		{"ស្រ", "sr"}, {"ប្រ", "pr"}, {"ក្រ", "kr"}, {"អ", ""},
	}
	synthVowels = []syllable{
		{"ា", "a"}, {"ី", "i"}, {"ុ", "o"}, {"េ", "e"}, {"ែ", "ae"}, {"ោ", "ao"},
		{"ៀ", "ie"}, {"ឿ", "oeu"}, {"ួ", "uo"}, {"", "o"},
	}
	synthCodas = []syllable{{"", ""}, {"ន", "n"}, {"ង", "ng"}, {"ម", "m"}, {"ក", "k"}, {"ត", "t"}, {"យ", "y"}}
)

type synthName struct{ km, lt string }

func synthWord(r *rand.Rand, syllables int) synthName {
	var km, lt strings.Builder
	for s := 0; s < syllables; s++ {
		o := synthOnsets[r.IntN(len(synthOnsets))]
		v := synthVowels[r.IntN(len(synthVowels))]
		c := synthCodas[r.IntN(len(synthCodas))]
		km.WriteString(o.km + v.km + c.km)
		lt.WriteString(o.lt + v.lt + c.lt)
	}
	l := lt.String()
	return synthName{km.String(), strings.ToUpper(l[:1]) + l[1:]}
}

// synthPerson is one birth's true values.
type synthPerson struct {
	childFam, childGiven, motherFam, motherGiven synthName
	dob                                          int32
	sex                                          string
	place                                        string
}

// SyntheticConfig is the config of the records SyntheticBirths makes:
// the child's and the mother's names, date of birth, sex and the place
// (6-digit commune code).
func SyntheticConfig() *Config {
	return &Config{
		Fields: []Field{
			{Name: "child", Kind: KindName},
			{Name: "mother", Kind: KindName},
			{Name: "dob", Kind: KindDate},
			{Name: "sex", Kind: KindExact},
			{Name: "place", Kind: KindPlace},
		},
		Blocks: []Block{
			// sized for national scale, where a family name token is shared
			// by a tenth of the births: each rule adds a date or place part
			{Keys: []string{"child.token", "dob"}},                              // day-month swap, other commune
			{Keys: []string{"mother.token", "dob.month_day", "place.province"}}, // year off
			{Keys: []string{"child.token", "dob.year", "place.district"}},       // day off, day-month swap
			// a rule without the date, so that EM has a session where the
			// date is free to disagree
			{Keys: []string{"mother.token", "place"}},
		},
		Threshold: 6,
		Review:    0,
		UPairs:    300_000,
	}
}

// SyntheticBirths makes n birth records of which about dupShare are
// duplicates of another (each with one or two defects: a Khmer typo, a
// romanisation variant, swapped name parts, day and month exchanged, a day
// or a year off, a missing field, another commune), encoded under key.
// Record ids are "b%08d"; truth maps each id to its person.
func SyntheticBirths(cfg *Config, n int, dupShare float64, seed uint64, key []byte) (*Table, map[string]string, error) {
	t, err := NewTable(cfg, n)
	if err != nil {
		return nil, nil, err
	}
	truth := make(map[string]string, n)
	err = SyntheticRecords(n, dupShare, seed, key, func(rec Record, person int) error {
		truth[rec.ID] = fmt.Sprint(person)
		return t.Add(rec)
	})
	if err != nil {
		return nil, nil, err
	}
	return t, truth, nil
}

// SyntheticRecords streams the records of SyntheticBirths to add, with the
// number of their true person.
func SyntheticRecords(n int, dupShare float64, seed uint64, key []byte, add func(r Record, person int) error) error {
	r := rand.New(rand.NewPCG(seed, 17))
	coder := NewNameCoder(key)
	families := make([]synthName, 300)
	for i := range families {
		families[i] = synthWord(r, 1)
	}
	givens := make([]synthName, 5000)
	for i := range givens {
		givens[i] = synthWord(r, 1+r.IntN(2))
	}
	zipf := rand.NewZipf(r, 1.2, 4, uint64(len(families)-1)) // a few family names dominate
	newPerson := func() synthPerson {
		y, m, d := 1990+r.IntN(35), 1+r.IntN(12), 1+r.IntN(28)
		return synthPerson{
			childFam: families[zipf.Uint64()], childGiven: givens[r.IntN(len(givens))],
			motherFam: families[zipf.Uint64()], motherGiven: givens[r.IntN(len(givens))],
			dob:   int32(y*10000 + m*100 + d),
			sex:   []string{"M", "F"}[r.IntN(2)],
			place: fmt.Sprintf("%02d%02d%02d", 1+r.IntN(25), 1+r.IntN(12), 1+r.IntN(15)),
		}
	}
	var persons []synthPerson
	rec := Record{Names: make([]NameCode, 2), Dates: make([]int32, 1), Values: make([]string, 2)}
	for i := 0; i < n; i++ {
		var p synthPerson
		pid := len(persons)
		dup := len(persons) > 0 && r.Float64() < dupShare
		if dup {
			pid = r.IntN(len(persons))
			p = persons[pid]
		} else {
			p = newPerson()
			persons = append(persons, p)
		}
		childKm, childLt := p.childFam.km+" "+p.childGiven.km, p.childFam.lt+" "+p.childGiven.lt
		motherKm, motherLt := p.motherFam.km+" "+p.motherGiven.km, p.motherFam.lt+" "+p.motherGiven.lt
		dob, place, sex := p.dob, p.place, p.sex
		if dup {
			for k := 0; k < 1+r.IntN(2); k++ {
				switch r.IntN(9) {
				case 0: // Khmer typo: drop a vowel sign or subscript
					childKm = dropKhmerMark(r, childKm)
				case 1:
					motherLt = romanVariant(motherLt)
				case 2:
					childKm, childLt = p.childGiven.km+" "+p.childFam.km, p.childGiven.lt+" "+p.childFam.lt
				case 3:
					if d := dob % 100; d <= 12 {
						dob = dob/10000*10000 + d*100 + dob/100%100
					}
				case 4:
					dob++
					if dob%100 > 28 {
						dob -= 2
					}
				case 5:
					dob += 10000
				case 6:
					motherKm, motherLt = "", ""
				case 7:
					place = place[:4] + fmt.Sprintf("%02d", 1+r.IntN(15))
				case 8:
					childLt = romanVariant(childLt)
				}
			}
		}
		rec.ID = fmt.Sprintf("b%08d", i)
		rec.Names[0] = coder.Encode(childKm, childLt)
		rec.Names[1] = coder.Encode(motherKm, motherLt)
		rec.Dates[0] = dob
		rec.Values[0], rec.Values[1] = sex, place
		if err := add(rec, pid); err != nil {
			return err
		}
	}
	return nil
}

// dropKhmerMark drops one dependent vowel sign or subscript consonant.
func dropKhmerMark(r *rand.Rand, s string) string {
	rs := []rune(s)
	var at []int
	for i, c := range rs {
		if c >= 0x17B6 && c <= 0x17C5 || c == khmerCoeng {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return s
	}
	i := at[r.IntN(len(at))]
	if rs[i] == khmerCoeng && i+1 < len(rs) {
		return string(append(rs[:i:i], rs[i+2:]...))
	}
	return string(append(rs[:i:i], rs[i+1:]...))
}

// romanVariant spells a romanisation another common way.
func romanVariant(s string) string {
	for _, v := range [][2]string{{"ea", "ia"}, {"ou", "u"}, {"n ", "nn "}, {"k ", "kh "}, {"ie", "ia"}, {"o", "ô"}} {
		if strings.Contains(s, v[0]) {
			return strings.Replace(s, v[0], v[1], 1)
		}
	}
	return s + "h"
}
