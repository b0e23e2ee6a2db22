package link

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef-test-key")

// variant pairs of the same person: romanisation variants, Khmer typos,
// swapped family and given name.
var sameName = []struct {
	why                string
	km1, lt1, km2, lt2 string
	min                float64 // least Dice (0: 0.75)
}{
	{"Chan/Chann", "ឆន ដារា", "Chan Dara", "ឆន ដារា", "Chann Dara", 0},
	{"Chan/Chanh", "ឆន ដារា", "Chan Dara", "ឆន ដារា", "Chanh Dara", 0},
	{"Sok/Sokh", "សុខ សុភា", "Sok Sophea", "សុខ សុភា", "Sokh Sophea", 0},
	{"Sophea/Sophia", "សុខ សុភា", "Sok Sophea", "សុខ សុភា", "Sok Sophia", 0},
	{"Heng/Hèng", "ហេង ចាន់", "Heng Chan", "ហេង ចាន់", "Hèng Chan", 0},
	{"Chea/Chia", "ជា សុខា", "Chea Sokha", "ជា សុខា", "Chia Sokha", 0},
	{"Ouch/Uch", "អ៊ុច វណ្ណា", "Ouch Vanna", "អ៊ុច វណ្ណា", "Uch Vanna", 0},
	{"dropped vowel sign", "ឆន ដារា", "Chan Dara", "ឆន ដរា", "Chan Dara", 0},
	{"dropped subscript", "អ៊ុច វណ្ណា", "Ouch Vanna", "អ៊ុច វណា", "Ouch Vanna", 0},
	{"marks typed in another order", "អ៊ុច វណ្ណា", "Ouch Vanna", "អុ៊ច វណ្ណា", "Ouch Vanna", 0},
	{"swapped parts", "ឆន ដារា", "Chan Dara", "ដារា ឆន", "Dara Chan", 0},
	{"zero-width space", "ឆន ដារា", "Chan Dara", "ឆន\u200bដារា", "Chan Dara", 0},
	{"Khmer only, dropped vowel", "សុខ សុភា", "", "សុខ សភា", "", 0},
	{"Latin only, variant", "", "Sok Sophea", "", "Sok Sophia", 0},
	{"Latin only, two variants", "", "Sok Sophea", "", "Sokh Sophia", 0.6},
}

var otherName = []struct{ km1, lt1, km2, lt2 string }{
	{"ឆន ដារា", "Chan Dara", "សុខ សុភា", "Sok Sophea"},
	{"ហេង ចាន់", "Heng Chan", "ជា សុខា", "Chea Sokha"},
	{"អ៊ុច វណ្ណា", "Ouch Vanna", "គឹម ស្រីមុំ", "Kim Sreymom"},
	{"ឆន ដារា", "Chan Dara", "ឆន សុខា", "Chan Sokha"}, // same family name only
	{"", "Sok Sophea", "", "Heng Vanna"},
}

func TestNameCodeVariants(t *testing.T) {
	c := NewNameCoder(testKey)
	for _, v := range sameName {
		a, b := c.Encode(v.km1, v.lt1), c.Encode(v.km2, v.lt2)
		d := Dice(a.Bloom, b.Bloom)
		s := SharedTokens(a.Tokens, b.Tokens)
		t.Logf("%-30s dice %.3f shared tokens %d of %d/%d", v.why, d, s, len(a.Tokens), len(b.Tokens))
		if v.min == 0 {
			v.min = 0.75
		}
		if d < v.min {
			t.Errorf("%s: Dice %.3f < %.2f", v.why, d, v.min)
		}
		if s == 0 {
			t.Errorf("%s: no shared token", v.why)
		}
	}
	for _, v := range otherName {
		a, b := c.Encode(v.km1, v.lt1), c.Encode(v.km2, v.lt2)
		d := Dice(a.Bloom, b.Bloom)
		t.Logf("%s / %s: dice %.3f shared %d", v.lt1, v.lt2, d, SharedTokens(a.Tokens, b.Tokens))
		if d > 0.6 {
			t.Errorf("%s vs %s: Dice %.3f > 0.6", v.lt1, v.lt2, d)
		}
	}
	// same family name only shares one token, not all
	a, b := c.Encode("ឆន ដារា", "Chan Dara"), c.Encode("ឆន សុខា", "Chan Sokha")
	if s := SharedTokens(a.Tokens, b.Tokens); s != 2 {
		t.Errorf("Chan Dara / Chan Sokha share %d tokens, want 2 (family name in each script)", s)
	}
}

func TestNameCodeShape(t *testing.T) {
	c := NewNameCoder(testKey)
	if n := c.Encode("", ""); !n.IsZero() {
		t.Errorf("empty name encodes to %+v, want the zero NameCode", n)
	}
	if n := c.Encode("  ", "- "); !n.IsZero() {
		t.Errorf("a name without letters encodes to %+v, want zero", n)
	}
	n := c.Encode("គឹម ស្រី មុំ", "Kim Srey Mom")
	if len(n.Bloom) != BloomBytes || len(n.Tokens) > MaxTokens || len(n.Tokens) == 0 {
		t.Fatalf("Kim Srey Mom: %d bloom bytes, %d tokens", len(n.Bloom), len(n.Tokens))
	}
	if size := len(n.Bloom) + 8*len(n.Tokens); size > 64 {
		t.Errorf("%d bytes per name, want ≤ 64", size)
	}
	for i, tk := range n.Tokens {
		if tk <= 0 || (i > 0 && tk <= n.Tokens[i-1]) {
			t.Errorf("tokens %v: not positive, sorted and distinct", n.Tokens)
		}
	}
	if d := Dice(n.Bloom, n.Bloom); d != 1 {
		t.Errorf("Dice with itself %.3f", d)
	}
	if d := Dice(n.Bloom, nil); d != 0 {
		t.Errorf("Dice with a missing filter %.3f", d)
	}
}

func TestNameCodeKeyed(t *testing.T) {
	a := NewNameCoder(testKey).Encode("ឆន ដារា", "Chan Dara")
	a2 := NewNameCoder(testKey).Encode("ឆន ដារា", "Chan Dara")
	b := NewNameCoder([]byte("another site key, 16+ bytes")).Encode("ឆន ដារា", "Chan Dara")
	if !bytes.Equal(a.Bloom, a2.Bloom) || SharedTokens(a.Tokens, a2.Tokens) != len(a.Tokens) {
		t.Error("same key, same name: different codes")
	}
	if bytes.Equal(a.Bloom, b.Bloom) || SharedTokens(a.Tokens, b.Tokens) != 0 {
		t.Error("different keys give the same code")
	}
	if d := Dice(a.Bloom, b.Bloom); d > 0.7 {
		t.Errorf("same name under two keys: Dice %.3f, want unrelated filters", d)
	}
}

// TestNameCodeNoClearText asserts the trivial: no part of the name, in
// either script or encoding, appears in the stored bytes.
func TestNameCodeNoClearText(t *testing.T) {
	c := NewNameCoder(testKey)
	km, lt := "ឆន ដារា", "Chan Dara"
	n := c.Encode(km, lt)
	var stored []byte
	stored = append(stored, n.Bloom...)
	for _, tk := range n.Tokens {
		stored = binary.BigEndian.AppendUint64(stored, uint64(tk))
		stored = binary.LittleEndian.AppendUint64(stored, uint64(tk))
	}
	for _, part := range append(strings.Fields(km), "Chan", "Dara", "chan", "dara", "can", "dara") {
		for _, s := range []string{part, part[:len(part)/2+1]} {
			if len(s) >= 3 && bytes.Contains(stored, []byte(s)) {
				t.Errorf("encoding contains %q", s)
			}
		}
		for _, r := range part { // the UTF-16 of a Khmer code point
			if r > 0x1000 && bytes.Contains(stored, []byte{byte(r >> 8), byte(r)}) && bytes.Contains(stored, []byte{byte(r), byte(r >> 8)}) {
				t.Logf("note: the two bytes of %U occur by chance", r)
			}
		}
	}
}

func TestLatinPhonetic(t *testing.T) {
	groups := [][]string{
		{"chan", "chann", "chanh"}, {"sok", "sokh"}, {"sophea", "sophia"},
		{"heng"}, {"chea", "chia"}, {"ouch", "uch"},
	}
	seen := map[string]string{}
	for _, g := range groups {
		want := latinPhonetic(g[0])
		for _, v := range g[1:] {
			if got := latinPhonetic(v); got != want {
				t.Errorf("latinPhonetic(%q) = %q, want %q as for %q", v, got, want, g[0])
			}
		}
		if o, ok := seen[want]; ok {
			t.Errorf("%q and %q share the key %q", g[0], o, want)
		}
		seen[want] = g[0]
	}
	if got := latinParts("Hèng  CHAN-dara"); strings.Join(got, "|") != "heng|chan|dara" {
		t.Errorf("latinParts = %q", got)
	}
}

func TestKhmerNormalise(t *testing.T) {
	// marks typed in another order and a coeng-DA normalise to one form
	a := khmerUnits("អ៊ុច ស្ដី")
	b := khmerUnits("អុ៊ច ស្តី")
	if len(a) != 2 || string(a[0]) != string(b[0]) || string(a[1]) != string(b[1]) {
		t.Errorf("khmerUnits: %q vs %q", a, b)
	}
	if khmerSkeleton([]rune("ដារា")) != khmerSkeleton([]rune("ដរា")) {
		t.Error("skeleton changes with a dropped vowel sign")
	}
	if khmerSkeleton(khmerUnits("វណ្ណា")[0]) != khmerSkeleton(khmerUnits("វណា")[0]) {
		t.Error("skeleton changes with a dropped subscript")
	}
}

func BenchmarkEncode(b *testing.B) {
	c := NewNameCoder(testKey)
	for b.Loop() {
		c.Encode("អ៊ុច វណ្ណា", "Ouch Vanna")
	}
}
