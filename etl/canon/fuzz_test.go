package canon_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"vitalstats/etl/canon"
	"vitalstats/etl/source"
)

// FuzzValidate puts arbitrary text in one column of a fixture record: the
// validator must not panic, must give exactly one outcome, and every
// quarantine row must carry a known reason and a clean, short raw value.
func FuzzValidate(f *testing.F) {
	f.Add(uint8(0), uint8(10), "2021-02-30")
	f.Add(uint8(1), uint8(26), "J18,9")
	f.Add(uint8(1), uint8(8), "482913650271\xff")
	f.Add(uint8(4), uint8(10), "2024-01-14T99:00:00Z")
	f.Add(uint8(2), uint8(9), "-99999999999")
	v := newValidator(f, secret)
	f.Fuzz(func(t *testing.T, schema, col uint8, value string) {
		s := source.Schemas[int(schema)%len(source.Schemas)]
		c := s.Columns[int(col)%len(s.Columns)]
		res := v.Validate(record(s, map[string]string{c: value}))
		rows := 0
		for _, r := range []bool{res.Birth != nil, res.Death != nil, res.FetalDeath != nil, res.Marriage != nil, res.Notification != nil} {
			if r {
				rows++
			}
		}
		if res.Quarantined() == (rows == 1) || rows > 1 {
			t.Fatalf("%s.%s=%q: %d rows, quarantined %v", s.Event, c, value, rows, res.Quarantined())
		}
		for _, q := range res.Quarantine {
			if !canon.IsReason(q.Reason) {
				t.Fatalf("unknown reason %q", q.Reason)
			}
			if q.RawValue != nil && (!utf8.ValidString(*q.RawValue) || len(*q.RawValue) > 200) {
				t.Fatalf("raw value %q", *q.RawValue)
			}
			if strings.HasSuffix(c, "_kidc") && q.RawValue != nil {
				t.Fatalf("identity code kept raw: %q", *q.RawValue)
			}
		}
	})
}
