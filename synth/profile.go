package synth

import (
	"fmt"
	"time"
)

// Profile is everything the generator assumes about the country. The default
// is built from the reference data (census 2008, WPP 2024, CDHS 2010) and from
// what DESIGN.md says of Cambodia's registration system; a site overrides any
// field in the [gen.profile] section of its config.
type Profile struct {
	FirstYear int    `toml:"first_year"` // first year of events
	LastYear  int    `toml:"last_year"`  // last year of events
	AsOf      string `toml:"as_of"`      // the day the registry is observed (YYYY-MM-DD); default 31 Dec of LastYear

	SexRatioAtBirth   float64    `toml:"sex_ratio_at_birth"`  // males per female
	TFRScale          float64    `toml:"tfr_scale"`           // multiplies WPP's TFR
	E0Shift           float64    `toml:"e0_shift"`            // years added to WPP's e0 by sex
	ASFR10to14        float64    `toml:"asfr_10_14"`          // births per woman-year at 10-14 (WPP starts at 15)
	StillbirthRate    float64    `toml:"stillbirth_rate"`     // fetal deaths at 28+ weeks per 1,000 total births
	CrudeMarriageRate float64    `toml:"crude_marriage_rate"` // marriages per 1,000 population
	NeonatalShare     float64    `toml:"neonatal_share"`      // share of infant deaths in the first 28 days
	FacilityBirths    [2]float64 `toml:"facility_births"`     // share of births in a facility, first and last year
	FacilityDeaths    [2]float64 `toml:"facility_deaths"`     // share of deaths in a facility, first and last year
	TwinShare         float64    `toml:"twin_share"`          // share of deliveries that are twins (plurality 2)

	Registration Registration `toml:"registration"`
	Defects      Defects      `toml:"defects"`
	Names        Names        `toml:"names"`
	ICT          []ICTPilot   `toml:"ict"`
	// Shocks are waves of excess mortality (an epidemic); an empty list
	// (shocks = [] in the config) turns the default one off.
	Shocks []Shock `toml:"shocks"`
}

// Registration describes how events reach the registry.
type Registration struct {
	// Eventual registration probability, national, first and last year (interpolated on the logit scale).
	Birth      [2]float64 `toml:"birth"`
	Death      [2]float64 `toml:"death"`
	FetalDeath float64    `toml:"fetal_death"` // of facility fetal deaths
	Marriage   float64    `toml:"marriage"`

	ProvinceSpread    float64 `toml:"province_spread"`    // logit shift per standard deviation of province child mortality
	InfantDeathOdds   float64 `toml:"infant_death_odds"`  // odds ratio of registering an infant death
	ChildDeathOdds    float64 `toml:"child_death_odds"`   // odds ratio for deaths at ages 1-4
	FemaleDeathOdds   float64 `toml:"female_death_odds"`  // odds ratio for female deaths
	WithinLimitShare  float64 `toml:"within_limit_share"` // of registrations, share within the legal limit
	LateShare         float64 `toml:"late_share"`         // share after the limit but within a year; the rest are delayed
	DelayedMeanYears  float64 `toml:"delayed_mean_years"` // mean extra delay of delayed registrations
	BirthLimitDays    int     `toml:"birth_limit_days"`
	DeathLimitDays    int     `toml:"death_limit_days"`
	MarriageLimitDays int     `toml:"marriage_limit_days"`

	DigitizationStart string  `toml:"digitization_start"` // when paper records start being digitized
	DigitizedShare    float64 `toml:"digitized_share"`    // share of the paper backlog ever digitized by as_of
	DigitizeMeanDays  float64 `toml:"digitize_mean_days"` // mean lag from registration to digitization once the programme runs
	FileDropShare     float64 `toml:"file_drop_share"`    // share of digitized records that arrive as file drops instead of in the registry

	// Paper records registered before this day carry no KIDC for anyone
	// (child, mother, deceased, spouses): the paper forms had no such field.
	// ICT records always do. Empty: no paper record ever carries one.
	PaperKIDCFrom string `toml:"paper_kidc_from"`

	Corrected float64 `toml:"corrected"` // share of registrations corrected later (version 2)
	Cancelled float64 `toml:"cancelled"` // share of registrations cancelled

	NotificationStart string  `toml:"notification_start"` // the health-CR link starts
	Notified          float64 `toml:"notified"`           // share of facility births and deaths notified once it runs
	NotifyFileShare   float64 `toml:"notify_file_share"`  // share of notifications sent as file drops
}

// Defects are the known error rates of source records.
type Defects struct {
	Duplicate       float64          `toml:"duplicate"`           // share of birth and death registrations entered twice
	DuplicateCancel float64          `toml:"duplicate_cancelled"` // of duplicates, share the registrar cancelled
	DuplicateRoute  DuplicateRoutes  `toml:"duplicate_route"`     // how the second record came about
	DuplicateDefect DuplicateDefects `toml:"duplicate_defect"`    // what differs in it
	MissingOptional float64          `toml:"missing_optional"`    // share with one optional field blanked
	MissingRequired float64          `toml:"missing_required"`    // share with the event date or sex missing
	ImpossibleDate  float64          `toml:"impossible_date"`     // registration before event, event in the future, or before 1900
	UnknownCommune  float64          `toml:"unknown_commune"`     // a commune code not in the gazetteer
	InvalidICD      float64          `toml:"invalid_icd"`         // of coded deaths: a malformed or non-existent ICD-10 code
	AgeReported     float64          `toml:"age_reported"`        // of paper death records: date of birth unknown, age reported instead
	AgeHeaping      float64          `toml:"age_heaping"`         // of reported ages: rounded to a multiple of 5
	File            FileDefects      `toml:"file"`                // malformed rows in file drops
}

// DuplicateRoutes weigh the ways one event is recorded twice. The weights of
// the routes open to a record are renormalised: an ICT registration is
// registered again elsewhere or copied on paper; a paper one is registered
// again elsewhere or digitized twice.
type DuplicateRoutes struct {
	OccurrenceResidence float64 `toml:"occurrence_residence"` // registered where it happened and where the family lives
	DigitizedTwice      float64 `toml:"digitized_twice"`      // a paper record digitized by both contractors (two file drops)
	ICTAndPaper         float64 `toml:"ict_and_paper"`        // an ICT registration and its paper copy, digitized
}

// DuplicateDefects are, for each duplicate record, the probability of each
// difference from its original (independent; a record may have several).
type DuplicateDefects struct {
	TypoKm       float64 `toml:"typo_km"`        // a Khmer vowel sign or subscript dropped, replaced or moved in a name
	TypoLatin    float64 `toml:"typo_latin"`     // a letter dropped, swapped or replaced in a romanized name
	Romanization float64 `toml:"romanization"`   // another spelling of a romanized name (Chan/Chann)
	NameSwap     float64 `toml:"name_swap"`      // given name written before the family name
	DayMonthSwap float64 `toml:"day_month_swap"` // event date with day and month swapped (day ≤ 12)
	DayOff       float64 `toml:"day_off"`        // event date 1-2 days off
	YearOff      float64 `toml:"year_off"`       // event year 1 off or a digit mistyped
	MissingField float64 `toml:"missing_field"`  // a parent's name, the mother's age or the place left blank
}

// Names says which records carry a romanized name beside the Khmer script.
type Names struct {
	LatinICT   float64 `toml:"latin_ict"`   // share of ICT records with romanized names
	LatinPaper float64 `toml:"latin_paper"` // share of digitized paper records with romanized names
}

// ICTPilot is a group of communes that register electronically from a date.
type ICTPilot struct {
	Province string `toml:"province"` // 2-digit code
	Communes int    `toml:"communes"` // the first N communes of the province, by code
	From     string `toml:"from"`     // YYYY-MM-DD
}

// DefaultProfile is Cambodia as the reference data and DESIGN.md describe it.
func DefaultProfile() Profile {
	return Profile{
		FirstYear:         2002,
		LastYear:          2025,
		SexRatioAtBirth:   1.05,
		TFRScale:          1,
		ASFR10to14:        0.0006,
		StillbirthRate:    14,
		CrudeMarriageRate: 8,
		NeonatalShare:     0.55,
		FacilityBirths:    [2]float64{0.25, 0.97},
		FacilityDeaths:    [2]float64{0.10, 0.35},
		TwinShare:         0.01,
		Registration: Registration{
			Birth:             [2]float64{0.62, 0.93},
			Death:             [2]float64{0.25, 0.50},
			FetalDeath:        0.5,
			Marriage:          0.75,
			ProvinceSpread:    0.45,
			InfantDeathOdds:   0.3,
			ChildDeathOdds:    0.55,
			FemaleDeathOdds:   0.8,
			WithinLimitShare:  0.72,
			LateShare:         0.18,
			DelayedMeanYears:  2.5,
			BirthLimitDays:    30,
			DeathLimitDays:    15,
			MarriageLimitDays: 15,
			DigitizationStart: "2019-01-01",
			DigitizedShare:    0.9,
			DigitizeMeanDays:  150,
			FileDropShare:     0.15,
			PaperKIDCFrom:     "2019-01-01",
			Corrected:         0.02,
			Cancelled:         0.003,
			NotificationStart: "2023-01-01",
			Notified:          0.8,
			NotifyFileShare:   0.5,
		},
		Defects: Defects{
			Duplicate:       0.02,
			DuplicateCancel: 0.2,
			DuplicateRoute:  DuplicateRoutes{OccurrenceResidence: 0.4, DigitizedTwice: 0.4, ICTAndPaper: 0.2},
			DuplicateDefect: DuplicateDefects{
				TypoKm: 0.25, TypoLatin: 0.15, Romanization: 0.3, NameSwap: 0.05,
				DayMonthSwap: 0.05, DayOff: 0.15, YearOff: 0.03, MissingField: 0.2,
			},
			MissingOptional: 0.03,
			MissingRequired: 0.002,
			ImpossibleDate:  0.002,
			UnknownCommune:  0.002,
			InvalidICD:      0.01,
			AgeReported:     0.4,
			AgeHeaping:      0.3,
			File:            DefaultFileDefects(),
		},
		Names: Names{LatinICT: 0.95, LatinPaper: 0.4},
		ICT: []ICTPilot{
			{Province: "23", Communes: 5, From: "2018-01-01"},  // Kep
			{Province: "07", Communes: 5, From: "2018-01-01"},  // Kampot
			{Province: "12", Communes: 14, From: "2022-01-01"}, // Phnom Penh
		},
		Shocks: DefaultShocks(),
	}
}

// asOf is the observation day.
func (p Profile) asOf() (time.Time, error) {
	if p.AsOf == "" {
		return time.Date(p.LastYear, 12, 31, 0, 0, 0, 0, time.UTC), nil
	}
	return parseDay("as_of", p.AsOf)
}

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("profile %s: %q is not a YYYY-MM-DD date", field, s)
	}
	return t, nil
}

// validate rejects a profile that would make the simulation meaningless.
func (p Profile) validate() error {
	switch {
	case p.FirstYear < 2000 || p.LastYear > 2030 || p.FirstYear > p.LastYear:
		return fmt.Errorf("profile: years %d-%d must lie within 2000-2030 (the WPP 2024 data)", p.FirstYear, p.LastYear)
	case p.SexRatioAtBirth < 0.8 || p.SexRatioAtBirth > 1.3:
		return fmt.Errorf("profile sex_ratio_at_birth: %g is implausible", p.SexRatioAtBirth)
	case p.TFRScale <= 0:
		return fmt.Errorf("profile tfr_scale: %g must be positive", p.TFRScale)
	}
	for _, pr := range []struct {
		name string
		v    float64
	}{
		{"registration.birth", p.Registration.Birth[0]}, {"registration.birth", p.Registration.Birth[1]},
		{"registration.death", p.Registration.Death[0]}, {"registration.death", p.Registration.Death[1]},
		{"neonatal_share", p.NeonatalShare},
	} {
		if pr.v <= 0 || pr.v >= 1 {
			return fmt.Errorf("profile %s: %g must lie strictly between 0 and 1", pr.name, pr.v)
		}
	}
	df, dr := p.Defects.DuplicateDefect, p.Defects.DuplicateRoute
	for _, pr := range []struct {
		name string
		v    float64
	}{
		{"twin_share", p.TwinShare}, {"defects.duplicate", p.Defects.Duplicate}, {"defects.duplicate_cancelled", p.Defects.DuplicateCancel},
		{"defects.duplicate_defect.typo_km", df.TypoKm}, {"defects.duplicate_defect.typo_latin", df.TypoLatin},
		{"defects.duplicate_defect.romanization", df.Romanization}, {"defects.duplicate_defect.name_swap", df.NameSwap},
		{"defects.duplicate_defect.day_month_swap", df.DayMonthSwap}, {"defects.duplicate_defect.day_off", df.DayOff},
		{"defects.duplicate_defect.year_off", df.YearOff}, {"defects.duplicate_defect.missing_field", df.MissingField},
		{"names.latin_ict", p.Names.LatinICT}, {"names.latin_paper", p.Names.LatinPaper},
	} {
		if !(pr.v >= 0 && pr.v <= 1) {
			return fmt.Errorf("profile %s: %g must be a probability in [0, 1]", pr.name, pr.v)
		}
	}
	if !(dr.OccurrenceResidence >= 0 && dr.DigitizedTwice >= 0 && dr.ICTAndPaper >= 0) ||
		dr.OccurrenceResidence+dr.DigitizedTwice == 0 || dr.OccurrenceResidence+dr.ICTAndPaper == 0 {
		return fmt.Errorf("profile defects.duplicate_route: weights %+v must be non-negative, with occurrence_residence or each other route positive", dr)
	}
	if p.Registration.PaperKIDCFrom != "" {
		if _, err := parseDay("registration.paper_kidc_from", p.Registration.PaperKIDCFrom); err != nil {
			return err
		}
	}
	for _, f := range []string{p.Registration.DigitizationStart, p.Registration.NotificationStart} {
		if _, err := parseDay("date", f); err != nil {
			return err
		}
	}
	for _, ict := range p.ICT {
		if _, err := parseDay("ict.from", ict.From); err != nil {
			return err
		}
	}
	if _, err := p.asOf(); err != nil {
		return err
	}
	for i, sh := range p.Shocks {
		if err := p.validateShock(i, sh); err != nil {
			return err
		}
	}
	return nil
}
