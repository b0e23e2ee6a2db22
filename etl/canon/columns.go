package canon

import (
	"fmt"
	"slices"

	"vitalstats/etl/source"
)

// Column positions in the source schemas. The validator reads values by
// these constants (no lookup by name per record); NewValidator checks them
// against the source package's schemas, so a change there fails loudly.

// The first eight columns of every registration schema.
const (
	cID = iota
	cRegNo
	cVersion
	cStatus
	cSource
	cCreatedAt
	cUpdatedAt
	cDigitizedAt
	commonColumns
)

const (
	bChildKIDC = commonColumns + iota
	bSex
	bDateOfBirth
	bPlaceCommune
	bFacilityID
	bFacilityType
	bRegistrationDate
	bRegistrationCommune
	bMotherKIDC
	bMotherDOB
	bMotherAge
	bMotherNationality
	bMotherResidence
	bMotherEducation
	bMaritalStatus
	bFatherAge
	bBirthOrder
	bPlurality
	bBirthWeight
	bGestation
	bAttendant
	bChildName
	bChildNameLatin
	bMotherName
	bMotherNameLatin
	bFatherName
	bFatherNameLatin
	birthColumns
)

const (
	dDeceasedKIDC = commonColumns + iota
	dSex
	dDateOfBirth
	dAgeValue
	dAgeUnit
	dDateOfDeath
	dPlaceCommune
	dFacilityID
	dFacilityType
	dResidence
	dRegistrationDate
	dRegistrationCommune
	dMaritalStatus
	dCauseA
	dCauseB
	dCauseC
	dCauseD
	dCausePart2
	dUnderlying
	dCertification
	dManner
	dPregnancy
	dBurialPermit
	dDeceasedName
	dDeceasedNameLatin
	deathColumns
)

const (
	fMotherKIDC = commonColumns + iota
	fMotherAge
	fSex
	fDateOfDelivery
	fGestation
	fBirthWeight
	fPlaceCommune
	fFacilityID
	fFacilityType
	fMotherResidence
	fRegistrationDate
	fRegistrationCommune
	fCause
	fMotherName
	fMotherNameLatin
	fetalColumns
)

const (
	mDateOfMarriage = commonColumns + iota
	mRegistrationDate
	mRegistrationCommune
	mGroomKIDC
	mGroomAge
	mGroomResidence
	mGroomPrevStatus
	mBrideKIDC
	mBrideAge
	mBrideResidence
	mBridePrevStatus
	mGroomName
	mGroomNameLatin
	mBrideName
	mBrideNameLatin
	marriageColumns
)

const (
	nID = iota
	nFacilityID
	nFacilityType
	nEventType
	nEventDate
	nSex
	nSubjectKIDC
	nMotherAge
	nAgeYears
	nResidence
	nNotifiedAt
	notificationColumns
)

var commonNames = []string{"id", "reg_no", "version", "status", "source", "created_at", "updated_at", "digitized_at"}

// expectedColumns is the layout the constants above encode.
var expectedColumns = []struct {
	schema *source.Schema
	cols   []string
	n      int
}{
	{source.Births, append(slices.Clone(commonNames), "child_kidc", "sex", "date_of_birth", "place_commune",
		"facility_id", "facility_type", "registration_date", "registration_commune", "mother_kidc",
		"mother_date_of_birth", "mother_age", "mother_nationality", "mother_residence_commune",
		"mother_education", "marital_status", "father_age", "birth_order", "plurality", "birth_weight_g",
		"gestation_weeks", "attendant", "child_name", "child_name_latin", "mother_name", "mother_name_latin",
		"father_name", "father_name_latin"), birthColumns},
	{source.Deaths, append(slices.Clone(commonNames), "deceased_kidc", "sex", "date_of_birth", "age_value",
		"age_unit", "date_of_death", "place_commune", "facility_id", "facility_type", "residence_commune",
		"registration_date", "registration_commune", "marital_status", "cause_a", "cause_b", "cause_c",
		"cause_d", "cause_part2", "underlying_cause", "certification", "manner", "pregnancy_status",
		"burial_permit_no", "deceased_name", "deceased_name_latin"), deathColumns},
	{source.FetalDeaths, append(slices.Clone(commonNames), "mother_kidc", "mother_age", "sex",
		"date_of_delivery", "gestation_weeks", "birth_weight_g", "place_commune", "facility_id",
		"facility_type", "mother_residence_commune", "registration_date", "registration_commune",
		"cause_icd10", "mother_name", "mother_name_latin"), fetalColumns},
	{source.Marriages, append(slices.Clone(commonNames), "date_of_marriage", "registration_date",
		"registration_commune", "groom_kidc", "groom_age", "groom_residence", "groom_prev_status",
		"bride_kidc", "bride_age", "bride_residence", "bride_prev_status", "groom_name", "groom_name_latin",
		"bride_name", "bride_name_latin"), marriageColumns},
	{source.Notifications, []string{"id", "facility_id", "facility_type", "event_type", "event_date", "sex",
		"subject_kidc", "mother_age", "age_years", "residence_commune", "notified_at"}, notificationColumns},
}

// checkColumns verifies that the source schemas still have the layout the
// validator was written for.
func checkColumns() error {
	for _, e := range expectedColumns {
		if len(e.cols) != e.n || !slices.Equal(e.schema.Columns, e.cols) {
			return fmt.Errorf("canon: the source schema of %s has changed (columns %v, canon expects %v)",
				e.schema.Event, e.schema.Columns, e.cols)
		}
	}
	return nil
}
