package canon_test

import (
	"maps"
	"testing"
	"time"

	"vitalstats/etl/canon"
	"vitalstats/etl/source"
	"vitalstats/refdata"
)

// Hand-written records shaped like the synthetic registry's (docs/
// synthetic-registry.md): the pipeline's tests may not import synth. Every
// value is one the registry or a file drop really delivers, including
// PostgreSQL's text form of timestamps.

var asOf = time.Date(2025, 6, 30, 10, 0, 0, 0, time.UTC)

var secret = []byte("test-site-secret-0123456789")

// The identity codes of the fixtures: none may ever appear in a row.
var kidcs = []string{"482913650271", "731002948165", "550019283746", "918273645501", "302918475566", "664401928374", "119283746650"}

var birthFixture = map[string]string{
	"id": "100000000123", "reg_no": "B-120101-2021-000123", "version": "1", "status": "registered",
	"source": "ict", "created_at": "2021-03-04 08:12:33+00", "updated_at": "2021-03-04 08:12:33.51+00",
	"child_kidc": "482913650271", "sex": "F", "date_of_birth": "2021-02-20",
	"place_commune": "120101", "facility_id": "PH1201", "facility_type": "public_hospital",
	"registration_date": "2021-03-04", "registration_commune": "120101", "mother_kidc": "731002948165",
	"mother_date_of_birth": "1994-06-15", "mother_age": "26", "mother_nationality": "KHM",
	"mother_residence_commune": "120109", "mother_education": "secondary", "marital_status": "married",
	"father_age": "30", "birth_order": "2", "plurality": "1", "birth_weight_g": "3150",
	"gestation_weeks": "39", "attendant": "midwife",
	"child_name": "ឆន ដារា", "child_name_latin": "Chan Dara", "mother_name": "សុខ សុភា", "mother_name_latin": "<null>",
	"father_name": "ឆន វិសាល", "father_name_latin": "Chan Visal",
}

// A paper record digitized years later, arriving as a file drop: a
// reported age and no date of birth.
var deathFixture = map[string]string{
	"id": "200000000045", "reg_no": "D-070101-2012-000045", "version": "2", "status": "corrected",
	"source": "digitized", "created_at": "2020-01-10T03:00:00Z", "updated_at": "2021-05-01T03:00:00.123456Z",
	"digitized_at": "2020-01-10T10:00:00+07:00", "deceased_kidc": "550019283746", "sex": "M",
	"age_value": "67", "age_unit": "Y", "date_of_death": "2012-07-03", "place_commune": "070101",
	"facility_type": "home", "residence_commune": "070102", "registration_date": "2012-07-10",
	"registration_commune": "070101", "marital_status": "married", "cause_a": "J96.0", "cause_b": "i64",
	"cause_part2": "I10", "underlying_cause": " I64 ", "certification": "physician", "manner": "natural",
	"burial_permit_no": "BP-0701-2012-77",
	"deceased_name":    "ហេង សុខា", "deceased_name_latin": "Heng Sokha",
}

var fetalFixture = map[string]string{
	"id": "300000000007", "reg_no": "F-230101-2023-000007", "version": "1", "status": "registered",
	"source": "ict", "created_at": "2023-05-20 02:00:00+00", "updated_at": "2023-05-20 02:00:00+00",
	"mother_kidc": "918273645501", "mother_age": "28", "sex": "U", "date_of_delivery": "2023-05-02",
	"gestation_weeks": "34", "birth_weight_g": "2100", "place_commune": "230101", "facility_id": "HC230101",
	"facility_type": "health_centre", "mother_residence_commune": "230103", "registration_date": "2023-05-20",
	"registration_commune": "230101", "cause_icd10": "P95",
	"mother_name": "លី ចន្ថា", "mother_name_latin": "Ly Chantha",
}

var marriageFixture = map[string]string{
	"id": "400000000311", "reg_no": "M-010201-2019-000311", "version": "1", "status": "registered",
	"source": "digitized", "created_at": "2019-12-05 01:00:00+00", "updated_at": "2019-12-05 01:00:00+00",
	"digitized_at": "2022-04-01 05:10:00+00", "date_of_marriage": "2019-11-30", "registration_date": "2019-12-05",
	"registration_commune": "010201", "groom_kidc": "302918475566", "groom_age": "27",
	"groom_residence": "010202", "groom_prev_status": "never_married", "bride_kidc": "664401928374",
	"bride_age": "24", "bride_residence": "010201", "bride_prev_status": "never_married",
	"groom_name": "គឹម រតនា", "groom_name_latin": "Kim Rotana", "bride_name": "ស៊ិន ស្រីមុំ", "bride_name_latin": "<null>",
}

var notificationFixture = map[string]string{
	"id": "N1000231", "facility_id": "HC120101", "facility_type": "health_centre", "event_type": "birth",
	"event_date": "2024-01-15", "sex": "M", "subject_kidc": "119283746650", "mother_age": "31",
	"residence_commune": "120109", "notified_at": "2024-01-16T09:30:00Z",
}

var fixtures = map[*source.Schema]map[string]string{
	source.Births: birthFixture, source.Deaths: deathFixture, source.FetalDeaths: fetalFixture,
	source.Marriages: marriageFixture, source.Notifications: notificationFixture,
}

var routes = map[*source.Schema]string{
	source.Births: "registry", source.Deaths: "file", source.FetalDeaths: "registry",
	source.Marriages: "file", source.Notifications: "file",
}

// record builds a record of schema s from the fixture, with edits applied:
// a value of "<null>" makes the column NULL.
func record(s *source.Schema, edits map[string]string) *source.Record {
	vals := maps.Clone(fixtures[s])
	maps.Copy(vals, edits)
	r := &source.Record{Schema: s, Source: routes[s], Values: make([]string, len(s.Columns)), Null: make([]bool, len(s.Columns))}
	r.Ref = s.Table + ":" + vals["id"]
	if r.Source == "file" {
		r.Ref = "contractor_a_csv/" + s.Event + "_2022-04.csv:17"
	}
	for i, c := range s.Columns {
		v, ok := vals[c]
		if !ok || v == "<null>" {
			r.Null[i] = true
			continue
		}
		r.Values[i] = v
	}
	return r
}

func newValidator(t testing.TB, key []byte) *canon.Validator {
	t.Helper()
	v, err := canon.NewValidator(refdata.Source{}, key, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
