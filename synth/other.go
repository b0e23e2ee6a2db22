package synth

import "math"

// fetalCauses are the usual certified causes of late fetal death.
var (
	fetalCauses = []string{"P95", "P20.9", "P02.1", "P00.0", "P01.1", "P02.7", "Q00.0"}
	fetalCum    = cumulative([]float64{50, 20, 8, 7, 5, 5, 5})
)

// fetalDeaths simulates the fetal deaths of a commune-year from its births:
// late-term ones at the stillbirth rate, plus some earlier ones, reported
// only when the delivery happened in a facility.
func (s *sim) fetalDeaths(yi, ci, births int, motherAges []int) error {
	w := s.w
	yr := &w.years[yi]
	c := &w.communes[ci]
	pv := &w.provinces[c.province]
	n := s.r.poisson(float64(births) * w.p.StillbirthRate / 1000 / 0.9)
	for range n {
		s.acc.occurred[s.acc.yi(yr.year)][tFetal]++
		if len(motherAges) == 0 || !s.r.bernoulli(yr.facBirth) {
			continue
		}
		dod := ymd(yr.year, 1, 1) + day(s.r.IntN(daysIn(yr.year)))
		reg := s.register(logistic(logit(w.p.Registration.FetalDeath)+pv.regShift), dod, w.p.Registration.BirthLimitDays, ci)
		s.countRegistration(tFetal, reg, c.province, dod)
		if !reg.available {
			continue
		}
		gest := 28 + s.r.IntN(15)
		if s.r.bernoulli(0.1) {
			gest = 22 + s.r.IntN(6) // early fetal deaths, outside the stillbirth definition
		}
		placeCi := s.nearby(ci, 0.25)
		facID, facType := s.facility(placeCi)
		age := motherAges[s.r.IntN(len(motherAges))]
		mom := s.motherOf(ci, yr.year, age, int(s.cell[ci][1][age]))
		f := &FetalDeath{
			ID:                     s.id(tFetal),
			Source:                 "digitized",
			MotherName:             mom.name().km(),
			MotherAge:              ptr(int32(age)),
			Sex:                    ptr(pickStr(s.r, []string{"M", "F", "U"}, []float64{0.5, 0.95, 1})),
			DateOfDelivery:         dod.ptime(),
			GestationWeeks:         ptr(int32(gest)),
			BirthWeightG:           ptr(int32(min(max(int(math.Round(3100-190*float64(39-gest)+s.r.NormFloat64()*400)), 300), 5000))),
			PlaceCommune:           ptr(w.communes[placeCi].code),
			FacilityID:             ptr(facID),
			FacilityType:           ptr(facType),
			MotherResidenceCommune: ptr(c.code),
			RegistrationDate:       reg.day.ptime(),
			RegistrationCommune:    c.code,
			CauseICD10:             ptr(fetalCauses[s.r.pick(fetalCum)]),
		}
		if reg.ict {
			f.Source = "ict"
		}
		if s.r.bernoulli(s.latinShare(reg.ict)) {
			f.MotherNameLatin = ptr(mom.name().latin())
		}
		if s.r.bernoulli(0.7) && !s.backlog(reg) {
			f.MotherKIDC = ptr(mom.kidc(s.buf[:]))
		}
		f.RegNo = regNo('F', f.RegistrationCommune, yr.year, f.ID)
		f.CreatedAt, f.DigitizedAt = s.stamps(reg)
		f.Status, f.Version, f.UpdatedAt = s.lifecycle(tFetal, f.CreatedAt)
		if s.r.bernoulli(w.p.Defects.MissingOptional) {
			f.GestationWeeks = nil
			s.markDefect(FetalDeathTable, f.ID, "missing_optional", "gestation_weeks")
		}
		if err := s.write(tFetal, FetalDeathTable, f.Values, reg.toFile, reg.digitized); err != nil {
			return err
		}
	}
	return nil
}

// marriages simulates a commune-year's marriages at the crude marriage rate.
func (s *sim) marriages(yi, ci int, pop *[2][maxAge + 1]int32) error {
	w := s.w
	yr := &w.years[yi]
	c := &w.communes[ci]
	pv := &w.provinces[c.province]
	var total int
	for sx := range 2 {
		for _, n := range pop[sx] {
			total += int(n)
		}
	}
	n := s.r.poisson(float64(total) * w.p.CrudeMarriageRate / 1000)
	for range n {
		s.acc.occurred[s.acc.yi(yr.year)][tMarriage]++
		dom := ymd(yr.year, 1, 1) + day(s.r.IntN(daysIn(yr.year)))
		reg := s.register(logistic(logit(w.p.Registration.Marriage)+pv.regShift), dom, w.p.Registration.MarriageLimitDays, ci)
		s.countRegistration(tMarriage, reg, c.province, dom)
		if !reg.available {
			continue
		}
		groom, bride := s.r.name(0), s.r.name(1)
		prev := []string{"never_married", "divorced", "widowed"}
		prevCum := []float64{0.94, 0.97, 1}
		m := &Marriage{
			ID:                  s.id(tMarriage),
			Source:              "digitized",
			DateOfMarriage:      dom.ptime(),
			RegistrationDate:    reg.day.ptime(),
			RegistrationCommune: c.code,
			GroomName:           groom.km(),
			GroomAge:            ptr(int32(18 + min(int(s.r.ExpFloat64()*8), 62))),
			GroomResidence:      ptr(w.communes[s.nearby(ci, 0.3)].code),
			GroomPrevStatus:     ptr(pickStr(s.r, prev, prevCum)),
			BrideName:           bride.km(),
			BrideAge:            ptr(int32(18 + min(int(s.r.ExpFloat64()*5.5), 57))),
			BrideResidence:      ptr(c.code),
			BridePrevStatus:     ptr(pickStr(s.r, prev, prevCum)),
		}
		if reg.ict {
			m.Source = "ict"
		}
		if s.r.bernoulli(s.latinShare(reg.ict)) {
			m.GroomNameLatin, m.BrideNameLatin = ptr(groom.latin()), ptr(bride.latin())
		}
		if s.r.bernoulli(0.75) && !s.backlog(reg) {
			m.GroomKIDC = ptr(s.issueKIDC())
		}
		if s.r.bernoulli(0.75) && !s.backlog(reg) {
			m.BrideKIDC = ptr(s.issueKIDC())
		}
		m.RegNo = regNo('M', m.RegistrationCommune, yr.year, m.ID)
		m.CreatedAt, m.DigitizedAt = s.stamps(reg)
		m.Status, m.Version, m.UpdatedAt = s.lifecycle(tMarriage, m.CreatedAt)
		if s.r.bernoulli(w.p.Defects.UnknownCommune) {
			m.GroomResidence = ptr(s.badCommune())
			s.markDefect(MarriageTable, m.ID, "unknown_commune", "groom_residence")
		}
		if err := s.write(tMarriage, MarriageTable, m.Values, reg.toFile, reg.digitized); err != nil {
			return err
		}
	}
	return nil
}
