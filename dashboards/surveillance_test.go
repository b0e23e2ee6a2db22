package dashboards

import (
	"encoding/json"
	"html"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// survView is a view of the surveillance page for a filter.
func survView(t *testing.T, d *Data, area, sex, lang, scope string) view {
	t.Helper()
	return view{d: d, f: Filter{Year: d.Year, Area: area, Sex: sex}, lang: lang, scope: scope}
}

func survFrame(t *testing.T, frames []*frame, id string) *frame {
	t.Helper()
	for _, f := range frames {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no frame %s", id)
	return nil
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestSurveillanceFrames: the page's frames hold the fixture's values: the
// latest complete month and the provisional ones apart, the registered,
// nowcast and expected deaths with their intervals, by month and week.
func TestSurveillanceFrames(t *testing.T) {
	d := fixData(t)
	for _, sex := range []string{"T", "F"} {
		v := survView(t, d, "KH", sex, "en", "KH")
		frames := surveillancePage(v)
		if ids := []string{frames[0].ID, frames[1].ID, frames[2].ID, frames[3].ID}; !slices.Equal(ids, []string{"surv_latest", "surv_month", "surv_week", "surv_map"}) {
			t.Fatalf("frames %v", ids)
		}
		for _, c := range []struct {
			id, ptype string
			prov      int
		}{{"surv_month", "month", fixSurvProvMonths}, {"surv_week", "week", fixSurvProvWeeks}} {
			f := survFrame(t, frames, c.id)
			periods := fixSurvPeriods(c.ptype)
			if !slices.Equal(f.X, periods) {
				t.Fatalf("%s: periods %v, want %v", c.id, f.X, periods)
			}
			if want := len(periods) - c.prov; f.Surv == nil || f.Surv.ProvFrom != want {
				t.Fatalf("%s: provisional from %+v, want %d", c.id, f.Surv, want)
			}
			if !slices.Equal(f.Series, []string{"Deaths registered", "Nowcast (estimated final count)", "Expected deaths"}) {
				t.Fatalf("%s: series %v", c.id, f.Series)
			}
			for i := range periods {
				want := fixSurv("KH", sex, c.ptype, i)
				obs, now, exp := f.Cells[survObserved][i], f.Cells[survNowcast][i], f.Cells[survExpected][i]
				if !obs.HasValue || obs.Value != float64(want.Observed) || obs.flagged("provisional") != want.Provisional {
					t.Errorf("%s %s %s: registered %+v, want %d (provisional %v)", c.id, sex, periods[i], obs, want.Observed, want.Provisional)
				}
				// a complete period's nowcast is its count, without an interval
				if now.HasCI != want.Provisional || !near(now.Value, want.Nowcast) || now.HasCI && (!near(now.Low, want.NowLow) || !near(now.High, want.NowHigh)) {
					t.Errorf("%s %s %s: nowcast %+v, want %v (%v–%v)", c.id, sex, periods[i], now, want.Nowcast, want.NowLow, want.NowHigh)
				}
				if !exp.HasCI || !near(exp.Value, want.Expected) || !near(exp.Low, want.ExpLow) || !near(exp.High, want.ExpHigh) || exp.flagged("provisional") {
					t.Errorf("%s %s %s: expected %+v, want %v (%v–%v)", c.id, sex, periods[i], exp, want.Expected, want.ExpLow, want.ExpHigh)
				}
				if now.flagged("nowcast") != want.Provisional {
					t.Errorf("%s %s: nowcast flags %v", c.id, periods[i], now.Flags)
				}
			}
			if !strings.Contains(f.Summary, "Latest complete "+c.ptype+", "+periods[len(periods)-c.prov-1]) || !strings.Contains(f.Summary, "Provisional from "+periods[len(periods)-c.prov]) {
				t.Errorf("%s: summary %q", c.id, f.Summary)
			}
		}

		// The table at the top: the latest complete month, then the
		// provisional ones, each with its status.
		l := survFrame(t, frames, "surv_latest")
		months := fixSurvPeriods("month")
		want := months[len(months)-fixSurvProvMonths-1:]
		if !slices.Equal(l.X, want) {
			t.Fatalf("latest: months %v, want %v", l.X, want)
		}
		status := l.Cells[slices.Index(l.Series, "Status")]
		if status[0].Text != "latest complete" || status[1].Text != "provisional" {
			t.Errorf("latest: status %q, %q", status[0].Text, status[1].Text)
		}
		ps := l.Cells[slices.Index(l.Series, "P-score")]
		last := fixSurv("KH", sex, "month", len(months)-1)
		if !near(ps[len(ps)-1].Value, last.PS) || !strings.HasPrefix(ps[len(ps)-1].Text, "+") {
			t.Errorf("latest: P-score %+v, want %v", ps[len(ps)-1], last.PS)
		}
	}
}

// TestSurveillanceChart: the chart draws the registered deaths solid where
// complete and dashed where provisional (joined), the nowcast from the
// latest complete month on, each interval as a band (a transparent low end
// and the band's width stacked on it), and the provisional months shaded
// after a rule.
func TestSurveillanceChart(t *testing.T) {
	d := fixData(t)
	f := survFrame(t, surveillancePage(survView(t, d, "KH", "T", "en", "KH")), "surv_month")
	raw, ok := chartOption(f, "en", "KH")
	if !ok {
		t.Fatal("no chart option")
	}
	var o struct {
		Series []struct {
			Type, Name, Stack, RenderItem string
			Data                          []any
			LineStyle                     map[string]any
			AreaStyle                     map[string]any
		}
		Legend struct{ Data []string }
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	value := func(d any) (float64, bool) {
		if m, ok := d.(map[string]any); ok {
			v, ok := m["value"].(float64)
			return v, ok
		}
		v, ok := d.(float64)
		return v, ok
	}
	n := len(f.X)
	prov := f.Surv.ProvFrom
	var lines, bands, rules int
	for _, s := range o.Series {
		switch {
		case s.Type == "custom" && s.RenderItem == "rule":
			rules++
			r := s.Data[0].(map[string]any)
			if r["value"].([]any)[0].(float64) != float64(prov) || r["offset"] != -0.5 || r["shade"] != true {
				t.Errorf("the provisional rule: %v", r)
			}
		case s.Stack != "" && s.AreaStyle != nil: // a band's width
			bands++
			for x, dv := range s.Data {
				v, ok := value(dv)
				c := f.Cells[slices.Index(f.Series, s.Name)][x]
				drawn := s.Name != "Nowcast (estimated final count)" || x >= prov-1
				if ok != drawn || ok && !near(v, c.High-c.Low) {
					t.Errorf("%s band at %s: %v (drawn %v), want %v", s.Name, f.X[x], dv, drawn, c.High-c.Low)
				}
			}
		case s.Type == "line" && s.Stack == "":
			lines++
			dashed := s.LineStyle["type"] == "dashed"
			for x, dv := range s.Data {
				v, ok := value(dv)
				switch s.Name {
				case "Deaths registered":
					want := x < prov && !dashed || x >= prov-1 && dashed
					if ok != want {
						t.Errorf("registered (dashed %v) at %s: %v, want drawn %v", dashed, f.X[x], dv, want)
					}
					if ok && v != f.Cells[survObserved][x].Value {
						t.Errorf("registered at %s: %v", f.X[x], v)
					}
				case "Nowcast (estimated final count)":
					if !dashed || ok != (x >= prov-1) {
						t.Errorf("nowcast (dashed %v) at %s: %v", dashed, f.X[x], dv)
					}
				case "Expected deaths":
					if !ok || dashed || !near(v, f.Cells[survExpected][x].Value) {
						t.Errorf("expected at %s: %v", f.X[x], dv)
					}
				}
			}
			if len(s.Data) != n {
				t.Errorf("%s: %d points, want %d", s.Name, len(s.Data), n)
			}
		}
	}
	// registered solid and dashed, nowcast dashed, expected; two bands; one rule
	if lines != 4 || bands != 2 || rules != 1 {
		t.Errorf("%d lines, %d bands, %d rules; want 4, 2, 1", lines, bands, rules)
	}
	if !slices.Equal(o.Legend.Data, f.Series) {
		t.Errorf("legend %v, want %v", o.Legend, f.Series)
	}
}

// TestSurveillanceMap: the P-score of each province for the latest complete
// month, in the fixed diverging classes; a province without rows, or a
// suppressed one, grey, with grey in the legend.
func TestSurveillanceMap(t *testing.T) {
	d := fixData(t)
	months := fixSurvPeriods("month")
	latest := months[len(months)-fixSurvProvMonths-1]
	for _, sex := range []string{"T", "F"} {
		f := survFrame(t, surveillancePage(survView(t, d, "KH", sex, "en", "KH")), "surv_map")
		if !strings.Contains(f.Title, latest) {
			t.Errorf("map title %q does not name %s", f.Title, latest)
		}
		if len(f.X) != len(d.provinces) {
			t.Fatalf("%d provinces on the map, want %d", len(f.X), len(d.provinces))
		}
		raw, ok := chartOption(f, "en", "KH")
		if !ok {
			t.Fatal("no map option")
		}
		var o struct {
			Series []struct {
				Data []struct {
					Code      string
					Text      string
					Value     *float64
					ItemStyle struct{ AreaColor string }
				}
			}
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		pal := mapPalettes["surv_map"]
		for _, it := range o.Series[0].Data {
			grey := it.Code == fixSurvNone || it.Code == fixSurvSmall && sex == "F"
			if grey {
				if it.Value != nil || it.ItemStyle.AreaColor != noDataColor {
					t.Errorf("%s %s: %v filled %s, want no value, grey", sex, it.Code, it.Value, it.ItemStyle.AreaColor)
				}
				continue
			}
			want := fixSurv(it.Code, sex, "month", len(months)-fixSurvProvMonths-1).PS
			class := 0
			for _, b := range []float64{-10, 10, 25, 50} {
				if want >= b {
					class++
				}
			}
			if it.Value == nil || !near(*it.Value, want) || it.ItemStyle.AreaColor != pal[class] {
				t.Errorf("%s %s: %v filled %s, want %v in class %d (%s)", sex, it.Code, it.Value, it.ItemStyle.AreaColor, want, class, pal[class])
			}
			if !strings.Contains(it.Text, unitOf("pscore").number(want)) {
				t.Errorf("%s %s: tooltip %q", sex, it.Code, it.Text)
			}
		}
		var labels struct {
			Series []struct {
				RenderItem string
				Data       []struct{ Label string }
			}
		}
		if err := json.Unmarshal(raw, &labels); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range labels.Series {
			if s.RenderItem == "swatches" {
				for _, p := range s.Data {
					got = append(got, p.Label)
				}
			}
		}
		if want := []string{"< -10%", "-10%–10%", "10%–25%", "25%–50%", "≥ 50%", "no data"}; !slices.Equal(got, want) {
			t.Errorf("the map's legend %q, want %q", got, want)
		}
	}
}

// TestSurveillancePage: the page through the server, in both languages,
// with no year menu (it shows the latest periods), its CSVs, a district's
// page showing its province, and an account limited to a district seeing
// no province's figures.
func TestSurveillancePage(t *testing.T) {
	s := fixServer(t, "")
	for _, lang := range Langs {
		w := get(t, s, "admin", "/"+lang+"/surveillance")
		body := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("%s: HTTP %d", lang, w.Code)
		}
		for _, id := range []string{"c-surv_month", "c-surv_week", "c-surv_map", "t-surv_latest"} {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("%s: no %s", lang, id)
			}
		}
		if strings.Contains(body, `<select name="year">`) || !strings.Contains(body, `<input type="hidden" name="year"`) {
			t.Errorf("%s: the page has a year menu, or does not carry the year", lang)
		}
		if !strings.Contains(body, `href="/`+lang+`/surveillance?`) {
			t.Errorf("%s: the surveillance page is not in the menu", lang)
		}
		for _, k := range []string{"surveillance", "surv_latest", "surv_observed", "surv_status_provisional", "surv_chart_note"} {
			if !strings.Contains(body, html.EscapeString(tr(lang, k))) {
				t.Errorf("%s: the page lacks %s (%q)", lang, k, tr(lang, k))
			}
		}
		if lang == "km" && regexp.MustCompile(`>surv_[a-z_]+<`).MatchString(body) {
			t.Errorf("km: an untranslated label: %s", regexp.MustCompile(`>surv_[a-z_]+<`).FindString(body))
		}
	}
	c := get(t, s, "admin", "/csv/surveillance/surv_month.csv?lang=en")
	csv := c.Body.String()
	want := fixSurv("KH", "T", "month", len(fixSurvPeriods("month"))-1)
	if c.Code != 200 || !strings.Contains(csv, "2020-12,2020-12,Nowcast (estimated final count),") || !strings.Contains(csv, "nowcast provisional") {
		t.Errorf("surv_month.csv: HTTP %d\n%s", c.Code, csv)
	}
	if !strings.Contains(csv, "2020-12,2020-12,Deaths registered,"+strconv.FormatInt(want.Observed, 10)+",") {
		t.Errorf("surv_month.csv lacks the registered deaths of 2020-12 (%d)", want.Observed)
	}
	// a district's page: its province's figures, said so
	w := get(t, s, "admin", "/en/surveillance?area=0701")
	if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "Surveillance is by province: these are the figures of") {
		t.Errorf("district page: HTTP %d, no note", w.Code)
	}
	// an account limited to a district sees no province's figures
	w = get(t, s, "small", "/en/surveillance")
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "this account sees one district only") || strings.Contains(body, `id="c-surv_month"`) {
		t.Errorf("district account: HTTP %d, or province figures shown", w.Code)
	}
	prov := fixSurv("01", "T", "month", len(fixSurvPeriods("month"))-1)
	if strings.Contains(body, unitOf("deaths").number(prov.Nowcast)) && strings.Contains(body, "Deaths registered</th>") {
		t.Errorf("district account: a province's nowcast is shown")
	}
}

// TestSurveillanceAbsent: a warehouse without the surveillance table (built
// before it) loads; its surveillance page says so plainly in either
// language, and the other pages are as before.
func TestSurveillanceAbsent(t *testing.T) {
	d, err := NewData(fixTablesWithout(t, "surveillance"))
	if err != nil {
		t.Fatalf("a warehouse without surveillance: %v", err)
	}
	s := fixServer(t, "")
	s.SetData(d)
	for _, lang := range Langs {
		w := get(t, s, "admin", "/"+lang+"/surveillance")
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, html.EscapeString(tr(lang, "surv_absent"))) {
			t.Errorf("%s: HTTP %d, the page does not say the table is missing", lang, w.Code)
		}
		if strings.Contains(body, "data-option") || strings.Contains(body, `id="t-surv_latest"`) || strings.Contains(body, "/csv/surveillance/") {
			t.Errorf("%s: a chart, a table or a download without the table", lang)
		}
		if w := get(t, s, "admin", "/"+lang+"/overview"); w.Code != 200 {
			t.Errorf("%s overview: HTTP %d", lang, w.Code)
		}
	}
	// Another table is not optional: its absence is still an error.
	if _, err := NewData(fixTablesWithout(t, "completeness")); err == nil || !strings.Contains(err.Error(), "completeness is missing") {
		t.Errorf("without completeness: %v", err)
	}
}
