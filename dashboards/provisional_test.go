package dashboards

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// provisionalData is the fixture with its last year provisional, flagged in
// every table as the warehouse flags it.
func provisionalData(t *testing.T) *Data {
	t.Helper()
	tables := fixTables(t)
	for _, tb := range tables {
		yi, fi := slices.Index(tb.Columns, "year"), slices.Index(tb.Columns, "flags")
		if fi < 0 {
			continue
		}
		for _, r := range tb.Rows {
			// surveillance's flags are text, and its status says what is provisional
			if l, ok := r[fi].([]string); ok && yi >= 0 && r[yi] == int64(fixLastYear) {
				r[fi] = append(slices.Clone(l), "provisional")
			}
		}
	}
	d, err := NewData(tables)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestProvisionalYear: pages open on the last final year; the year menu says
// which years are provisional; a card never compares a provisional year; a
// line draws provisional points on a dashed line of their own.
func TestProvisionalYear(t *testing.T) {
	d := provisionalData(t)
	if d.Year != fixLastYear-1 {
		t.Errorf("pages open on %d, want the last final year %d", d.Year, fixLastYear-1)
	}
	if !d.provisional(fixLastYear) || d.provisional(fixLastYear-1) {
		t.Errorf("provisional: %d %v, %d %v", fixLastYear, d.provisional(fixLastYear), fixLastYear-1, d.provisional(fixLastYear-1))
	}
	changes := func(year int) int {
		v := view{d: d, f: Filter{Year: year, Area: "KH", Sex: "T"}, lang: "en"}
		n := 0
		for _, c := range cards(overview(v)[0], "en") {
			if c.Change != "" {
				n++
			}
		}
		return n
	}
	if n := changes(fixLastYear); n != 0 {
		t.Errorf("%d cards of the provisional year show a change since the year before", n)
	}
	if n := changes(fixLastYear - 1); n == 0 {
		t.Error("no card of a final year shows its change since the year before")
	}

	v := view{d: d, f: Filter{Year: fixLastYear - 1, Area: "KH", Sex: "T"}, lang: "en"}
	var trend *frame
	for _, f := range overview(v) {
		if f.ID == "compl_trend" {
			trend = f
		}
	}
	b, ok := chartOption(trend, "en", "")
	if !ok {
		t.Fatal("no chart option")
	}
	var opt struct {
		Series []struct {
			Name      string `json:"name"`
			LineStyle struct {
				Type string `json:"type"`
			} `json:"lineStyle"`
			Data []struct {
				Value any `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal(b, &opt); err != nil {
		t.Fatal(err)
	}
	last := len(trend.X) - 1
	if trend.XKey[last] != strconv.Itoa(fixLastYear) {
		t.Fatalf("the trend ends in %s", trend.XKey[last])
	}
	var dashed int
	for _, s := range opt.Series {
		prov := strings.HasSuffix(s.Name, "(provisional)")
		if prov {
			dashed++
			if s.LineStyle.Type != "dashed" || s.Data[last].Value == nil || s.Data[last-1].Value == nil || s.Data[0].Value != nil {
				t.Errorf("series %q: line %q, points %v", s.Name, s.LineStyle.Type, s.Data)
			}
		} else if s.Data[last].Value != nil || s.Data[last-1].Value == nil {
			t.Errorf("series %q draws the provisional year on its solid line: %v", s.Name, s.Data)
		}
	}
	if dashed != 2 {
		t.Errorf("%d dashed series, want one for births and one for deaths", dashed)
	}
}
