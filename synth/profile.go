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

	Registration Registration `toml:"registration"`
	Defects      Defects      `toml:"defects"`
	ICT          []ICTPilot   `toml:"ict"`
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

	Corrected float64 `toml:"corrected"` // share of registrations corrected later (version 2)
	Cancelled float64 `toml:"cancelled"` // share of registrations cancelled

	NotificationStart string  `toml:"notification_start"` // the health-CR link starts
	Notified          float64 `toml:"notified"`           // share of facility births and deaths notified once it runs
	NotifyFileShare   float64 `toml:"notify_file_share"`  // share of notifications sent as file drops
}

// Defects are the known error rates of source records.
type Defects struct {
	Duplicate       float64     `toml:"duplicate"`        // share of registrations entered twice
	MissingOptional float64     `toml:"missing_optional"` // share with one optional field blanked
	MissingRequired float64     `toml:"missing_required"` // share with the event date or sex missing
	ImpossibleDate  float64     `toml:"impossible_date"`  // registration before event, event in the future, or before 1900
	UnknownCommune  float64     `toml:"unknown_commune"`  // a commune code not in the gazetteer
	InvalidICD      float64     `toml:"invalid_icd"`      // of coded deaths: a malformed or non-existent ICD-10 code
	AgeReported     float64     `toml:"age_reported"`     // of paper death records: date of birth unknown, age reported instead
	AgeHeaping      float64     `toml:"age_heaping"`      // of reported ages: rounded to a multiple of 5
	File            FileDefects `toml:"file"`             // malformed rows in file drops
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
			Corrected:         0.02,
			Cancelled:         0.003,
			NotificationStart: "2023-01-01",
			Notified:          0.8,
			NotifyFileShare:   0.5,
		},
		Defects: Defects{
			Duplicate:       0.015,
			MissingOptional: 0.03,
			MissingRequired: 0.002,
			ImpossibleDate:  0.002,
			UnknownCommune:  0.002,
			InvalidICD:      0.01,
			AgeReported:     0.4,
			AgeHeaping:      0.3,
			File:            DefaultFileDefects(),
		},
		ICT: []ICTPilot{
			{Province: "23", Communes: 5, From: "2018-01-01"},  // Kep
			{Province: "07", Communes: 5, From: "2018-01-01"},  // Kampot
			{Province: "12", Communes: 14, From: "2022-01-01"}, // Phnom Penh
		},
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
	_, err := p.asOf()
	return err
}
