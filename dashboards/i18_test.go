package dashboards

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// fixDistrictGeo is a district boundary file for the fixture's districts:
// each province's polygon for both of its districts (the tests check what
// is registered and coloured, not the shapes).
func fixDistrictGeo(t testing.TB) []byte {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   any            `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(fixGeo(t), &fc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, f := range fc.Features {
		p := f.Properties["province_code"].(string)
		for _, d := range []string{p + "01", p + "02"} {
			out = append(out, map[string]any{"type": "Feature", "geometry": f.Geometry,
				"properties": map[string]string{"district_code": d, "name_latin": "District " + d, "name_km": "ស្រុក " + d}})
		}
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": out})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDistrictMap: with the site's district boundaries, a province's and a
// district's completeness page map the province's districts (the nation's
// page does not), the boundaries are served, and a bad boundary file is
// refused with a clear error.
func TestDistrictMap(t *testing.T) {
	s := fixServer(t, "")
	if w := get(t, s, "admin", "/en/completeness?area=07"); strings.Contains(w.Body.String(), "c-compl_map_districts") {
		t.Error("a district map without district boundaries")
	}
	opt := s.opt
	opt.DistrictGeoJSON = fixDistrictGeo(t)
	ds, err := NewServer(opt)
	if err != nil {
		t.Fatal(err)
	}
	ds.SetData(fixData(t))
	for _, c := range []struct {
		area string
		want bool
	}{{"KH", false}, {"07", true}, {"0701", true}} {
		w := get(t, ds, "admin", "/en/completeness?area="+c.area)
		body := w.Body.String()
		if w.Code != 200 || strings.Contains(body, `id="c-compl_map_districts"`) != c.want || strings.Contains(body, "map/KHM-dist-en.js") != c.want {
			t.Errorf("area %s: HTTP %d, district map %v, want %v", c.area, w.Code, !c.want, c.want)
		}
		if c.want && !strings.Contains(body, "KHM-dist-en-07") {
			t.Errorf("area %s: the district map does not draw Kampot's districts", c.area)
		}
	}
	for _, lang := range Langs {
		w := get(t, ds, "admin", "/assets/map/KHM-dist-"+lang+".js")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"code":"0701"`) {
			t.Errorf("KHM-dist-%s.js: HTTP %d", lang, w.Code)
		}
	}
	for _, bad := range []string{`{"features":[]}`, `{"features":[{"properties":{"district_code":"7","name_km":"x","name_en":"x"},"geometry":{}}]}`,
		`{"features":[{"properties":{"district_code":"0701","name_en":"x"},"geometry":{}}]}`, `not json`} {
		opt.DistrictGeoJSON = []byte(bad)
		if _, err := NewServer(opt); err == nil || !strings.Contains(err.Error(), "district map") {
			t.Errorf("district map %s: err %v, want a district map error", bad, err)
		}
	}
}

// TestCauseNamesKm: the site's Khmer names replace the English titles on
// the Khmer causes page; a cause without one is shown in English, marked,
// with a note; a malformed file is refused.
func TestCauseNamesKm(t *testing.T) {
	names, err := ReadCauseNames(strings.NewReader("\ufefflist1_item,name_km\n1-069,ជំងឺសរសៃឈាមខួរក្បាល\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := fixServer(t, "")
	s.opt.CauseNamesKm = names
	body := get(t, s, "admin", "/km/causes").Body.String()
	if !strings.Contains(body, "ជំងឺសរសៃឈាមខួរក្បាល") {
		t.Error("the site's Khmer name of 1-069 is not shown")
	}
	if strings.Contains(body, "Cerebrovascular diseases") {
		t.Error("1-069 is still shown in English")
	}
	if !strings.Contains(body, "Tuberculosis *") || !strings.Contains(body, tr("km", "cause_untranslated")) {
		t.Error("an untranslated cause is not marked, or the note is missing")
	}
	if en := get(t, s, "admin", "/en/causes").Body.String(); !strings.Contains(en, "Cerebrovascular diseases") || strings.Contains(en, "Tuberculosis *") {
		t.Error("the English page changed")
	}
	for _, bad := range []string{"", "code,name\n1-069,x\n", "list1_item,name_km\n,x\n", "list1_item,name_km\n1-069,a\n1-069,b\n"} {
		if _, err := ReadCauseNames(strings.NewReader(bad)); err == nil {
			t.Errorf("cause names %q: no error", bad)
		}
	}
}

// TestErrorPages: a bad filter, an unknown page and a refused page answer
// with the page frame, in the page's language, explaining the problem and
// offering a way back; scripts (the API) still get a line of text.
func TestErrorPages(t *testing.T) {
	s := fixServer(t, "")
	for _, c := range []struct {
		user, target string
		code         int
		want         []string
	}{
		{"admin", "/km/completeness?year=1900", 400, []string{"គ្មានឆ្នាំ", "1900", `href="/km/completeness"`, `class="brand"`}},
		{"admin", "/en/completeness?year=1900", 400, []string{"There is no year", "1900", `href="/en/completeness"`}},
		{"admin", "/km/fertility?area=99", 400, []string{"មិនមែនជាលេខកូដខេត្ត"}},
		{"admin", "/km/mortality?sex=X", 400, []string{"ភេទ"}},
		{"kampot", "/km/completeness?area=12", 403, []string{"នៅក្រៅតំបន់"}},
		{"viewer", "/km/quality", 403, []string{tr("km", "forbidden")}},
		{"admin", "/km/nosuchpage", 404, []string{tr("km", "err_not_found"), `href="/km/overview"`}},
		{"", "/nothing/here?lang=km", 404, []string{tr("km", "err_not_found"), `href="/login?lang=km"`}},
	} {
		w := get(t, s, c.user, c.target)
		body := w.Body.String()
		if w.Code != c.code || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: HTTP %d %s, want %d HTML", c.target, w.Code, w.Header().Get("Content-Type"), c.code)
		}
		for _, want := range append(c.want, `class="panel panel-error"`, "ខ្មែរ") {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the error page lacks %q", c.target, want)
			}
		}
	}
	if w := get(t, s, "admin", "/api/completeness?year=1900"); w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), "<html") {
		t.Errorf("API with a bad year: HTTP %d %q", w.Code, w.Body.String())
	}
}

// TestKhmerTermsDistinct: fertility and births, mortality and deaths have
// words of their own in Khmer (the NIS terms, docs/dashboards.md).
func TestKhmerTermsDistinct(t *testing.T) {
	for _, pair := range [][2]string{{"fertility", "birth"}, {"mortality", "death"}} {
		if tr("km", pair[0]) == tr("km", pair[1]) {
			t.Errorf("%s and %s share the Khmer word %s", pair[0], pair[1], tr("km", pair[0]))
		}
	}
	want := map[string]string{"fertility": "ភាពមានកូន", "birth": "កំណើត", "mortality": "មរណភាព", "death": "ការស្លាប់"}
	for k, w := range want {
		if tr("km", k) != w {
			t.Errorf("%s in Khmer is %s, want %s", k, tr("km", k), w)
		}
	}
	// flags and data-quality fields have Khmer names
	for _, f := range []string{"lt20", "lt5", "window_open", "provisional", "completeness_lt70"} {
		if !hasKhmer(flagsText("km", []string{f})) {
			t.Errorf("flag %s has no Khmer name", f)
		}
	}
	for _, f := range []string{"sex", "mother_age", "birth_weight_g", "gestation_weeks", "attendant", "facility_type", "residence", "age", "underlying_cause", "certification", "manner"} {
		if !hasKhmer(fieldLabel("km", f)) {
			t.Errorf("field %s has no Khmer name", f)
		}
	}
}

// TestChartSummary: a ranking says its highest and lowest, a line its
// first and last points, shares in percent, in the page's language.
func TestChartSummary(t *testing.T) {
	b := newFrame("compl_births", "t", "hbar")
	for i, a := range []string{"A", "B", "C"} {
		b.put("s", a, a, &cell{Value: 0.9 - float64(i)/10, HasValue: true})
	}
	b.put("s", "D", "D", &cell{Suppressed: true})
	if got, want := chartSummary(b.f, "en"), "Highest: A 90.0%. Lowest: C 70.0%."; got != want {
		t.Errorf("ranking: %q, want %q", got, want)
	}
	l := newFrame("tfr_trend", "t", "line")
	for y, v := range []float64{2.5, 2.4, 2.31} {
		x := strconv.Itoa(2018 + y)
		l.put("TFR", x, x, &cell{Value: v, HasValue: true})
	}
	if got, want := chartSummary(l.f, "en"), "TFR: 2.50 in 2018, 2.31 in 2020."; got != want {
		t.Errorf("line: %q, want %q", got, want)
	}
	if got := chartSummary(l.f, "km"); !hasKhmer(got) {
		t.Errorf("line in Khmer: %q", got)
	}
	if got := chartSummary(newFrame("x", "t", "line").f, "en"); got != tr("en", "summary_none") {
		t.Errorf("empty: %q", got)
	}
}

// TestCrumbs: the breadcrumb runs from the nation to the area, each level
// but the last a link; an account limited to a province starts there.
func TestCrumbs(t *testing.T) {
	d := fixData(t)
	p, _ := findPage("completeness")
	for _, c := range []struct {
		area, scope string
		want        []string
	}{
		{"KH", "KH", []string{"KH"}},
		{"07", "KH", []string{"KH", "07"}},
		{"0701", "KH", []string{"KH", "07", "0701"}},
		{"0701", "07", []string{"07", "0701"}},
		{"07", "07", []string{"07"}},
	} {
		v := view{d: d, f: Filter{Year: d.Year, Area: c.area, Sex: "T"}, lang: "en", scope: c.scope}
		cr := crumbs(v, p, serverLinks{})
		if len(cr) != len(c.want) {
			t.Errorf("%s in scope %s: %+v, want %v", c.area, c.scope, cr, c.want)
			continue
		}
		for i, a := range c.want {
			last := i == len(c.want)-1
			if cr[i].Label != d.name(a, "en") || cr[i].Active != last || !strings.Contains(cr[i].Href, "area="+a) {
				t.Errorf("%s in scope %s: crumb %d %+v, want %s", c.area, c.scope, i, cr[i], a)
			}
		}
	}
}
