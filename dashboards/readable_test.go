package dashboards

import (
	"encoding/json"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitalstats"
)

// Issue 18a: numbers people read, each value's state visible in charts,
// completeness that says where and why, and definitions.

func TestUnitFormats(t *testing.T) {
	share, per, cpw := unitOf("share"), unitOf("per1000lb"), unitOf("cpw")
	c := &cell{Value: 0.7945, Low: 0.7743, High: 0.8151, HasValue: true, HasCI: true}
	for _, tc := range []struct{ got, want string }{
		{share.interval(c), "79.5% (77.4–81.5)"},
		{per.number(23.449), "23.4"},
		{cpw.number(2.456), "2.46"},
		{unitOf("count").number(12345), "12,345"},
		{share.number(-0.00001), "0.0%"},
		{per.label("en"), "per 1,000 live births"},
		{per.label("km"), "ក្នុងកំណើតរស់ ១០០០"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		u          unit
		d          float64
		dir        int
		text, cls  string
		lang, word string
	}{
		{share, -0.0426, 1, "▼ 4.3 percentage points", "bad", "en", ""},
		{share, 0.0426, 1, "▲ 4.3 ពិន្ទុភាគរយ", "good", "km", ""},
		{per, -2.04, -1, "▼ 2.0 per 1,000 live births", "good", "en", ""},
		{cpw, 0.1, 0, "▲ 0.10 children per woman", "neutral", "en", ""},
		{per, 0.01, -1, "= no change", "neutral", "en", ""},
	} {
		text, cls := tc.u.change(tc.d, tc.dir, tc.lang)
		if text != tc.text || cls != tc.cls {
			t.Errorf("change %v of %s: %q %s, want %q %s", tc.d, tc.u.Key, text, cls, tc.text, tc.cls)
		}
	}
	if got := humanDate(time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC), "km"); got != "ថ្ងៃទី 30 ខែមិថុនា ឆ្នាំ 2021" {
		t.Errorf("Khmer date %q", got)
	}
}

// TestCardsAndTablesInUnits: the overview's cards and tables write shares as
// percentages with their interval, rates with their unit, and changes in
// points with an arrow, in both languages.
func TestCardsAndTablesInUnits(t *testing.T) {
	s := fixServer(t, "")
	d := s.data.Load()
	year := 2019
	v := view{d: d, f: Filter{Year: year, Area: "KH", Sex: "T"}, lang: "en"}
	byKey := map[string]cardView{}
	for _, c := range cards(overview(v)[0], "en") {
		byKey[c.Key] = c
	}
	pct := func(k float64) string { return unitOf("share").number(fixValue("KH", year, k)) }
	bc := byKey["birth_compl"]
	if bc.Value != pct(0.5) || bc.Value != "58.0%" || bc.CI != "(52.2–63.8)" {
		t.Errorf("birth completeness card %+v, want 58.0%% (52.2–63.8)", bc)
	}
	// +0.02 a year in the fixture: two percentage points, good news
	if bc.Change != "▲ 2.0 percentage points since 2018" || bc.ChangeClass != "good" || bc.ChangeWord != "better" {
		t.Errorf("birth completeness change %q %s %s", bc.Change, bc.ChangeClass, bc.ChangeWord)
	}
	if imr := byKey["imr"]; imr.Unit != "per 1,000 live births" || !regexp.MustCompile(`^\d+\.\d$`).MatchString(imr.Value) {
		t.Errorf("IMR card %+v: want one decimal, per 1,000 live births", imr)
	}
	if tfr := byKey["tfr"]; tfr.Unit != "children per woman" || !regexp.MustCompile(`^\d\.\d\d$`).MatchString(tfr.Value) {
		t.Errorf("TFR card %+v", tfr)
	}
	if e0 := byKey["e0_M"]; e0.Unit != "years" {
		t.Errorf("e0 card %+v", e0)
	}
	for _, lang := range Langs {
		w := get(t, s, "admin", "/"+lang+"/overview?year="+strconv.Itoa(year))
		body := w.Body.String()
		for _, want := range []string{">58.0% (52.2–63.8)<", `<div class="value">58.0% <span class="ci">(52.2–63.8)</span></div>`,
			`<div class="change good">▲ 2.0 ` + tr(lang, "unit_pp") + " " + tr(lang, "since") + " 2018"} {
			if !strings.Contains(body, html.EscapeString(want)) && !strings.Contains(body, want) {
				t.Errorf("%s overview: no %q", lang, want)
			}
		}
		if strings.Contains(body, "0.58 (") || strings.Contains(body, "0.02 "+tr(lang, "change")) {
			t.Errorf("%s overview: a share as a fraction, or a change without arrow", lang)
		}
	}
}

// optionOf is the ECharts option a page embeds for a chart.
func optionOf(t *testing.T, body, id string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`id="c-` + id + `"[^>]*data-option="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no chart %s in the page", id)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func seriesNamed(o map[string]any, name string) map[string]any {
	for _, s := range o["series"].([]any) {
		if m := s.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

// statesData is the fixture where, for ill-defined causes in 2018, three
// provinces have true zeros, four are suppressed (3 deaths) and two have
// no row at all.
var (
	stateZero = []string{"01", "02", "03"}
	stateSupp = []string{"04", "05", "06", "08"}
	stateNone = []string{"09", "10"}
)

func statesData(t *testing.T) *Data {
	t.Helper()
	tables := fixTables(t)
	for _, tb := range tables {
		if tb.Name != "cod_quality" {
			continue
		}
		var rows [][]any
		for _, r := range tb.Rows {
			area, year := r[1].(string), r[0].(int64)
			if year == 2018 {
				switch {
				case slices.Contains(stateNone, area):
					continue
				case slices.Contains(stateZero, area):
					r = append(slices.Clone(r[:3]), int64(0), 1000.0, 0.0, 0.0, 0.0037, []string{"lt5"})
				case slices.Contains(stateSupp, area):
					r = append(slices.Clone(r[:3]), int64(3), 1000.0, 0.003, 0.0006, 0.0088, []string{"lt5", "lt20"})
				}
			}
			rows = append(rows, r)
		}
		tb.Rows = rows
	}
	d, err := NewData(tables)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChartStates: in "Ill-defined causes by area", a true zero is a 0
// (labelled), a suppressed province a hatched placeholder labelled <5 in a
// series of its own (and nothing in the value series), no data a gap named
// in the note: three states a reader tells apart.
func TestChartStates(t *testing.T) {
	s := fixServer(t, "")
	d := statesData(t)
	s.SetData(d)
	for _, lang := range Langs {
		body := get(t, s, "admin", "/"+lang+"/causes?year=2018").Body.String()
		o := optionOf(t, body, "illdef_areas")
		cats := axes(o, "yAxis")[0]["data"].([]any)
		val := seriesNamed(o, tr(lang, "value"))
		ph := seriesNamed(o, tr(lang, "state_suppressed"))
		if val == nil || ph == nil {
			t.Fatalf("%s: series %v", lang, o["series"])
		}
		if ph["barGap"] != "-100%" || ph["itemStyle"].(map[string]any)["decal"] == nil || ph["label"].(map[string]any)["formatter"] != "<5" {
			t.Errorf("%s: the placeholder series is not a hatched bar labelled <5: %v", lang, ph)
		}
		vd, pd := val["data"].([]any), ph["data"].([]any)
		state := map[string]string{}
		for i, c := range cats {
			code := ""
			for _, p := range d.provinces {
				if d.name(p, lang) == c {
					code = p
				}
			}
			item, _ := vd[i].(map[string]any)
			pitem, _ := pd[i].(map[string]any)
			switch {
			case pitem != nil && pitem["state"] == "suppressed" && (item == nil || item["value"] == nil):
				state[code] = "suppressed"
			case item != nil && item["value"] == 0.0:
				if l, _ := item["label"].(map[string]any); l["formatter"] != "0" {
					t.Errorf("%s: the zero of %s is not labelled 0: %v", lang, code, item)
				}
				state[code] = "zero"
			case item == nil || item["value"] == nil:
				state[code] = "none"
			default:
				state[code] = "value"
				if txt, _ := item["text"].(string); !regexp.MustCompile(`^\d+\.\d% \(\d+\.\d–\d+\.\d\)$`).MatchString(txt) {
					t.Errorf("%s: %s's tooltip text %q is not a percentage with its interval", lang, code, txt)
				}
			}
		}
		for _, c := range []struct {
			codes []string
			want  string
		}{{stateZero, "zero"}, {stateSupp, "suppressed"}, {stateNone, "none"}, {[]string{"07", "12"}, "value"}} {
			for _, code := range c.codes {
				if state[code] != c.want {
					t.Errorf("%s: province %s drawn as %q, want %q", lang, code, state[code], c.want)
				}
			}
		}
		// the note names the suppressed and the missing, and says zeros are drawn
		m := regexp.MustCompile(`<p class="note states">([^<]*)</p>`).FindAllStringSubmatch(body, -1)
		var note string
		for _, x := range m {
			if strings.Contains(x[1], d.name(stateNone[0], lang)) {
				note = html.UnescapeString(x[1])
			}
		}
		for _, want := range []string{tr(lang, "note_no_data"), d.name("09", lang), tr(lang, "note_suppressed"), d.name("04", lang), tr(lang, "note_zero")} {
			if !strings.Contains(note, want) {
				t.Errorf("%s: the note %q does not say %q", lang, note, want)
			}
		}
		// the table says it too
		if !strings.Contains(body, `<td class="suppressed">`+html.EscapeString(tr(lang, "state_suppressed"))+"</td>") ||
			!strings.Contains(body, `<td class="nodata">`) {
			t.Errorf("%s: the table does not mark suppressed and missing cells", lang)
		}
		// the value axis is named in its unit, and app.js gets the format
		if a := axes(o, "xAxis")[0]; a["name"] != "%" {
			t.Errorf("%s: value axis name %v", lang, a["name"])
		}
		if !strings.Contains(body, `data-format="{&#34;ci&#34;`) && !strings.Contains(body, "data-format=") {
			t.Errorf("%s: no format spec", lang)
		}
	}
}

// TestProvisionalStyling: a provisional year is pale in bars, dashed in
// lines, carries a badge on its charts and cards, and the banner names it.
func TestProvisionalStyling(t *testing.T) {
	s := fixServer(t, "")
	s.SetData(provisionalData(t))
	body := get(t, s, "admin", "/en/completeness?year="+strconv.Itoa(fixLastYear)).Body.String()
	if !strings.Contains(body, "Provisional (registrations still arriving): "+strconv.Itoa(fixLastYear)+".") {
		t.Error("the banner does not name the provisional year")
	}
	o := optionOf(t, body, "compl_births")
	on := seriesNamed(o, "registered within the legal limit")
	it := on["data"].([]any)[0].(map[string]any)
	if it["provisional"] != true || it["itemStyle"].(map[string]any)["opacity"] != 0.45 {
		t.Errorf("a provisional bar is not pale: %v", it)
	}
	if !regexp.MustCompile(`id="p-compl_births">\s*<div class="head"><h2>[^<]*<span class="badge">provisional</span>`).MatchString(body) {
		t.Error("no provisional badge on the completeness ranking")
	}
	body = get(t, s, "admin", "/en/overview?year="+strconv.Itoa(fixLastYear)).Body.String()
	if !strings.Contains(body, `class="card provisional"`) {
		t.Error("no provisional card")
	}
	o = optionOf(t, body, "compl_trend")
	dashed := 0
	for _, sv := range o["series"].([]any) {
		s := sv.(map[string]any)
		if ls, _ := s["lineStyle"].(map[string]any); ls["type"] == "dashed" {
			dashed++
			last := s["data"].([]any)[len(s["data"].([]any))-1].(map[string]any)
			if last["provisional"] != true || !strings.Contains(last["text"].(string), "provisional") {
				t.Errorf("the provisional point's tooltip does not say so: %v", last)
			}
		}
	}
	if dashed != 2 {
		t.Errorf("%d dashed lines", dashed)
	}
}

// TestCompletenessWhereAndWhy: the rankings of births and deaths share one
// 0-100% scale, draw the national value and the SDG 17.19.2 targets (100%
// of births, 80% of deaths), intervals as whiskers, and offer a sort by the
// events not registered.
func TestCompletenessWhereAndWhy(t *testing.T) {
	s := fixServer(t, "")
	body := get(t, s, "admin", "/en/completeness?year=2018").Body.String()
	for _, c := range []struct {
		id     string
		target float64
		nat    float64
	}{{"compl_births", 1, fixValue("KH", 2018, 0.5)}, {"compl_deaths", 0.8, fixValue("KH", 2018, 0.3)}} {
		o := optionOf(t, body, c.id)
		if a := axes(o, "xAxis")[0]; a["min"] != 0.0 || a["max"] != 1.0 {
			t.Errorf("%s: axis %v–%v, want 0–1 (0–100%%)", c.id, a["min"], a["max"])
		}
		var lines []float64
		for _, l := range rules(o) {
			lines = append(lines, l["value"].([]any)[0].(float64))
		}
		if !slices.Contains(lines, c.target) || !slices.Contains(lines, c.nat) {
			t.Errorf("%s: lines at %v, want the national %v and the target %v", c.id, lines, c.nat, c.target)
		}
		w := seriesNamed(o, "95% interval")
		if w == nil || w["type"] != "custom" || w["renderItem"] != "whisker" || len(w["data"].([]any)) != 25 {
			t.Fatalf("%s: no whiskers: %v", c.id, w)
		}
		cats := axes(o, "yAxis")[0]["data"].([]any)
		first := w["data"].([]any)[0].([]any)
		p := ""
		for _, code := range s.data.Load().provinces {
			if s.data.Load().name(code, "en") == cats[int(first[1].(float64))] {
				p = code
			}
		}
		k := map[string]float64{"compl_births": 0.5, "compl_deaths": 0.3}[c.id]
		if v := fixValue(p, 2018, k); first[0].(float64) != v*0.9 || first[2].(float64) != v*1.1 {
			t.Errorf("%s: whisker %v for %s, want %v–%v", c.id, first, p, v*0.9, v*1.1)
		}
		m := regexp.MustCompile(`id="c-` + c.id + `"[^>]*data-sorts="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no sorts", c.id)
		}
		var sorts map[string][]int
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &sorts); err != nil || len(sorts["gap"]) != 25 {
			t.Fatalf("%s: sorts %v %v", c.id, sorts, err)
		}
		// in the fixture 1,000 registered of 1,000/v expected: the gap is largest where v is least
		last := s.data.Load().provinces[0]
		for _, code := range s.data.Load().provinces {
			if fixValue(code, 2018, k) < fixValue(last, 2018, k) {
				last = code
			}
		}
		if cats[sorts["gap"][0]] != s.data.Load().name(last, "en") {
			t.Errorf("%s: sorted by the gap, %v comes first, want %s", c.id, cats[sorts["gap"][0]], last)
		}
	}
}

// TestDefinitionsAndBanner: every card and chart has an ⓘ with its
// numerator, denominator and source and a link to a section of the methods
// page that exists; the banner dates the data in words; the methods page
// is served; a static copy states its year and carries the methods.
func TestDefinitionsAndBanner(t *testing.T) {
	s := fixServer(t, "")
	infoRE := regexp.MustCompile(`<details class="info"><summary aria-label="([^"]*)"[^>]*>.*?</summary><dl><dt>([^<]*)</dt><dd>([^<]+)</dd><dt>([^<]*)</dt><dd>([^<]+)</dd><dt>([^<]*)</dt><dd>([^<]+)</dd></dl><a href="([^"]*)">`)
	for _, lang := range Langs {
		methods := get(t, s, "admin", "/"+lang+"/methods")
		if methods.Code != http.StatusOK || !strings.Contains(methods.Body.String(), `id="4-completeness-completeness-int_completeness_best"`) {
			t.Fatalf("%s methods: %d", lang, methods.Code)
		}
		for _, p := range pages {
			body := get(t, s, "admin", "/"+lang+"/"+p.ID).Body.String()
			sections := strings.Count(body, `<section class="panel`)
			cardsN := strings.Count(body, `<div class="card-head">`)
			infos := infoRE.FindAllStringSubmatch(body, -1)
			if cardsN > 0 {
				sections-- // the panel of cards: each card has its own
			}
			if len(infos) != sections+cardsN {
				t.Errorf("%s/%s: %d definitions for %d charts and %d cards", lang, p.ID, len(infos), sections, cardsN)
			}
			for _, m := range infos {
				if m[2] != tr(lang, "numerator") || m[4] != tr(lang, "denominator") || m[6] != tr(lang, "source") {
					t.Errorf("%s/%s: definition %q", lang, p.ID, m[0])
				}
				if !strings.HasPrefix(m[1], tr(lang, "info")+": ") {
					t.Errorf("%s/%s: the ⓘ is named %q", lang, p.ID, m[1])
				}
				href, anchor, _ := strings.Cut(m[8], "#")
				if href != "/"+lang+"/methods" || !methodsAnchors[anchor] {
					t.Errorf("%s/%s: definition links to %s", lang, p.ID, m[8])
				}
			}
			banner := map[string]string{"en": "Data as of 30 June 2021.", "km": "ទិន្នន័យគិតត្រឹម ថ្ងៃទី 30 ខែមិថុនា ឆ្នាំ 2021។"}[lang]
			if !strings.Contains(body, `<p class="banner" role="note"><span>`+banner+"</span>") {
				t.Errorf("%s/%s: no banner %q", lang, p.ID, banner)
			}
			for _, f := range flagNames {
				if !strings.Contains(body, `data-flag="`+f+`"`) {
					t.Errorf("%s/%s: flag %s not explained", lang, p.ID, f)
				}
			}
		}
	}
	if !strings.Contains(vitalstats.MethodsDoc, "## 4. Completeness") {
		t.Error("the embedded methods document is not docs/methods.md")
	}
	dir := t.TempDir()
	if _, err := s.ExportSite(dir, "07"); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "en", "overview", "07.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "This offline copy shows "+strconv.Itoa(s.data.Load().Year)+".") ||
		!strings.Contains(string(page), `href="../../en/methods.html#`) {
		t.Error("the static copy does not state its year or link its methods")
	}
	if _, err := os.Stat(filepath.Join(dir, "km", "methods.html")); err != nil {
		t.Error(err)
	}
}

// TestLineSuppressed: a line marks its suppressed points (the small
// district's TFR, 3 births a year) with a dotted line labelled <5, not a
// bare gap, and names them under the chart.
func TestLineSuppressed(t *testing.T) {
	s := fixServer(t, "")
	body := get(t, s, "admin", "/en/fertility?area="+fixSmall+"&year=2018").Body.String()
	o := optionOf(t, body, "tfr_trend")
	marked := 0
	for _, l := range rules(o) {
		if l["label"] == "<5" && l["state"] == "suppressed" {
			marked++
		}
	}
	if want := fixLastYear - fixFirstYear + 1; marked != want { // every year (registered and adjusted both)
		t.Errorf("%d suppressed points marked <5, want %d", marked, want)
	}
	if !strings.Contains(body, "Suppressed (fewer than 5 events") {
		t.Error("the note does not name the suppressed points")
	}
}

// TestTooltipQualifiers: a point's tooltip says when a registered rate
// rests on registration under 70% complete, and when it has under 20 events.
func TestTooltipQualifiers(t *testing.T) {
	c := &cell{Value: 20, Low: 18, High: 22, HasValue: true, HasCI: true, Flags: []string{"completeness_lt70", "lt20"}}
	got := pointText(c, unitOf("per1000lb"), "en", false)
	if got != "20.0 (18.0–22.0) per 1,000 live births · registered (registration under 70% complete) · fewer than 20 events: unstable" {
		t.Errorf("tooltip %q", got)
	}
	if got := pointText(&cell{Suppressed: true}, unitOf("share"), "km", false); got != "<5 (លាក់)" {
		t.Errorf("suppressed tooltip %q", got)
	}
}

// rules are the items of a chart's rule series (lines drawn across the
// plot by app.js), whatever series holds them.
func rules(o map[string]any) []map[string]any {
	var out []map[string]any
	for _, sv := range o["series"].([]any) {
		s := sv.(map[string]any)
		if s["type"] != "custom" || s["renderItem"] != "rule" {
			continue
		}
		for _, d := range s["data"].([]any) {
			out = append(out, d.(map[string]any))
		}
	}
	return out
}
