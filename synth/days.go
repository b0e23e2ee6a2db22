package synth

import "time"

// day counts days since 1970-01-01; the simulation works in days and turns
// them into time.Time only when it writes a record.
type day int32

func dayOf(t time.Time) day { return day(t.Unix() / 86400) }

func ymd(y int, m time.Month, d int) day { return dayOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) }

func (d day) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d day) year() int { return d.time().Year() }

// ptime is a pointer to the day's date, for nullable record fields.
func (d day) ptime() *time.Time { t := d.time(); return &t }

// yearsBetween is the completed years from a to b.
func yearsBetween(a, b day) int {
	ta, tb := a.time(), b.time()
	n := tb.Year() - ta.Year()
	if tb.Month() < ta.Month() || (tb.Month() == ta.Month() && tb.Day() < ta.Day()) {
		n--
	}
	return n
}
