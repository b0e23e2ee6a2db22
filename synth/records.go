package synth

import "time"

// The operational registry's record layouts. The generator fills these
// structs; the sinks (PostgreSQL COPY, CSV and NDJSON file drops) write them
// through Table, which fixes the column order and the names in each format.
// A nil pointer is a missing value (NULL in PostgreSQL, empty in CSV, null in
// NDJSON). Names and KIDC identity numbers are present on purpose: a real
// registry holds them, and the pipeline must prove it never extracts them.

// Birth is one birth registration record.
type Birth struct {
	ID                     int64
	RegNo                  string
	Version                int32
	Status                 string // registered, corrected, cancelled
	Source                 string // ict, digitized
	CreatedAt              time.Time
	UpdatedAt              time.Time
	DigitizedAt            *time.Time // digitized paper records only
	ChildName              string     // Khmer script: family name, a space, given name
	ChildNameLatin         *string    // the romanization, where the record has one
	ChildKIDC              *string    // nil on paper records registered before paper_kidc_from
	Sex                    *string    // M, F
	DateOfBirth            *time.Time
	PlaceCommune           *string
	FacilityID             *string
	FacilityType           *string // public_hospital, health_centre, private, home, other
	RegistrationDate       *time.Time
	RegistrationCommune    string
	MotherName             string
	MotherNameLatin        *string
	MotherKIDC             *string
	MotherDateOfBirth      *time.Time
	MotherAge              *int32
	MotherNationality      *string
	MotherResidenceCommune *string
	MotherEducation        *string // none, primary, secondary, higher
	MaritalStatus          *string // married, single, other
	FatherName             *string
	FatherNameLatin        *string
	FatherAge              *int32
	BirthOrder             *int32
	Plurality              *int32
	BirthWeightG           *int32
	GestationWeeks         *int32
	Attendant              *string // doctor, midwife, nurse, traditional, none

	child personName // who the record is about, for a duplicate and a later death
	mom   mother
	latin bool // the record carries romanized names
}

// Death is one death registration record.
type Death struct {
	ID                  int64
	RegNo               string
	Version             int32
	Status              string
	Source              string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	DigitizedAt         *time.Time
	DeceasedName        string
	DeceasedNameLatin   *string
	DeceasedKIDC        *string
	Sex                 *string
	DateOfBirth         *time.Time
	AgeValue            *int32
	AgeUnit             *string // Y, M, D
	DateOfDeath         *time.Time
	PlaceCommune        *string
	FacilityID          *string
	FacilityType        *string
	ResidenceCommune    *string
	RegistrationDate    *time.Time
	RegistrationCommune string
	MaritalStatus       *string
	CauseA              *string
	CauseB              *string
	CauseC              *string
	CauseD              *string
	CausePart2          *string
	UnderlyingCause     *string
	Certification       *string // physician, verbal_autopsy, lay_report, none
	Manner              *string // natural, accident, suicide, homicide, pending, unknown
	PregnancyStatus     *string // not_pregnant, pregnant, within_42_days, 43_days_to_1_year, unknown
	BurialPermitNo      *string

	person personName
	kid    *string // the person's KIDC, whether or not this record shows it
	latin  bool
}

// FetalDeath is one fetal death report (late-term fetal deaths reach the
// registry through the health sector).
type FetalDeath struct {
	ID                     int64
	RegNo                  string
	Version                int32
	Status                 string
	Source                 string
	CreatedAt              time.Time
	UpdatedAt              time.Time
	DigitizedAt            *time.Time
	MotherName             string
	MotherNameLatin        *string
	MotherKIDC             *string
	MotherAge              *int32
	Sex                    *string
	DateOfDelivery         *time.Time
	GestationWeeks         *int32
	BirthWeightG           *int32
	PlaceCommune           *string
	FacilityID             *string
	FacilityType           *string
	MotherResidenceCommune *string
	RegistrationDate       *time.Time
	RegistrationCommune    string
	CauseICD10             *string
}

// Marriage is one marriage registration record.
type Marriage struct {
	ID                  int64
	RegNo               string
	Version             int32
	Status              string
	Source              string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	DigitizedAt         *time.Time
	DateOfMarriage      *time.Time
	RegistrationDate    *time.Time
	RegistrationCommune string
	GroomName           string
	GroomNameLatin      *string
	GroomKIDC           *string
	GroomAge            *int32
	GroomResidence      *string
	GroomPrevStatus     *string // never_married, widowed, divorced
	BrideName           string
	BrideNameLatin      *string
	BrideKIDC           *string
	BrideAge            *int32
	BrideResidence      *string
	BridePrevStatus     *string
}

// Notification is one health-facility notification of a birth or death. It
// carries no registry id: linking it to a registration is the ETL's job.
type Notification struct {
	ID               string
	FacilityID       string
	FacilityType     string
	EventType        string // birth, death
	EventDate        time.Time
	Sex              *string
	SubjectKIDC      *string // the mother's for a birth, the deceased's for a death
	MotherAge        *int32
	AgeYears         *int32
	ResidenceCommune *string
	NotifiedAt       time.Time
}
