package canon_test

import (
	"testing"

	"vitalstats/etl/source"
)

// The ETL validates 16 M records in well under a minute on one core: about
// 3.7 µs a record is the ceiling, and these benchmarks report the cost of a
// typical record of each kind.

func benchmarkValidate(b *testing.B, s *source.Schema) {
	v := newValidator(b, secret)
	// A few distinct records, so branch predictors and caches see some variety.
	recs := []*source.Record{
		record(s, nil),
		record(s, map[string]string{"id": "100000000124", "registration_date": "2021-05-04"}),
		record(s, map[string]string{"id": "100000000125", "mother_date_of_birth": "<null>", "underlying_cause": "R99"}),
		record(s, map[string]string{"id": "100000000126", "registration_commune": "070101"}),
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		res := v.Validate(recs[i%len(recs)])
		if res.Quarantined() {
			b.Fatalf("quarantined: %+v", res.Quarantine)
		}
	}
}

func BenchmarkValidateBirth(b *testing.B)        { benchmarkValidate(b, source.Births) }
func BenchmarkValidateDeath(b *testing.B)        { benchmarkValidate(b, source.Deaths) }
func BenchmarkValidateNotification(b *testing.B) { benchmarkValidate(b, source.Notifications) }
