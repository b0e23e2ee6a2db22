package reports

// The mortality surveillance series of a release (the published
// surveillance mart: deaths by week and month with their nowcast, expected
// deaths and excess) as SDMX and as a plain CSV.
//
// SDMX 2.1 has one primary measure, so each of a row's quantities is an
// observation of its own under the dimension MEASURE (CL_SURV_MEASURE): OBS
// (deaths registered by the data's date), NOWCAST, EXPECTED, EXCESS,
// P_SCORE, and the ends of their 95% intervals as the measures X_LOW and
// X_HIGH (the layout of UN IGME's and the SDG database's bounds as codes,
// which keeps every observation coded and checkable: an interval end as an
// uncoded attribute would hold a number no code list checks). OBS_STATUS
// is E on every model value, P on the count of a period whose
// registrations are still arriving, else A; UNIT_MEASURE is PERCENT on the
// P-score, NUMBER on the others, so it is attached to the observation.

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"vitalstats"
)

// SurveillanceFlow is the dataflow of the surveillance series.
const SurveillanceFlow = "DEATHS_SURVEILLANCE"

// surveillanceMeasures are the mart's value columns in the order written,
// with their MEASURE codes and names.
var surveillanceMeasures = []struct{ column, code, name string }{
	{"observed", "OBS", "Deaths registered by the data's date"},
	{"nowcast", "NOWCAST", "Deaths, nowcast (registered and still to arrive)"},
	{"nowcast_low", "NOWCAST_LOW", "Deaths, nowcast: lower end of the 95% prediction interval"},
	{"nowcast_high", "NOWCAST_HIGH", "Deaths, nowcast: upper end of the 95% prediction interval"},
	{"expected", "EXPECTED", "Expected deaths (baseline)"},
	{"expected_low", "EXPECTED_LOW", "Expected deaths: lower end of the 95% prediction interval"},
	{"expected_high", "EXPECTED_HIGH", "Expected deaths: upper end of the 95% prediction interval"},
	{"excess", "EXCESS", "Excess deaths (nowcast - expected)"},
	{"excess_low", "EXCESS_LOW", "Excess deaths: lower end of the 95% interval"},
	{"excess_high", "EXCESS_HIGH", "Excess deaths: upper end of the 95% interval"},
	{"p_score", "P_SCORE", "P-score (100 x excess / expected)"},
	{"p_score_low", "P_SCORE_LOW", "P-score: lower end of the 95% interval"},
	{"p_score_high", "P_SCORE_HIGH", "P-score: upper end of the 95% interval"},
	{"excess_adjusted", "EXCESS_ADJ", "Excess deaths that occurred, registered or not (excess / completeness of death registration)"},
	{"excess_adjusted_low", "EXCESS_ADJ_LOW", "Excess deaths that occurred: lower end of the 95% interval"},
	{"excess_adjusted_high", "EXCESS_ADJ_HIGH", "Excess deaths that occurred: upper end of the 95% interval"},
}

// surveillanceKeys are the mart's columns that key a row.
var surveillanceKeys = []string{"period_type", "period", "area_code", "sex", "age_group"}

// surveillanceFreq is the FREQ of a period_type.
var surveillanceFreq = map[string]string{"month": "M", "week": "W"}

// flagSuppressed is the publication layer's flag of a withheld row
// (warehouse.flagSuppressed).
const flagSuppressed = "suppressed"

// SurveillanceReleased keeps the rows of the surveillance table a release
// carries: every monthly series, and the weekly series of the nation (by
// sex and age group) and of each province's deaths of both sexes and all
// ages. A province's week by sex and age holds a death or two, mostly
// withheld or without a P-score (fewer than 20 expected), and would make
// the release's files ten times larger (140 MB of SDMX-CSV on the demo);
// the dashboards and the warehouse have them.
func SurveillanceReleased(t *vitalstats.Table) (*vitalstats.Table, error) {
	pt, area, sex, age := t.Col("period_type"), t.Col("area_code"), t.Col("sex"), t.Col("age_group")
	if slices.Contains([]int{pt, area, sex, age}, -1) {
		return nil, fmt.Errorf("surveillance lacks a column of period_type, area_code, sex, age_group: %v", t.Columns)
	}
	out := &vitalstats.Table{Name: t.Name, Columns: t.Columns}
	for _, r := range t.Rows {
		if str(r[pt]) == "month" || str(r[area]) == "KH" || str(r[sex]) == "T" && str(r[age]) == "all" {
			out.Rows = append(out.Rows, r)
		}
	}
	return out, nil
}

// surveillanceRows checks the columns of the published surveillance table
// and returns its rows sorted by key, months first.
func surveillanceRows(t *vitalstats.Table) ([][]any, map[string]int, error) {
	col := map[string]int{}
	need := append(slices.Clone(surveillanceKeys), "status", "flags")
	for _, m := range surveillanceMeasures {
		need = append(need, m.column)
	}
	for _, c := range need {
		i := t.Col(c)
		if i < 0 {
			return nil, nil, fmt.Errorf("surveillance lacks column %s: %v", c, t.Columns)
		}
		col[c] = i
	}
	rows := slices.Clone(t.Rows)
	order := map[string]int{"month": 0, "week": 1}
	slices.SortStableFunc(rows, func(a, b []any) int {
		if d := order[str(a[col["period_type"]])] - order[str(b[col["period_type"]])]; d != 0 {
			return d
		}
		for _, c := range surveillanceKeys[1:] {
			if d := strings.Compare(str(a[col[c]]), str(b[col[c]])); d != 0 {
				return d
			}
		}
		return 0
	})
	return rows, col, nil
}

// surveillanceValue formats a measure: the count as a whole number, a
// model value with one decimal; ok is false for NULL.
func surveillanceValue(v any, count bool) (string, bool) {
	var f float64
	switch x := v.(type) {
	case nil:
		return "", false
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return "", false
	}
	if count {
		return strconv.FormatInt(int64(f+0.5*sign(f)), 10), true
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	return s, true
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// WriteSurveillanceData writes the published surveillance table in
// SDMX-CSV (version 1), conforming to the DSD of WriteSurveillanceStructure:
// for each row, one observation per measure that has a value. A row the
// disclosure policy withheld (flag suppressed: its published count is 1 to
// 4, and every value derived from it is withheld with it) gives one
// observation, OBS with an empty OBS_VALUE and CONF_STATUS C, and no other
// measure: none of them (a complete period's nowcast equals its count, an
// excess plus its expected deaths is the nowcast) may carry the count.
func (s SDMX) WriteSurveillanceData(w io.Writer, t *vitalstats.Table) error {
	rows, col, err := surveillanceRows(t)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(surveillanceHeader); err != nil {
		return err
	}
	flow := s.agency() + ":" + SurveillanceFlow + "(" + sdmxVersion + ")"
	for _, r := range rows {
		key, err := surveillanceKey(r, col)
		if err != nil {
			return err
		}
		flags, _ := r[col["flags"]].([]string)
		withheld := slices.Contains(flags, flagSuppressed)
		provisional := str(r[col["status"]]) == "provisional" || slices.Contains(flags, "provisional")
		for i, m := range surveillanceMeasures {
			value, ok := surveillanceValue(r[col[m.column]], i == 0)
			conf := "F"
			switch {
			case withheld && i > 0:
				continue // withheld with the count: OBS says so
			case withheld:
				value, conf = "", "C"
			case !ok:
				continue // not estimated (no baseline, fewer than 20 expected): no observation
			}
			status := "E"
			if i == 0 {
				status = "A"
				if provisional {
					status = "P"
				}
			}
			unit := "NUMBER"
			if strings.HasPrefix(m.column, "p_score") {
				unit = "PERCENT"
			}
			rec := []string{flow, key[0], key[1], key[2], key[3], m.code, key[4], value, status, conf, unit, "0"}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// surveillanceHeader is the SDMX-CSV header of the surveillance flow.
var surveillanceHeader = []string{"DATAFLOW", "FREQ", "REF_AREA", "SEX", "AGE", "MEASURE", "TIME_PERIOD",
	"OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT"}

// surveillanceKey is a row's FREQ, REF_AREA, SEX, AGE and TIME_PERIOD.
func surveillanceKey(r []any, col map[string]int) ([5]string, error) {
	var k [5]string
	pt, period := str(r[col["period_type"]]), str(r[col["period"]])
	freq, ok := surveillanceFreq[pt]
	if !ok {
		return k, fmt.Errorf("surveillance: period_type %q is neither month nor week", pt)
	}
	if p := sdmxPeriod[freq]; !p.MatchString(period) {
		return k, fmt.Errorf("surveillance: period %q is not a period of FREQ %s", period, freq)
	}
	k[0], k[4] = freq, period
	for i, c := range []string{"area_code", "sex", "age_group"} {
		code, err := sdmxCode(sdmxColumns[c].kind, str(r[col[c]]))
		if err != nil {
			return k, fmt.Errorf("surveillance: %s: %w", c, err)
		}
		k[i+1] = code
	}
	return k, nil
}

// WriteSurveillanceStructure writes the SDMX-ML 2.1 structure message of
// the surveillance flow: FREQ (M, W), REF_AREA, SEX, AGE, MEASURE and
// TIME_PERIOD; OBS_VALUE a decimal; the code lists of the codes the table
// holds and every category its sidecar accepts.
func (s SDMX) WriteSurveillanceStructure(w io.Writer, h StructureHeader, t *vitalstats.Table, labels func(string) string) error {
	b, err := s.newStructure(h, labels)
	if err != nil {
		return err
	}
	inds, err := indicators()
	if err != nil {
		return err
	}
	ind := inds["surveillance"]
	if ind == nil {
		return fmt.Errorf("surveillance has no sidecar")
	}
	rows, col, err := surveillanceRows(t)
	if err != nil {
		return err
	}
	var dims []smlDimension
	for _, c := range []string{"area_code", "sex", "age_group"} {
		cats := append([]string{margin}, ind.Checks.Accepted[c]...)
		for _, r := range rows {
			if v := str(r[col[c]]); !slices.Contains(cats, v) {
				cats = append(cats, v)
			}
		}
		d, err := b.columnDimension(c, ind, cats)
		if err != nil {
			return err
		}
		dims = append(dims, d)
	}
	b.concept("MEASURE", func() [2]string { return [2]string{"Measure", "រង្វាស់"} })
	for _, m := range surveillanceMeasures {
		if err := b.addItem("CL_SURV_MEASURE", [2]string{"Measures of mortality surveillance", ""}, m.code, m.column,
			func() [2]string { return [2]string{m.name, ""} }); err != nil {
			return err
		}
	}
	dims = append(dims, smlDimension{ID: "MEASURE", Concept: b.conceptRef("MEASURE"), Codelist: b.listRef("CL_SURV_MEASURE")})
	b.addFlow(SurveillanceFlow, [2]string{ind.Title.En, ind.Title.Km}, dims, "Decimal", true)
	return b.write(w)
}

// WriteSurveillanceCSV writes the published surveillance table as a plain
// CSV (with the byte-order mark of the release's CSV tables): one row per
// period, area, sex and age group, the measures as columns. An empty value
// is a withheld one where flags holds suppressed (the row's count is 1 to
// 4, and everything derived from it goes with it), else a value the model
// does not give (flags no_baseline, expected_lt20, ...).
func WriteSurveillanceCSV(w io.Writer, t *vitalstats.Table) error {
	rows, col, err := surveillanceRows(t)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := append(slices.Clone(surveillanceKeys), "status")
	for _, m := range surveillanceMeasures {
		header = append(header, m.column)
	}
	if err := cw.Write(append(header, "flags")); err != nil {
		return err
	}
	for _, r := range rows {
		var rec []string
		for _, c := range append(slices.Clone(surveillanceKeys), "status") {
			rec = append(rec, str(r[col[c]]))
		}
		flags, _ := r[col["flags"]].([]string)
		withheld := slices.Contains(flags, flagSuppressed)
		for i, m := range surveillanceMeasures {
			v, _ := surveillanceValue(r[col[m.column]], i == 0)
			if withheld {
				v = ""
			}
			rec = append(rec, v)
		}
		if err := cw.Write(append(rec, strings.Join(flags, ";"))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
