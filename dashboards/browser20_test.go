package dashboards

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Issue 20's browser test: the surveillance page as Chromium draws it.

// testSurveillance: in both languages, on a laptop and a phone, the
// monthly chart holds the fixture's registered and expected deaths, its
// bands and the shaded provisional months; the tooltip gives each value
// with its interval and leaves the bands out; the map's provinces are in
// their P-score classes, the one without rows grey; the page fits a phone.
// Then the same server with a warehouse that lacks the table: the page
// says so. Screenshots: <lang>-surveillance-chart[-phone], en-surveillance-absent[-phone].
func (e *browserEnv) testSurveillance(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	months := fixSurvPeriods("month")
	latest := len(months) - fixSurvProvMonths - 1
	for _, lang := range Langs {
		for _, size := range [][2]int64{desktop, phone} {
			name := lang + "-surveillance-chart"
			if size == phone {
				name += "-phone"
			}
			path := "/" + lang + "/surveillance"
			if status, n := e.open(t, tb, path, size); status != 200 || n != 3 {
				t.Fatalf("%s: HTTP %d, %d charts drawn, want 3", name, status, n)
			}
			c := e.chart(t, tb, "surv_month")
			if len(c.X) == 0 || !slices.Equal(stringsOf(c.X[0]), months) {
				t.Fatalf("%s: months %v", name, c.X)
			}
			// the registered deaths, solid then dashed, hold the fixture's counts
			observed, expected, rules := 0, 0, 0
			for _, s := range c.Series {
				switch {
				case s.Type == "custom":
					rules++
				case s.Name == tr(lang, "surv_observed"):
					for i, v := range s.Data {
						if f, ok := num(v); ok {
							observed++
							if want := fixSurv("KH", "T", "month", i).Observed; f != float64(want) {
								t.Errorf("%s: registered in %s drawn %v, want %d", name, months[i], f, want)
							}
						}
					}
				case s.Name == tr(lang, "surv_expected"):
					for i, v := range s.Data {
						f, ok := num(v)
						if !ok {
							continue
						}
						expected++
						if w := fixSurv("KH", "T", "month", i); !near(f, w.Expected) && !near(f, w.ExpLow) && !near(f, w.ExpHigh-w.ExpLow) {
							t.Errorf("%s: expected in %s drawn %v, want %v", name, months[i], f, w.Expected)
						}
					}
				}
				if strings.HasPrefix(s.Name, "series") {
					t.Errorf("%s: an unnamed series %q would show in the legend", name, s.Name)
				}
			}
			// registered: every month once, the latest complete twice (the dashed line joins it)
			if observed != len(months)+1 || expected != 3*len(months) || rules != 1 {
				t.Errorf("%s: %d registered points, %d expected points (line and band), %d rules; want %d, %d, 1",
					name, observed, expected, rules, len(months)+1, 3*len(months))
			}
			// the tooltip of the last month: registered so far, nowcast and
			// expected, each with its interval; no line for the bands
			idx := eval[int](t, tb, "series index", `echarts.getInstanceByDom(document.getElementById("c-surv_month")).getOption().series.findIndex(s => s.type === "line" && !s.stack && s.lineStyle.type === "dashed")`)
			tip := eval[string](t, tb, "tooltip", tipJS+`("c-surv_month", `+strconv.Itoa(idx)+`, `+strconv.Itoa(len(months)-1)+`)`)
			last := fixSurv("KH", "T", "month", len(months)-1)
			d := unitOf("deaths")
			for _, want := range []string{months[len(months)-1], d.number(float64(last.Observed)), d.number(last.Nowcast) + " (" + d.number(last.NowLow) + "–" + d.number(last.NowHigh) + ")",
				d.number(last.Expected) + " (" + d.number(last.ExpLow) + "–" + d.number(last.ExpHigh) + ")", tr(lang, "provisional")} {
				if !strings.Contains(tip, want) {
					t.Errorf("%s: tooltip %q lacks %q", name, tip, want)
				}
			}
			if n := strings.Count(tip, tr(lang, "surv_expected")); n != 1 {
				t.Errorf("%s: tooltip names the expected deaths %d times (bands listed?): %q", name, n, tip)
			}
			// the map: each province in its class, the one without rows grey
			m := readMap(t, tb, "surv_map")
			pal := mapPalettes["surv_map"]
			for _, it := range m.Items {
				if it.Code == fixSurvNone {
					if it.Value != nil || !sameColor(it.Fill, noDataColor) {
						t.Errorf("%s: %s has %v filled %s, want grey", name, it.Code, it.Value, it.Fill)
					}
					continue
				}
				want := fixSurv(it.Code, "T", "month", latest).PS
				if it.Value == nil || !near(*it.Value, want) || !sameColor(it.Fill, pal[mapClass(mapBreaks["surv_map"], want)]) {
					t.Errorf("%s: %s has %v filled %s, want %v in %s", name, it.Code, it.Value, it.Fill, want, pal[mapClass(mapBreaks["surv_map"], want)])
				}
			}
			if l := eval[layout](t, tb, "measure", layoutScript); l.ScrollWidth > l.ClientWidth+1 || l.InnerWidth != int(size[0]) {
				t.Errorf("%s: overflows: %+v", name, l)
			}
			e.screenshot(t, tb, name)
		}
	}

	// An older warehouse, without the table.
	d, err := NewData(fixTablesWithout(t, "surveillance"))
	if err != nil {
		t.Fatal(err)
	}
	e.s.SetData(d)
	defer e.s.SetData(e.data)
	for _, size := range [][2]int64{desktop, phone} {
		name := "en-surveillance-absent"
		if size == phone {
			name += "-phone"
		}
		if status, n := e.open(t, tb, "/en/surveillance", size); status != 200 || n != 0 {
			t.Fatalf("%s: HTTP %d, %d charts", name, status, n)
		}
		if text := eval[string](t, tb, "empty", `document.querySelector("p.empty").textContent`); text != tr("en", "surv_absent") {
			t.Errorf("%s: the page says %q", name, text)
		}
		e.screenshot(t, tb, name)
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

func stringsOf(v []any) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i], _ = x.(string)
	}
	return out
}
