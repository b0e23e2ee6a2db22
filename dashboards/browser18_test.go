package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Issue 18's browser tests: the map's fixed classes and selection, a
// district's page, Khmer sign-in and error pages, the filter button, and
// axe-core on every page.

// mapItemsJS reads the map's items as ECharts drew them: value, fill, and
// the border its item model gives (what the map draws the outline with).
const mapItemsJS = `((id) => {
	const el = document.getElementById(id);
	const chart = el && echarts.getInstanceByDom(el);
	if (!chart) throw new Error("no map chart");
	const series = chart.getModel().getSeriesByIndex(0);
	const data = series.getData();
	const sent = JSON.parse(el.getAttribute("data-option")).series[0].data;
	const out = [];
	for (let i = 0; i < data.count(); i++) {
		const v = data.get("value", i);
		const m = data.getItemModel(i);
		const s = sent.find(d => d.name === data.getName(i)) || {};
		out.push({name: data.getName(i), code: s.code || "", text: s.text || "", value: Number.isFinite(v) ? v : null,
			fill: m.get(["itemStyle", "areaColor"]) || null, border: m.get(["itemStyle", "borderColor"]) || "", borderWidth: m.get(["itemStyle", "borderWidth"]) || 0,
			labelShown: !!m.get(["label", "show"])});
	}
	return {items: out, pieces: JSON.stringify((chart.getOption().series.find(s => s.type === "custom") || {data: []}).data), map: series.get("map"),
		regions: (echarts.getMap(series.get("map")) || {geoJSON: {features: []}}).geoJSON.features.length};
})`

type mapItems struct {
	Items []struct {
		Name        string   `json:"name"`
		Code        string   `json:"code"`
		Text        string   `json:"text"`
		Value       *float64 `json:"value"`
		Fill        string   `json:"fill"`
		Border      string   `json:"border"`
		BorderWidth float64  `json:"borderWidth"`
		LabelShown  bool     `json:"labelShown"`
	} `json:"items"`
	Pieces  string `json:"pieces"`
	Map     string `json:"map"`
	Regions int    `json:"regions"`
}

// readMap reads the map chart of the frame id.
func readMap(t *testing.T, tb *tab, id string) mapItems {
	t.Helper()
	return eval[mapItems](t, tb, "map items of "+id, mapItemsJS+"("+strconv.Quote("c-"+id)+")")
}

// testMapClasses: the map's classes are the same in two years, and a value
// found in both years has the same colour in both (the fixture's provinces
// 12-25 in the first year have the values of provinces 02-15 in the last).
func (e *browserEnv) testMapClasses(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	byValue := map[string]string{} // value (rounded) -> fill, across the years
	var pieces []string
	same := 0
	for _, year := range []int{fixFirstYear, fixLastYear} {
		path := fmt.Sprintf("/en/completeness?year=%d", year)
		if status, _ := e.open(t, tb, path, desktop); status != 200 {
			t.Fatalf("%s: HTTP %d", path, status)
		}
		m := readMap(t, tb, "compl_map")
		pieces = append(pieces, m.Pieces)
		if len(m.Items) != len(e.data.provinces) {
			t.Fatalf("%s: %d map items, want %d", path, len(m.Items), len(e.data.provinces))
		}
		for _, it := range m.Items {
			if it.Value == nil {
				t.Errorf("%s: %s has no value", path, it.Name)
				continue
			}
			key := strconv.FormatFloat(math.Round(*it.Value*1e9)/1e9, 'f', 9, 64)
			if f, ok := byValue[key]; ok {
				same++
				if !sameColor(it.Fill, f) && !sameColor(f, it.Fill) && f != it.Fill {
					t.Errorf("%s: %s has %s filled %s; the same value was filled %s in the other year", path, it.Name, key, it.Fill, f)
				}
			} else {
				byValue[key] = it.Fill
			}
			if !it.LabelShown {
				t.Errorf("%s: %s has no label", path, it.Name)
			}
			// the tooltip's text: "Name: 83.9%"
			if want := fmt.Sprintf("%s: %.1f%%", it.Name, *it.Value*100); it.Text != want {
				t.Errorf("%s: %s's tooltip text %q, want %q", path, it.Name, it.Text, want)
			}
		}
		e.screenshot(t, tb, fmt.Sprintf("en-completeness-%d", year))
	}
	if pieces[0] != pieces[1] {
		t.Errorf("the map's classes differ between %d and %d:\n%s\n%s", fixFirstYear, fixLastYear, pieces[0], pieces[1])
	}
	if same < 10 {
		t.Errorf("only %d values are found in both years: the test compares too little", same)
	}
	// The tooltip shows the formatted text on hovering a province.
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// testMapSelection: the selected province, or the province of the selected
// district, is outlined on the map, and no other is.
func (e *browserEnv) testMapSelection(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	for _, c := range []struct{ area, prov, lang string }{{"07", "07", "en"}, {"0701", "07", "km"}, {"KH", "", "en"}} {
		path := "/" + c.lang + "/completeness?area=" + c.area
		if status, _ := e.open(t, tb, path, desktop); status != 200 {
			t.Fatalf("%s: HTTP %d", path, status)
		}
		m := readMap(t, tb, "compl_map")
		outlined := 0
		for _, it := range m.Items {
			sel := sameColor(it.Border, selectColor) && it.BorderWidth >= 2
			if sel {
				outlined++
			}
			if sel != (it.Code == c.prov) {
				t.Errorf("%s: %s (%s) outlined %v (border %s %v)", path, it.Name, it.Code, sel, it.Border, it.BorderWidth)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[c.prov != ""]; outlined != want {
			t.Errorf("%s: %d provinces outlined, want %d", path, outlined, want)
		}
		if c.area == "07" {
			e.screenshot(t, tb, "en-completeness-kampot")
		}
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// crumbsJS reads the breadcrumb: each item's text, link and whether it is
// the current page.
const crumbsJS = `[...document.querySelectorAll("nav.crumbs li")].map(li => {
	const a = li.querySelector("a");
	return {text: li.textContent.trim(), href: a ? a.getAttribute("href") : "", current: !!li.querySelector("[aria-current]")};
})`

type crumb struct {
	Text    string `json:"text"`
	Href    string `json:"href"`
	Current bool   `json:"current"`
}

// testDistrict: a district's pages show its own values, not "no data", with
// a breadcrumb back to its province and the nation that works.
func (e *browserEnv) testDistrict(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	const d = "0701"
	year := e.data.Year
	for _, lang := range Langs {
		for _, size := range [][2]int64{desktop, phone} {
			path := "/" + lang + "/completeness?area=" + d
			status, n := e.open(t, tb, path, size)
			if status != 200 || n <= 0 {
				t.Fatalf("%s: HTTP %d, %d charts", path, status, n)
			}
			name := lang + "-completeness-district"
			if size == phone {
				name += "-phone"
			}
			e.screenshot(t, tb, name)
			if empty := eval[int](t, tb, "empty panels", `document.querySelectorAll("section.panel p.empty").length`); empty != 0 {
				t.Errorf("%s: %d panels say there is no data", name, empty)
			}
			// the district's own stacked bar: registered on time and late
			// make its completeness
			c := e.chart(t, tb, "compl_births")
			on, ok1 := c.seriesByName(tr(lang, "within_legal"))
			late, ok2 := c.seriesByName(tr(lang, "late"))
			want := fixValue(d, year, 0.5)
			if !ok1 || !ok2 || len(on) != 1 || len(late) != 1 {
				t.Errorf("%s: compl_births has %+v, want the district's own bar", name, c.Series)
			} else if a, ok := num(on[0]); !ok {
				t.Errorf("%s: the district's bar is %v", name, on[0])
			} else if b, ok := num(late[0]); !ok || math.Abs(a+b-want) > 1e-9 {
				t.Errorf("%s: the district's completeness is %v + %v, want %v", name, on[0], late[0], want)
			}
			// the district map (the fixture's boundary file): Kampot's two
			// districts, coloured by their class, this one outlined
			dm := readMap(t, tb, "compl_map_districts")
			if dm.Map != "KHM-dist-"+lang+"-07" || dm.Regions != 2 || len(dm.Items) != 2 {
				t.Errorf("%s: district map %s with %d regions and %d items, want Kampot's 2 districts", name, dm.Map, dm.Regions, len(dm.Items))
			}
			for _, it := range dm.Items {
				if it.Value == nil || !sameColor(it.Fill, mapPalette[mapClass(mapBreaks["compl_map_districts"], *it.Value)]) {
					t.Errorf("%s: district %s value %v filled %s", name, it.Code, it.Value, it.Fill)
				}
				if sel := sameColor(it.Border, selectColor); sel != (it.Code == d) {
					t.Errorf("%s: district %s outlined %v", name, it.Code, sel)
				}
			}
			cr := eval[[]crumb](t, tb, "breadcrumb", crumbsJS)
			wantText := []string{e.data.name("KH", lang), e.data.name("07", lang), e.data.name(d, lang)}
			if len(cr) != 3 {
				t.Fatalf("%s: breadcrumb %+v, want %v", name, cr, wantText)
			}
			for i, w := range wantText {
				if cr[i].Text != w || cr[i].Current != (i == 2) || (i < 2) != (cr[i].Href != "") {
					t.Errorf("%s: breadcrumb item %d is %+v, want %q (current %v)", name, i, cr[i], w, i == 2)
				}
			}
			if !strings.Contains(cr[1].Href, "area=07") || !strings.Contains(cr[0].Href, "area=KH") {
				t.Errorf("%s: breadcrumb links %q, %q", name, cr[0].Href, cr[1].Href)
			}
		}
	}
	// The province's crumb opens the province's page.
	res := run(t, tb, "follow the crumb", responseAction(chromedp.Click(chromedp.CSS(`nav.crumbs li:nth-child(2) a`))))
	loc := run(t, tb, "location", chromedp.Location())
	if res.Status != 200 || !strings.Contains(loc, "area=07") {
		t.Errorf("after the province's crumb: HTTP %d at %s", res.Status, loc)
	}
	// The fertility page of the district shows its own total fertility.
	if status, _ := e.open(t, tb, "/en/fertility?area="+d, desktop); status != 200 {
		t.Fatalf("fertility of %s: HTTP %d", d, status)
	}
	if c := e.chart(t, tb, "tfr_areas"); len(c.Series) == 0 || len(c.Series[0].Data) != 1 {
		t.Errorf("fertility of %s: tfr_areas %+v, want the district's own bar", d, c.Series)
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// hasKhmer reports whether s holds a Khmer letter.
func hasKhmer(s string) bool {
	for _, r := range s {
		if r >= 0x1780 && r <= 0x17FF {
			return true
		}
	}
	return false
}

// testKhmerLoginAndErrors: the sign-in form switches to Khmer and is in
// Khmer; an error page (a bad filter, an unknown page) keeps the page frame,
// explains itself in the page's language and offers a way back.
func (e *browserEnv) testKhmerLoginAndErrors(t *testing.T) {
	tb := e.newTab(t, e.root, chromedp.WithNewBrowserContext())
	for _, size := range [][2]int64{desktop, phone} {
		if status, _ := e.open(t, tb, "/login?next=%2Fen%2Foverview", size); status != 200 {
			t.Fatalf("login: HTTP %d", status)
		}
		// the language switch on the sign-in form
		run(t, tb, "choose Khmer", responseAction(chromedp.Click(chromedp.CSS(`nav.langs a[lang="km"]`))))
		e.waitCharts(t, tb, "login")
		texts := eval[[]string](t, tb, "login texts", `[document.documentElement.lang, document.querySelector("h1").textContent,
			...[...document.querySelectorAll("main.login label")].map(l => l.textContent.trim()), document.querySelector("main.login button").textContent]`)
		if texts[0] != "km" {
			t.Errorf("the sign-in form after choosing ខ្មែរ has lang %q", texts[0])
		}
		for _, s := range texts[1:] {
			if !hasKhmer(s) {
				t.Errorf("sign-in form in Khmer: %q is not in Khmer", s)
			}
		}
		for _, el := range eval[[]string](t, tb, "fonts of Khmer text", khmerFontsJS) {
			t.Errorf("login: Khmer text not in Noto Sans Khmer: %s", el)
		}
		name := "km-login"
		if size == phone {
			name += "-phone"
		}
		e.screenshot(t, tb, name)
	}
	// Signing in from the Khmer form opens the Khmer overview, though the
	// form was asked for by the English one.
	res := run(t, tb, "sign in", responseAction(
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "password-admin"),
		chromedp.Click(chromedp.CSS(`main.login button[type="submit"]`)),
	))
	if loc := run(t, tb, "location", chromedp.Location()); res.Status != 200 || loc != e.srv.URL+"/km/overview" {
		t.Errorf("signed in from the Khmer form: HTTP %d at %s, want /km/overview", res.Status, loc)
	}
	tb.take()

	tb = e.signIn(t, "admin", "/km/overview")
	for _, c := range []struct {
		path   string
		status int64
		back   string
	}{
		{"/km/completeness?year=1900", 400, "/km/completeness"},
		{"/km/fertility?area=99", 400, "/km/fertility"},
		{"/km/mortality?sex=X", 400, "/km/mortality"},
		{"/km/nosuchpage", 404, "/km/overview"},
		{"/en/completeness?year=1900", 400, "/en/completeness"},
	} {
		for _, size := range [][2]int64{desktop, phone} {
			run(t, tb, "viewport", chromedp.EmulateViewport(size[0], size[1]))
			res := run(t, tb, "open "+c.path, chromedp.NavigateResponse(e.srv.URL+c.path))
			if res.Status != c.status {
				t.Errorf("%s: HTTP %d, want %d", c.path, res.Status, c.status)
			}
			type errPage struct {
				Lang, Brand, Msg, Back, Status string
				Langs                          int
			}
			p := eval[errPage](t, tb, "error page", `({
				Lang: document.documentElement.lang,
				Brand: document.querySelector("header .brand")?.textContent ?? "",
				Status: document.querySelector(".panel-error h2")?.textContent ?? "",
				Msg: document.querySelector(".panel-error .error")?.textContent ?? "",
				Back: document.querySelector(".panel-error a")?.getAttribute("href") ?? "",
				Langs: document.querySelectorAll("header a[data-lang-link]").length,
			})`)
			lang := c.path[1:3]
			if p.Lang != lang || p.Brand != tr(lang, "product") || p.Langs != 2 || p.Back != c.back || !strings.Contains(p.Status, strconv.Itoa(int(c.status))) {
				t.Errorf("%s: error page %+v, want the page frame in %s with a way back to %s", c.path, p, lang, c.back)
			}
			if lang == "km" && !hasKhmer(p.Msg) || lang == "en" && hasKhmer(p.Msg) || p.Msg == "" {
				t.Errorf("%s: message %q is not in %s", c.path, p.Msg, lang)
			}
			if strings.Contains(c.path, "year=1900") && !strings.Contains(p.Msg, "1900") {
				t.Errorf("%s: the message %q does not name the bad year", c.path, p.Msg)
			}
			if size == desktop && c.path == "/km/completeness?year=1900" {
				e.screenshot(t, tb, "km-error")
			}
			if size == phone && c.path == "/km/nosuchpage" {
				e.screenshot(t, tb, "km-error-phone")
			}
		}
	}
	tb.take() // the browser logs the error statuses
}

// testFilters: moving through a filter menu with the arrow keys opens
// nothing (WCAG 3.2.2); the button applies the filters.
func (e *browserEnv) testFilters(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	if status, _ := e.open(t, tb, "/en/overview", desktop); status != 200 {
		t.Fatalf("overview: HTTP %d", status)
	}
	before := run(t, tb, "location", chromedp.Location())
	run(t, tb, "arrow down the year menu", chromedp.Steps(
		chromedp.Focus(chromedp.CSS(`select[name="year"]`)),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.Sleep(300*time.Millisecond),
	))
	if loc := run(t, tb, "location", chromedp.Location()); loc != before {
		t.Fatalf("ArrowDown on the year menu opened %s", loc)
	}
	year := eval[string](t, tb, "year chosen", `document.querySelector('select[name="year"]').value`)
	if year == strconv.Itoa(e.data.Year) {
		t.Fatalf("ArrowDown did not change the year menu (%s)", year)
	}
	res := run(t, tb, "apply", responseAction(chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`))))
	loc := run(t, tb, "location", chromedp.Location())
	if res.Status != 200 || !strings.Contains(loc, "year="+year) || !strings.HasPrefix(loc, e.srv.URL+"/en/overview?") {
		t.Errorf("after the button: HTTP %d at %s, want year %s", res.Status, loc, year)
	}
	tb.take()
}

// axeResult is what axe-core reports: the violations, each with its impact
// and the elements at fault.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes int `json:"passes"`
}

// axeSource is axe-core, which scripts/assets.sh copies from npm for the
// tests only (the binary neither embeds nor serves it).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make assets (scripts/assets.sh)", err)
	}
	return string(b)
}

// runAxe checks the page in the tab with axe-core's WCAG 2.0/2.1 A and AA
// rules and returns the serious and critical violations.
func runAxe(t *testing.T, tb *tab, src, name string) []string {
	t.Helper()
	// Evaluated over DevTools, so the page's CSP does not stop it.
	eval[bool](t, tb, "load axe-core", src+";\ntrue")
	res := eval[axeResult](t, tb, "axe "+name, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
		.then(r => ({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target, html: n.html.slice(0, 160)}))})), passes: r.passes.length}))`)
	var out []string
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b, _ := json.Marshal(v.Nodes)
			out = append(out, fmt.Sprintf("%s (%s): %s: %s", v.ID, v.Impact, v.Help, b))
		}
	}
	return out
}

// testAxe: axe-core finds no serious or critical violation on any page, in
// either language, nor on the sign-in form and an error page.
func (e *browserEnv) testAxe(t *testing.T) {
	src := axeSource(t)
	checked := 0
	anon := e.newTab(t, e.root, chromedp.WithNewBrowserContext())
	for _, lang := range Langs {
		path := "/login?lang=" + lang
		if status, _ := e.open(t, anon, path, desktop); status != 200 {
			t.Fatalf("%s: HTTP %d", path, status)
		}
		for _, v := range runAxe(t, anon, src, path) {
			t.Errorf("%s: %s", path, v)
		}
		checked++
	}
	tb := e.signIn(t, "admin", "/en/overview")
	var paths []string
	for _, lang := range Langs {
		for _, p := range pages {
			paths = append(paths, "/"+lang+"/"+p.ID)
		}
		paths = append(paths, "/"+lang+"/completeness?area=0701", "/"+lang+"/review", "/"+lang+"/downloads", "/"+lang+"/completeness?year=1900")
	}
	for _, path := range paths {
		// at a laptop's width and a phone's (the layout differs)
		for _, size := range [][2]int64{desktop, phone} {
			var opts []chromedp.EmulateViewportOption
			if size == phone {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			run(t, tb, "viewport", chromedp.EmulateViewport(size[0], size[1], opts...))
			res := run(t, tb, "open "+path, chromedp.NavigateResponse(e.srv.URL+path))
			if res.Status != 200 && !strings.Contains(path, "1900") {
				t.Logf("%s: HTTP %d: skipped", path, res.Status)
				break
			}
			e.waitCharts(t, tb, path)
			for _, v := range runAxe(t, tb, src, path) {
				t.Errorf("%s at %dpx: %s", path, size[0], v)
			}
			checked++
		}
	}
	t.Logf("axe-core: %d pages checked", checked)
	tb.take()
}
