package synth

// People who appear on more than one record. The cell model counts women by
// commune and age, not one by one; a mother is one of the women of her
// commune and year of birth, picked by rank. Her name, date of birth,
// identity number and husband are functions of that identity, so the same
// woman has the same name, KIDC and husband at each of her births (and a
// woman who leaves the cell by death or migration simply stops being
// picked). Twins share their mother, date, place and registration.

// Plurality of a simulated birth.
const (
	single = iota
	firstTwin
	secondTwin
)

// motherKIDCBase puts mothers' identity numbers in a range of counter values
// the sequential issuer never reaches (it issues a few per record).
const motherKIDCBase = 500_000_000_000

type mother struct {
	idx uint64 // identity: commune, year of birth, rank
	h   uint64 // its hash, from which the rest follows
	age int    // at 1 July of the year of the birth
	yr  int
}

// motherOf picks the mother of a birth among the women aged age (at
// mid-year) of commune ci in year. Only the identity is drawn here: her
// name and the rest are worked out when a record needs them.
func (s *sim) motherOf(ci, year, age, women int) mother {
	k := 0
	if women > 0 {
		k = s.r.IntN(women)
	}
	cohort := year - age
	idx := (uint64(ci)*256+uint64(cohort-1850)&255)*1_000_000 + uint64(k%1_000_000)
	return mother{idx: idx, h: mix64(idx ^ s.seedMix), age: age, yr: year}
}

func (m *mother) name() personName    { return nameFrom(m.h, 1) }
func (m *mother) husband() personName { return nameFrom(mix64(m.h+2), 0) }

// dob is her date of birth: she is aged age at 1 July of the year.
func (m *mother) dob() day { return ymd(m.yr-m.age-1, 7, 1) + day(mix64(m.h+1)%365) }

// gap is her husband's age minus hers: 1-7 years, most often 4.
func (m *mother) gap() int {
	g := mix64(m.h + 3)
	return 1 + int(g%4) + int(g>>8%4)
}

func (m *mother) kidc(buf []byte) string { return kidcOf(motherKIDCBase+m.idx, buf) }

// birthCtx is what the second of twins shares with the first.
type birthCtx struct {
	dob        day
	reg        registration
	regCi      int
	placeCi    int
	inFacility bool
	facID      string
	facType    string
	first      *Birth // nil when the twins were not registered
	firstID    string // its event id
}
