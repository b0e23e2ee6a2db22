package canon

import (
	"errors"
	"time"
)

// Hand-written parsers for the hot path: the ETL validates millions of
// records, so no regexp, fmt or time.Parse per field.

// parseDate parses YYYY-MM-DD into UTC midnight, rejecting anything that is
// not a calendar date (2019-02-29, 2021-13-01).
func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, false
	}
	return dateUTC(y, m, d), true
}

// parseTimestamp accepts RFC 3339 ("2021-03-04T08:12:33Z",
// "2021-03-04T08:12:33.5+07:00") and PostgreSQL's text output
// ("2021-03-04 08:12:33+00", "2021-03-04 08:12:33.123456+05:30"); it
// returns the instant in UTC. A zone is required.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	if _, ok := parseDate(s[:10]); !ok {
		return time.Time{}, false
	}
	y, _ := digits(s[0:4])
	mo, _ := digits(s[5:7])
	d, _ := digits(s[8:10])
	hh, ok1 := digits(s[11:13])
	mm, ok2 := digits(s[14:16])
	ss, ok3 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nanos := 0
	if rest != "" && rest[0] == '.' {
		n := 1
		scale := 100_000_000
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			if n > 9 {
				return time.Time{}, false
			}
			nanos += int(rest[n]-'0') * scale
			scale /= 10
			n++
		}
		if n == 1 {
			return time.Time{}, false
		}
		rest = rest[n:]
	}
	offset := 0 // seconds east of UTC
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-'):
		oh, ok := digits(rest[1:3])
		om := 0
		switch tail := rest[3:]; {
		case tail == "":
		case len(tail) == 3 && tail[0] == ':':
			om, ok = digits2(tail[1:3], ok)
		case len(tail) == 2:
			om, ok = digits2(tail, ok)
		default:
			ok = false
		}
		if !ok || oh > 14 || om > 59 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	secs := daysFromCivil(y, mo, d)*86400 + int64(hh*3600+mm*60+ss) - int64(offset)
	return time.Unix(secs, int64(nanos)).UTC(), true
}

func digits2(s string, ok bool) (int, bool) {
	n, ok2 := digits(s)
	return n, ok && ok2
}

// digits parses a short run of ASCII digits (no sign).
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

var errNotInt = errors.New("not a decimal integer")

// parseInt parses a decimal integer with an optional leading '-'. Values
// beyond ±999,999,999 are reported as too large (they are integers, but no
// field of ours holds one), so the caller can say out_of_range.
func parseInt(s string) (v int32, tooLarge bool, err error) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false, errNotInt
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false, errNotInt
		}
		if n < 1_000_000_000 {
			n = n*10 + int64(c-'0')
		}
	}
	if n >= 1_000_000_000 {
		return 0, true, nil
	}
	if neg {
		n = -n
	}
	return int32(n), false, nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (the well-known era-based algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func dateUTC(y, m, d int) time.Time {
	return time.Unix(daysFromCivil(y, m, d)*86400, 0).UTC()
}

// dayNumber is a date's day count since 1970-01-01, for differences.
func dayNumber(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - 86399) / 86400
	}
	return s / 86400
}

// completedYears is the age in completed years on date at of a person born
// on dob (a birthday on 29 February counts on 1 March in common years).
func completedYears(dob, at time.Time) int {
	y1, m1, d1 := dob.Date()
	y2, m2, d2 := at.Date()
	age := y2 - y1
	if m2 < m1 || (m2 == m1 && d2 < d1) {
		age--
	}
	return age
}

// ICD-10 codes: a letter, two digits, and an optional fourth character digit,
// written with or without the dot ("J18.9", "J189", "j18.9", " J18.9 ").

// icdKey packs a well-formed code into a small integer: letter, two digits,
// and the fourth digit or 10 for a 3-character code. It indexes the
// validator's code table.
type icdKey int32

const icdKeys = 26 * 100 * 11

var (
	errICDEmpty  = errors.New("empty ICD-10 code")
	errICDFormat = errors.New("not an ICD-10 code: expected a letter, two digits and an optional fourth digit, as A00, A00.0 or A000")
)

// parseICDKey parses a code into its key without allocating.
func parseICDKey(s string) (icdKey, error) {
	// Trim ASCII spaces and tabs by hand (strings.TrimSpace would also do, but
	// this keeps the hot path obvious).
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	if s == "" {
		return 0, errICDEmpty
	}
	l := s[0]
	if l >= 'a' && l <= 'z' {
		l -= 'a' - 'A'
	}
	if l < 'A' || l > 'Z' || len(s) < 3 || !isDigit(s[1]) || !isDigit(s[2]) {
		return 0, errICDFormat
	}
	k := (int(l-'A')*100 + int(s[1]-'0')*10 + int(s[2]-'0')) * 11
	switch rest := s[3:]; {
	case rest == "":
		k += 10
	case len(rest) == 1 && isDigit(rest[0]):
		k += int(rest[0] - '0')
	case len(rest) == 2 && rest[0] == '.' && isDigit(rest[1]):
		k += int(rest[1] - '0')
	default:
		return 0, errICDFormat
	}
	return icdKey(k), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// String is the key's dotted code, "J18.9" or "J18".
func (k icdKey) String() string {
	n := int(k)
	fourth := n % 11
	n /= 11
	b := [5]byte{byte('A' + n/100), byte('0' + n/10%10), byte('0' + n%10), '.', 0}
	if fourth == 10 {
		return string(b[:3])
	}
	b[4] = byte('0' + fourth)
	return string(b[:])
}

// ParseICD10 parses an ICD-10 code written as "J18.9", "J189", "j18.9" or
// " J18.9 " and returns it normalised with a dot ("J18.9"; a 3-character
// category stays "J18"). Anything else is an error: a comma for the dot, a
// fifth character, a missing digit, marks such as '*' or '-'. It checks the
// shape only; whether the code exists is the Validator's business.
func ParseICD10(s string) (code string, err error) {
	k, err := parseICDKey(s)
	if err != nil {
		return "", err
	}
	return k.String(), nil
}
