package refdata

import (
	"fmt"
	"strconv"
	"strings"
)

// WPPYear is one year of UN World Population Prospects 2024 for Cambodia: estimates to 2023,
// the medium-variant projection from 2024.
type WPPYear struct {
	Year              int
	Variant           string // "estimate" or "projection_medium"
	BirthsThousands   float64
	CBR               float64 // per 1,000
	DeathsThousands   float64
	CDR               float64 // per 1,000
	RateNaturalChange float64 // per 1,000
	GrowthRatePct     float64
	NetMigrationRate  float64 // per 1,000
	TFR               float64
	E0Male            float64
	E0Female          float64
	E0Both            float64
	SRB               float64 // males per female (a WPP model value, not observed)
}

// WPPASFR is one age group of WPP 2024's fertility schedule for a five-year period.
type WPPASFR struct {
	Period      string // as published, e.g. "2000-2005"
	FirstYear   int    // 2000
	LastYear    int    // 2004: WPP's 2000-2005 runs from mid-2000 to mid-2005, so it stands for calendar years 2000-2004
	AgeGroup    string // "15-19" … "45-49"
	AgeStart    int
	PctOfTFR    float64 // share of the period's TFR in this age group, percent
	TFRPeriod   float64
	ASFRPer1000 float64 // derived in the source file: TFRPeriod × PctOfTFR / 100 / 5 × 1000, rounded to 0.1
	Variant     string
}

// ProvinceU5 is CDHS 2010 neonatal and under-five mortality for a province (2008 codes), per 1,000 live births.
// Some provinces were reported as pairs, so use the values for relative variation only.
type ProvinceU5 struct {
	Code string
	Name string
	NMR  float64
	U5MR float64
}

var (
	wppAnnualColumns = []string{"year", "variant", "births_thousands", "cbr_per_1000", "deaths_thousands", "cdr_per_1000",
		"rate_natural_change_per_1000", "growth_rate_pct", "net_migration_rate_per_1000", "tfr", "e0_male", "e0_female",
		"e0_both", "srb_males_per_female"}
	wppASFRColumns  = []string{"period", "age_group", "pct_of_tfr", "tfr_period", "asfr_per_1000_derived", "variant"}
	cdhs2010Columns = []string{"province_code_2008", "province_name", "neonatal_mortality_per_1000", "under5_mortality_per_1000"}
)

// LoadWPPAnnual loads the embedded WPP 2024 annual series.
func LoadWPPAnnual() ([]WPPYear, error) { return Source{}.LoadWPPAnnual() }

// LoadWPPAnnual loads the WPP 2024 annual series, one row per year in file order.
func (s Source) LoadWPPAnnual() ([]WPPYear, error) {
	var out []WPPYear
	seen := map[int]bool{}
	err := s.readCSV(FileWPPAnnual, wppAnnualColumns, func(f *csvFile) error {
		y := WPPYear{
			Year:              f.int("year"),
			Variant:           f.oneOf("variant", "estimate", "projection_medium"),
			BirthsThousands:   f.float("births_thousands"),
			CBR:               f.float("cbr_per_1000"),
			DeathsThousands:   f.float("deaths_thousands"),
			CDR:               f.float("cdr_per_1000"),
			RateNaturalChange: f.float("rate_natural_change_per_1000"),
			GrowthRatePct:     f.float("growth_rate_pct"),
			NetMigrationRate:  f.float("net_migration_rate_per_1000"),
			TFR:               f.float("tfr"),
			E0Male:            f.float("e0_male"),
			E0Female:          f.float("e0_female"),
			E0Both:            f.float("e0_both"),
			SRB:               f.float("srb_males_per_female"),
		}
		if seen[y.Year] {
			f.errorf("year", "duplicate year %d", y.Year)
		}
		seen[y.Year] = true
		out = append(out, y)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadWPPASFR loads the embedded WPP 2024 five-year fertility schedules.
func LoadWPPASFR() ([]WPPASFR, error) { return Source{}.LoadWPPASFR() }

// LoadWPPASFR loads the WPP 2024 five-year fertility schedules in file order.
func (s Source) LoadWPPASFR() ([]WPPASFR, error) {
	var out []WPPASFR
	err := s.readCSV(FileWPPASFR, wppASFRColumns, func(f *csvFile) error {
		a := WPPASFR{
			Period:      f.str("period"),
			AgeGroup:    f.str("age_group"),
			PctOfTFR:    f.float("pct_of_tfr"),
			TFRPeriod:   f.float("tfr_period"),
			ASFRPer1000: f.float("asfr_per_1000_derived"),
			Variant:     f.oneOf("variant", "estimate", "projection_medium"),
		}
		first, end, ok := parseSpan(a.Period)
		if !ok || end != first+5 {
			f.errorf("period", "%q is not a five-year period like 2000-2005", a.Period)
		}
		a.FirstYear, a.LastYear = first, end-1
		start, last, ok := parseSpan(a.AgeGroup)
		if !ok || last != start+4 {
			f.errorf("age_group", "%q is not a five-year age group like 15-19", a.AgeGroup)
		}
		a.AgeStart = start
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseSpan parses "a-b" into two non-negative integers.
func parseSpan(s string) (a, b int, ok bool) {
	l, r, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(l)
	b, err2 := strconv.Atoi(r)
	if err1 != nil || err2 != nil || a < 0 || b < a {
		return 0, 0, false
	}
	return a, b, true
}

// LoadCDHS2010 loads the embedded CDHS 2010 province child mortality.
func LoadCDHS2010() ([]ProvinceU5, error) { return Source{}.LoadCDHS2010() }

// LoadCDHS2010 loads CDHS 2010 neonatal and under-five mortality by province (2008 codes).
func (s Source) LoadCDHS2010() ([]ProvinceU5, error) {
	var out []ProvinceU5
	err := s.readCSV(FileCDHS2010, cdhs2010Columns, func(f *csvFile) error {
		p := ProvinceU5{
			Code: f.code("province_code_2008", 2, ""),
			Name: f.nonEmpty("province_name"),
			NMR:  f.float("neonatal_mortality_per_1000"),
			U5MR: f.float("under5_mortality_per_1000"),
		}
		if f.err == nil && p.NMR > p.U5MR {
			return fmt.Errorf("refdata: %s: line %d: NMR %g exceeds U5MR %g", s.Describe(FileCDHS2010), f.line(), p.NMR, p.U5MR)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
