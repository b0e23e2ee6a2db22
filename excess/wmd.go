package excess

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// wmdColumns is the World Mortality Dataset's layout
// (akarlinsky/world_mortality: world_mortality.csv).
var wmdColumns = []string{"country_name", "year", "time", "time_unit", "deaths"}

// ReadWMD reads deaths in the World Mortality Dataset's layout
// (country_name,year,time,time_unit,deaths; other columns are ignored) into
// one series per country, in the order the countries first appear. name is
// the file's name, for the errors.
//
// As in the paper's notebook, a row whose deaths are missing (empty, NA or
// NaN) is dropped, and fractional counts are truncated to whole deaths.
func ReadWMD(r io.Reader, name string) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header %s", name, strings.Join(wmdColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	idx := make([]int, len(wmdColumns))
	for i, c := range wmdColumns {
		j, ok := col[c]
		if !ok {
			return nil, fmt.Errorf("%s line 1: no column %q (want %s)", name, c, strings.Join(wmdColumns, ","))
		}
		idx[i] = j
	}
	var out []Series
	at := map[string]int{}
	type rowKey struct {
		country      string
		year, period int
	}
	seen := map[rowKey]int{} // the line of each row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s line %d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		field := func(i int) (string, error) {
			if idx[i] >= len(rec) {
				return "", fmt.Errorf("%s line %d: %d fields, no %s", name, line, len(rec), wmdColumns[i])
			}
			return strings.TrimSpace(rec[idx[i]]), nil
		}
		var v [5]string
		for i := range v {
			if v[i], err = field(i); err != nil {
				return nil, err
			}
		}
		bad := func(i int, why string) error {
			return fmt.Errorf("%s line %d: %s %q %s", name, line, wmdColumns[i], v[i], why)
		}
		if v[0] == "" {
			return nil, bad(0, "is empty")
		}
		year, err := strconv.Atoi(v[1])
		if err != nil || year < 0 {
			return nil, bad(1, "is not a year (0 for a pre-averaged baseline)")
		}
		unit, err := ParseUnit(v[3])
		if err != nil {
			return nil, bad(3, "is not weekly, monthly or quarterly")
		}
		period, err := strconv.Atoi(v[2])
		if err != nil || period < 1 || period > unit.maxPeriod() {
			return nil, bad(2, fmt.Sprintf("is not a %s period 1–%d", unit, unit.maxPeriod()))
		}
		switch strings.ToLower(v[4]) {
		case "", "na", "nan":
			continue // missing, as pandas reads it; the notebook drops the row
		}
		deaths, err := strconv.ParseFloat(v[4], 64)
		if err != nil || math.IsNaN(deaths) || math.IsInf(deaths, 0) || deaths < 0 {
			return nil, bad(4, "is not a count of deaths")
		}
		i, ok := at[v[0]]
		if !ok {
			i = len(out)
			at[v[0]] = i
			out = append(out, Series{Name: v[0], Unit: unit})
		}
		s := &out[i]
		if s.Unit != unit {
			return nil, fmt.Errorf("%s line %d: time_unit %q, but %s's earlier rows are %s", name, line, v[3], v[0], s.Unit)
		}
		key := rowKey{v[0], year, period}
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s line %d: %s %d %s period %d appears twice (first on line %d)", name, line, v[0], year, unit, period, first)
		}
		seen[key] = line
		// Truncated like the notebook's X.astype(int).
		s.Obs = append(s.Obs, Obs{Year: year, Period: period, Deaths: math.Trunc(deaths)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows with deaths", name)
	}
	return out, nil
}

// ELifeCorrection is what the published analysis took off a country's
// excess after the fit (eLife notebook, the loop over countries):
// 4000 deaths of the 2020 Nagorno-Karabakh war for Armenia and Azerbaijan,
// and the August 2020 heatwave (the excess of weeks 32–34) for Belgium,
// France, Germany, Luxembourg and the Netherlands.
func ELifeCorrection(country string) (subtract float64, exclude []int) {
	switch country {
	case "Armenia", "Azerbaijan":
		return 4000, nil
	case "Belgium", "France", "Luxembourg", "Netherlands", "Germany":
		return 0, []int{32, 33, 34}
	}
	return 0, nil
}
