package refdata

import (
	"fmt"
	"time"
)

// RegistrationLimit is a legal time limit for registering an event, effective
// for events that occur from ValidFrom until ValidTo (zero: still in force),
// under one registration regime (ict: electronic; paper: registered on paper
// and digitized later).
type RegistrationLimit struct {
	EventType string
	Regime    string
	ValidFrom time.Time
	ValidTo   time.Time
	Days      int
	Source    string
}

var regLimitColumns = []string{"event_type", "regime", "valid_from", "valid_to", "limit_days", "source"}

// LoadRegistrationLimits loads the legal registration limits and refuses
// rules that overlap for the same event type and regime.
func (s Source) LoadRegistrationLimits() ([]RegistrationLimit, error) {
	var out []RegistrationLimit
	err := s.readCSV(FileRegLimits, regLimitColumns, func(f *csvFile) error {
		r := RegistrationLimit{
			EventType: f.oneOf("event_type", "birth", "death", "fetal_death", "marriage"),
			Regime:    f.oneOf("regime", "ict", "paper"),
			ValidFrom: f.date("valid_from", false),
			ValidTo:   f.date("valid_to", true),
			Days:      f.int("limit_days"),
			Source:    f.nonEmpty("source"),
		}
		if f.err != nil {
			return nil
		}
		if r.Days <= 0 {
			return fmt.Errorf("refdata: %s: line %d: limit_days %d must be positive", s.Describe(FileRegLimits), f.line(), r.Days)
		}
		if !r.ValidTo.IsZero() && !r.ValidTo.After(r.ValidFrom) {
			return fmt.Errorf("refdata: %s: line %d: valid_to %s is not after valid_from %s", s.Describe(FileRegLimits), f.line(),
				r.ValidTo.Format(time.DateOnly), r.ValidFrom.Format(time.DateOnly))
		}
		for _, o := range out {
			if o.EventType == r.EventType && o.Regime == r.Regime && overlaps(o, r) {
				return fmt.Errorf("refdata: %s: line %d: the %s %s rule from %s overlaps the one from %s", s.Describe(FileRegLimits), f.line(),
					r.EventType, r.Regime, r.ValidFrom.Format(time.DateOnly), o.ValidFrom.Format(time.DateOnly))
			}
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func overlaps(a, b RegistrationLimit) bool {
	end := func(r RegistrationLimit) time.Time {
		if r.ValidTo.IsZero() {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return r.ValidTo
	}
	return a.ValidFrom.Before(end(b)) && b.ValidFrom.Before(end(a))
}
