package canon

import (
	"time"

	"vitalstats/etl/lake"
)

// The canonical rows, written by parquet-go's GenericWriter. Every nullable
// column is a pointer (nil is NULL, a zero value is a value); dates are
// DATE, timestamps TIMESTAMP(microsecond) in UTC; column names are
// snake_case. Dates are lake.Date, not time.Time: parquet-go v0.32.0 writes
// a time.Time into a DATE column wrongly (see lake.Date). Identity codes appear only as *_id_hash (hex HMAC-SHA256 with
// the site secret); names appear only as *_name_bf and *_name_tok, their
// keyed record-linkage encodings (names.go).

// Common holds the columns every registration row starts with (DESIGN.md
// section 3). Embedded, its fields become top-level columns.
type Common struct {
	// EventID is source-qualified: "reg:<id>" for the registry, "file:<id>"
	// for file drops, so the two routes never collide.
	EventID   string  `parquet:"event_id"`
	RegNo     *string `parquet:"reg_no"`
	Version   int32   `parquet:"version"`
	Status    string  `parquet:"status"`     // registered, corrected, cancelled
	Source    string  `parquet:"source"`     // registry, file: the route it came by
	SourceRef string  `parquet:"source_ref"` // registry table:id, or file:line
	// Provenance is how it was registered: "ict" (electronic, current) or
	// "digitized" (a paper record typed in later, which keeps its original
	// registration date and never feeds current timeliness figures).
	Provenance  string     `parquet:"provenance"`
	CreatedAt   *time.Time `parquet:"created_at,timestamp(microsecond)"`
	UpdatedAt   *time.Time `parquet:"updated_at,timestamp(microsecond)"`
	DigitizedAt *time.Time `parquet:"digitized_at,timestamp(microsecond)"`
	// EventDate is the date of birth, death, delivery or marriage.
	EventDate           lake.Date `parquet:"event_date,date"`
	RegistrationDate    lake.Date `parquet:"registration_date,date"`
	RegistrationCommune string    `parquet:"registration_commune"`
	// OccurrenceYear is EventDate's year: the lake's partition (occurrence_year=).
	OccurrenceYear int32 `parquet:"occurrence_year"`
	// Flags are the record's suspicions (the Flag constants), empty if none.
	Flags []string `parquet:"flags,list"`
	// DupGroup is shared by probable duplicates of one event (see keys.go);
	// NULL when the record has nothing to match on.
	DupGroup *string `parquet:"dup_group"`
}

// Residence and place communes are kept as given when they are 6 digits,
// even when the gazetteer does not know them: such a code (or a missing
// one) leaves the province and district NULL, so the event counts in the
// nation's totals and in no province, and the record is flagged
// residence_not_stated (place_not_stated for the place of occurrence).

// Birth is one live birth registration.
type Birth struct {
	Common
	ChildIDHash *string `parquet:"child_id_hash"`
	// The names of the child, mother and father as record-linkage encodings
	// (names.go): a keyed Bloom filter and keyed tokens; NULL if not given.
	ChildNameBF   []byte  `parquet:"child_name_bf,optional"`
	ChildNameTok  []int64 `parquet:"child_name_tok,list"`
	MotherNameBF  []byte  `parquet:"mother_name_bf,optional"`
	MotherNameTok []int64 `parquet:"mother_name_tok,list"`
	FatherNameBF  []byte  `parquet:"father_name_bf,optional"`
	FatherNameTok []int64 `parquet:"father_name_tok,list"`
	// LinkKey matches the birth to its health-facility notification (keys.go).
	LinkKey        *string `parquet:"link_key"`
	MotherIDHash   *string `parquet:"mother_id_hash"`
	Sex            *string `parquet:"sex"` // M, F; NULL = not stated (flag sex_not_stated)
	PlaceCommune   *string `parquet:"place_commune"`
	FacilityID     *string `parquet:"facility_id"`
	FacilityType   *string `parquet:"facility_type"` // public_hospital, health_centre, private, home, other
	MotherAge      *int32  `parquet:"mother_age"`    // completed years at the birth
	MotherAgeByDOB bool    `parquet:"mother_age_from_dob"`
	// MotherNationality is an ISO 3166-1 alpha-3 code.
	MotherNationality      *string `parquet:"mother_nationality"`
	MotherResidenceCommune *string `parquet:"mother_residence_commune"`
	ResidenceProvince      *string `parquet:"residence_province"` // first 2 digits of the residence commune
	ResidenceDistrict      *string `parquet:"residence_district"` // first 4 digits
	MotherEducation        *string `parquet:"mother_education"`   // none, primary, secondary, higher
	MaritalStatus          *string `parquet:"marital_status"`     // married, single, other
	FatherAge              *int32  `parquet:"father_age"`
	BirthOrder             *int32  `parquet:"birth_order"`
	Plurality              *int32  `parquet:"plurality"`
	BirthWeightG           *int32  `parquet:"birth_weight_g"`
	GestationWeeks         *int32  `parquet:"gestation_weeks"`
	Attendant              *string `parquet:"attendant"` // doctor, midwife, nurse, traditional, none
}

// Death is one death registration.
type Death struct {
	Common
	DeceasedIDHash *string `parquet:"deceased_id_hash"`
	// The deceased's name as record-linkage encodings (names.go).
	NameBF  []byte  `parquet:"deceased_name_bf,optional"`
	NameTok []int64 `parquet:"deceased_name_tok,list"`
	// LinkKey matches the death to its health-facility notification (keys.go).
	LinkKey     *string    `parquet:"link_key"`
	Sex         *string    `parquet:"sex"` // M, F; NULL = not stated (flag sex_not_stated)
	DateOfBirth *lake.Date `parquet:"date_of_birth,date"`
	AgeValue    *int32     `parquet:"age_value"` // as reported, in AgeUnit
	AgeUnit     *string    `parquet:"age_unit"`  // Y, M, D
	// AgeYears is completed years: from the date of birth when known, else
	// from the reported age (months / 12; 0 for days).
	AgeYears *int32 `parquet:"age_years"`
	// AgeDays is the exact age in days, from the date of birth or a reported
	// age in days; NULL otherwise (neonatal deaths need it).
	AgeDays           *int32  `parquet:"age_days"`
	PlaceCommune      *string `parquet:"place_commune"`
	FacilityID        *string `parquet:"facility_id"`
	FacilityType      *string `parquet:"facility_type"`
	ResidenceCommune  *string `parquet:"residence_commune"`
	ResidenceProvince *string `parquet:"residence_province"`
	ResidenceDistrict *string `parquet:"residence_district"`
	MaritalStatus     *string `parquet:"marital_status"` // never_married, married, widowed, divorced
	// The cause chain and the underlying cause, normalised ("J18.9").
	CauseA          *string `parquet:"cause_a"`
	CauseB          *string `parquet:"cause_b"`
	CauseC          *string `parquet:"cause_c"`
	CauseD          *string `parquet:"cause_d"`
	CausePart2      *string `parquet:"cause_part2"`
	UnderlyingCause *string `parquet:"underlying_cause_icd10"`
	Certification   *string `parquet:"certification"`    // physician, verbal_autopsy, lay_report, none
	Manner          *string `parquet:"manner"`           // natural, accident, suicide, homicide, pending, unknown
	PregnancyStatus *string `parquet:"pregnancy_status"` // not_pregnant, pregnant, within_42_days, 43_days_to_1_year, unknown
	BurialPermitNo  *string `parquet:"burial_permit_no"`
}

// FetalDeath is one fetal death (stillbirth) report.
type FetalDeath struct {
	Common
	MotherIDHash           *string `parquet:"mother_id_hash"`
	MotherNameBF           []byte  `parquet:"mother_name_bf,optional"` // names.go
	MotherNameTok          []int64 `parquet:"mother_name_tok,list"`
	MotherAge              *int32  `parquet:"mother_age"`
	Sex                    *string `parquet:"sex"` // M, F, U (undetermined)
	GestationWeeks         *int32  `parquet:"gestation_weeks"`
	BirthWeightG           *int32  `parquet:"birth_weight_g"`
	PlaceCommune           *string `parquet:"place_commune"`
	FacilityID             *string `parquet:"facility_id"`
	FacilityType           *string `parquet:"facility_type"`
	MotherResidenceCommune *string `parquet:"mother_residence_commune"`
	ResidenceProvince      *string `parquet:"residence_province"`
	ResidenceDistrict      *string `parquet:"residence_district"`
	CauseICD10             *string `parquet:"cause_icd10"`
}

// Marriage is one marriage registration.
type Marriage struct {
	Common
	GroomIDHash            *string `parquet:"groom_id_hash"`
	GroomNameBF            []byte  `parquet:"groom_name_bf,optional"` // names.go
	GroomNameTok           []int64 `parquet:"groom_name_tok,list"`
	BrideNameBF            []byte  `parquet:"bride_name_bf,optional"`
	BrideNameTok           []int64 `parquet:"bride_name_tok,list"`
	GroomAge               *int32  `parquet:"groom_age"`
	GroomResidence         *string `parquet:"groom_residence"`
	GroomResidenceProvince *string `parquet:"groom_residence_province"`
	GroomResidenceDistrict *string `parquet:"groom_residence_district"`
	GroomPrevStatus        *string `parquet:"groom_prev_status"` // never_married, widowed, divorced
	BrideIDHash            *string `parquet:"bride_id_hash"`
	BrideAge               *int32  `parquet:"bride_age"`
	BrideResidence         *string `parquet:"bride_residence"`
	BrideResidenceProvince *string `parquet:"bride_residence_province"`
	BrideResidenceDistrict *string `parquet:"bride_residence_district"`
	BridePrevStatus        *string `parquet:"bride_prev_status"`
}

// Notification is one health-facility notification of a birth or death. It
// has no registration columns; linking it to a registration is the
// matcher's job.
type Notification struct {
	EventID        string    `parquet:"event_id"`        // "reg:N123" or "file:N123"
	NotificationID string    `parquet:"notification_id"` // the id as the facility sent it
	Source         string    `parquet:"source"`
	SourceRef      string    `parquet:"source_ref"`
	FacilityID     string    `parquet:"facility_id"`
	FacilityType   string    `parquet:"facility_type"`
	EventType      string    `parquet:"event_type"` // birth, death
	EventDate      lake.Date `parquet:"event_date,date"`
	NotifiedAt     time.Time `parquet:"notified_at,timestamp(microsecond)"`
	Sex            *string   `parquet:"sex"`
	// SubjectIDHash is the mother's for a birth, the deceased's for a death.
	SubjectIDHash *string `parquet:"subject_id_hash"`
	// LinkKey equals the link_key of the registration it notifies (keys.go).
	LinkKey           *string  `parquet:"link_key"`
	MotherAge         *int32   `parquet:"mother_age"`
	AgeYears          *int32   `parquet:"age_years"`
	ResidenceCommune  *string  `parquet:"residence_commune"`
	ResidenceProvince *string  `parquet:"residence_province"`
	ResidenceDistrict *string  `parquet:"residence_district"`
	OccurrenceYear    int32    `parquet:"occurrence_year"`
	Flags             []string `parquet:"flags,list"`
}

// Quarantine is one problem of one record. A record with several problems
// has several rows but counts once as quarantined (Result.Quarantined). The
// columns but run_date do not depend on the batch, so a record quarantined
// twice reads the same but for the date of the run.
type Quarantine struct {
	Event     string `parquet:"event"`      // birth, death, fetal_death, marriage, notification
	Source    string `parquet:"source"`     // registry, file
	SourceRef string `parquet:"source_ref"` // registry table:id, or file:line
	// RecordID is the record's event_id ("reg:<id>", "file:<id>") when its
	// id could be read.
	RecordID *string `parquet:"record_id"`
	Field    string  `parquet:"field"`  // the source column; "" for the whole row
	Reason   string  `parquet:"reason"` // a Reason
	// RawValue is the offending value, at most 200 bytes of valid UTF-8; NULL
	// when the value was missing or is an identity code (never kept). For a
	// row the reader could not split, only its shape: letters become 'a' and
	// digits '9', so no name or identity number survives.
	RawValue *string `parquet:"raw_value"`
	Detail   string  `parquet:"detail"`
	// RunDate is the UTC date the ETL run that refused the record started
	// (the date in its batch id): the lake's partition (run_date=), set by
	// the ETL when it writes the row.
	RunDate lake.Date `parquet:"run_date,date"`
}
