package dashboards

import (
	"slices"
	"strings"
	"testing"
)

// incompleteData is the fixture with the registered IMR and e0 of every area
// flagged completeness_lt70, as the warehouse flags rates on registration
// under 70% complete.
func incompleteData(t *testing.T) *Data {
	t.Helper()
	tables := fixTables(t)
	for _, tb := range tables {
		bi, mi, fi := slices.Index(tb.Columns, "basis"), slices.Index(tb.Columns, "measure"), slices.Index(tb.Columns, "flags")
		if bi < 0 || mi < 0 || fi < 0 {
			continue
		}
		for _, r := range tb.Rows {
			if r[bi] == "registered" && (r[mi] == "imr" || r[mi] == "e0") {
				r[fi] = append(slices.Clone(r[fi].([]string)), "completeness_lt70")
			}
		}
	}
	d, err := NewData(tables)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestHeadlineIncomplete: a card never headlines a registered rate flagged
// completeness_lt70. The nation's IMR card shows the UN IGME estimate,
// labelled, with the registered value beside it; a province, which has no
// reference, shows no figure and the registered value beside; e0 shows the
// adjusted table; a rate not flagged (U5MR) is the registered one; and no
// change is drawn between two bases.
func TestHeadlineIncomplete(t *testing.T) {
	d := incompleteData(t)
	year := fixLastYear - 1
	card := func(area, label string) cardView {
		v := view{d: d, f: Filter{Year: year, Area: area, Sex: "T"}, lang: "en"}
		for _, c := range cards(overview(v)[0], "en") {
			if strings.HasPrefix(c.Label, label) {
				return c
			}
		}
		t.Fatalf("%s: no card %q", area, label)
		return cardView{}
	}
	// values as the cards write them: rates per 1,000 and years with one decimal
	reg := func(area string, k float64) string { return unitOf("years").number(fixValue(area, year, k)) }

	imr := card("KH", "Infant mortality rate")
	if !strings.Contains(imr.Label, "UN IGME") || !strings.HasPrefix(imr.Value, reg("KH", 35)) ||
		!strings.Contains(imr.Beside, "under 70% complete") || !strings.Contains(imr.Beside, reg("KH", 20)) {
		t.Errorf("national IMR card: %+v; want the IGME %s headlined, the registered %s beside", imr, reg("KH", 35), reg("KH", 20))
	}
	if imr.Change == "" {
		t.Error("national IMR card: no change between two years of the same basis")
	}
	prov := card("12", "Infant mortality rate")
	if prov.Value != "–" || !strings.Contains(prov.Beside, reg("12", 20)) {
		t.Errorf("province IMR card: %+v; want no figure and the registered %s beside", prov, reg("12", 20))
	}
	e0 := card("KH", "Life expectancy at birth (Male)")
	if !strings.Contains(e0.Label, "adjusted") || !strings.HasPrefix(e0.Value, reg("KH", 60)) || !strings.Contains(e0.Beside, reg("KH", 65)) {
		t.Errorf("e0 card: %+v; want the adjusted %s headlined, the registered %s beside", e0, reg("KH", 60), reg("KH", 65))
	}
	u5 := card("KH", "Under-five mortality rate")
	if u5.Beside != "" || !strings.HasPrefix(u5.Value, reg("KH", 30)) {
		t.Errorf("U5MR card: %+v; want the registered %s, not flagged", u5, reg("KH", 30))
	}
	for _, c := range cards(overview(view{d: d, f: Filter{Year: year, Area: "KH", Sex: "T"}, lang: "en"})[0], "en") {
		if strings.Contains(c.Label, "registered (registration under 70%") {
			t.Errorf("a card of its own for a registered value under 70%% complete: %+v", c)
		}
	}

	// a year whose registered IMR is fine, after one that was not: no change across bases
	tables := fixTables(t)
	for _, tb := range tables {
		if tb.Name != "mortality_rates" {
			continue
		}
		for _, r := range tb.Rows {
			if r[3] == "registered" && r[4] == "imr" && r[0] == int64(year-1) {
				r[len(tb.Columns)-1] = append(slices.Clone(r[len(tb.Columns)-1].([]string)), "completeness_lt70")
			}
		}
	}
	d2, err := NewData(tables)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards(overview(view{d: d2, f: Filter{Year: year, Area: "KH", Sex: "T"}, lang: "en"})[0], "en") {
		if strings.HasPrefix(c.Label, "Infant mortality rate") && c.Change != "" {
			t.Errorf("IMR card compares the registered %d with the reference %d: %+v", year, year-1, c)
		}
	}
}
