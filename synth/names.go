package synth

import "math/bits"

// Names in Latin transliteration, for the registry's name columns only: the
// pipeline must never extract them, and tests look for them in its outputs.
var (
	familyNames = []string{"Chan", "Sok", "Kim", "Heng", "Ly", "Lim", "Meas", "Noun", "Phan", "Seng", "Keo", "Chea", "Hun", "Prak", "Ouk", "Touch"}
	maleNames   = []string{"Dara", "Rithy", "Sovann", "Kosal", "Vannak", "Samnang", "Visal", "Piseth", "Bunthoeun", "Sokha", "Chanthou", "Rotha"}
	femaleNames = []string{"Sophea", "Chenda", "Bopha", "Pisey", "Sreymom", "Channary", "Kanha", "Leakhena", "Malis", "Sokunthea", "Raksmey", "Vanny"}
)

func (r rng) name(female bool) string {
	given := maleNames
	if female {
		given = femaleNames
	}
	return familyNames[r.IntN(len(familyNames))] + " " + given[r.IntN(len(given))]
}

// kidc issues Khmer Identification Codes: 12 digits, random-looking, unique
// within a run (an affine permutation of a counter modulo 10^12). Like the
// real KIDC they carry no information.
type kidc struct{ next uint64 }

const kidcModulus = 1_000_000_000_000

func (k *kidc) issue(buf []byte) string {
	k.next++
	hi, lo := bits.Mul64(k.next%kidcModulus, 714_285_714_289)
	v := (bits.Rem64(hi, lo, kidcModulus) + 271_828_182_845) % kidcModulus
	for i := 11; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[:12])
}
