// Package refdata owns the reference data the warehouse needs and ships it inside the binary:
// the Cambodian gazetteer and province map, 2008 census figures, UN WPP 2024 rates, UN IGME and
// CDHS 2010 child mortality, the ICD-10 code lists of the cause-of-death checks and the WHO world standard
// population. Every file is embedded (see README.md for sources and licences) and parsed strictly
// by typed loaders; a site can replace any file with its own copy of the same shape through Source.
//
// refdata is pure Go: it must not import DuckDB, database/sql or any other package of this module,
// so that every other package (etl, warehouse, reports, dashboards) can use it.
package refdata

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// FS holds every embedded reference file, by its path below refdata/.
//
//go:embed cambodia icd10 who
var FS embed.FS

// Names of the embedded reference files, as used by FS, Source and site overrides.
const (
	FileProvinces      = "cambodia/admin/provinces.csv"
	FileDistricts      = "cambodia/admin/districts.csv"
	FileCommunes       = "cambodia/admin/communes.csv"
	FileProvinceMap    = "cambodia/geo/provinces_adm1_simplified.geojson"
	FileCensus2008Prov = "cambodia/population/census2008_provinces.csv"
	FileCensus2008Dist = "cambodia/population/census2008_districts.csv"
	FileWPPAnnual      = "cambodia/vital_rates/wpp2024_annual_2000_2030.csv"
	FileWPPASFR        = "cambodia/vital_rates/wpp2024_asfr_5yr_2000_2030.csv"
	FileCDHS2010       = "cambodia/vital_rates/cdhs2010_province_nmr_u5mr.csv"
	FileWPPMx          = "cambodia/vital_rates/wpp2024_mx_5yr_1995_2035.csv"
	FileIGME           = "cambodia/vital_rates/igme_child_mortality_cambodia.csv"
	FileICD10Codes     = "icd10/cod_icd10_code_to_tabulation_lists.csv"
	FileWHOList1       = "icd10/cod_who_mortality_tabulation_list1.csv"
	FileIllDefined     = "icd10/cod_ill_defined_codes.json"
	FileSexLimited     = "icd10/cod_icd10_sex_limited_codes.csv"
	FileUnlikelyUCOD   = "icd10/cod_icd10_unlikely_underlying_causes.csv"
	FileWHOStandardPop = "who/who_world_standard_population.csv"
	FileRegLimits      = "cambodia/rules/registration_limits.csv"
)

// Names lists every embedded reference file name, sorted.
func Names() []string {
	var names []string
	// WalkDir over an embed.FS cannot fail except on a broken embed, which the tests catch.
	_ = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	sort.Strings(names)
	return names
}

// Source resolves a reference file name (its path below refdata/, e.g. "cambodia/admin/communes.csv") either to a site's
// own file (from overrides, name -> path on disk) or to the embedded copy.
// The zero Source reads the embedded copies only.
type Source struct {
	Overrides map[string]string
}

// Open opens the reference file name, from the site's override when there is one.
func (s Source) Open(name string) (io.ReadCloser, error) {
	if p, ok := s.Overrides[name]; ok {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("refdata: override of %s: %w", name, err)
		}
		return f, nil
	}
	f, err := FS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("refdata: %s: %w", name, err)
	}
	return f, nil
}

// ReadFile returns the whole content of the reference file name (for example FileProvinceMap).
func (s Source) ReadFile(name string) ([]byte, error) {
	rc, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("refdata: read %s: %w", s.Describe(name), err)
	}
	return b, nil
}

// Path returns the site's file for name, or "" when the embedded copy is used.
func (s Source) Path(name string) string {
	return s.Overrides[name]
}

// Describe names a reference file for messages: the embedded name, plus the site's path if overridden.
func (s Source) Describe(name string) string {
	if p, ok := s.Overrides[name]; ok {
		return fmt.Sprintf("%s (site file %s)", name, p)
	}
	return name
}

// Validate checks that every override names an embedded file (a typo would otherwise silently
// leave our copy in use) and that the site's file can be read.
func (s Source) Validate() error {
	for name, p := range s.Overrides {
		if _, err := fs.Stat(FS, name); err != nil {
			return fmt.Errorf("refdata: override %q: no such reference file (known: %v)", name, Names())
		}
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("refdata: override of %s: %w", name, err)
		}
		if st.IsDir() {
			return fmt.Errorf("refdata: override of %s: %s is a directory", name, p)
		}
	}
	return nil
}
