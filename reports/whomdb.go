package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"vitalstats"
)

// The column layouts of the WHO Mortality Database files: the ICD-10 deaths
// files (Morticd10) and the population and live births file (pop).
var (
	whoMortalityHeader  = whoHeader([]string{"Year", "List", "Cause", "Sex", "Frmat", "IM_Frmat"}, "Deaths", 26, "IM_Deaths", 4)
	whoPopulationHeader = append(whoHeader([]string{"Year", "Sex", "Frmat"}, "Pop", 26, "", 0), "Lb")
)

func whoHeader(keys []string, counts string, n int, infant string, m int) []string {
	h := append([]string{"Country", "Admin1", "SubDiv"}, keys...)
	for i := 1; i <= n; i++ {
		h = append(h, counts+strconv.Itoa(i))
	}
	for i := 1; i <= m; i++ {
		h = append(h, infant+strconv.Itoa(i))
	}
	return h
}

// whoCountry is the form of a WHO Mortality Database country code.
var whoCountry = regexp.MustCompile(`^[0-9]{4}$`)

// WriteWHOMortality writes the mart who_mdb_deaths as a WHO Mortality
// Database ICD-10 deaths file for the nation: the WHO header, then one line
// per row with the given 4-digit WHO country code and Admin1 and SubDiv
// empty. The table's columns are the WHO names in lower case (year, list,
// cause, sex, frmat, im_frmat, deaths1 ... deaths26, im_deaths1 ...
// im_deaths4); a NULL count, a group the age format does not use, is an
// empty cell.
func WriteWHOMortality(w io.Writer, deaths *vitalstats.Table, country string) error {
	return writeWHO(w, deaths, country, whoMortalityHeader)
}

// WriteWHOPopulation writes the mart who_mdb_population as the WHO
// Mortality Database population and live births file (Pop1 ... Pop26, Lb),
// in the same way as WriteWHOMortality.
func WriteWHOPopulation(w io.Writer, pop *vitalstats.Table, country string) error {
	return writeWHO(w, pop, country, whoPopulationHeader)
}

func writeWHO(w io.Writer, t *vitalstats.Table, country string, header []string) error {
	if t == nil {
		return fmt.Errorf("WHO file: no table")
	}
	if !whoCountry.MatchString(country) {
		return fmt.Errorf("WHO file %s: country code %q is not a 4-digit WHO Mortality Database code", t.Name, country)
	}
	// header[3:] comes from the table; Country, Admin1 and SubDiv do not
	idx := make([]int, len(header)-3)
	for i, h := range header[3:] {
		if idx[i] = t.Col(strings.ToLower(h)); idx[i] < 0 {
			return fmt.Errorf("WHO file %s: no column %s", t.Name, strings.ToLower(h))
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	rec[0] = country
	for r, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("WHO file %s: row %d has %d values for %d columns", t.Name, r+1, len(row), len(t.Columns))
		}
		for i, c := range idx {
			s, err := whoCell(row[c])
			if err != nil {
				return fmt.Errorf("WHO file %s: row %d, %s: %w", t.Name, r+1, header[3+i], err)
			}
			rec[3+i] = s
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// whoCell renders a code or a count; the WHO files hold no fractions.
func whoCell(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a whole number", x)
		}
		return strconv.FormatFloat(x, 'f', 0, 64), nil
	}
	return "", fmt.Errorf("unexpected %T", v)
}
