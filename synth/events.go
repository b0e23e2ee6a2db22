package synth

import (
	"math"
	"strconv"
	"time"
)

// facility picks where a facility event happened: the district's referral
// hospital, the commune's health centre or a private clinic.
func (s *sim) facility(ci int) (id, kind string) {
	c := &s.w.communes[ci]
	dist := s.w.districts[c.district]
	switch u := s.r.Float64(); {
	case u < 0.45:
		return "PH" + dist, "public_hospital"
	case u < 0.85:
		return "HC" + c.code, "health_centre"
	}
	return "PC" + dist + "-" + strconv.Itoa(1+s.r.IntN(3)), "private"
}

// nearby is the commune itself or, sometimes, another of its district.
func (s *sim) nearby(ci int, p float64) int {
	if !s.r.bernoulli(p) {
		return ci
	}
	cs := s.distCommunes[s.w.communes[ci].district]
	return cs[s.r.IntN(len(cs))]
}

func (s *sim) yearOf(d day) *yearRates {
	yi := min(max(s.w.yearIndex(d.year()), 0), len(s.w.years)-1)
	return &s.w.years[yi]
}

// birthRecords registers one birth and writes its records; it returns the
// birth record when one exists (a later death of the child reuses its name
// and KIDC). The second of twins takes the first's place and registration.
func (s *sim) birthRecords(yi, ci, sx int, dob day, motherAge int, mom mother, plural int) (*Birth, error) {
	w := s.w
	yr := &w.years[yi]
	c := &w.communes[ci]
	pv := &w.provinces[c.province]
	s.acc.birth(yr.year, sx, motherAge, c.province)

	var bc birthCtx
	if plural == secondTwin {
		bc = s.twin
		s.twin = birthCtx{}
	} else {
		bc = birthCtx{dob: dob, placeCi: ci}
		bc.inFacility = s.r.bernoulli(yr.facBirth)
		if bc.inFacility {
			bc.placeCi = s.nearby(ci, 0.25)
			bc.facID, bc.facType = s.facility(bc.placeCi)
		} else if s.r.bernoulli(0.95) {
			bc.facType = "home"
		} else {
			bc.facType = "other"
		}
		bc.regCi = s.nearby(ci, 0.15)
		bc.reg = s.register(logistic(yr.regBirth+pv.regShift), dob, w.p.Registration.BirthLimitDays, bc.regCi)
	}
	reg := bc.reg
	s.countRegistration(tBirth, reg, c.province, dob)
	if !reg.available {
		if plural == firstTwin {
			s.twin = bc
		}
		return nil, s.notify(tBirth, bc.inFacility, bc.facID, bc.facType, dob, sx, motherAge, ci, nil, false)
	}
	f := float64(yi) / float64(len(w.years))
	gest := min(max(39+int(math.Round(s.r.NormFloat64()*1.7)), 24), 44)
	if plural != single {
		gest = min(gest, 37+s.r.IntN(2)) // twins come early
	}
	weight := min(max(3100+180*(gest-39)+int(s.r.NormFloat64()*420), 400), 5800)
	// The child takes the father's family name; twins differ by given name.
	child := givenFrom(s.r.Uint64(), sx, mom.husband().fam)
	for try := 0; plural == secondTwin && bc.first != nil && child.km() == bc.first.ChildName && try < 20; try++ {
		child = givenFrom(s.r.Uint64(), sx, mom.husband().fam)
	}
	b := &Birth{
		ID:                     s.id(tBirth),
		Source:                 "digitized",
		Sex:                    ptr([2]string{"M", "F"}[sx]),
		DateOfBirth:            dob.ptime(),
		PlaceCommune:           ptr(w.communes[bc.placeCi].code),
		FacilityType:           ptr(bc.facType),
		RegistrationDate:       reg.day.ptime(),
		RegistrationCommune:    w.communes[bc.regCi].code,
		MotherAge:              ptr(int32(motherAge)),
		MotherNationality:      ptr(pickStr(s.r, []string{"KHM", "VNM", "THA"}, []float64{0.985, 0.997, 1})),
		MotherResidenceCommune: ptr(c.code),
		MotherEducation: ptr(pickStr(s.r, []string{"none", "primary", "secondary", "higher"},
			[]float64{0.2 - 0.15*f, 0.7 - 0.3*f, 0.97 - 0.15*f, 1})),
		MaritalStatus:  ptr(pickStr(s.r, []string{"married", "single", "other"}, []float64{0.96, 0.99, 1})),
		BirthOrder:     ptr(int32(min(1+s.r.poisson(max(float64(motherAge)-19, 0)/5), 12))),
		Plurality:      ptr(int32(1)),
		GestationWeeks: ptr(int32(gest)),
		BirthWeightG:   ptr(int32(weight)),
		child:          child,
		mom:            mom,
	}
	if reg.ict {
		b.Source = "ict"
	}
	if plural != single {
		b.Plurality = ptr(int32(2))
	}
	b.RegNo = regNo('B', b.RegistrationCommune, yr.year, b.ID)
	// Her date of birth, when recorded, gives her age at this birth; one
	// that would put her outside the ages the registry accepts is not written.
	if a := yearsBetween(mom.dob(), dob); a >= 10 && a <= 64 {
		b.MotherDateOfBirth = mom.dob().ptime()
	}
	mdob := b.MotherDateOfBirth
	b.MotherDateOfBirth = nil
	if !s.backlog(reg) {
		b.ChildKIDC = ptr(s.issueKIDC())
		if s.r.bernoulli(0.6) || (reg.ict && s.r.bernoulli(0.875)) {
			b.MotherKIDC = ptr(mom.kidc(s.buf[:]))
			b.MotherDateOfBirth = mdob
		}
	} else if s.r.bernoulli(0.6) {
		b.MotherDateOfBirth = mdob // a paper form with her date of birth, no KIDC
	}
	if s.r.bernoulli(0.95) {
		b.FatherAge = ptr(int32(max(motherAge+mom.gap(), 16)))
		b.FatherName = ptr("") // filled by setNames
	}
	b.latin = s.r.bernoulli(s.latinShare(reg.ict))
	b.setNames()
	if bc.inFacility {
		b.FacilityID = ptr(bc.facID)
		b.Attendant = ptr(pickStr(s.r, []string{"doctor", "midwife", "nurse"}, []float64{0.3, 0.9, 1}))
	} else {
		b.Attendant = ptr(pickStr(s.r, []string{"traditional", "midwife", "none"}, []float64{0.6, 0.8, 1}))
		if s.r.bernoulli(0.7) {
			b.BirthWeightG = nil
		}
	}
	b.CreatedAt, b.DigitizedAt = s.stamps(reg)
	b.Status, b.Version, b.UpdatedAt = s.lifecycle(tBirth, b.CreatedAt)
	clean := *b // a duplicate is entered from the event, with defects of its own
	s.birthDefects(b)
	dup, route := s.r.bernoulli(w.p.Defects.Duplicate), ""
	toFile := reg.toFile
	if dup {
		route = s.dupRoute(reg.ict)
		toFile = toFile || route == routeDigitizedTwice // both contractors' drops
	}
	if err := s.write(tBirth, BirthTable, b.Values, toFile, reg.digitized); err != nil {
		return nil, err
	}
	eid := eventID(toFile, b.ID)
	switch plural {
	case firstTwin:
		bc.first, bc.firstID = b, eid
		s.twin = bc
	case secondTwin:
		if bc.first != nil && bc.first.Status != "cancelled" && b.Status != "cancelled" {
			s.twinPair(BirthTable, bc.firstID, eid)
		}
	}
	if err := s.notify(tBirth, bc.inFacility, bc.facID, bc.facType, dob, sx, motherAge, ci, b.MotherKIDC, true); err != nil {
		return nil, err
	}
	if dup {
		other := bc.placeCi // registered again where it happened, or where the family lives
		if other == bc.regCi {
			other = ci
		}
		if other == bc.regCi {
			other = s.otherCommune(ci)
		}
		if err := s.birthDuplicate(clean, b, eid, reg, route, other, yr.year); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// setNames writes the record's names from the people it is about, in
// Khmer script and, when the record has them, romanized. Every name is a
// new string, so a copy of the record can be damaged on its own.
func (b *Birth) setNames() {
	b.ChildName, b.ChildNameLatin = b.child.km(), nil
	b.MotherName, b.MotherNameLatin = b.mom.name().km(), nil
	if b.FatherName != nil {
		b.FatherName, b.FatherNameLatin = ptr(b.mom.husband().km()), nil
	}
	if b.latin {
		b.ChildNameLatin = ptr(b.child.latin())
		b.MotherNameLatin = ptr(b.mom.name().latin())
		if b.FatherName != nil {
			b.FatherNameLatin = ptr(b.mom.husband().latin())
		}
	}
}

// backlog reports whether a registration is on paper from before the forms
// had a KIDC: such records carry none, for anyone.
func (s *sim) backlog(r registration) bool { return !r.ict && r.day < s.w.kidcFrom }

func (s *sim) latinShare(ict bool) float64 {
	if ict {
		return s.w.p.Names.LatinICT
	}
	return s.w.p.Names.LatinPaper
}

// eventID is the id the ETL gives a record: reg:<id> in the registry,
// file:<id> in a file drop.
func eventID(toFile bool, id int64) string {
	if toFile {
		return "file:" + strconv.FormatInt(id, 10)
	}
	return "reg:" + strconv.FormatInt(id, 10)
}

// missingRequired blanks the event date or the sex.
func (s *sim) missingRequired(tbl *Table, id int64, date **time.Time, dateField string, sex **string) {
	if !s.r.bernoulli(s.w.p.Defects.MissingRequired) {
		return
	}
	if s.r.bernoulli(0.5) {
		*date = nil
		s.markDefect(tbl, id, "missing_required", dateField)
	} else {
		*sex = nil
		s.markDefect(tbl, id, "missing_required", "sex")
	}
}

// datesAndCommune damages the dates or the residence commune.
func (s *sim) datesAndCommune(tbl *Table, id int64, event, reg **time.Time, commune **string, communeField string) {
	df := &s.w.p.Defects
	if s.r.bernoulli(df.ImpossibleDate) {
		s.markDefect(tbl, id, "impossible_date", s.impossibleDates(event, reg))
	}
	if s.r.bernoulli(df.UnknownCommune) {
		*commune = ptr(s.badCommune())
		s.markDefect(tbl, id, "unknown_commune", communeField)
	}
}

func (s *sim) birthDefects(b *Birth) {
	df := &s.w.p.Defects
	s.missingRequired(BirthTable, b.ID, &b.DateOfBirth, "date_of_birth", &b.Sex)
	if s.r.bernoulli(df.MissingOptional) {
		field := []string{"mother_age", "birth_weight_g", "facility_type", "mother_education", "attendant"}[s.r.IntN(5)]
		switch field {
		case "mother_age":
			b.MotherAge, b.MotherDateOfBirth = nil, nil
		case "birth_weight_g":
			b.BirthWeightG = nil
		case "facility_type":
			b.FacilityType = nil
		case "mother_education":
			b.MotherEducation = nil
		case "attendant":
			b.Attendant = nil
		}
		s.markDefect(BirthTable, b.ID, "missing_optional", field)
	}
	s.datesAndCommune(BirthTable, b.ID, &b.DateOfBirth, &b.RegistrationDate, &b.MotherResidenceCommune, "mother_residence_commune")
}

// childDeath is the death of a child simulated from birth: a registered
// child dies under the name and KIDC of its birth record.
func (s *sim) childDeath(ci, sx int, dob, dod day, b *Birth) error {
	var kid *string
	var who *personName
	if b != nil {
		kid, who = b.ChildKIDC, &b.child
	}
	ageDays := dod - dob
	return s.death(ci, sx, dob, dod, yearsBetween(dob, dod), ageDays, kid, who)
}

// adultDeath is a death in the cell model at completed age a.
func (s *sim) adultDeath(yi, ci, sx, a int) error {
	y := s.w.years[yi].year
	dod := ymd(y, 1, 1) + day(s.r.IntN(daysIn(y)))
	if dod > s.w.asOf {
		dod = s.w.asOf
	}
	return s.adultDeathOn(ci, sx, a, dod)
}

// adultDeathOn is a death in the cell model at completed age a on day dod.
func (s *sim) adultDeathOn(ci, sx, a int, dod day) error {
	dob := dod - day(float64(a)*365.25) - day(s.r.IntN(365))
	var kid *string
	if s.r.bernoulli(0.7) {
		kid = ptr(s.issueKIDC())
	}
	return s.death(ci, sx, dob, dod, a, dod-dob, kid, nil)
}

// death registers one death and writes its record.
func (s *sim) death(ci, sx int, dob, dod day, ageYears int, ageDays day, kid *string, who *personName) error {
	w := s.w
	c := &w.communes[ci]
	pv := &w.provinces[c.province]
	yr := s.yearOf(dod)
	s.acc.death(yr.year, sx, c.province, ageYears, ageDays, dod)

	inFacility := s.r.bernoulli(yr.facDeath)
	placeCi := ci
	var facID, facType string
	if inFacility {
		placeCi = s.nearby(ci, 0.3)
		facID, facType = s.facility(placeCi)
	} else {
		facType = "home"
	}
	rp := &w.p.Registration
	lo := yr.regDeath + pv.regShift
	switch {
	case ageYears == 0:
		lo += math.Log(rp.InfantDeathOdds)
	case ageYears < 5:
		lo += math.Log(rp.ChildDeathOdds)
	}
	if sx == 1 {
		lo += math.Log(rp.FemaleDeathOdds)
	}
	reg := s.register(logistic(lo), dod, rp.DeathLimitDays, ci) // registered at residence
	s.countRegistration(tDeath, reg, c.province, dod)
	if reg.available {
		s.acc.dcAvl[deathAgeClass(ageYears)]++
	}
	if !reg.available {
		return s.notify(tDeath, inFacility, facID, facType, dod, sx, ageYears, ci, kid, false)
	}
	person := s.r.name(sx)
	if who != nil {
		person = *who
	}
	d := &Death{
		ID:                  s.id(tDeath),
		Source:              "digitized",
		person:              person,
		kid:                 kid,
		latin:               s.r.bernoulli(s.latinShare(reg.ict)),
		Sex:                 ptr([2]string{"M", "F"}[sx]),
		DateOfDeath:         dod.ptime(),
		PlaceCommune:        ptr(w.communes[placeCi].code),
		FacilityType:        ptr(facType),
		ResidenceCommune:    ptr(c.code),
		RegistrationDate:    reg.day.ptime(),
		RegistrationCommune: c.code,
	}
	if reg.ict {
		d.Source = "ict"
	}
	if inFacility {
		d.FacilityID = ptr(facID)
	}
	d.setNames()
	if !s.backlog(reg) {
		d.DeceasedKIDC = kid
	}
	d.RegNo = regNo('D', d.RegistrationCommune, yr.year, d.ID)
	// Age: in days under a month, months under a year, else years. Paper
	// records often give only a reported age, which informants heap.
	switch {
	case ageYears == 0 && ageDays < 28:
		d.AgeValue, d.AgeUnit = ptr(int32(ageDays)), ptr("D")
	case ageYears == 0:
		d.AgeValue, d.AgeUnit = ptr(int32(float64(ageDays)/30.44)), ptr("M")
	default:
		d.AgeValue, d.AgeUnit = ptr(int32(ageYears)), ptr("Y")
	}
	d.DateOfBirth = dob.ptime()
	df := &w.p.Defects
	if !reg.ict && s.r.bernoulli(df.AgeReported) {
		d.DateOfBirth = nil
		if ageYears >= 20 && s.r.bernoulli(df.AgeHeaping) {
			if h := s.heap(ageYears); h != ageYears {
				d.AgeValue = ptr(int32(h))
				s.markDefect(DeathTable, d.ID, "age_heaping", strconv.Itoa(ageYears)+"->"+strconv.Itoa(h))
			}
		}
	}
	switch {
	case ageYears < 15:
		d.MaritalStatus = ptr("never_married")
	default:
		d.MaritalStatus = ptr(pickStr(s.r, []string{"never_married", "married", "widowed", "divorced"},
			[]float64{0.12, 0.12 + 0.7*math.Max(0.3, 1-float64(ageYears-40)/80), 0.97, 1}))
	}
	s.causeOfDeath(d, sx, ageYears, int(ageDays), yr, inFacility)
	if sx == 1 && ageYears >= 10 && ageYears <= 54 {
		switch {
		case d.UnderlyingCause != nil && (*d.UnderlyingCause)[0] == 'O':
			d.PregnancyStatus = ptr(pickStr(s.r, []string{"pregnant", "within_42_days"}, []float64{0.4, 1}))
		default:
			d.PregnancyStatus = ptr(pickStr(s.r, []string{"not_pregnant", "unknown"}, []float64{0.85, 1}))
		}
	}
	if s.r.bernoulli(0.6) {
		d.BurialPermitNo = ptr("BP-" + strconv.FormatInt(d.ID%100_000_000_000, 10))
	}
	d.CreatedAt, d.DigitizedAt = s.stamps(reg)
	d.Status, d.Version, d.UpdatedAt = s.lifecycle(tDeath, d.CreatedAt)
	clean := *d // a duplicate is entered from the event, with defects of its own
	s.deathDefects(d)
	dup, route := s.r.bernoulli(df.Duplicate), ""
	toFile := reg.toFile
	if dup {
		route = s.dupRoute(reg.ict)
		toFile = toFile || route == routeDigitizedTwice
	}
	if err := s.write(tDeath, DeathTable, d.Values, toFile, reg.digitized); err != nil {
		return err
	}
	if err := s.notify(tDeath, inFacility, facID, facType, dod, sx, ageYears, ci, kid, true); err != nil {
		return err
	}
	if dup {
		other := placeCi
		if other == ci {
			other = s.otherCommune(ci)
		}
		return s.deathDuplicate(clean, d, eventID(toFile, d.ID), reg, route, other, yr.year)
	}
	return nil
}

// setNames writes the deceased's name, as Birth.setNames does.
func (d *Death) setNames() {
	d.DeceasedName, d.DeceasedNameLatin = d.person.km(), nil
	if d.latin {
		d.DeceasedNameLatin = ptr(d.person.latin())
	}
}

// causeOfDeath certifies the death: who certified it and which underlying
// cause (with a short chain) they wrote.
func (s *sim) causeOfDeath(d *Death, sx, ageYears, ageDays int, yr *yearRates, inFacility bool) {
	f := float64(yr.year-s.w.p.FirstYear) / float64(max(s.w.p.LastYear-s.w.p.FirstYear, 1))
	var cert string
	if inFacility {
		cert = pickStr(s.r, []string{"physician", "verbal_autopsy", "lay_report"}, []float64{0.9, 0.95, 1})
	} else {
		va := 0.02 + 0.18*f
		cert = pickStr(s.r, []string{"verbal_autopsy", "lay_report", "none"}, []float64{va, va + 0.55, 1})
	}
	d.Certification = ptr(cert)
	if cert == "none" {
		d.Manner = ptr("unknown")
		return
	}
	g := causeGroup(ageYears, ageDays)
	code := s.w.causes.codes[g][s.r.pick(s.w.causes.cum[g][sx])]
	if s.r.bernoulli(illDefinedShare[cert]) {
		code = illDefinedFor(g)
	}
	d.Manner = ptr(manner(code))
	d.UnderlyingCause = ptr(code)
	d.CauseA = ptr(code)
	if cert == "physician" && code[0] != 'R' && s.r.bernoulli(0.35) {
		// The immediate cause on line (a), the underlying on line (b).
		d.CauseB = d.CauseA
		d.CauseA = ptr(pickStr(s.r, []string{"J96.0", "R57.9", "A41.9", "I46.9"}, []float64{0.3, 0.55, 0.8, 1}))
	}
	if ageYears >= 40 && s.r.bernoulli(0.15) {
		d.CausePart2 = ptr(pickStr(s.r, []string{"I10", "E11.9", "N18.9"}, []float64{0.5, 0.8, 1}))
	}
	s.acc.coded++
	if code[0] == 'R' {
		s.acc.illDef++
	}
}

func (s *sim) deathDefects(d *Death) {
	df := &s.w.p.Defects
	s.missingRequired(DeathTable, d.ID, &d.DateOfDeath, "date_of_death", &d.Sex)
	if s.r.bernoulli(df.MissingOptional) {
		field := []string{"marital_status", "place_commune", "facility_type", "age"}[s.r.IntN(4)]
		switch field {
		case "marital_status":
			d.MaritalStatus = nil
		case "place_commune":
			d.PlaceCommune = nil
		case "facility_type":
			d.FacilityType = nil
		case "age":
			if d.DateOfBirth != nil {
				d.AgeValue, d.AgeUnit = nil, nil
			} else {
				field = "none"
			}
		}
		if field != "none" {
			s.markDefect(DeathTable, d.ID, "missing_optional", field)
		}
	}
	s.datesAndCommune(DeathTable, d.ID, &d.DateOfDeath, &d.RegistrationDate, &d.ResidenceCommune, "residence_commune")
	if d.UnderlyingCause != nil && s.r.bernoulli(df.InvalidICD) {
		bad := badICD[s.r.IntN(len(badICD))]
		d.UnderlyingCause = ptr(bad)
		d.CauseA = ptr(bad)
		s.markDefect(DeathTable, d.ID, "invalid_icd", bad)
	}
}

// countRegistration adds one event's registration outcome to the truth.
func (s *sim) countRegistration(t int, r registration, prov int, event day) {
	if !r.registered {
		return
	}
	ev := &s.acc.events[t]
	ev.Registered++
	switch r.lag {
	case 1:
		ev.Late++
	case 2:
		ev.Delayed++
	}
	if !r.available {
		return
	}
	ev.Available++
	y := s.acc.yi(event.year())
	switch t {
	case tBirth:
		s.acc.birthAvl[y][prov]++
	case tDeath:
		s.acc.deathAvl[y][prov]++
	}
}

// notify sends a health-facility notification for a facility event once
// the health-CR link runs. The notification is independent of registration:
// the funnel from one to the other is what the warehouse measures.
func (s *sim) notify(t int, inFacility bool, facID, facType string, event day, sx, age, ci int, kid *string, available bool) error {
	w := s.w
	if !inFacility || event < w.notStart || !s.r.bernoulli(w.p.Registration.Notified) {
		return nil
	}
	at := event.time().Add(time.Duration(2+s.r.IntN(72)) * time.Hour)
	if dayOf(at) > w.asOf {
		return nil
	}
	s.acc.events[t].Notified++
	if available {
		s.acc.events[t].NotifiedAndAvailable++
	}
	if kid == nil && s.r.bernoulli(0.8) {
		kid = ptr(s.issueKIDC()) // the person has one; the registry never saw it
	}
	n := &Notification{
		ID:               "N" + strconv.FormatInt(s.id(tNotification), 10),
		FacilityID:       facID,
		FacilityType:     facType,
		EventType:        eventNames[t],
		EventDate:        event.time(),
		Sex:              ptr([2]string{"M", "F"}[sx]),
		ResidenceCommune: ptr(w.communes[ci].code),
		SubjectKIDC:      kid,
		NotifiedAt:       at,
	}
	if t == tBirth {
		n.MotherAge = ptr(int32(age))
	} else {
		n.AgeYears = ptr(int32(age))
	}
	toFile := s.r.bernoulli(w.p.Registration.NotifyFileShare)
	s.acc.events[tNotification].Occurred++
	s.acc.events[tNotification].Registered++
	s.acc.events[tNotification].Available++
	return s.write(tNotification, NotificationTable, n.Values, toFile, dayOf(at))
}

// illDefinedShare is how often each kind of certifier ends with a vague cause.
var illDefinedShare = map[string]float64{"physician": 0.04, "verbal_autopsy": 0.12, "lay_report": 0.45}

func pickStr(r rng, vals []string, cum []float64) string { return vals[r.pick(cum)] }
