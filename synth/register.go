package synth

import (
	"math"
	"strconv"
	"time"
)

// outputs are where records go. Either writer may be nil (not asked for);
// defects lists every record a defect was put into, for the ETL's tests.
type outputs struct {
	registry *RegistryWriter
	files    *FileDrops
	defects  *csvFile
	dups     *csvFile // truth_duplicates.csv
	twins    *csvFile // truth_twins.csv
}

// registration is what happened to one event in the registration system.
type registration struct {
	registered bool // registered by as_of (cancellation aside)
	day        day  // registration date
	lag        int  // 0 within the legal limit, 1 late, 2 delayed
	ict        bool
	digitized  day // 0 if not digitized (or ICT)
	available  bool
	toFile     bool
	commune    int
}

// register decides whether and when an event is registered, under which
// regime, and through which source it reaches us.
func (s *sim) register(p float64, event day, limit int, regCommune int) registration {
	w := s.w
	rp := &w.p.Registration
	out := registration{commune: regCommune}
	if !s.r.bernoulli(p) {
		return out
	}
	u := s.r.Float64()
	var lag day
	switch {
	case u < rp.WithinLimitShare:
		lag = day(math.Pow(s.r.Float64(), 1.5) * float64(limit+1))
	case u < rp.WithinLimitShare+rp.LateShare:
		out.lag = 1
		lag = day(limit+1) + day(s.r.IntN(365-limit))
	default:
		out.lag = 2
		lag = 366 + day(s.r.ExpFloat64()*rp.DelayedMeanYears*365.25)
	}
	out.day = event + lag
	if out.day > w.asOf {
		return out
	}
	out.registered = true
	c := &w.communes[regCommune]
	if c.ictFrom > 0 && out.day >= c.ictFrom {
		out.ict, out.available = true, true
		return out
	}
	if out.day < w.digStart {
		if s.r.bernoulli(rp.DigitizedShare) {
			out.digitized = w.digStart + day(s.r.IntN(int(w.asOf-w.digStart)+1))
		}
	} else {
		out.digitized = out.day + day(s.r.ExpFloat64()*rp.DigitizeMeanDays)
	}
	if out.digitized > w.asOf {
		out.digitized = 0
	}
	out.available = out.digitized > 0
	out.toFile = out.available && s.r.bernoulli(rp.FileDropShare)
	return out
}

// stamps are a record's system timestamps: created when entered (at the
// registration for ICT, at digitization for paper), updated when corrected.
func (s *sim) stamps(r registration) (created time.Time, digitized *time.Time) {
	d := r.day
	if !r.ict {
		d = r.digitized
		t := d.time()
		digitized = &t
	}
	created = d.time().Add(time.Duration(8*3600+s.r.IntN(9*3600)) * time.Second)
	return created, digitized
}

// lifecycle decides cancellation and correction; it returns the status, the
// version and the time of the last update.
func (s *sim) lifecycle(t int, created time.Time) (status string, version int32, updated time.Time) {
	ev := &s.acc.events[t]
	rp := &s.w.p.Registration
	switch u := s.r.Float64(); {
	case u < rp.Cancelled:
		upd := created.Add(time.Duration(1+s.r.IntN(300)) * 24 * time.Hour)
		if dayOf(upd) <= s.w.asOf {
			ev.Cancelled++
			return "cancelled", 2, upd
		}
	case u < rp.Cancelled+rp.Corrected:
		upd := created.Add(time.Duration(1+s.r.IntN(400)) * 24 * time.Hour)
		if dayOf(upd) <= s.w.asOf {
			ev.Corrected++
			return "corrected", 2, upd
		}
	}
	return "registered", 1, created
}

// write sends one record to its source.
func (s *sim) write(t int, tbl *Table, values func() []any, toFile bool, batch day) error {
	s.records++
	ev := &s.acc.events[t]
	ev.Records++
	if toFile {
		ev.FileRows++
	} else {
		ev.RegistryRows++
	}
	if s.out == nil {
		return nil
	}
	if toFile {
		if s.out.files == nil {
			return nil
		}
		bt := batch.time()
		return s.out.files.Write(tbl, bt.Format("2006-01"), values())
	}
	if s.out.registry == nil {
		return nil
	}
	return s.out.registry.Write(tbl, values())
}

// markDefect counts a defect and lists the record it went into.
func (s *sim) markDefect(tbl *Table, id int64, kind, detail string) {
	s.acc.defect(kind)
	if s.out != nil && s.out.defects != nil {
		s.out.defects.line(tbl.Name, strconv.FormatInt(id, 10), kind, detail)
	}
}

// badCommune is a code that is not in the gazetteer: a typo, a retired
// 2008 code, or a blank-filled placeholder.
func (s *sim) badCommune() string {
	switch s.r.IntN(3) {
	case 0:
		return "99" + strconv.Itoa(1000+s.r.IntN(9000))
	case 1:
		return "26" + strconv.Itoa(1000+s.r.IntN(9000)) // no province 26
	}
	return "000000"
}

// impossibleDates damages an event/registration date pair in one of three
// ways; it returns the kind's detail.
func (s *sim) impossibleDates(event, reg **time.Time) string {
	switch s.r.IntN(3) {
	case 0:
		if *event != nil {
			r := (*event).AddDate(0, 0, -(1 + s.r.IntN(300)))
			*reg = &r
			return "registration_before_event"
		}
		fallthrough
	case 1:
		e := s.w.asOf.time().AddDate(0, 0, 1+s.r.IntN(400))
		*event = &e
		return "event_in_future"
	}
	if *event != nil {
		e := (*event).AddDate(-1000+s.r.IntN(3)*100, 0, 0) // 2012 typed as 1012, 1112 or 1212
		*event = &e
	} else {
		e := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
		*event = &e
	}
	return "event_before_1900"
}

// heap rounds a reported age the way informants do.
func (s *sim) heap(age int) int {
	if s.r.bernoulli(0.5) {
		return int(math.Round(float64(age)/10) * 10)
	}
	return int(math.Round(float64(age)/5) * 5)
}

func ptr[T any](v T) *T { return &v }
