package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"vitalstats"
)

// births by age of mother × area with the mart's margins (total, KH)
func birthsMart(kh int64) *vitalstats.Table {
	t := &vitalstats.Table{Name: "tab_births_mother_age", Columns: []string{"year", "area_code", "mother_age_group", "numerator"}}
	cells := map[[2]string]int64{{"01", "15-19"}: 12, {"01", "<15"}: 2, {"02", "15-19"}: 30, {"02", "<15"}: 0, {"99", "15-19"}: 1, {"01", "unknown"}: 7}
	sum := map[string]int64{}
	var all int64
	for k, n := range cells {
		t.Rows = append(t.Rows, []any{int64(2024), k[0], k[1], n})
		sum["a"+k[0]] += n
		sum["g"+k[1]] += n
		all += n
	}
	for k, n := range sum {
		if k[0] == 'a' {
			t.Rows = append(t.Rows, []any{int64(2024), k[1:], "total", n})
		} else {
			t.Rows = append(t.Rows, []any{int64(2024), "KH", k[1:], n})
		}
	}
	t.Rows = append(t.Rows, []any{int64(2024), "KH", "total", kh + all})
	t.Rows = append(t.Rows, []any{int64(2023), "01", "15-19", int64(99)}) // another year: left out
	return t
}

func TestTabulate(t *testing.T) {
	tab := Tabulations[0]
	p, err := Tabulate(tab, birthsMart(0), 2024, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Rows, []string{"<15", "15-19", "unknown"}) || !slices.Equal(p.Cols, []string{"01", "02", "99"}) {
		t.Errorf("layout %v × %v", p.Rows, p.Cols)
	}
	var out bytes.Buffer
	if err := p.WriteCSV(&out, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&out).ReadAll()
	// <15 in 01 is 2: suppressed, with complements; the grand total is published.
	if recs[1][1] != SuppressedMark || recs[len(recs)-1][len(recs[0])-1] != "52" {
		t.Errorf("table:\n%v", recs)
	}
	// The mart's margins are perturbed on their own in the publication
	// layer: the table's totals are the sums of its cells, whatever the
	// mart's margin says.
	q, err := Tabulate(tab, birthsMart(1), 2024, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	if g := q.Protected.Grid; g[len(g)-1][len(g[0])-1].Value != 52 {
		t.Errorf("grand total %d with a margin of 53 in the mart, want the cells' 52", g[len(g)-1][len(g[0])-1].Value)
	}
	var sd bytes.Buffer
	if err := (SDMX{}).WriteData(&sd, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sd.String(), "KH_NIS:BIRTHS_AGE_PROVINCE(1.0),A,KH-1,Y_LT15,2024,,A,C,NUMBER,0") ||
		!strings.Contains(sd.String(), "KH_NIS:BIRTHS_AGE_PROVINCE(1.0),A,KH,_T,2024,52,A,F,NUMBER,0") {
		t.Errorf("sdmx:\n%s", sd.String())
	}
}

func TestCategoryOrder(t *testing.T) {
	got := []string{"unknown", "85+", "5-9", "0", "1-4", "<15", "F", "M", "U", "50+", "10-14"}
	slices.SortFunc(got, categoryOrder)
	want := []string{"M", "F", "<15", "0", "1-4", "5-9", "10-14", "50+", "85+", "U", "unknown"}
	if !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

// A table whose mart holds one column category is printed as that column
// and its total row: every line has as many fields as the header.
func TestOneColumnTable(t *testing.T) {
	m := &vitalstats.Table{Name: "tab_births_mother_age", Columns: []string{"year", "area_code", "mother_age_group", "numerator"}}
	for _, r := range [][]any{{"01", "15-19", 12}, {"01", "20-24", 9}, {"01", "total", 21}, {"KH", "15-19", 12}, {"KH", "20-24", 9}, {"KH", "total", 21}} {
		m.Rows = append(m.Rows, []any{int64(2024), r[0], r[1], int64(r[2].(int))})
	}
	p, err := Tabulate(Tabulations[0], m, 2024, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := p.WriteCSV(&out, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	// a byte-order mark, for spreadsheet programs, then the table
	body, ok := strings.CutPrefix(out.String(), BOM)
	if !ok {
		t.Errorf("the CSV does not start with a byte-order mark: %q", out.String()[:10])
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := [][]string{{"mother_age_group", "01"}, {"15-19", "12"}, {"20-24", "9"}, {"total", "21"}}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", recs, want)
	}
}

// TestSummarySheet: the summary publishes each value at its precision (TFR 2
// decimals, rates and e0 1, probabilities per 1,000 and shares in percent 1)
// and whole event counts: a mart's event_count column over a pro rata numerator,
// else the numerator, rounded and flagged when it is not whole.
func TestSummarySheet(t *testing.T) {
	mart := func(name string, cols []string, rows ...[]any) *vitalstats.Table {
		return &vitalstats.Table{Name: name, Columns: cols, Rows: rows}
	}
	rate := []string{"year", "area_code", "measure", "numerator", "value", "ci_low", "ci_high", "flags"}
	marts := map[string]*vitalstats.Table{
		"fertility_rates": mart("fertility_rates", append(slices.Clone(rate), "basis"),
			[]any{int64(2024), "KH", "tfr", 5432.0, 1.1230152312900572, 1.0951, 1.15149, []string{}, "registered"},
			[]any{int64(2024), "KH", "tfr", 5432.0, 2.71, 2.5, 2.9, []string{}, "adjusted_completeness"}, // another basis: not shown
			[]any{int64(2024), "KH", "abr_15_19", 812.4, 33.449999, 31.2, 35.8, []string{}, "registered"}),
		"births_characteristics": mart("births_characteristics", rate,
			[]any{int64(2024), "KH", "sex_ratio_at_birth", 2799.0, 105.04999, 101.0, 109.2, []string{}}),
		"mortality_rates": mart("mortality_rates", append(slices.Clone(rate[:2]), "sex", "basis", "measure", "numerator", "value", "ci_low", "ci_high", "flags", "event_count"),
			[]any{int64(2024), "KH", "T", "registered", "imr", 120.0, 22.4444, 18.6, 26.8, []string{}, int64(120)},
			[]any{int64(2024), "KH", "T", "reference_igme2024", "imr", nil, 30.1, 20.0, 45.0, []string{}, nil}, // another basis: not shown
			[]any{int64(2024), "KH", "T", "registered", "nmr", 23.467, 4.38873, 2.8, 6.5, []string{"lt20"}, int64(22)},
			[]any{int64(2024), "KH", "M", "registered", "nmr", 12.0, 9.0, 1.0, 2.0, []string{}, int64(12)}, // another sex: not shown
			[]any{int64(2023), "KH", "T", "registered", "u5mr", 150.0, 28.0, 20.0, 30.0, []string{}, int64(150)}),
		"life_expectancy": mart("life_expectancy", []string{"year", "area_code", "sex", "basis", "measure", "numerator", "value", "ci_low", "ci_high", "flags"},
			[]any{int64(2024), "KH", "M", "registered", "e0", int64(4000), 68.449, 67.95, 68.95, []string{}},
			[]any{int64(2024), "KH", "M", "registered", "45q15", int64(4000), 0.2134567, 0.2, 0.22, []string{}}),
		"completeness": mart("completeness", []string{"year", "area_code", "event_type", "age_band", "within", "method", "numerator", "value", "ci_low", "ci_high", "flags"},
			[]any{int64(2024), "KH", "birth", "all", "all", "reference_asfr", int64(5432), 0.78951, 0.7801, 0.7989, []string{}},
			[]any{int64(2024), "KH", "birth", "all", "all", "dual_system", int64(5000), 0.7, 0.69, 0.71, []string{}}), // another method: not shown
		"cod_quality": mart("cod_quality", rate,
			[]any{int64(2024), "KH", "ill_defined_r00_r99", int64(300), 0.372149, 0.36, 0.38, []string{}}),
	}
	sheet, err := summarySheet(2024, marts)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]any{}
	for _, r := range sheet.Rows {
		if len(r) > 0 {
			rows[r[0].(string)] = r
		}
	}
	// what each value rests on, in the last column
	for indicator, want := range map[string]string{"Infant mortality rate (per 1,000 live births)": "registered",
		"Infant mortality rate, UN IGME estimate": "reference_igme2024", "Total fertility rate (per woman), adjusted for completeness": "adjusted_completeness"} {
		if r := rows[indicator]; len(r) == 0 || r[len(r)-1] != want {
			t.Errorf("%s: basis %v, want %s", indicator, r, want)
		}
	}
	for _, c := range []struct {
		indicator     string
		value, lo, hi any
		events        any
		flags         any
	}{
		{"Total fertility rate (per woman)", 1.12, 1.10, 1.15, int64(5432), ""},
		{"Adolescent birth rate 15-19 (per 1,000 women)", 33.4, 31.2, 35.8, int64(812), "events_rounded"},
		{"Sex ratio at birth (males per 100 females)", 105.0, 101.0, 109.2, int64(2799), ""},
		{"Infant mortality rate (per 1,000 live births)", 22.4, 18.6, 26.8, int64(120), ""},
		{"Infant mortality rate, UN IGME estimate", 30.1, 20.0, 45.0, nil, ""}, // a reference: no events
		{"Total fertility rate (per woman), adjusted for completeness", 2.71, 2.5, 2.9, int64(5432), ""},
		{"Neonatal mortality rate (per 1,000 live births)", 4.4, 2.8, 6.5, int64(22), "lt20"},
		{"Under-five mortality rate (per 1,000 live births)", nil, nil, nil, nil, nil}, // only 2023 given
		{"Life expectancy at birth, males (years, registered deaths)", 68.4, 68.0, 69.0, int64(4000), ""},
		{"Probability of dying 15-60 (45q15, per 1,000), males", 213.5, 200.0, 220.0, int64(4000), ""},
		{"Birth registration completeness (%)", 79.0, 78.0, 79.9, int64(5432), ""},
		{"Deaths with ill-defined causes (R00-R99, % of deaths with a reported cause)", 37.2, 36.0, 38.0, int64(300), ""},
	} {
		r, ok := rows[c.indicator]
		if !ok {
			t.Errorf("no row %q", c.indicator)
			continue
		}
		// the values as stored, and the decimals they are shown with
		shown, decimals := slices.Clone(r[2:7]), 2
		if !strings.HasPrefix(c.indicator, "Total fertility rate") {
			decimals = 1
		}
		for i, v := range shown[:3] {
			if n, ok := v.(Number); ok {
				shown[i] = n.Value
				if n.Decimals != decimals {
					t.Errorf("%s: %v shown with %d decimals, want %d", c.indicator, n.Value, n.Decimals, decimals)
				}
			}
		}
		if got, want := fmt.Sprint(shown), fmt.Sprint([]any{c.value, c.lo, c.hi, c.events, c.flags}); got != want {
			t.Errorf("%s: %s, want %s", c.indicator, got, want)
		}

	}
}
