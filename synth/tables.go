package synth

import (
	"fmt"
	"strings"
	"time"
)

// Column is one column of a registry table.
type Column struct {
	Name    string // snake_case, as in PostgreSQL
	Type    string // PostgreSQL type: bigint, int, text, date, timestamptz
	NotNull bool   // the Go field is not a pointer
}

// Table describes one registry table: its name, the event it records and its
// columns in the order of the record's Values. Every sink writes records
// through it, so the registry, the file drops and formats.json agree.
type Table struct {
	Name  string // PostgreSQL table name
	Event string // event name used in file drop names
	// Watermark is the timestamp column the ETL extracts by, incrementally
	// (updated_at; a notification is never updated, so notified_at).
	Watermark string
	Columns   []Column
}

// ColumnNames are the table's column names in order.
func (t *Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Column returns the index of the named column, or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// CreateSQL is the table's create statement in schema, without keys: the
// registry writer adds the primary key and indexes after loading (IndexSQL),
// which is faster than maintaining them row by row.
func (t *Table) CreateSQL(schema string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "create table %s.%s (\n", schema, t.Name)
	for i, c := range t.Columns {
		fmt.Fprintf(&b, "    %s %s", c.Name, c.Type)
		if c.NotNull {
			b.WriteString(" not null")
		}
		if i < len(t.Columns)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	return b.String()
}

// IndexSQL are the statements run after loading: the primary key on id and
// an index on the watermark column, by which the ETL extracts incrementally.
func (t *Table) IndexSQL(schema string) []string {
	return []string{
		fmt.Sprintf("alter table %s.%s add constraint %s_pkey primary key (id)", schema, t.Name, t.Name),
		fmt.Sprintf("create index %s_%s_idx on %s.%s (%s)", t.Name, t.Watermark, schema, t.Name, t.Watermark),
	}
}

// The registry tables, one per record type.
var (
	BirthTable = &Table{Name: "births", Event: "birth", Watermark: "updated_at", Columns: []Column{
		{"id", "bigint", true},
		{"reg_no", "text", true},
		{"version", "int", true},
		{"status", "text", true},
		{"source", "text", true},
		{"created_at", "timestamptz", true},
		{"updated_at", "timestamptz", true},
		{"digitized_at", "timestamptz", false},
		{"child_name", "text", true},
		{"child_name_latin", "text", false},
		{"child_kidc", "text", false},
		{"sex", "text", false},
		{"date_of_birth", "date", false},
		{"place_commune", "text", false},
		{"facility_id", "text", false},
		{"facility_type", "text", false},
		{"registration_date", "date", false},
		{"registration_commune", "text", true},
		{"mother_name", "text", true},
		{"mother_name_latin", "text", false},
		{"mother_kidc", "text", false},
		{"mother_date_of_birth", "date", false},
		{"mother_age", "int", false},
		{"mother_nationality", "text", false},
		{"mother_residence_commune", "text", false},
		{"mother_education", "text", false},
		{"marital_status", "text", false},
		{"father_name", "text", false},
		{"father_name_latin", "text", false},
		{"father_age", "int", false},
		{"birth_order", "int", false},
		{"plurality", "int", false},
		{"birth_weight_g", "int", false},
		{"gestation_weeks", "int", false},
		{"attendant", "text", false},
	}}
	DeathTable = &Table{Name: "deaths", Event: "death", Watermark: "updated_at", Columns: []Column{
		{"id", "bigint", true},
		{"reg_no", "text", true},
		{"version", "int", true},
		{"status", "text", true},
		{"source", "text", true},
		{"created_at", "timestamptz", true},
		{"updated_at", "timestamptz", true},
		{"digitized_at", "timestamptz", false},
		{"deceased_name", "text", true},
		{"deceased_name_latin", "text", false},
		{"deceased_kidc", "text", false},
		{"sex", "text", false},
		{"date_of_birth", "date", false},
		{"age_value", "int", false},
		{"age_unit", "text", false},
		{"date_of_death", "date", false},
		{"place_commune", "text", false},
		{"facility_id", "text", false},
		{"facility_type", "text", false},
		{"residence_commune", "text", false},
		{"registration_date", "date", false},
		{"registration_commune", "text", true},
		{"marital_status", "text", false},
		{"cause_a", "text", false},
		{"cause_b", "text", false},
		{"cause_c", "text", false},
		{"cause_d", "text", false},
		{"cause_part2", "text", false},
		{"underlying_cause", "text", false},
		{"certification", "text", false},
		{"manner", "text", false},
		{"pregnancy_status", "text", false},
		{"burial_permit_no", "text", false},
	}}
	FetalDeathTable = &Table{Name: "fetal_deaths", Event: "fetal_death", Watermark: "updated_at", Columns: []Column{
		{"id", "bigint", true},
		{"reg_no", "text", true},
		{"version", "int", true},
		{"status", "text", true},
		{"source", "text", true},
		{"created_at", "timestamptz", true},
		{"updated_at", "timestamptz", true},
		{"digitized_at", "timestamptz", false},
		{"mother_name", "text", true},
		{"mother_name_latin", "text", false},
		{"mother_kidc", "text", false},
		{"mother_age", "int", false},
		{"sex", "text", false},
		{"date_of_delivery", "date", false},
		{"gestation_weeks", "int", false},
		{"birth_weight_g", "int", false},
		{"place_commune", "text", false},
		{"facility_id", "text", false},
		{"facility_type", "text", false},
		{"mother_residence_commune", "text", false},
		{"registration_date", "date", false},
		{"registration_commune", "text", true},
		{"cause_icd10", "text", false},
	}}
	MarriageTable = &Table{Name: "marriages", Event: "marriage", Watermark: "updated_at", Columns: []Column{
		{"id", "bigint", true},
		{"reg_no", "text", true},
		{"version", "int", true},
		{"status", "text", true},
		{"source", "text", true},
		{"created_at", "timestamptz", true},
		{"updated_at", "timestamptz", true},
		{"digitized_at", "timestamptz", false},
		{"date_of_marriage", "date", false},
		{"registration_date", "date", false},
		{"registration_commune", "text", true},
		{"groom_name", "text", true},
		{"groom_name_latin", "text", false},
		{"groom_kidc", "text", false},
		{"groom_age", "int", false},
		{"groom_residence", "text", false},
		{"groom_prev_status", "text", false},
		{"bride_name", "text", true},
		{"bride_name_latin", "text", false},
		{"bride_kidc", "text", false},
		{"bride_age", "int", false},
		{"bride_residence", "text", false},
		{"bride_prev_status", "text", false},
	}}
	NotificationTable = &Table{Name: "notifications", Event: "notification", Watermark: "notified_at", Columns: []Column{
		{"id", "text", true},
		{"facility_id", "text", true},
		{"facility_type", "text", true},
		{"event_type", "text", true},
		{"event_date", "date", true},
		{"sex", "text", false},
		{"subject_kidc", "text", false},
		{"mother_age", "int", false},
		{"age_years", "int", false},
		{"residence_commune", "text", false},
		{"notified_at", "timestamptz", true},
	}}
)

// Tables lists the registry tables in load order.
var Tables = []*Table{BirthTable, DeathTable, FetalDeathTable, MarriageTable, NotificationTable}

// Nullable values: a nil pointer becomes an untyped nil (NULL, empty, null).
func nstr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func ni32(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

func ntime(p *time.Time) any {
	if p == nil {
		return nil
	}
	return *p
}

// Values are the record's column values in the order of BirthTable.
func (b *Birth) Values() []any {
	return []any{
		b.ID,
		b.RegNo,
		b.Version,
		b.Status,
		b.Source,
		b.CreatedAt,
		b.UpdatedAt,
		ntime(b.DigitizedAt),
		b.ChildName,
		nstr(b.ChildNameLatin),
		nstr(b.ChildKIDC),
		nstr(b.Sex),
		ntime(b.DateOfBirth),
		nstr(b.PlaceCommune),
		nstr(b.FacilityID),
		nstr(b.FacilityType),
		ntime(b.RegistrationDate),
		b.RegistrationCommune,
		b.MotherName,
		nstr(b.MotherNameLatin),
		nstr(b.MotherKIDC),
		ntime(b.MotherDateOfBirth),
		ni32(b.MotherAge),
		nstr(b.MotherNationality),
		nstr(b.MotherResidenceCommune),
		nstr(b.MotherEducation),
		nstr(b.MaritalStatus),
		nstr(b.FatherName),
		nstr(b.FatherNameLatin),
		ni32(b.FatherAge),
		ni32(b.BirthOrder),
		ni32(b.Plurality),
		ni32(b.BirthWeightG),
		ni32(b.GestationWeeks),
		nstr(b.Attendant),
	}
}

// Values are the record's column values in the order of DeathTable.
func (d *Death) Values() []any {
	return []any{
		d.ID,
		d.RegNo,
		d.Version,
		d.Status,
		d.Source,
		d.CreatedAt,
		d.UpdatedAt,
		ntime(d.DigitizedAt),
		d.DeceasedName,
		nstr(d.DeceasedNameLatin),
		nstr(d.DeceasedKIDC),
		nstr(d.Sex),
		ntime(d.DateOfBirth),
		ni32(d.AgeValue),
		nstr(d.AgeUnit),
		ntime(d.DateOfDeath),
		nstr(d.PlaceCommune),
		nstr(d.FacilityID),
		nstr(d.FacilityType),
		nstr(d.ResidenceCommune),
		ntime(d.RegistrationDate),
		d.RegistrationCommune,
		nstr(d.MaritalStatus),
		nstr(d.CauseA),
		nstr(d.CauseB),
		nstr(d.CauseC),
		nstr(d.CauseD),
		nstr(d.CausePart2),
		nstr(d.UnderlyingCause),
		nstr(d.Certification),
		nstr(d.Manner),
		nstr(d.PregnancyStatus),
		nstr(d.BurialPermitNo),
	}
}

// Values are the record's column values in the order of FetalDeathTable.
func (f *FetalDeath) Values() []any {
	return []any{
		f.ID,
		f.RegNo,
		f.Version,
		f.Status,
		f.Source,
		f.CreatedAt,
		f.UpdatedAt,
		ntime(f.DigitizedAt),
		f.MotherName,
		nstr(f.MotherNameLatin),
		nstr(f.MotherKIDC),
		ni32(f.MotherAge),
		nstr(f.Sex),
		ntime(f.DateOfDelivery),
		ni32(f.GestationWeeks),
		ni32(f.BirthWeightG),
		nstr(f.PlaceCommune),
		nstr(f.FacilityID),
		nstr(f.FacilityType),
		nstr(f.MotherResidenceCommune),
		ntime(f.RegistrationDate),
		f.RegistrationCommune,
		nstr(f.CauseICD10),
	}
}

// Values are the record's column values in the order of MarriageTable.
func (m *Marriage) Values() []any {
	return []any{
		m.ID,
		m.RegNo,
		m.Version,
		m.Status,
		m.Source,
		m.CreatedAt,
		m.UpdatedAt,
		ntime(m.DigitizedAt),
		ntime(m.DateOfMarriage),
		ntime(m.RegistrationDate),
		m.RegistrationCommune,
		m.GroomName,
		nstr(m.GroomNameLatin),
		nstr(m.GroomKIDC),
		ni32(m.GroomAge),
		nstr(m.GroomResidence),
		nstr(m.GroomPrevStatus),
		m.BrideName,
		nstr(m.BrideNameLatin),
		nstr(m.BrideKIDC),
		ni32(m.BrideAge),
		nstr(m.BrideResidence),
		nstr(m.BridePrevStatus),
	}
}

// Values are the record's column values in the order of NotificationTable.
func (n *Notification) Values() []any {
	return []any{
		n.ID,
		n.FacilityID,
		n.FacilityType,
		n.EventType,
		n.EventDate,
		nstr(n.Sex),
		nstr(n.SubjectKIDC),
		ni32(n.MotherAge),
		ni32(n.AgeYears),
		nstr(n.ResidenceCommune),
		n.NotifiedAt,
	}
}
