package canon_test

import (
	"bytes"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
	"vitalstats/etl/source"
	"vitalstats/refdata"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFixturesLoadClean(t *testing.T) {
	v := newValidator(t, secret)
	for s := range fixtures {
		res := v.Validate(record(s, nil))
		if res.Quarantined() {
			t.Errorf("%s fixture quarantined: %+v", s.Event, res.Quarantine)
		}
	}
}

func TestBirthRow(t *testing.T) {
	v := newValidator(t, secret)
	res := v.Validate(record(source.Births, nil))
	b := res.Birth
	if b == nil || res.Death != nil || res.Quarantined() {
		t.Fatalf("want exactly a birth row, got %+v", res)
	}
	if b.EventID != "reg:100000000123" || b.Source != "registry" || b.SourceRef != "births:100000000123" ||
		b.Provenance != "ict" || b.Version != 1 || b.Status != "registered" || *b.RegNo != "B-120101-2021-000123" {
		t.Errorf("common columns: %+v", b.Common)
	}
	if b.EventDate != lake.DateOf(date("2021-02-20")) || b.RegistrationDate.String() != "2021-03-04" || b.OccurrenceYear != 2021 {
		t.Errorf("dates: event %v registration %v year %d", b.EventDate, b.RegistrationDate, b.OccurrenceYear)
	}
	if want := time.Date(2021, 3, 4, 8, 12, 33, 510_000_000, time.UTC); b.UpdatedAt == nil || !b.UpdatedAt.Equal(want) {
		t.Errorf("updated_at %v, want %v", b.UpdatedAt, want)
	}
	if b.DigitizedAt != nil {
		t.Errorf("digitized_at %v for an ICT record", b.DigitizedAt)
	}
	// 1994-06-15 to 2021-02-20 is 26 completed years; the reported 26 agrees.
	if b.MotherAge == nil || *b.MotherAge != 26 || !b.MotherAgeByDOB {
		t.Errorf("mother age %v by dob %v", b.MotherAge, b.MotherAgeByDOB)
	}
	if *b.MotherResidenceCommune != "120109" || *b.ResidenceProvince != "12" || *b.ResidenceDistrict != "1201" {
		t.Errorf("residence %s %s %s", *b.MotherResidenceCommune, *b.ResidenceProvince, *b.ResidenceDistrict)
	}
	if b.RegistrationCommune != "120101" || *b.PlaceCommune != "120101" || *b.FacilityType != "public_hospital" {
		t.Errorf("places: %s %s %s", b.RegistrationCommune, *b.PlaceCommune, *b.FacilityType)
	}
	if b.Sex == nil || *b.Sex != "F" || *b.BirthWeightG != 3150 || *b.GestationWeeks != 39 || *b.Plurality != 1 || *b.BirthOrder != 2 ||
		*b.FatherAge != 30 || *b.Attendant != "midwife" || *b.MotherNationality != "KHM" {
		t.Errorf("birth columns: %+v", b)
	}
	if b.ChildIDHash == nil || len(*b.ChildIDHash) != 64 || b.MotherIDHash == nil || *b.ChildIDHash == *b.MotherIDHash {
		t.Errorf("hashes: child %v mother %v", b.ChildIDHash, b.MotherIDHash)
	}
	if len(b.Flags) != 0 {
		t.Errorf("flags %v on a clean record", b.Flags)
	}
}

func TestDeathRow(t *testing.T) {
	v := newValidator(t, secret)
	res := v.Validate(record(source.Deaths, nil))
	d := res.Death
	if d == nil || res.Quarantined() {
		t.Fatalf("want a death row, got %+v", res)
	}
	if d.EventID != "file:200000000045" || d.Source != "file" || d.Provenance != "digitized" || d.Version != 2 || d.Status != "corrected" {
		t.Errorf("common: %+v", d.Common)
	}
	if want := time.Date(2020, 1, 10, 3, 0, 0, 0, time.UTC); d.DigitizedAt == nil || !d.DigitizedAt.Equal(want) {
		t.Errorf("digitized_at %v, want %v (+07:00 converted to UTC)", d.DigitizedAt, want)
	}
	if d.DateOfBirth != nil || *d.AgeValue != 67 || *d.AgeUnit != "Y" || *d.AgeYears != 67 || d.AgeDays != nil {
		t.Errorf("age: dob %v value %v unit %v years %v days %v", d.DateOfBirth, d.AgeValue, d.AgeUnit, d.AgeYears, d.AgeDays)
	}
	// ICD-10 codes come out normalised: "i64" and " I64 " are I64.
	if *d.CauseA != "J96.0" || *d.CauseB != "I64" || d.CauseC != nil || *d.CausePart2 != "I10" || *d.UnderlyingCause != "I64" {
		t.Errorf("causes: %v %v %v %v %v", d.CauseA, d.CauseB, d.CauseC, d.CausePart2, d.UnderlyingCause)
	}
	if *d.ResidenceProvince != "07" || *d.ResidenceDistrict != "0701" || *d.BurialPermitNo != "BP-0701-2012-77" {
		t.Errorf("residence/permit: %v %v %v", *d.ResidenceProvince, *d.ResidenceDistrict, *d.BurialPermitNo)
	}
	if len(d.Flags) != 0 {
		t.Errorf("flags %v", d.Flags)
	}
}

func TestDeathAgeFromDateOfBirth(t *testing.T) {
	v := newValidator(t, secret)
	for _, c := range []struct {
		dob, value, unit string
		years, days      int32
	}{
		{"1945-07-04", "66", "Y", 66, 24471},
		{"2012-06-13", "20", "D", 0, 20},
		{"2011-10-03", "9", "M", 0, 274},
		{"1945-07-04", "<null>", "<null>", 66, 24471},
	} {
		res := v.Validate(record(source.Deaths, map[string]string{"date_of_birth": c.dob, "age_value": c.value, "age_unit": c.unit}))
		d := res.Death
		if d == nil {
			t.Errorf("%+v: quarantined %+v", c, res.Quarantine)
			continue
		}
		if *d.AgeYears != c.years || d.AgeDays == nil || *d.AgeDays != c.days || *d.DateOfBirth != lake.DateOf(date(c.dob)) {
			t.Errorf("%+v: age_years %d age_days %v", c, *d.AgeYears, d.AgeDays)
		}
		if len(d.Flags) != 0 {
			t.Errorf("%+v: flags %v", c, d.Flags)
		}
	}
	// Reported ages without a date of birth: months / 12, days are 0 years.
	for _, c := range []struct {
		value, unit string
		years       int32
		days        *int32
	}{{"18", "M", 1, nil}, {"11", "D", 0, ptr(int32(11))}} {
		d := v.Validate(record(source.Deaths, map[string]string{"age_value": c.value, "age_unit": c.unit})).Death
		if d == nil || *d.AgeYears != c.years || !reflect.DeepEqual(d.AgeDays, c.days) {
			t.Errorf("%+v: got %+v", c, d)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestOtherRows(t *testing.T) {
	v := newValidator(t, secret)
	f := v.Validate(record(source.FetalDeaths, nil)).FetalDeath
	if f == nil || *f.Sex != "U" || *f.CauseICD10 != "P95" || *f.GestationWeeks != 34 || f.OccurrenceYear != 2023 || *f.ResidenceDistrict != "2301" {
		t.Errorf("fetal death: %+v", f)
	}
	m := v.Validate(record(source.Marriages, nil)).Marriage
	if m == nil || *m.GroomAge != 27 || *m.BrideResidenceProvince != "01" || *m.GroomResidenceDistrict != "0102" ||
		m.EventID != "file:400000000311" || m.GroomIDHash == nil || m.BrideIDHash == nil {
		t.Errorf("marriage: %+v", m)
	}
	n := v.Validate(record(source.Notifications, nil)).Notification
	if n == nil || n.EventID != "file:N1000231" || n.NotificationID != "N1000231" || n.EventType != "birth" ||
		*n.MotherAge != 31 || n.AgeYears != nil || n.SubjectIDHash == nil || n.OccurrenceYear != 2024 ||
		!n.NotifiedAt.Equal(time.Date(2024, 1, 16, 9, 30, 0, 0, time.UTC)) || *n.ResidenceProvince != "12" {
		t.Errorf("notification: %+v", n)
	}
}

type want struct{ reason, field string }

// TestQuarantineReasons has a case for every reason code the validator
// gives, each asserting the exact quarantine rows (reason and field).
func TestQuarantineReasons(t *testing.T) {
	cases := []struct {
		name   string
		schema *source.Schema
		edits  map[string]string
		want   []want
	}{
		{"event date missing", source.Births, map[string]string{"date_of_birth": "<null>"}, []want{{"missing_required", "date_of_birth"}}},
		{"empty is missing", source.Deaths, map[string]string{"date_of_death": ""}, []want{{"missing_required", "date_of_death"}}},
		{"id missing", source.Births, map[string]string{"id": "<null>"}, []want{{"missing_required", "id"}}},
		{"registration commune missing", source.Marriages, map[string]string{"registration_commune": "<null>"}, []want{{"missing_required", "registration_commune"}}},
		{"registration date missing", source.FetalDeaths, map[string]string{"registration_date": "<null>"}, []want{{"missing_required", "registration_date"}}},
		{"notified_at missing", source.Notifications, map[string]string{"notified_at": "<null>"}, []want{{"missing_required", "notified_at"}}},
		{"age value without unit", source.Deaths, map[string]string{"age_unit": "<null>"}, []want{{"missing_required", "age_unit"}}},
		{"not a calendar date", source.Births, map[string]string{"date_of_birth": "2019-02-29"}, []want{{"bad_date", "date_of_birth"}}},
		{"date layout", source.Marriages, map[string]string{"date_of_marriage": "30/11/2019"}, []want{{"bad_date", "date_of_marriage"}}},
		{"bad timestamp", source.Births, map[string]string{"created_at": "2021-03-04 25:00:00+00"}, []want{{"bad_date", "created_at"}}},
		{"timestamp without zone", source.Notifications, map[string]string{"notified_at": "2024-01-16T09:30:00"}, []want{{"bad_date", "notified_at"}}},
		{"future event", source.Births, map[string]string{"date_of_birth": "2025-07-01"}, []want{{"future_date", "date_of_birth"}}},
		{"future registration", source.Deaths, map[string]string{"registration_date": "2026-01-01"}, []want{{"future_date", "registration_date"}}},
		{"millennium typo", source.Deaths, map[string]string{"date_of_death": "1012-07-03"}, []want{{"before_1900", "date_of_death"}}},
		{"1899", source.Births, map[string]string{"date_of_birth": "1899-12-31"}, []want{{"before_1900", "date_of_birth"}}},
		{"registered before birth", source.Births, map[string]string{"registration_date": "2021-02-19"}, []want{{"registration_before_event", "registration_date"}}},
		{"notified before event", source.Notifications, map[string]string{"notified_at": "2024-01-14 10:00:00+00"}, []want{{"registration_before_event", "notified_at"}}},
		{"number as text", source.Births, map[string]string{"birth_weight_g": "3l50"}, []want{{"bad_int", "birth_weight_g"}}},
		{"decimal", source.FetalDeaths, map[string]string{"gestation_weeks": "34.5"}, []want{{"bad_int", "gestation_weeks"}}},
		{"weight too low", source.Births, map[string]string{"birth_weight_g": "250"}, []want{{"out_of_range", "birth_weight_g"}}},
		{"weight huge", source.Births, map[string]string{"birth_weight_g": "99999999999999"}, []want{{"out_of_range", "birth_weight_g"}}},
		{"gestation", source.Births, map[string]string{"gestation_weeks": "50"}, []want{{"out_of_range", "gestation_weeks"}}},
		{"plurality", source.Births, map[string]string{"plurality": "6"}, []want{{"out_of_range", "plurality"}}},
		{"birth order", source.Births, map[string]string{"birth_order": "0"}, []want{{"out_of_range", "birth_order"}}},
		{"reported mother age", source.Births, map[string]string{"mother_date_of_birth": "<null>", "mother_age": "70"}, []want{{"out_of_range", "mother_age"}}},
		{"mother too young by dob", source.Births, map[string]string{"mother_date_of_birth": "2013-01-01"}, []want{{"out_of_range", "mother_date_of_birth"}}},
		{"age in years", source.Deaths, map[string]string{"age_value": "130"}, []want{{"out_of_range", "age_value"}}},
		{"negative age", source.Deaths, map[string]string{"age_value": "-1"}, []want{{"out_of_range", "age_value"}}},
		{"born after death", source.Deaths, map[string]string{"date_of_birth": "2012-08-01"}, []want{{"out_of_range", "date_of_birth"}}},
		{"version 0", source.Marriages, map[string]string{"version": "0"}, []want{{"out_of_range", "version"}}},
		{"sex code", source.Births, map[string]string{"sex": "X"}, []want{{"bad_code", "sex"}}},
		{"sex lower case", source.Deaths, map[string]string{"sex": "m"}, []want{{"bad_code", "sex"}}},
		{"status", source.Births, map[string]string{"status": "deleted"}, []want{{"bad_code", "status"}}},
		{"provenance", source.Births, map[string]string{"source": "paper"}, []want{{"bad_code", "source"}}},
		{"facility type", source.FetalDeaths, map[string]string{"facility_type": "clinic"}, []want{{"bad_code", "facility_type"}}},
		{"age unit", source.Deaths, map[string]string{"age_unit": "W"}, []want{{"bad_code", "age_unit"}}},
		{"lost leading zero", source.Marriages, map[string]string{"groom_residence": "10202"}, []want{{"bad_code", "groom_residence"}}},
		{"nationality", source.Births, map[string]string{"mother_nationality": "Khmer"}, []want{{"bad_code", "mother_nationality"}}},
		{"id with spaces", source.Births, map[string]string{"id": "1 2"}, []want{{"bad_code", "id"}}},
		{"event type", source.Notifications, map[string]string{"event_type": "marriage"}, []want{{"bad_code", "event_type"}}},
		{"huge facility id", source.Births, map[string]string{"facility_id": strings.Repeat("F", 65)}, []want{{"too_long", "facility_id"}}},
		{"unknown office", source.Births, map[string]string{"registration_commune": "990000"}, []want{{"unknown_commune", "registration_commune"}}},
		{"placeholder office", source.Deaths, map[string]string{"registration_commune": "000000"}, []want{{"unknown_commune", "registration_commune"}}},
		{"no province 26", source.Marriages, map[string]string{"registration_commune": "261234"}, []want{{"unknown_commune", "registration_commune"}}},
		{"residence of 5 digits", source.Births, map[string]string{"mother_residence_commune": "10202"}, []want{{"bad_code", "mother_residence_commune"}}},
		{"invalid UTF-8", source.Births, map[string]string{"reg_no": "B-\xff\xfe"}, []want{{"bad_encoding", "reg_no"}}},
		{"NUL in free text", source.Births, map[string]string{"facility_id": "F\x00X"}, []want{{"nul_byte", "facility_id"}}},
		{"NUL in a code", source.Deaths, map[string]string{"sex": "M\x00"}, []want{{"nul_byte", "sex"}}},
		{"NUL in an identity code", source.Births, map[string]string{"mother_kidc": "8432\x0056754727"}, []want{{"nul_byte", "mother_kidc"}}},
		{"several problems", source.Births, map[string]string{"sex": "X", "birth_weight_g": "250", "registration_commune": "990000"},
			[]want{{"unknown_commune", "registration_commune"}, {"bad_code", "sex"}, {"out_of_range", "birth_weight_g"}}},
	}
	v := newValidator(t, secret)
	seen := map[string]bool{}
	for _, c := range cases {
		rec := record(c.schema, c.edits)
		res := v.Validate(rec)
		if !res.Quarantined() {
			t.Errorf("%s: loaded, want quarantine %v", c.name, c.want)
			continue
		}
		if res.Birth != nil || res.Death != nil || res.FetalDeath != nil || res.Marriage != nil || res.Notification != nil {
			t.Errorf("%s: quarantined record also has a row", c.name)
		}
		var got []want
		for _, q := range res.Quarantine {
			got = append(got, want{q.Reason, q.Field})
			seen[q.Reason] = true
			if q.Event != c.schema.Event || q.Source != rec.Source || q.SourceRef != rec.Ref || q.Detail == "" {
				t.Errorf("%s: quarantine row context %+v", c.name, q)
			}
			if q.Field != "id" && (q.RecordID == nil || !strings.HasSuffix(*q.RecordID, ":"+fixtures[c.schema]["id"])) {
				t.Errorf("%s: record_id %v", c.name, q.RecordID)
			}
			if q.RawValue != nil && strings.IndexByte(*q.RawValue, 0) >= 0 {
				t.Errorf("%s: raw value %q holds a NUL", c.name, *q.RawValue)
			}
			if q.Reason == "nul_byte" && q.Field == "facility_id" && (q.RawValue == nil || *q.RawValue != `F\x00X`) {
				t.Errorf("%s: raw value %v, want F\\x00X", c.name, q.RawValue)
			}
			if q.Reason == "missing_required" && q.RawValue != nil {
				t.Errorf("%s: raw value %q for a missing value", c.name, *q.RawValue)
			}
			if q.RawValue != nil && !strings.HasPrefix(rec.Values[c.schema.Index(q.Field)], strings.TrimRight(*q.RawValue, "\uFFFD")[:1]) && q.Reason != "bad_encoding" {
				t.Errorf("%s: raw value %q is not the field's value", c.name, *q.RawValue)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Every reason code except the readers' own is exercised above.
	for _, r := range canon.Reasons {
		if r == canon.WrongFieldCount || r == canon.MalformedRow {
			continue
		}
		if !seen[string(r)] {
			t.Errorf("reason %s has no test case", r)
		}
	}
}

func TestFlags(t *testing.T) {
	cases := []struct {
		name   string
		schema *source.Schema
		edits  map[string]string
		want   []string
	}{
		{"R99", source.Deaths, map[string]string{"underlying_cause": "R99"}, []string{"ill_defined_cause"}},
		{"CoDEdit I50.9", source.Deaths, map[string]string{"underlying_cause": "I50.9"}, []string{"ill_defined_cause"}},
		{"fetal ill-defined", source.FetalDeaths, map[string]string{"cause_icd10": "R99"}, []string{"ill_defined_cause"}},
		{"male with cervical cancer", source.Deaths, map[string]string{"underlying_cause": "C53.9"}, []string{"sex_cause_conflict"}},
		{"female with prostate cancer", source.Deaths, map[string]string{"sex": "F", "underlying_cause": "C61"}, []string{"sex_cause_conflict"}},
		{"warts", source.Deaths, map[string]string{"underlying_cause": "B07"}, []string{"unlikely_underlying_cause"}},
		{"category with subcodes", source.Deaths, map[string]string{"underlying_cause": "a09"}, []string{"nonterminal_icd10"}},
		{"comma for dot", source.Deaths, map[string]string{"underlying_cause": "J18,9"}, []string{"bad_icd10_format"}},
		{"fifth character", source.Deaths, map[string]string{"cause_a": "J189X"}, []string{"bad_icd10_format"}},
		{"no letter", source.FetalDeaths, map[string]string{"cause_icd10": "18.9"}, []string{"bad_icd10_format"}},
		{"non-existent code", source.Deaths, map[string]string{"underlying_cause": "C98.1"}, []string{"unknown_icd10"}},
		{"non-existent subcode", source.Deaths, map[string]string{"cause_part2": "E15.9"}, []string{"unknown_icd10"}},
		{"asterisk code", source.Deaths, map[string]string{"underlying_cause": "G01"}, []string{"not_underlying_cause"}},
		{"injury code", source.Deaths, map[string]string{"underlying_cause": "S72.0"}, []string{"not_underlying_cause"}},
		{"Z code", source.Deaths, map[string]string{"underlying_cause": "Z00.0"}, []string{"not_underlying_cause"}},
		{"fetal asterisk", source.FetalDeaths, map[string]string{"cause_icd10": "G01"}, []string{"not_underlying_cause"}},
		{"heaped age", source.Deaths, map[string]string{"age_value": "65"}, []string{"heaped_age"}},
		{"not heaped under 20", source.Deaths, map[string]string{"age_value": "15"}, nil},
		{"age and dob disagree", source.Deaths, map[string]string{"date_of_birth": "1950-01-01"}, []string{"age_dob_conflict"}},
		{"mother aged 11", source.Births, map[string]string{"mother_date_of_birth": "<null>", "mother_age": "11"}, []string{"mother_age_implausible"}},
		{"mother aged 57 by dob", source.Births, map[string]string{"mother_date_of_birth": "1963-06-15"}, []string{"mother_age_implausible"}},
		{"notified mother aged 58", source.Notifications, map[string]string{"mother_age": "58"}, []string{"mother_age_implausible"}},
		{"heavy and very preterm", source.Births, map[string]string{"gestation_weeks": "26", "birth_weight_g": "3200"}, []string{"weight_gestation_conflict"}},
		{"tiny at term", source.Births, map[string]string{"birth_weight_g": "800"}, []string{"weight_gestation_conflict"}},
		{"pregnant man", source.Deaths, map[string]string{"pregnancy_status": "pregnant"}, []string{"pregnancy_status_conflict"}},
		{"bride 16", source.Marriages, map[string]string{"bride_age": "16"}, []string{"married_under_18"}},
		{"placeholder kidc", source.Births, map[string]string{"mother_kidc": "000000000000"}, []string{"invalid_id_code"}},
		{"text kidc", source.Marriages, map[string]string{"groom_kidc": "unknown"}, []string{"invalid_id_code"}},
		{"late birth", source.Births, map[string]string{"registration_date": "2021-04-10"}, []string{"late_registration"}},
		{"birth on the limit", source.Births, map[string]string{"registration_date": "2021-03-22"}, nil},
		{"late death", source.Deaths, map[string]string{"registration_date": "2012-07-19"}, []string{"late_registration"}},
		{"delayed death", source.Deaths, map[string]string{"registration_date": "2014-01-01"}, []string{"delayed_registration"}},
		{"late marriage", source.Marriages, map[string]string{"registration_date": "2019-12-16"}, []string{"late_registration"}},
		{"two flags", source.Deaths, map[string]string{"underlying_cause": "R99", "age_value": "70"}, []string{"heaped_age", "ill_defined_cause"}},
		{"birth sex missing", source.Births, map[string]string{"sex": "<null>"}, []string{"sex_not_stated"}},
		{"death sex empty", source.Deaths, map[string]string{"sex": ""}, []string{"sex_not_stated"}},
		{"fetal sex missing", source.FetalDeaths, map[string]string{"sex": "<null>"}, nil},
		{"notified sex missing", source.Notifications, map[string]string{"sex": "<null>"}, nil},
		{"unknown residence", source.Births, map[string]string{"mother_residence_commune": "990000"}, []string{"residence_not_stated"}},
		{"placeholder residence", source.Deaths, map[string]string{"residence_commune": "000000"}, []string{"residence_not_stated"}},
		{"residence missing", source.Births, map[string]string{"mother_residence_commune": "<null>"}, []string{"residence_not_stated"}},
		{"fetal residence missing", source.FetalDeaths, map[string]string{"mother_residence_commune": ""}, []string{"residence_not_stated"}},
		{"groom in province 26", source.Marriages, map[string]string{"groom_residence": "261234"}, []string{"residence_not_stated"}},
		{"bride's residence missing", source.Marriages, map[string]string{"bride_residence": "<null>"}, []string{"residence_not_stated"}},
		{"notified residence unknown", source.Notifications, map[string]string{"residence_commune": "261234"}, []string{"residence_not_stated"}},
		{"unknown place", source.Deaths, map[string]string{"place_commune": "990000"}, []string{"place_not_stated"}},
		{"place missing", source.Births, map[string]string{"place_commune": "<null>"}, []string{"place_not_stated"}},
		{"name not text", source.Deaths, map[string]string{"deceased_name": "\xe1\x9e"}, []string{"name_unreadable"}},
		{"nothing stated", source.Deaths, map[string]string{"sex": "<null>", "residence_commune": "<null>", "place_commune": "<null>"},
			[]string{"sex_not_stated", "place_not_stated", "residence_not_stated"}},
	}
	v := newValidator(t, secret)
	seen := map[string]bool{}
	for _, c := range cases {
		res := v.Validate(record(c.schema, c.edits))
		if res.Quarantined() {
			t.Errorf("%s: quarantined %+v", c.name, res.Quarantine)
			continue
		}
		var flags []string
		switch {
		case res.Birth != nil:
			flags = res.Birth.Flags
		case res.Death != nil:
			flags = res.Death.Flags
		case res.FetalDeath != nil:
			flags = res.FetalDeath.Flags
		case res.Marriage != nil:
			flags = res.Marriage.Flags
		case res.Notification != nil:
			flags = res.Notification.Flags
		}
		for _, f := range flags {
			seen[f] = true
		}
		if !slices.Equal(flags, c.want) {
			t.Errorf("%s: flags %v, want %v", c.name, flags, c.want)
		}
	}
	for _, f := range canon.Flags {
		if !seen[f] {
			t.Errorf("flag %s has no test case", f)
		}
	}
	// A placeholder identity is not hashed, so it links no one.
	if b := v.Validate(record(source.Births, map[string]string{"mother_kidc": "000000000000"})).Birth; b.MotherIDHash != nil {
		t.Errorf("placeholder KIDC hashed: %v", *b.MotherIDHash)
	}
}

func TestWrongShape(t *testing.T) {
	v := newValidator(t, secret)
	rec := record(source.Births, nil)
	rec.Values, rec.Null = rec.Values[:10], rec.Null[:10]
	res := v.Validate(rec)
	if len(res.Quarantine) != 1 || res.Quarantine[0].Reason != "wrong_field_count" || res.Quarantine[0].Field != "" || res.Birth != nil {
		t.Errorf("short record: %+v", res)
	}
	rec = record(source.Births, nil)
	rec.Source = "ftp"
	if res := v.Validate(rec); len(res.Quarantine) != 1 || res.Quarantine[0].Reason != "bad_code" {
		t.Errorf("unknown route: %+v", res)
	}
}

func TestParseFailure(t *testing.T) {
	raw := "Sok Dara,482913650271,\"M,2021-03-04\xff,សុខ"
	q := canon.ParseFailure("birth", "file", "contractor_a_csv/birth_2021-03.csv:17", "malformed_row", raw, "unterminated quote")
	if q.Reason != "malformed_row" || q.Field != "" || q.Event != "birth" || q.SourceRef != "contractor_a_csv/birth_2021-03.csv:17" || q.RecordID != nil {
		t.Errorf("row: %+v", q)
	}
	if want := "aaa aaaa,999999999999,\"a,9999-99-99\uFFFD,aaa"; q.RawValue == nil || *q.RawValue != want {
		t.Errorf("raw shape %q, want %q", *q.RawValue, want)
	}
	q = canon.ParseFailure("death", "file", "x.csv:2", "no_such_reason", strings.Repeat("x", 1000), "d")
	if q.Reason != "malformed_row" || !strings.Contains(q.Detail, "no_such_reason") || len(*q.RawValue) > 200 {
		t.Errorf("unknown reason: %+v", q)
	}
	q = canon.ParseFailure("deaths", "file", "x.csv:3", "wrong_field_count", "a,b", "2 fields, want 32")
	if q.Reason != "wrong_field_count" || q.Event != "death" {
		t.Errorf("reason %s event %s", q.Reason, q.Event)
	}
}

// TestNoRawIdentityCodes walks every string of every row the tests can
// produce, valid and quarantined, and looks for the fixtures' KIDCs.
func TestNoRawIdentityCodes(t *testing.T) {
	v := newValidator(t, secret)
	var results []canon.Result
	for s := range fixtures {
		results = append(results, v.Validate(record(s, nil)))
		for _, col := range s.Columns {
			// Every column damaged in turn, including the identity columns.
			for _, bad := range []string{"<null>", "\xff" + fixtures[s][col], fixtures[s][col] + "x", strings.Repeat("9", 70)} {
				results = append(results, v.Validate(record(s, map[string]string{col: bad})))
			}
		}
	}
	// The quarantine row of a whole unreadable line.
	q := canon.ParseFailure("birth", "file", "f.csv:9", "wrong_field_count", strings.Join(kidcs, ","), "")
	results = append(results, canon.Result{Quarantine: []canon.Quarantine{q}})
	var quarantined, loaded int
	for _, r := range results {
		if r.Quarantined() {
			quarantined++
		} else {
			loaded++
		}
		walkStrings(reflect.ValueOf(r), func(s string) {
			for _, k := range kidcs {
				if strings.Contains(s, k) {
					t.Errorf("raw KIDC %s in a row: %q", k, s)
				}
			}
		})
	}
	if quarantined == 0 || loaded == 0 {
		t.Errorf("loaded %d, quarantined %d: the walk must see both", loaded, quarantined)
	}
}

func walkStrings(v reflect.Value, f func(string)) {
	switch v.Kind() {
	case reflect.String:
		f(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), f)
		}
	}
}

func TestIdentityHash(t *testing.T) {
	v1 := newValidator(t, secret)
	v2 := newValidator(t, bytes.Clone(secret))
	other := newValidator(t, []byte("another-site-secret-987654"))
	h := v1.HashID("482913650271")
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not 64 hex digits", h)
	}
	if v2.HashID("482913650271") != h || v1.Clone().HashID("482913650271") != h {
		t.Error("the same KIDC and secret gave another hash")
	}
	if v1.HashID("4829 1365-0271") != h {
		t.Error("spaces and hyphens change the hash")
	}
	if other.HashID("482913650271") == h {
		t.Error("another secret gave the same hash")
	}
	if v1.HashID("482913650272") == h {
		t.Error("another KIDC gave the same hash")
	}
	// The row carries exactly this hash, for the child and, as mother of a
	// later birth, for the same person.
	b := v1.Validate(record(source.Births, nil)).Birth
	if *b.ChildIDHash != h {
		t.Errorf("row hash %s, HashID %s", *b.ChildIDHash, h)
	}
	b2 := v1.Validate(record(source.Births, map[string]string{"id": "100000000999", "mother_kidc": "482913650271"})).Birth
	if *b2.MotherIDHash != h {
		t.Error("the same person as child and as mother hashes differently")
	}
	if _, err := canon.NewValidator(refdata.Source{}, []byte("short"), asOf); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}

func TestFutureIsCambodianDate(t *testing.T) {
	// 2025-06-30 20:00 UTC is already 1 July in Phnom Penh: a birth on 1 July
	// is not in the future, one on 2 July is.
	v, err := canon.NewValidator(refdata.Source{}, secret, time.Date(2025, 6, 30, 20, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if r := v.Validate(record(source.Births, map[string]string{"date_of_birth": "2025-07-01", "registration_date": "2025-07-01"})); r.Quarantined() {
		t.Errorf("today in Cambodia quarantined: %+v", r.Quarantine)
	}
	if r := v.Validate(record(source.Births, map[string]string{"date_of_birth": "2025-07-02", "registration_date": "2025-07-01"})); !r.Quarantined() || r.Quarantine[0].Reason != "future_date" {
		t.Errorf("tomorrow: %+v", r.Quarantine)
	}
}

func TestSiteOverride(t *testing.T) {
	// A site's own gazetteer: commune 120109 removed, so it becomes unknown.
	b, err := refdata.FS.ReadFile(refdata.FileCommunes)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(line, "120109,") {
			kept = append(kept, line)
		}
	}
	path := t.TempDir() + "/communes.csv"
	if err := os.WriteFile(path, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := canon.NewValidator(refdata.Source{Overrides: map[string]string{refdata.FileCommunes: path}}, secret, asOf)
	if err != nil {
		t.Fatal(err)
	}
	// The mother's residence is then not stated; the office 120101 is still known.
	res := v.Validate(record(source.Births, nil))
	if b := res.Birth; b == nil || !slices.Equal(b.Flags, []string{"residence_not_stated"}) || b.ResidenceProvince != nil {
		t.Errorf("site gazetteer not used: %+v", res)
	}
}
