package nowcast

import (
	"fmt"
	"math"
	"time"
)

// Unit is the length of a reference period, and of a unit of delay.
type Unit int

const (
	Week  Unit = iota // weeks from Monday (ISO 8601 weeks)
	Month             // calendar months
)

func (u Unit) String() string {
	switch u {
	case Week:
		return "week"
	case Month:
		return "month"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// epochMonday is a Monday: week indices count 7-day blocks from it.
var epochMonday = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// period is the index of the period holding day t (its calendar date, in
// t's own location).
func (u Unit) period(t time.Time) (int, error) {
	y, m, d := t.Date()
	switch u {
	case Week:
		days := int(math.Floor(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epochMonday).Hours() / 24))
		return int(math.Floor(float64(days) / 7)), nil
	case Month:
		return y*12 + int(m) - 1, nil
	}
	return 0, fmt.Errorf("nowcast: unknown period unit %d", int(u))
}

// start is the first day of period p.
func (u Unit) start(p int) time.Time {
	if u == Week {
		return epochMonday.AddDate(0, 0, 7*p)
	}
	return time.Date(p/12, time.Month(p%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// Record is a count of events of one reference date (the date of death, of
// occurrence) reported on one date (registered, or digitized: the caller
// chooses which delay it nowcasts).
type Record struct {
	Reference time.Time
	Report    time.Time
	Count     float64
}

// Built is a reporting triangle built from records, with what was left out.
type Built struct {
	Triangle Triangle
	Unit     Unit
	Periods  []time.Time // first day of each row's reference period
	HeldBack float64     // reported after the as-of date: not yet known at it
	Late     float64     // reported more than MaxDelay periods after their reference period
	Before   float64     // of a reference period before the first row
}

// Build makes the reporting triangle of the reference periods from the one
// holding from to the one holding asOf, delays 0..maxDelay periods (the
// delay of a record is its report period minus its reference period). Only
// what was reported on or before asOf counts: a cell (r, d) whose report
// period is after asOf's is missing, and the as-of period's own cells hold
// what was reported up to asOf (pick asOf at a period's end for complete
// cells). So the same records built with an earlier asOf give the triangle
// that stood then. Counts reported after maxDelay are left out, as
// baselinenowcast does with max_delay: the nowcast is of the count reported
// within maxDelay periods, and Late tells how much that leaves out.
func Build(recs []Record, unit Unit, from, asOf time.Time, maxDelay int) (*Built, error) {
	if maxDelay < 0 {
		return nil, fmt.Errorf("nowcast: maximum delay %d < 0", maxDelay)
	}
	p0, err := unit.period(from)
	if err != nil {
		return nil, err
	}
	pa, _ := unit.period(asOf)
	if pa < p0 {
		return nil, fmt.Errorf("nowcast: as-of date %s is before the first reference period (%s)", asOf.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	n := pa - p0 + 1
	b := &Built{Unit: unit, Triangle: make(Triangle, n), Periods: make([]time.Time, n)}
	for r := range b.Triangle {
		b.Periods[r] = unit.start(p0 + r)
		b.Triangle[r] = make([]float64, maxDelay+1)
		for d := range b.Triangle[r] {
			if r+d > n-1 {
				b.Triangle[r][d] = Missing
			}
		}
	}
	for i, rec := range recs {
		if math.IsNaN(rec.Count) || math.IsInf(rec.Count, 0) {
			return nil, fmt.Errorf("nowcast: record %d has count %v", i, rec.Count)
		}
		if rec.Report.Before(rec.Reference) && !sameDay(rec.Report, rec.Reference) {
			return nil, fmt.Errorf("nowcast: record %d is reported on %s, before its reference date %s",
				i, rec.Report.Format(time.DateOnly), rec.Reference.Format(time.DateOnly))
		}
		if rec.Report.After(asOf) && !sameDay(rec.Report, asOf) {
			b.HeldBack += rec.Count
			continue
		}
		pr, _ := unit.period(rec.Reference)
		pp, _ := unit.period(rec.Report)
		switch d := pp - pr; {
		case pr < p0:
			b.Before += rec.Count
		case d > maxDelay:
			b.Late += rec.Count
		default:
			b.Triangle[pr-p0][d] += rec.Count
		}
	}
	return b, nil
}

func sameDay(a, b time.Time) bool {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return ya == yb && ma == mb && da == db
}
