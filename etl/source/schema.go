package source

import "strings"

// Schema is the source layout of one event type: the columns every source
// delivers for it, in order, whatever the source's own names. They are the
// registry's column names. The names of persons come last: the validator
// turns them into keyed encodings for record linkage and nothing else ever
// holds them (not the lake, not quarantine, not a log). A site's own extract query (sql/extract/<table>.sql) must
// return these columns; file drop formats map their fields onto them.
type Schema struct {
	Event     string   // birth, death, fetal_death, marriage, notification
	Table     string   // the registry table and extract query name
	Watermark string   // the timestamp column incremental extraction follows
	Columns   []string // in order
}

// IsName says whether a column holds a person's name (in Khmer script, or
// its romanization). A name whose bytes are not text is handed on as it is:
// the validator flags the record and keeps nothing of the name, where any
// other field that is not text costs its record.
func IsName(col string) bool {
	return strings.HasSuffix(col, "_name") || strings.HasSuffix(col, "_name_latin")
}

// Index returns the position of a column, or -1.
func (s *Schema) Index(col string) int {
	for i, c := range s.Columns {
		if c == col {
			return i
		}
	}
	return -1
}

// Record is one source record, as text, before validation. Values holds the
// columns of its Schema in order; Null marks missing values (SQL NULL, an
// empty CSV field, a JSON null or an absent key).
type Record struct {
	Schema *Schema
	Source string // "registry" or "file"
	Ref    string // where it is: "births:100000000123" or "contractor_a_csv/birth_2021-03.csv:17"
	Values []string
	Null   []bool
}

// Value returns a column's value and whether it is present.
func (r *Record) Value(i int) (string, bool) { return r.Values[i], !r.Null[i] }

var (
	Births = &Schema{Event: "birth", Table: "births", Watermark: "updated_at", Columns: []string{
		"id", "reg_no", "version", "status", "source", "created_at", "updated_at", "digitized_at",
		"child_kidc", "sex", "date_of_birth", "place_commune", "facility_id", "facility_type",
		"registration_date", "registration_commune", "mother_kidc", "mother_date_of_birth", "mother_age",
		"mother_nationality", "mother_residence_commune", "mother_education", "marital_status",
		"father_age", "birth_order", "plurality", "birth_weight_g", "gestation_weeks", "attendant",
		"child_name", "child_name_latin", "mother_name", "mother_name_latin", "father_name", "father_name_latin",
	}}
	Deaths = &Schema{Event: "death", Table: "deaths", Watermark: "updated_at", Columns: []string{
		"id", "reg_no", "version", "status", "source", "created_at", "updated_at", "digitized_at",
		"deceased_kidc", "sex", "date_of_birth", "age_value", "age_unit", "date_of_death",
		"place_commune", "facility_id", "facility_type", "residence_commune", "registration_date",
		"registration_commune", "marital_status", "cause_a", "cause_b", "cause_c", "cause_d",
		"cause_part2", "underlying_cause", "certification", "manner", "pregnancy_status", "burial_permit_no",
		"deceased_name", "deceased_name_latin",
	}}
	FetalDeaths = &Schema{Event: "fetal_death", Table: "fetal_deaths", Watermark: "updated_at", Columns: []string{
		"id", "reg_no", "version", "status", "source", "created_at", "updated_at", "digitized_at",
		"mother_kidc", "mother_age", "sex", "date_of_delivery", "gestation_weeks", "birth_weight_g",
		"place_commune", "facility_id", "facility_type", "mother_residence_commune", "registration_date",
		"registration_commune", "cause_icd10", "mother_name", "mother_name_latin",
	}}
	Marriages = &Schema{Event: "marriage", Table: "marriages", Watermark: "updated_at", Columns: []string{
		"id", "reg_no", "version", "status", "source", "created_at", "updated_at", "digitized_at",
		"date_of_marriage", "registration_date", "registration_commune", "groom_kidc", "groom_age",
		"groom_residence", "groom_prev_status", "bride_kidc", "bride_age", "bride_residence", "bride_prev_status",
		"groom_name", "groom_name_latin", "bride_name", "bride_name_latin",
	}}
	Notifications = &Schema{Event: "notification", Table: "notifications", Watermark: "notified_at", Columns: []string{
		"id", "facility_id", "facility_type", "event_type", "event_date", "sex", "subject_kidc",
		"mother_age", "age_years", "residence_commune", "notified_at",
	}}
	// Schemas lists every event type's schema.
	Schemas = []*Schema{Births, Deaths, FetalDeaths, Marriages, Notifications}
)

// SchemaFor returns the schema of an event type or registry table name.
func SchemaFor(name string) *Schema {
	for _, s := range Schemas {
		if s.Event == name || s.Table == name {
			return s
		}
	}
	return nil
}
