package canon

import (
	"testing"
	"time"
)

func TestParseICD10(t *testing.T) {
	for in, want := range map[string]string{
		"J18.9": "J18.9", "J189": "J18.9", "j18.9": "J18.9", " J18.9 ": "J18.9", "\tj189": "J18.9",
		"I64": "I64", "a09": "A09", "U07.1": "U07.1", "Z999": "Z99.9",
	} {
		got, err := ParseICD10(in)
		if err != nil || got != want {
			t.Errorf("ParseICD10(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "J18,9", "J189X", "18.9", "I6", "R9.9", "J18.", "J18.99", "J.189",
		"J18-", "A09.-", "G01*", "J 18.9", "JJ18", "É18.9", "J18.9.", "J1８.9", "J18\x009"} {
		if got, err := ParseICD10(in); err == nil {
			t.Errorf("ParseICD10(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzParseICD10(f *testing.F) {
	for _, s := range []string{"J18.9", "J189", " j18.9 ", "I64", "J18,9", "J189X", "18.9", "", "A09.-", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseICD10(s)
		if err != nil {
			if code != "" {
				t.Fatalf("error %v with code %q", err, code)
			}
			return
		}
		again, err := ParseICD10(code)
		if err != nil || again != code {
			t.Fatalf("%q -> %q does not re-parse to itself: %q, %v", s, code, again, err)
		}
		if len(code) != 3 && len(code) != 5 {
			t.Fatalf("%q -> %q: bad length", s, code)
		}
	})
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2021-02-28", "2020-02-29", "2000-02-29", "1900-01-01", "0001-01-01", "9999-12-31", "1012-07-03"} {
		got, ok := parseDate(s)
		want, err := time.Parse("2006-01-02", s)
		if !ok || err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"2019-02-29", "1900-02-29", "2021-13-01", "2021-00-10", "2021-04-31", "2021-4-1", "21-04-01", "2021/04/01", "2021-04-01 ", "+021-04-01", "2021-04-0a", ""} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	for in, want := range map[string]time.Time{
		"2021-03-04T08:12:33Z":             utc(2021, 3, 4, 8, 12, 33, 0),
		"2021-03-04t08:12:33z":             utc(2021, 3, 4, 8, 12, 33, 0),
		"2021-03-04 08:12:33+00":           utc(2021, 3, 4, 8, 12, 33, 0),
		"2021-03-04 08:12:33.123456+00":    utc(2021, 3, 4, 8, 12, 33, 123456000),
		"2021-03-04 08:12:33.5+07":         utc(2021, 3, 4, 1, 12, 33, 500000000),
		"2021-03-04T08:12:33+05:30":        utc(2021, 3, 4, 2, 42, 33, 0),
		"2021-03-04 01:00:00-0330":         utc(2021, 3, 4, 4, 30, 0, 0),
		"2021-01-01T03:00:00.999999999+07": utc(2020, 12, 31, 20, 0, 0, 999999999),
	} {
		got, ok := parseTimestamp(in)
		if !ok || !got.Equal(want) {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"2021-03-04T08:12:33", "2021-03-04 24:00:00+00", "2021-02-30 08:12:33+00", "2021-03-04T08:12:33.Z",
		"2021-03-04T08:12:33.1234567890Z", "2021-03-04T08:12:33+7", "2021-03-04T08:12:33+07:0", "2021-03-04T08:12:33 UTC",
		"2021-03-04T08:12:33+15:00", "2021-03-04"} {
		if got, ok := parseTimestamp(in); ok {
			t.Errorf("parseTimestamp(%q) = %v, want rejection", in, got)
		}
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int32{"0": 0, "007": 7, "3150": 3150, "-1": -1, "999999999": 999999999} {
		if n, big, err := parseInt(in); err != nil || big || n != want {
			t.Errorf("parseInt(%q) = %d, %v, %v", in, n, big, err)
		}
	}
	for _, in := range []string{"", "-", "3l50", "1.5", " 1", "+1", "1e3", "٣"} {
		if _, _, err := parseInt(in); err == nil {
			t.Errorf("parseInt(%q) accepted", in)
		}
	}
	if _, big, err := parseInt("99999999999999999999999"); err != nil || !big {
		t.Errorf("a huge integer: big %v, err %v", big, err)
	}
}

func TestCompletedYears(t *testing.T) {
	d := func(s string) time.Time { t, _ := parseDate(s); return t }
	for _, c := range []struct {
		dob, at string
		want    int
	}{{"1994-06-15", "2021-02-20", 26}, {"1994-06-15", "2021-06-15", 27}, {"1994-06-15", "2021-06-14", 26},
		{"2000-02-29", "2021-02-28", 20}, {"2000-02-29", "2021-03-01", 21}} {
		if got := completedYears(d(c.dob), d(c.at)); got != c.want {
			t.Errorf("completedYears(%s, %s) = %d, want %d", c.dob, c.at, got, c.want)
		}
	}
}
