package refdata

import (
	"fmt"
	"sort"
)

// Province is one province or the capital in the 2024 NCDD gazetteer.
type Province struct {
	Code   string // 2 digits, e.g. "12" (Phnom Penh)
	ISO    string // ISO 3166-2, e.g. "KH-12"
	NameEN string
	NameKM string
	Type   string // "province" or "capital"
}

// District is one district (srok), municipality (krong) or khan.
type District struct {
	Code         string // 4 digits PPDD
	ProvinceCode string
	NameKM       string
	NameLatin    string
	TypeEN       string
}

// Commune is one commune (khum) or quarter (sangkat).
type Commune struct {
	Code         string // 6 digits PPDDCC
	DistrictCode string
	ProvinceCode string
	NameKM       string
	NameLatin    string
	TypeEN       string
}

// Gazetteer is the 2024 administrative hierarchy; each list is sorted by code.
type Gazetteer struct {
	Provinces []Province
	Districts []District
	Communes  []Commune
}

var (
	provinceColumns = []string{"province_code", "iso_3166_2", "name_en", "name_km", "type", "n_districts", "n_communes", "n_villages"}
	districtColumns = []string{"district_code", "province_code", "type_km", "type_latin", "type_en", "name_km", "name_latin", "reference_km", "official_note_km"}
	communeColumns  = []string{"commune_code", "district_code", "province_code", "type_km", "type_latin", "type_en", "name_km", "name_latin", "reference_km", "official_note_km"}
)

// LoadGazetteer loads the embedded gazetteer.
func LoadGazetteer() (*Gazetteer, error) { return Source{}.LoadGazetteer() }

// LoadGazetteer loads the gazetteer and checks that codes are unique, nest in their parents'
// codes and that every parent exists, so a site's replacement cannot break the hierarchy.
func (s Source) LoadGazetteer() (*Gazetteer, error) {
	g := &Gazetteer{}
	provLine := map[string]int{}
	err := s.readCSV(FileProvinces, provinceColumns, func(f *csvFile) error {
		p := Province{
			Code:   f.code("province_code", 2, ""),
			ISO:    f.nonEmpty("iso_3166_2"),
			NameEN: f.nonEmpty("name_en"),
			NameKM: f.nonEmpty("name_km"),
			Type:   f.oneOf("type", "province", "capital"),
		}
		f.int("n_districts")
		f.int("n_communes")
		f.int("n_villages")
		if l, dup := provLine[p.Code]; dup {
			f.errorf("province_code", "duplicate code %s (first on line %d)", p.Code, l)
		}
		provLine[p.Code] = f.line()
		g.Provinces = append(g.Provinces, p)
		return nil
	})
	if err != nil {
		return nil, err
	}

	distLine := map[string]int{}
	err = s.readCSV(FileDistricts, districtColumns, func(f *csvFile) error {
		prov := f.str("province_code")
		d := District{
			Code:         f.code("district_code", 4, prov),
			ProvinceCode: f.code("province_code", 2, ""),
			NameKM:       f.nonEmpty("name_km"),
			NameLatin:    f.nonEmpty("name_latin"),
			TypeEN:       f.nonEmpty("type_en"),
		}
		if _, ok := provLine[d.ProvinceCode]; !ok {
			f.errorf("province_code", "province %s is not in %s", d.ProvinceCode, s.Describe(FileProvinces))
		}
		if l, dup := distLine[d.Code]; dup {
			f.errorf("district_code", "duplicate code %s (first on line %d)", d.Code, l)
		}
		distLine[d.Code] = f.line()
		g.Districts = append(g.Districts, d)
		return nil
	})
	if err != nil {
		return nil, err
	}

	commLine := map[string]int{}
	err = s.readCSV(FileCommunes, communeColumns, func(f *csvFile) error {
		dist := f.str("district_code")
		c := Commune{
			Code:         f.code("commune_code", 6, dist),
			DistrictCode: f.code("district_code", 4, f.str("province_code")),
			ProvinceCode: f.code("province_code", 2, ""),
			NameKM:       f.nonEmpty("name_km"),
			NameLatin:    f.nonEmpty("name_latin"),
			TypeEN:       f.nonEmpty("type_en"),
		}
		if _, ok := distLine[c.DistrictCode]; !ok {
			f.errorf("district_code", "district %s is not in %s", c.DistrictCode, s.Describe(FileDistricts))
		}
		if l, dup := commLine[c.Code]; dup {
			f.errorf("commune_code", "duplicate code %s (first on line %d)", c.Code, l)
		}
		commLine[c.Code] = f.line()
		g.Communes = append(g.Communes, c)
		return nil
	})
	if err != nil {
		return nil, err
	}

	sort.Slice(g.Provinces, func(i, j int) bool { return g.Provinces[i].Code < g.Provinces[j].Code })
	sort.Slice(g.Districts, func(i, j int) bool { return g.Districts[i].Code < g.Districts[j].Code })
	sort.Slice(g.Communes, func(i, j int) bool { return g.Communes[i].Code < g.Communes[j].Code })
	if len(g.Provinces) == 0 || len(g.Districts) == 0 || len(g.Communes) == 0 {
		return nil, fmt.Errorf("refdata: gazetteer has %d provinces, %d districts, %d communes: none may be empty",
			len(g.Provinces), len(g.Districts), len(g.Communes))
	}
	return g, nil
}
