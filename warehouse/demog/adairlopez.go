package demog

// Empirical completeness of death registration (Adair and Lopez 2018, PLoS ONE
// 13(5):e0197047): a mixed-effects logistic regression fitted on country-years with known
// completeness,
//
//	logit(C) = β0 + β1·RegCDR + β2·RegCDR² + β3·pct65 + β4·ln(5q0) [+ β5·C5q0] + β6·Year + u,
//
// where model 1 includes the completeness of under-five death registration C5q0 and model 2
// does not. u is the country's random intercept, known only for the countries of the fitting
// data; elsewhere (Cambodia is not among them) it is 0, the population-average prediction.

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ALModel selects one of the two Adair–Lopez regressions.
type ALModel uint8

const (
	// ALModel1 uses the completeness of under-five death registration.
	ALModel1 ALModel = 1
	// ALModel2 does without it, for when child deaths cannot be checked.
	ALModel2 ALModel = 2
)

type alKey struct {
	model ALModel
	sex   Sex
}

type alCoef struct{ regCDR, regCDR2, pct65, ln5q0, c5q0, year, constant float64 }

// AdairLopezInput holds the covariates for one population and year.
type AdairLopezInput struct {
	Sex  Sex // Male, Female or BothSexes
	Year int // calendar year
	// RegCDR is the registered crude death rate per 1000 (registered deaths / population × 1000).
	RegCDR float64
	// Pct65 is the share of the population aged 65 and over, as a decimal (0.06, not 6).
	Pct65 float64
	// Q5 is under-five mortality as a probability 5q0 (0.03, not 30 per 1000), from an
	// outside estimate such as UN IGME.
	Q5 float64
	// U5Completeness is the completeness of under-five death registration (decimal), used by
	// model 1 only: registered under-five deaths over those implied by Q5.
	U5Completeness float64
	// Country, when it is one of the paper's countries, adds its random intercept; spaces and
	// case are ignored ("Sri Lanka" = "SriLanka"). Empty or unknown: no intercept.
	Country string
}

// AdairLopezResult is the predicted completeness of death registration, all ages.
type AdairLopezResult struct {
	Completeness       float64 // expit(Logit), in (0, 1)
	Logit              float64
	RandomIntercept    float64 // 0 when the country has none
	HasRandomIntercept bool
}

// AdairLopez predicts the completeness of death registration (all ages) with the chosen model.
func AdairLopez(model ALModel, in AdairLopezInput) (AdairLopezResult, error) {
	c, ok := alFixed[alKey{model, in.Sex}]
	if !ok {
		return AdairLopezResult{}, fmt.Errorf("adair-lopez: no model %d for sex %d (want model 1 or 2, sex Male, Female or BothSexes)", model, uint8(in.Sex))
	}
	if err := alCheck(model, in); err != nil {
		return AdairLopezResult{}, fmt.Errorf("adair-lopez: %w", err)
	}
	x := c.constant + c.regCDR*in.RegCDR + c.regCDR2*in.RegCDR*in.RegCDR + c.pct65*in.Pct65 +
		c.ln5q0*math.Log(in.Q5) + c.year*float64(in.Year)
	if model == ALModel1 {
		x += c.c5q0 * in.U5Completeness
	}
	var r AdairLopezResult
	r.RandomIntercept, r.HasRandomIntercept = AdairLopezIntercept(model, in.Sex, in.Country)
	r.Logit = x + r.RandomIntercept
	r.Completeness = 1 / (1 + math.Exp(-r.Logit))
	return r, nil
}

// AdairLopezIntercept returns the country's random intercept for a model and sex, and whether
// the paper has one.
func AdairLopezIntercept(model ALModel, sex Sex, country string) (float64, bool) {
	tab := alIntercepts[alKey{model, sex}]
	key := strings.ReplaceAll(country, " ", "")
	if key == "" {
		return 0, false
	}
	if u, ok := tab[key]; ok {
		return u, true
	}
	for k, u := range tab {
		if strings.EqualFold(k, key) {
			return u, true
		}
	}
	return 0, false
}

func alCheck(model ALModel, in AdairLopezInput) error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(in.RegCDR) || in.RegCDR < 0 || in.RegCDR > 1000:
		return fmt.Errorf("registered CDR must be per 1000 in 0–1000, got %v", in.RegCDR)
	case !finite(in.Pct65) || in.Pct65 < 0 || in.Pct65 >= 1:
		return fmt.Errorf("share aged 65+ must be a decimal in [0, 1), got %v", in.Pct65)
	case !finite(in.Q5) || in.Q5 <= 0 || in.Q5 >= 1:
		return fmt.Errorf("5q0 must be a probability in (0, 1), got %v", in.Q5)
	case in.Year < 1900 || in.Year > 2100:
		return fmt.Errorf("year %d is not a calendar year the model can use", in.Year)
	}
	if model == ALModel1 && (!finite(in.U5Completeness) || in.U5Completeness < 0 || in.U5Completeness > 1) {
		return errors.New("model 1 needs the under-five completeness as a decimal in [0, 1]")
	}
	return nil
}
