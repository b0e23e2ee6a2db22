package canon

// Reason is why a record (or one of its fields) went to quarantine. The list
// is closed: every quarantine row carries one of the constants below, and
// docs/quarantine.md documents each with an example.
type Reason string

// The quarantine reason codes.
const (
	MissingRequired         Reason = "missing_required"          // a required field is NULL or empty
	BadDate                 Reason = "bad_date"                  // not a calendar date (or timestamp) in an accepted layout
	FutureDate              Reason = "future_date"               // a date after the run's as-of date
	Before1900              Reason = "before_1900"               // an event or registration date before 1900-01-01
	RegistrationBeforeEvent Reason = "registration_before_event" // registered (or notified) before the event happened
	BadInt                  Reason = "bad_int"                   // not a decimal integer
	OutOfRange              Reason = "out_of_range"              // a number or derived age outside its documented bounds
	BadCode                 Reason = "bad_code"                  // a coded value not in its closed list, or of the wrong shape
	TooLong                 Reason = "too_long"                  // a free-text value (id, facility, permit) over its length limit
	UnknownCommune          Reason = "unknown_commune"           // a 6-digit commune code not in the gazetteer
	BadEncoding             Reason = "bad_encoding"              // a value that is not valid UTF-8 (or a JSON string with a lone surrogate)
	NULByte                 Reason = "nul_byte"                  // a value holding a NUL byte (0x00)
	WrongFieldCount         Reason = "wrong_field_count"         // a row with more or fewer fields than its format (file reader)
	MalformedRow            Reason = "malformed_row"             // a row that could not be split into fields at all (file reader)
)

// Reasons lists every reason code, in the order of docs/quarantine.md.
var Reasons = []Reason{
	MissingRequired, BadDate, FutureDate, Before1900, RegistrationBeforeEvent, BadInt, OutOfRange,
	BadCode, TooLong, UnknownCommune, BadEncoding, NULByte,
	WrongFieldCount, MalformedRow,
}

// IsReason reports whether s is one of the reason codes.
func IsReason(s string) bool {
	for _, r := range Reasons {
		if string(r) == s {
			return true
		}
	}
	return false
}

// Flag marks a valid but suspicious record. Flagged records are loaded; the
// warehouse counts and reports them. The list is closed like Reasons.
type Flag = string

// The flags.
const (
	FlagIllDefinedCause         Flag = "ill_defined_cause"         // underlying cause R00-R99 or in the CoDEdit ill-defined list
	FlagSexCauseConflict        Flag = "sex_cause_conflict"        // underlying cause limited to the other sex
	FlagUnlikelyUnderlyingCause Flag = "unlikely_underlying_cause" // a condition unlikely to cause death
	FlagNonterminalICD10        Flag = "nonterminal_icd10"         // a 3-character category that has 4-character subdivisions
	FlagBadICD10Format          Flag = "bad_icd10_format"          // a cause not an ICD-10 code in any accepted spelling; dropped (NULL)
	FlagUnknownICD10            Flag = "unknown_icd10"             // a well-formed cause not in the ICD-10 list; dropped (NULL)
	FlagNotUnderlyingCause      Flag = "not_underlying_cause"      // an underlying cause WHO excludes as one (asterisk, S/T, UNDEF); dropped (NULL)
	FlagHeapedAge               Flag = "heaped_age"                // reported age (no date of birth), a multiple of 5, >= 20
	FlagAgeDOBConflict          Flag = "age_dob_conflict"          // reported age and the age from the date of birth disagree
	FlagMotherAgeImplausible    Flag = "mother_age_implausible"    // mother aged under 12 or over 55
	FlagWeightGestationConflict Flag = "weight_gestation_conflict" // birth weight far off for the gestation
	FlagPregnancyStatusConflict Flag = "pregnancy_status_conflict" // a pregnancy status other than not pregnant/unknown for a male
	FlagMarriedUnder18          Flag = "married_under_18"          // a spouse under the legal age of 18
	FlagInvalidIDCode           Flag = "invalid_id_code"           // an identity code that is a placeholder or not a number; not hashed
	FlagLateRegistration        Flag = "late_registration"         // registered after the legal limit, within a year
	FlagDelayedRegistration     Flag = "delayed_registration"      // registered more than a year after the event
	FlagSexNotStated            Flag = "sex_not_stated"            // a birth or death whose sex is missing; counted as sex U
	FlagResidenceNotStated      Flag = "residence_not_stated"      // usual residence missing or not in the gazetteer; counted in the nation only
	FlagPlaceNotStated          Flag = "place_not_stated"          // place of occurrence missing or not in the gazetteer
	FlagNameUnreadable          Flag = "name_unreadable"           // a name that is not text (bad bytes, a NUL, too long): not encoded, taken as not given
)

// Flags lists every flag, in the order of docs/quarantine.md.
var Flags = []Flag{
	FlagIllDefinedCause, FlagSexCauseConflict, FlagUnlikelyUnderlyingCause, FlagNonterminalICD10,
	FlagBadICD10Format, FlagUnknownICD10, FlagNotUnderlyingCause,
	FlagHeapedAge, FlagAgeDOBConflict, FlagMotherAgeImplausible, FlagWeightGestationConflict,
	FlagPregnancyStatusConflict, FlagMarriedUnder18, FlagInvalidIDCode, FlagLateRegistration,
	FlagDelayedRegistration, FlagSexNotStated, FlagResidenceNotStated, FlagPlaceNotStated,
	FlagNameUnreadable,
}

// LegalLimitDays is the registration limit in days after the event, per
// event type: within it a registration is timely, after it late (to 365
// days) or delayed (over 365 days). Cambodia's limits: births 30 days,
// deaths 15, marriages 15. Fetal deaths have no limit of their own; they
// take the births' 30 days, as the synthetic registry does. Issue 4 makes
// these rules effective-dated; until then this table is the one place.
var LegalLimitDays = map[string]int{
	"birth":       30,
	"death":       15,
	"marriage":    15,
	"fetal_death": 30,
}

// delayedAfterDays separates late (to a year) from delayed registration.
const delayedAfterDays = 365

// Bounds of the numeric checks. Values outside are quarantined as
// out_of_range; docs/quarantine.md gives the reasoning.
const (
	minMotherAge, maxMotherAge             = 10, 64
	minPlausibleMother, maxPlausibleMother = 12, 55 // outside: flag mother_age_implausible
	minFatherAge, maxFatherAge             = 12, 99
	minBirthOrder, maxBirthOrder           = 1, 20
	minPlurality, maxPlurality             = 1, 5
	minWeight, maxWeight                   = 300, 7000 // grams
	minGestation, maxGestation             = 16, 46    // completed weeks
	maxAgeYears                            = 120
	maxAgeMonths                           = 59
	maxAgeDays                             = 365
	minSpouseAge, maxSpouseAge             = 12, 110
	maxVersion                             = 1_000_000
	maxTextLen                             = 64 // ids, reg_no, facility_id, burial_permit_no
	rawValueMax                            = 200
)
