package refdata

import "fmt"

// Census2008Figures are the 2008 General Population Census indicators kept for one area
// (NIS, via the Open Development Cambodia shapefile attribute tables; see README.md).
type Census2008Figures struct {
	HouseholdsTotal   int
	HouseholdsRegular int
	PopTotal          int
	PopMale           int
	PopFemale         int
	SexRatio          float64 // males per 100 females
	DensityPerKm2     float64
	UrbanPct          float64
	AvgHouseholdSize  float64
	FemaleHeadedHHPct float64
	Male0_14          int
	Male15_64         int
	Male65plus        int
	Female0_14        int
	Female15_64       int
	Female65plus      int
	Male10_19         int
	Female10_19       int
	Female15_49       int // women of reproductive age
	MedianAgeTotal    float64
	MedianAgeMale     float64
	MedianAgeFemale   float64
	DependencyRatio   float64
	ChildWomanRatio   float64 // as published (field CW_RATIO); presumably children 0-4 per 1,000 women 15-49
	SMAMMale          float64 // singulate mean age at marriage
	SMAMFemale        float64
	PctNeverMarried   float64 // marital status, both sexes, percent (base not documented)
	PctMarried        float64
	PctWidowed        float64
	PctDivSep         float64
	PctNeverMarriedF  float64 // marital status, women, percent
	PctMarriedF       float64
	PctWidowedF       float64
	PctDivSepF        float64
	Literacy15PlusPct float64
	AreaKm2           float64
}

// Census2008Province is one of the 24 provinces of 2008 (2008 codes: no Tboung Khmum).
type Census2008Province struct {
	Code string
	Name string
	Census2008Figures
}

// Census2008District is one of the 193 districts of 2008 (2008 codes; do not join on 2024 codes).
type Census2008District struct {
	Code         string
	Name         string
	ProvinceCode string
	Census2008Figures
}

// censusFigureColumns follow the area's code and name columns in both census files.
var censusFigureColumns = []string{
	"households_total", "households_regular", "pop_total", "pop_male", "pop_female", "sex_ratio_m_per_100f",
	"density_per_km2", "urban_pct", "avg_household_size", "female_headed_hh_pct",
	"male_0_14", "male_15_64", "male_65plus", "female_0_14", "female_15_64", "female_65plus",
	"male_10_19", "female_10_19", "female_15_49", "median_age_total", "median_age_male", "median_age_female",
	"dependency_ratio", "child_woman_ratio", "smam_male", "smam_female",
	"pct_never_married_total", "pct_married_total", "pct_widowed_total", "pct_div_sep_total",
	"pct_never_married_female", "pct_married_female", "pct_widowed_female", "pct_div_sep_female",
	"literacy_15plus_pct", "area_km2",
}

var (
	census2008ProvinceColumns = append([]string{"province_code_2008", "province_name_2008"}, censusFigureColumns...)
	census2008DistrictColumns = append([]string{"district_code_2008", "district_name_2008", "province_code_2008"}, censusFigureColumns...)
)

func readCensusFigures(f *csvFile) Census2008Figures {
	c := Census2008Figures{
		HouseholdsTotal:   f.int("households_total"),
		HouseholdsRegular: f.int("households_regular"),
		PopTotal:          f.int("pop_total"),
		PopMale:           f.int("pop_male"),
		PopFemale:         f.int("pop_female"),
		SexRatio:          f.float("sex_ratio_m_per_100f"),
		DensityPerKm2:     f.float("density_per_km2"),
		UrbanPct:          f.float("urban_pct"),
		AvgHouseholdSize:  f.float("avg_household_size"),
		FemaleHeadedHHPct: f.float("female_headed_hh_pct"),
		Male0_14:          f.int("male_0_14"),
		Male15_64:         f.int("male_15_64"),
		Male65plus:        f.int("male_65plus"),
		Female0_14:        f.int("female_0_14"),
		Female15_64:       f.int("female_15_64"),
		Female65plus:      f.int("female_65plus"),
		Male10_19:         f.int("male_10_19"),
		Female10_19:       f.int("female_10_19"),
		Female15_49:       f.int("female_15_49"),
		MedianAgeTotal:    f.float("median_age_total"),
		MedianAgeMale:     f.float("median_age_male"),
		MedianAgeFemale:   f.float("median_age_female"),
		DependencyRatio:   f.float("dependency_ratio"),
		ChildWomanRatio:   f.float("child_woman_ratio"),
		SMAMMale:          f.float("smam_male"),
		SMAMFemale:        f.float("smam_female"),
		PctNeverMarried:   f.float("pct_never_married_total"),
		PctMarried:        f.float("pct_married_total"),
		PctWidowed:        f.float("pct_widowed_total"),
		PctDivSep:         f.float("pct_div_sep_total"),
		PctNeverMarriedF:  f.float("pct_never_married_female"),
		PctMarriedF:       f.float("pct_married_female"),
		PctWidowedF:       f.float("pct_widowed_female"),
		PctDivSepF:        f.float("pct_div_sep_female"),
		Literacy15PlusPct: f.float("literacy_15plus_pct"),
		AreaKm2:           f.float("area_km2"),
	}
	if f.err == nil && c.PopMale+c.PopFemale != c.PopTotal {
		f.errorf("pop_total", "%d is not pop_male + pop_female = %d", c.PopTotal, c.PopMale+c.PopFemale)
	}
	return c
}

// LoadCensus2008 loads the embedded 2008 census figures.
func LoadCensus2008() (provinces []Census2008Province, districts []Census2008District, err error) {
	return Source{}.LoadCensus2008()
}

// LoadCensus2008 loads the 2008 census figures by province and district, in file order.
func (s Source) LoadCensus2008() (provinces []Census2008Province, districts []Census2008District, err error) {
	seen := map[string]bool{}
	err = s.readCSV(FileCensus2008Prov, census2008ProvinceColumns, func(f *csvFile) error {
		p := Census2008Province{
			Code:              f.code("province_code_2008", 2, ""),
			Name:              f.nonEmpty("province_name_2008"),
			Census2008Figures: readCensusFigures(f),
		}
		if seen[p.Code] {
			f.errorf("province_code_2008", "duplicate code %s", p.Code)
		}
		seen[p.Code] = true
		provinces = append(provinces, p)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	seenDist := map[string]bool{}
	err = s.readCSV(FileCensus2008Dist, census2008DistrictColumns, func(f *csvFile) error {
		d := Census2008District{
			Code:              f.code("district_code_2008", 4, f.str("province_code_2008")),
			Name:              f.nonEmpty("district_name_2008"),
			ProvinceCode:      f.code("province_code_2008", 2, ""),
			Census2008Figures: readCensusFigures(f),
		}
		if !seen[d.ProvinceCode] {
			f.errorf("province_code_2008", "province %s is not in %s", d.ProvinceCode, s.Describe(FileCensus2008Prov))
		}
		if seenDist[d.Code] {
			f.errorf("district_code_2008", "duplicate code %s", d.Code)
		}
		seenDist[d.Code] = true
		districts = append(districts, d)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(provinces) == 0 || len(districts) == 0 {
		return nil, nil, fmt.Errorf("refdata: census 2008 has %d provinces and %d districts: neither may be empty", len(provinces), len(districts))
	}
	return provinces, districts, nil
}
