package synth

import (
	"strconv"
	"strings"
	"time"
)

// Duplicates: one event recorded twice. The second record is made from the
// first as it was before its own defects, by one of three routes, and then
// differs from it in ways a person matching records must see through (the
// defect kinds below). truth_duplicates.csv lists every group of records of
// one event the warehouse should count once; truth_defects.csv lists each
// duplicate (kind duplicate, detail the original's id) and each difference.

// The routes by which an event is recorded twice.
const (
	RouteOccurrenceResidence = "occurrence_residence"
	RouteDigitizedTwice      = "digitized_twice"
	RouteICTAndPaper         = "ict_and_paper"
)

const (
	routeOccurrenceResidence = RouteOccurrenceResidence
	routeDigitizedTwice      = RouteDigitizedTwice
	routeICTAndPaper         = RouteICTAndPaper
)

// The differences of a duplicate from its original, as named in the truth.
const (
	DefectTypoKm        = "typo_km"
	DefectTypoLatin     = "typo_latin"
	DefectRomanization  = "romanization"
	DefectNameSwap      = "name_swap"
	DefectDayMonthSwap  = "day_month_swap"
	DefectDayOff        = "day_off"
	DefectYearOff       = "year_off"
	DefectMissingField  = "missing_field"
	DefectDuplicateKind = "duplicate"
)

// DuplicateDefectKinds lists the differences in the order they are drawn.
var DuplicateDefectKinds = []string{
	DefectTypoKm, DefectTypoLatin, DefectRomanization, DefectNameSwap,
	DefectDayMonthSwap, DefectDayOff, DefectYearOff, DefectMissingField,
}

// dupRoute draws the route of a duplicate of an ICT or a paper record.
func (s *sim) dupRoute(ict bool) string {
	rt := &s.w.p.Defects.DuplicateRoute
	other, name := rt.DigitizedTwice, routeDigitizedTwice
	if ict {
		other, name = rt.ICTAndPaper, routeICTAndPaper
	}
	if s.r.Float64()*(rt.OccurrenceResidence+other) < rt.OccurrenceResidence {
		return routeOccurrenceResidence
	}
	return name
}

// otherCommune is another commune of ci's district (ci when it is alone).
func (s *sim) otherCommune(ci int) int {
	cs := s.distCommunes[s.w.communes[ci].district]
	if len(cs) < 2 {
		return ci
	}
	for {
		if o := cs[s.r.IntN(len(cs))]; o != ci {
			return o
		}
	}
}

// dupRegistration is the second record's registration: registered again
// in commune other (up to maxDays later, or the same day); the same paper
// record digitized again by the other contractor (same registration
// number); or the paper copy of an ICT registration. A second record is
// always in a source: it exists because it was found.
func (s *sim) dupRegistration(route string, orig registration, other, maxDays int) (r registration, sameRegNo bool) {
	w := s.w
	r = orig
	r.toFile = false
	switch route {
	case routeOccurrenceResidence:
		r.commune = other
		if s.r.bernoulli(0.7) {
			r.day = min(orig.day+day(1+s.r.IntN(maxDays)), w.asOf)
		}
		c := &w.communes[other]
		r.ict = c.ictFrom > 0 && r.day >= c.ictFrom
		r.digitized = 0
		if !r.ict {
			r.digitized = s.digitizedOn(r.day)
			r.toFile = s.r.bernoulli(w.p.Registration.FileDropShare)
		}
	case routeDigitizedTwice:
		r.digitized = s.otherContractor(orig)
		r.toFile = true
		sameRegNo = true
	case routeICTAndPaper:
		r.ict = false
		r.digitized = s.digitizedOn(r.day)
		r.toFile = s.r.bernoulli(w.p.Registration.FileDropShare)
	}
	return r, sameRegNo
}

// digitizedOn is when a paper record registered on d was digitized, by
// as_of at the latest.
func (s *sim) digitizedOn(d day) day {
	w := s.w
	if w.asOf < w.digStart {
		return w.asOf
	}
	if d < w.digStart {
		return w.digStart + day(s.r.IntN(int(w.asOf-w.digStart)+1))
	}
	return min(d+day(s.r.ExpFloat64()*w.p.Registration.DigitizeMeanDays), w.asOf)
}

// otherContractor is a digitization day in a month of the other parity:
// month batches alternate between the two contractors (formatOf), so the
// second copy is in the other's format and folder. When no such month lies
// between the registration and as_of, the same contractor digitized it twice.
func (s *sim) otherContractor(orig registration) day {
	w := s.w
	t := orig.digitized.time()
	lo := max(orig.day, w.digStart)
	var cand []day
	for _, off := range []int{1, 3, 5, 7, 9, 11, -1, -3} {
		d := ymd(t.Year(), t.Month()+time.Month(off), 1) + day(s.r.IntN(28))
		if d >= lo && d <= w.asOf {
			cand = append(cand, d)
		}
	}
	if len(cand) == 0 {
		return orig.digitized
	}
	return cand[s.r.IntN(len(cand))]
}

// dupStatus is the second record's life: the registrar cancels some.
func (s *sim) dupStatus(created time.Time) (string, int32, time.Time) {
	if s.r.bernoulli(s.w.p.Defects.DuplicateCancel) {
		upd := created.Add(time.Duration(1+s.r.IntN(300)) * 24 * time.Hour)
		if dayOf(upd) <= s.w.asOf {
			return "cancelled", 2, upd
		}
	}
	return "registered", 1, created
}

// nameSlot is one person's name in a record: the Khmer script and the
// romanization (nil when the record has none).
type nameSlot struct {
	col   string
	km    *string
	latin *string
}

// blankable is a field a duplicate may leave blank; blank reports whether it could.
type blankable struct {
	field string
	blank func() bool
}

// dupTarget is what dupDefects may damage in a duplicate.
type dupTarget struct {
	tbl        *Table
	id         int64
	names      []nameSlot
	event      **time.Time
	eventField string
	dateOK     func(time.Time) bool // a changed event date must stay possible
	missing    []blankable
}

// dupDefects draws the differences of a duplicate from its original, puts
// them in and lists them (truth_defects.csv and the returned kinds). A kind
// drawn that cannot apply (no romanized name, a day above 12, a date that
// would fall after the registration) leaves the record as it is.
func (s *sim) dupDefects(t dupTarget) []string {
	dd := &s.w.p.Defects.DuplicateDefect
	var kinds []string
	mark := func(kind, detail string) {
		kinds = append(kinds, kind)
		s.markDefect(t.tbl, t.id, kind, detail)
	}
	name := func(p float64, kind string, latin bool, f func(sl nameSlot) bool) {
		if !s.r.bernoulli(p) {
			return
		}
		var cand []nameSlot
		for _, sl := range t.names {
			if sl.km != nil && (!latin || sl.latin != nil) {
				cand = append(cand, sl)
			}
		}
		if len(cand) == 0 {
			return
		}
		start := s.r.IntN(len(cand))
		for i := range cand {
			if sl := cand[(start+i)%len(cand)]; f(sl) {
				mark(kind, sl.col)
				return
			}
		}
	}
	name(dd.TypoKm, DefectTypoKm, false, func(sl nameSlot) (ok bool) {
		*sl.km, ok = typoKhmer(s.r, *sl.km)
		return ok
	})
	name(dd.TypoLatin, DefectTypoLatin, true, func(sl nameSlot) (ok bool) {
		*sl.latin, ok = typoLatin(s.r, *sl.latin)
		return ok
	})
	name(dd.Romanization, DefectRomanization, true, func(sl nameSlot) (ok bool) {
		*sl.latin, ok = romanize(s.r, *sl.latin)
		return ok
	})
	name(dd.NameSwap, DefectNameSwap, false, func(sl nameSlot) bool {
		*sl.km = swapNameParts(*sl.km)
		if sl.latin != nil {
			*sl.latin = swapNameParts(*sl.latin)
		}
		return true
	})
	date := func(p float64, kind string, f func(e time.Time) []time.Time) {
		if !s.r.bernoulli(p) || *t.event == nil {
			return
		}
		e := **t.event
		var ok []time.Time
		for _, n := range f(e) {
			if !n.Equal(e) && t.dateOK(n) {
				ok = append(ok, n)
			}
		}
		if len(ok) > 0 {
			n := ok[s.r.IntN(len(ok))]
			*t.event = &n
			mark(kind, t.eventField)
		}
	}
	date(dd.DayMonthSwap, DefectDayMonthSwap, func(e time.Time) []time.Time {
		if e.Day() > 12 {
			return nil
		}
		return []time.Time{time.Date(e.Year(), time.Month(e.Day()), int(e.Month()), 0, 0, 0, 0, time.UTC)}
	})
	date(dd.DayOff, DefectDayOff, func(e time.Time) []time.Time {
		return []time.Time{e.AddDate(0, 0, -2), e.AddDate(0, 0, -1), e.AddDate(0, 0, 1), e.AddDate(0, 0, 2)}
	})
	date(dd.YearOff, DefectYearOff, func(e time.Time) []time.Time {
		y := e.Year()
		typo := y - y%10 + (y%10+1+s.r.IntN(9))%10 // the last digit mistyped
		return []time.Time{e.AddDate(-1, 0, 0), e.AddDate(1, 0, 0), time.Date(typo, e.Month(), e.Day(), 0, 0, 0, 0, time.UTC)}
	})
	if s.r.bernoulli(dd.MissingField) {
		start := s.r.IntN(len(t.missing))
		for i := range t.missing {
			if m := t.missing[(start+i)%len(t.missing)]; m.blank() {
				mark(DefectMissingField, m.field)
				break
			}
		}
	}
	return kinds
}

// birthDuplicate writes the second record of a birth whose first is orig
// (clean is orig before its own defects; origID its event id).
func (s *sim) birthDuplicate(clean Birth, orig *Birth, origID string, reg registration, route string, other, year int) error {
	w := s.w
	dr, sameRegNo := s.dupRegistration(route, reg, other, 200)
	d := clean
	d.ID = s.id(tBirth)
	d.RegistrationCommune = w.communes[dr.commune].code
	d.RegistrationDate = dr.day.ptime()
	d.Source = "digitized"
	if dr.ict {
		d.Source = "ict"
	}
	if !sameRegNo {
		d.RegNo = regNo('B', d.RegistrationCommune, year, d.ID)
	}
	d.CreatedAt, d.DigitizedAt = s.stamps(dr)
	d.Status, d.Version, d.UpdatedAt = s.dupStatus(d.CreatedAt)
	// Identity numbers: none on a backlog form; a registration elsewhere
	// issues the child a second code, the mother's is her own.
	if s.backlog(dr) {
		d.ChildKIDC, d.MotherKIDC = nil, nil
	} else {
		if route == routeOccurrenceResidence || d.ChildKIDC == nil {
			d.ChildKIDC = ptr(s.issueKIDC())
		}
		if d.MotherKIDC == nil && route == routeOccurrenceResidence && (s.r.bernoulli(0.6) || dr.ict && s.r.bernoulli(0.875)) {
			d.MotherKIDC = ptr(d.mom.kidc(s.buf[:]))
		}
	}
	if route != routeDigitizedTwice { // the same paper has the same names
		d.latin = s.r.bernoulli(s.latinShare(dr.ict))
	}
	d.setNames()
	names := []nameSlot{{"child_name", &d.ChildName, d.ChildNameLatin}, {"mother_name", &d.MotherName, d.MotherNameLatin}}
	if d.FatherName != nil {
		names = append(names, nameSlot{"father_name", d.FatherName, d.FatherNameLatin})
	}
	kinds := s.dupDefects(dupTarget{
		tbl: BirthTable, id: d.ID, names: names, event: &d.DateOfBirth, eventField: "date_of_birth",
		dateOK: func(n time.Time) bool {
			if n.After(*d.RegistrationDate) || n.Year() < 1900 {
				return false
			}
			if d.MotherDateOfBirth != nil {
				a := yearsBetween(dayOf(*d.MotherDateOfBirth), dayOf(n))
				return a >= 10 && a <= 64
			}
			return true
		},
		missing: []blankable{
			{"father_name", func() bool {
				ok := d.FatherName != nil
				d.FatherName, d.FatherNameLatin, d.FatherAge = nil, nil, nil
				return ok
			}},
			{"mother_age", func() bool {
				ok := d.MotherAge != nil || d.MotherDateOfBirth != nil
				d.MotherAge, d.MotherDateOfBirth = nil, nil
				return ok
			}},
			{"place_commune", func() bool {
				ok := d.PlaceCommune != nil
				d.PlaceCommune = nil
				return ok
			}},
		},
	})
	s.acc.duplicate(tBirth, route)
	s.markDefect(BirthTable, d.ID, DefectDuplicateKind, strconv.FormatInt(orig.ID, 10))
	s.birthDefects(&d)
	if err := s.write(tBirth, BirthTable, d.Values, dr.toFile, dr.digitized); err != nil {
		return err
	}
	if orig.Status != "cancelled" && d.Status != "cancelled" {
		s.dupGroup(tBirth, BirthTable, origID, eventID(dr.toFile, d.ID), route, kinds)
	}
	return nil
}

// deathDuplicate writes the second record of a death, as birthDuplicate.
func (s *sim) deathDuplicate(clean Death, orig *Death, origID string, reg registration, route string, other, year int) error {
	w := s.w
	dr, sameRegNo := s.dupRegistration(route, reg, other, 60)
	d := clean
	d.ID = s.id(tDeath)
	d.RegistrationCommune = w.communes[dr.commune].code
	d.RegistrationDate = dr.day.ptime()
	d.Source = "digitized"
	if dr.ict {
		d.Source = "ict"
	}
	if !sameRegNo {
		d.RegNo = regNo('D', d.RegistrationCommune, year, d.ID)
	}
	d.CreatedAt, d.DigitizedAt = s.stamps(dr)
	d.Status, d.Version, d.UpdatedAt = s.dupStatus(d.CreatedAt)
	d.DeceasedKIDC = d.kid // a person's own code, on any form that has the field
	if s.backlog(dr) {
		d.DeceasedKIDC = nil
	}
	if route != routeDigitizedTwice {
		d.latin = s.r.bernoulli(s.latinShare(dr.ict))
	}
	d.setNames()
	kinds := s.dupDefects(dupTarget{
		tbl: DeathTable, id: d.ID, event: &d.DateOfDeath, eventField: "date_of_death",
		names: []nameSlot{{"deceased_name", &d.DeceasedName, d.DeceasedNameLatin}},
		dateOK: func(n time.Time) bool {
			return !n.After(*d.RegistrationDate) && n.Year() >= 1900 && (d.DateOfBirth == nil || !n.Before(*d.DateOfBirth))
		},
		missing: []blankable{
			{"place_commune", func() bool {
				ok := d.PlaceCommune != nil
				d.PlaceCommune = nil
				return ok
			}},
			{"date_of_birth", func() bool {
				ok := d.DateOfBirth != nil && d.AgeValue != nil // the age stays
				if ok {
					d.DateOfBirth = nil
				}
				return ok
			}},
		},
	})
	s.acc.duplicate(tDeath, route)
	s.markDefect(DeathTable, d.ID, DefectDuplicateKind, strconv.FormatInt(orig.ID, 10))
	s.deathDefects(&d)
	if err := s.write(tDeath, DeathTable, d.Values, dr.toFile, dr.digitized); err != nil {
		return err
	}
	if orig.Status != "cancelled" && d.Status != "cancelled" {
		s.dupGroup(tDeath, DeathTable, origID, eventID(dr.toFile, d.ID), route, kinds)
	}
	return nil
}

// dupGroup lists a group of two records of one event in truth_duplicates.csv.
func (s *sim) dupGroup(t int, tbl *Table, group, second, route string, kinds []string) {
	s.acc.events[t].DuplicateGroups++
	if s.out != nil && s.out.dups != nil {
		s.out.dups.line(tbl.Name, group, group, route, "")
		s.out.dups.line(tbl.Name, second, group, route, strings.Join(kinds, ";"))
	}
}

// twinPair lists twins in truth_twins.csv: two births, not duplicates.
func (s *sim) twinPair(tbl *Table, first, second string) {
	s.acc.events[tBirth].TwinPairs++
	if s.out != nil && s.out.twins != nil {
		s.out.twins.line(tbl.Name, first, first)
		s.out.twins.line(tbl.Name, second, first)
	}
}
