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
	if _, err := Tabulate(tab, birthsMart(1), 2024, Disclosure{}); err == nil || !strings.Contains(err.Error(), "add up") {
		t.Errorf("a mart whose margin disagrees with its cells: %v", err)
	}
	var sd bytes.Buffer
	if err := p.WriteSDMX(&sd, "KH_NIS"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sd.String(), "KH_NIS:births_age_province(1.0),2024,<15,01,,C") ||
		!strings.Contains(sd.String(), "KH_NIS:births_age_province(1.0),2024,_T,_T,52,A") {
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
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := [][]string{{"mother_age_group", "01"}, {"15-19", "12"}, {"20-24", "9"}, {"total", "21"}}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", recs, want)
	}
}
