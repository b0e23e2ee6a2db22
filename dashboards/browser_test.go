package dashboards

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The pages in a real browser: Debian's headless Chromium, driven over the
// DevTools protocol, signs in through the form, draws the ECharts charts and
// the map, loads the Khmer font, and is watched for script errors and for
// requests that leave the server.

const chromium = "/usr/bin/chromium"

// stepTimeout bounds one navigation or script, so that a hang fails the
// test instead of blocking it.
const stepTimeout = 20 * time.Second

// Viewports: a ministry laptop and a phone.
var (
	desktop = [2]int64{1366, 768}
	phone   = [2]int64{390, 844}
)

type browserEnv struct {
	srv   *httptest.Server
	s     *Server
	data  *Data
	root  context.Context // the browser; sessions and tabs are its children
	shots string          // where screenshots go
	queue *fixQueue       // the review page's pairs
}

func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatal("headless Chromium is needed: run scripts/prereqs.sh --browser (installs Debian's chromium)")
	}
	s := fixServer(t, "")
	// the site's district boundaries too, for the district maps
	s.opt.DistrictGeoJSON = fixDistrictGeo(t)
	assets, err := loadAssets(s.opt.GeoJSON, s.opt.DistrictGeoJSON)
	if err != nil {
		t.Fatal(err)
	}
	s.assets = assets
	// the review queue too, for its page
	queue := newFixQueue(4)
	s.opt.Review, s.opt.Decisions = queue.review, filepath.Join(t.TempDir(), "link_decisions.jsonl")
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	// Registered before the allocator's cancel, so it is removed after the
	// browser has exited (cleanups run last-in first-out).
	profile := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(int(desktop[0]), int(desktop[1])),
	)
	t.Cleanup(cancelAlloc)
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	// The first run starts the browser, which lives as long as root: no
	// timeout here, or the timeout would end the browser.
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}

	shots, err := filepath.Abs(filepath.Join("testdata", "output", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &browserEnv{srv: srv, s: s, data: s.data.Load(), root: root, shots: shots, queue: queue}

	t.Run("Pages", e.testPages)
	t.Run("Charts", e.testCharts)
	t.Run("Map", e.testMap)
	t.Run("Khmer", e.testKhmer)
	t.Run("ScopedViewer", e.testScopedViewer)
	t.Run("Unauthenticated", e.testUnauthenticated)
	t.Run("Review", e.testReview)
	t.Run("Readable", e.testReadable)
	t.Run("MapClasses", e.testMapClasses)
	t.Run("MapSelection", e.testMapSelection)
	t.Run("District", e.testDistrict)
	t.Run("KhmerLoginAndErrors", e.testKhmerLoginAndErrors)
	t.Run("Filters", e.testFilters)
	t.Run("Surveillance", e.testSurveillance)
	t.Run("Axe", e.testAxe)
	t.Run("Export", e.testExport)
	t.Logf("screenshots in %s", shots)
}

// tab is one browser tab with what it saw: script errors and every URL it
// asked for.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	requests []string
}

// on runs on the connection's reading goroutine: it only records.
func (tb *tab) on(ev any) {
	var p, req string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, d.Text)
		if d.Exception != nil && d.Exception.Description != "" {
			p += " " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			p = "console.error: " + strings.Join(args, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			p = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		req = ev.Request.URL
	}
	if p == "" && req == "" {
		return
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if p != "" {
		tb.problems = append(tb.problems, p)
	}
	if req != "" {
		tb.requests = append(tb.requests, req)
	}
}

// take returns what the tab saw since the last call, and forgets it.
func (tb *tab) take() (problems, requests []string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	problems, requests = tb.problems, tb.requests
	tb.problems, tb.requests = nil, nil
	return problems, requests
}

// newTab opens a tab in parent's browser context (a session's, or a fresh
// one with chromedp.WithNewBrowserContext), closed when t ends.
func (e *browserEnv) newTab(t *testing.T, parent context.Context, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(parent, append(opts, chromedp.WithListener(tb.on))...)
	t.Cleanup(cancel)
	// The tab runs as long as the context of its first run: open it here,
	// without the timeout the later steps get.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb.ctx = ctx
	return tb
}

// run runs one action in a tab with a timeout.
func run[T any](t *testing.T, tb *tab, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// eval evaluates a script in the page, awaiting a promise it returns, and
// decodes its JSON result into T.
func eval[T any](t *testing.T, tb *tab, what, script string) T {
	t.Helper()
	return run(t, tb, what, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
}

// signIn opens the sign-in form in a browser context of its own (no cookies
// or cache shared with other sessions), types the user's name and password
// and submits, and checks that the server lands on next. The returned tab is
// the session's: tabs opened from its ctx share its cookies. before runs in
// the new tab first.
func (e *browserEnv) signIn(t *testing.T, user, next string, before ...chromedp.Action[chromedp.Void]) *tab {
	t.Helper()
	tb := e.newTab(t, e.root, chromedp.WithNewBrowserContext())
	run(t, tb, "prepare the tab", chromedp.Steps(before...))
	res := run(t, tb, "open the sign-in form", chromedp.NavigateResponse(e.srv.URL+"/login?next="+url.QueryEscape(next)))
	if res.Status != 200 {
		t.Fatalf("sign-in form: HTTP %d", res.Status)
	}
	res = run(t, tb, "sign in as "+user, responseAction(
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "password-"+user),
		chromedp.Click(chromedp.CSS(`main.login button[type="submit"]`)),
	))
	loc := run(t, tb, "location", chromedp.Location())
	if res.Status != 200 || loc != e.srv.URL+next {
		t.Fatalf("sign in as %s: HTTP %d at %s, want %s", user, res.Status, loc, next)
	}
	if who := eval[string](t, tb, "who", `document.querySelector("header .user")?.textContent ?? ""`); who != user {
		t.Fatalf("signed in as %s, the header shows %q", user, who)
	}
	// The sign-in form and the page it leads to are pages too.
	problems, requests := tb.take()
	for _, p := range problems {
		t.Errorf("signing in as %s: %s", user, p)
	}
	for _, r := range e.outside(requests) {
		t.Errorf("signing in as %s: request outside the server: %s", user, r)
	}
	return tb
}

// responseAction runs steps that cause a navigation and returns the final
// document's response, redirects followed (chromedp.RunResponse as an
// action, to run it under run's timeout).
func responseAction(steps ...chromedp.Action[chromedp.Void]) chromedp.Action[*network.Response] {
	return func(ctx context.Context, _ *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, steps...)
	}
}

// open loads a page at a viewport size and waits until app.js has drawn
// its charts and the fonts are in. It returns the document's HTTP status
// and the number of charts drawn (-1 when app.js never finished).
func (e *browserEnv) open(t *testing.T, tb *tab, path string, size [2]int64) (status int64, charts int) {
	t.Helper()
	var opts []chromedp.EmulateViewportOption
	if size == phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	run(t, tb, "viewport", chromedp.EmulateViewport(size[0], size[1], opts...))
	tb.take()
	res := run(t, tb, "open "+path, chromedp.NavigateResponse(e.srv.URL+path))
	if res.Status != 200 {
		return res.Status, -1
	}
	return res.Status, e.waitCharts(t, tb, path)
}

// waitCharts waits until app.js has drawn the page's charts and the web
// fonts are in, and returns the number of charts app.js reports (-1 when it
// never finished).
func (e *browserEnv) waitCharts(t *testing.T, tb *tab, what string) int {
	t.Helper()
	// app.js marks the body when it is done; give it a few seconds, then
	// wait for the web fonts (their requests are part of the page).
	n := eval[int](t, tb, "wait for the charts of "+what, `new Promise(done => {
		const until = Date.now() + 5000;
		const poll = () => {
			const v = document.body && document.body.getAttribute("data-charts-ready");
			if (v !== null && v !== undefined) return document.fonts.ready.then(() => done(Number(v)));
			if (Date.now() > until) return done(-1);
			setTimeout(poll, 10);
		};
		poll();
	})`)
	return n
}

// outside returns the requests that went anywhere but the test server.
func (e *browserEnv) outside(requests []string) []string {
	var out []string
	for _, r := range requests {
		if !strings.HasPrefix(r, e.srv.URL+"/") && !strings.HasPrefix(r, "data:") {
			out = append(out, r)
		}
	}
	return out
}

// layout measures horizontal overflow: the page must fit the layout
// viewport, and (on a phone) the browser must not have zoomed out to fit a
// wider page, which would make innerWidth larger than the device.
type layout struct {
	ScrollWidth int    `json:"scrollWidth"`
	ClientWidth int    `json:"clientWidth"`
	InnerWidth  int    `json:"innerWidth"`
	Widest      string `json:"widest"`
}

const layoutScript = `(() => {
	const de = document.documentElement;
	let widest = "", right = 0;
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.right > right + 0.5 && r.width > 0) { right = r.right; widest = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " right=" + Math.round(r.right); }
	}
	return {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, innerWidth: window.innerWidth, widest};
})()`

func (e *browserEnv) screenshot(t *testing.T, tb *tab, name string) {
	t.Helper()
	png := run(t, tb, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(e.shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// khmerFontsJS lists the elements whose own text holds Khmer letters but
// whose computed font does not start with Noto Sans Khmer.
const khmerFontsJS = `[...document.querySelectorAll("body *")].filter(el => {
	const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join("");
	return /[\u1780-\u17FF]/.test(own) && !/^"?Noto Sans Khmer"?/.test(getComputedStyle(el).fontFamily);
}).map(el => el.tagName.toLowerCase() + " " + JSON.stringify(el.textContent.trim().slice(0, 40)) + ": " + getComputedStyle(el).fontFamily)`

// testPages: every page in both languages, signed in as admin through the
// form, at a laptop's and a phone's width: no script error, no console or
// browser-log error, no request outside the server, every chart drawn, no
// horizontal overflow; a full-page screenshot of each.
func (e *browserEnv) testPages(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	for _, lang := range Langs {
		for _, p := range pages {
			path := "/" + lang + "/" + p.ID
			for _, size := range [][2]int64{desktop, phone} {
				status, n := e.open(t, tb, path, size)
				name := lang + "-" + p.ID
				if size == phone {
					name += "-phone"
				}
				if status != 200 {
					t.Errorf("%s: HTTP %d", name, status)
					continue
				}
				if loc := run(t, tb, "location", chromedp.Location()); !strings.HasPrefix(loc, e.srv.URL+path) {
					t.Errorf("%s: ended on %s", name, loc)
				}
				want := eval[int](t, tb, "count charts", `document.querySelectorAll("div.chart[data-option]").length`)
				drawn := eval[int](t, tb, "count canvases", `[...document.querySelectorAll("div.chart[data-option]")].filter(el => {
					const c = el.querySelector("canvas");
					return el.getAttribute("data-rendered") === "1" && c && c.width > 0 && c.height > 0 && echarts.getInstanceByDom(el);
				}).length`)
				if want == 0 || n != want || drawn != want {
					t.Errorf("%s: %d charts in the page, app.js reports %d, %d drawn on a canvas", name, want, n, drawn)
				}
				l := eval[layout](t, tb, "measure "+name, layoutScript)
				if l.ScrollWidth > l.ClientWidth+1 || l.ScrollWidth > l.InnerWidth+1 || l.InnerWidth != int(size[0]) {
					t.Errorf("%s: overflows at %dpx: scrollWidth %d, clientWidth %d, innerWidth %d; widest element %s",
						name, size[0], l.ScrollWidth, l.ClientWidth, l.InnerWidth, l.Widest)
				}
				// Text in Khmer must be set in the shipped font: a system
				// without a Khmer font shows boxes otherwise (form controls
				// do not inherit the page's font by default).
				for _, el := range eval[[]string](t, tb, "fonts of Khmer text", khmerFontsJS) {
					t.Errorf("%s: Khmer text not in Noto Sans Khmer: %s", name, el)
				}
				e.screenshot(t, tb, name)
				problems, requests := tb.take()
				for _, p := range problems {
					t.Errorf("%s: %s", name, p)
				}
				for _, r := range e.outside(requests) {
					t.Errorf("%s: request outside the server: %s", name, r)
				}
				if len(requests) == 0 {
					t.Errorf("%s: no request seen (is the network listener working?)", name)
				}
			}
		}
	}
}

// chartData is what an ECharts instance holds after setOption: each
// series' data (numbers or {value} objects, made numbers here) and the
// category axes.
type chartData struct {
	Series []struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Data []any  `json:"data"`
	} `json:"series"`
	X [][]any `json:"x"`
	Y [][]any `json:"y"`
}

func (e *browserEnv) chart(t *testing.T, tb *tab, id string) chartData {
	t.Helper()
	return eval[chartData](t, tb, "read chart "+id, fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		const c = el && echarts.getInstanceByDom(el);
		if (!c) throw new Error("no chart %s");
		const o = c.getOption();
		const v = d => (d !== null && typeof d === "object") ? (d.value === undefined ? null : d.value) : (d === undefined ? null : d);
		const axes = a => (a || []).map(x => (x.data || []).map(v));
		return {
			series: o.series.map(s => ({name: s.name, type: s.type, data: (s.data || []).map(v)})),
			x: axes(o.xAxis), y: axes(o.yAxis),
		};
	})()`, "c-"+id, id))
}

// seriesByName finds a series of a chart by its legend name.
func (c chartData) seriesByName(name string) ([]any, bool) {
	for _, s := range c.Series {
		if s.Name == name {
			return s.Data, true
		}
	}
	return nil, false
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

// testCharts: the charts hold the fixture's values, read back from the
// ECharts instances the page made.
func (e *browserEnv) testCharts(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")

	// The national TFR trend, whatever year the page is on.
	if status, _ := e.open(t, tb, "/en/fertility?year=2018", desktop); status != 200 {
		t.Fatalf("fertility: HTTP %d", status)
	}
	c := e.chart(t, tb, "tfr_trend")
	// registered and adjusted for completeness
	if len(c.Series) != 2 || c.Series[0].Type != "line" || len(c.X) != 1 {
		t.Fatalf("tfr_trend: %d series, %d x axes", len(c.Series), len(c.X))
	}
	var years []any
	for y := fixFirstYear; y <= fixLastYear; y++ {
		years = append(years, strconv.Itoa(y))
	}
	if !slices.Equal(c.X[0], years) {
		t.Errorf("tfr_trend: x axis %v, want %v", c.X[0], years)
	}
	if len(c.Series[0].Data) != len(years) {
		t.Fatalf("tfr_trend: %d points, want %d", len(c.Series[0].Data), len(years))
	}
	for s, k := range []float64{2, 2.5} {
		for i, v := range c.Series[s].Data {
			y := fixFirstYear + i
			if got, ok := num(v); !ok || math.Abs(got-fixValue("KH", y, k)) > 1e-9 {
				t.Errorf("tfr_trend %d, series %d: %v, want %v", y, s, v, fixValue("KH", y, k))
			}
		}
	}

	// The ranked bars of birth completeness: every province, by its name in
	// the page's language, one stacked bar each (on time, late, not
	// registered: the mart's within-legal value, all less within-legal, 1
	// less all), highest first.
	for _, lang := range Langs {
		const year = 2018
		if status, _ := e.open(t, tb, "/"+lang+"/completeness?year="+strconv.Itoa(year), desktop); status != 200 {
			t.Fatalf("%s completeness: HTTP %d", lang, status)
		}
		c := e.chart(t, tb, "compl_births")
		if len(c.Y) != 1 {
			t.Fatalf("%s compl_births: %d y axes, want the one category axis of a horizontal bar", lang, len(c.Y))
		}
		cats := c.Y[0]
		code := map[string]string{}
		for _, p := range e.data.provinces {
			code[e.data.name(p, lang)] = p
		}
		if len(cats) != len(e.data.provinces) {
			t.Errorf("%s compl_births: %d categories, want %d provinces", lang, len(cats), len(e.data.provinces))
		}
		for _, s := range []struct {
			name string
			k    float64
		}{{tr(lang, "within_legal"), 0.4}, {tr(lang, "late"), 0.1}, {tr(lang, "never"), -0.5}} {
			data, ok := c.seriesByName(s.name)
			if !ok || len(data) != len(cats) {
				t.Errorf("%s compl_births: series %q has %d values for %d categories", lang, s.name, len(data), len(cats))
				continue
			}
			prev := math.Inf(1)
			for i, cat := range cats {
				name, _ := cat.(string)
				p, ok := code[name]
				if !ok {
					t.Errorf("%s compl_births: category %v is not a province's %s name", lang, cat, lang)
					continue
				}
				want := fixValue(p, year, s.k)
				switch s.k {
				case 0.1: // late: all registered less on time
					want = fixValue(p, year, 0.5) - fixValue(p, year, 0.4)
				case -0.5: // not registered: the rest of 100%
					want = 1 - fixValue(p, year, 0.5)
				}
				got, ok := num(data[i])
				if !ok || math.Abs(got-want) > 1e-9 {
					t.Errorf("%s compl_births %q %s: %v, want %v", lang, s.name, name, data[i], want)
				}
				if s.k == 0.4 && got > prev {
					t.Errorf("%s compl_births: %s (%v) ranked below a lower value (%v)", lang, name, got, prev)
				}
				prev = got
			}
		}
	}

	// The ETL runs' durations: one bar per attempt, oldest first, each under
	// its own start time.
	if status, _ := e.open(t, tb, "/en/runs", desktop); status != 200 {
		t.Fatalf("runs: HTTP %d", status)
	}
	runs, err := e.s.opt.Runs()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(runs, func(a, b Run) int { return a.Started.Compare(b.Started) })
	c = e.chart(t, tb, "run_durations")
	if len(c.X) != 1 || len(c.X[0]) != len(runs) {
		t.Fatalf("run_durations: x axes %v, want the %d runs", c.X, len(runs))
	}
	for i, r := range runs {
		label := r.Started.UTC().Format("2006-01-02 15:04:05") + " " + r.Job + " #" + strconv.Itoa(r.Attempt)
		if c.X[0][i] != label {
			t.Errorf("run_durations: bar %d is labelled %v, want %s (oldest first)", i+1, c.X[0][i], label)
		}
		data, ok := c.seriesByName(r.Job + " " + r.Outcome)
		if !ok || len(data) != len(runs) {
			t.Errorf("run_durations: no series %q for %d bars", r.Job+" "+r.Outcome, len(runs))
			continue
		}
		want := r.Finished.Sub(r.Started).Seconds()
		if got, ok := num(data[i]); !ok || got != want {
			t.Errorf("run_durations: %s %s started %s: bar %v, want %v s", r.Job, r.Outcome, label, data[i], want)
		}
	}

	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// mapState is the map chart as ECharts holds it: the data items the server
// sent, the items the series drew with their value and the fill the
// class gave them, and the regions of the registered map.
type mapState struct {
	MapName  string `json:"mapName"`
	SentData []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"sent"`
	Drawn []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
		Fill  any    `json:"fill"`
	} `json:"drawn"`
	Regions []string `json:"regions"`
	Pieces  []struct {
		Color string   `json:"color"`
		Label string   `json:"label"`
		GTE   *float64 `json:"gte"`
		LT    *float64 `json:"lt"`
	} `json:"pieces"`
}

const mapStateJS = `(() => {
	const el = document.getElementById("c-compl_map");
	const chart = el && echarts.getInstanceByDom(el);
	if (!chart) throw new Error("no map chart");
	const series = chart.getModel().getSeriesByIndex(0);
	const data = series.getData();
	const drawn = [];
	for (let i = 0; i < data.count(); i++) {
		const v = data.get("value", i);
		// a region is filled with its item's areaColor (its class's colour)
		const fill = data.getItemModel(i).get(["itemStyle", "areaColor"]);
		drawn.push({name: data.getName(i), value: Number.isFinite(v) ? v : null, fill: fill || null});
	}
	const o = chart.getOption();
	const mapName = series.get("map");
	const geo = echarts.getMap(mapName);
	return {
		mapName,
		// ECharts fills a map series' data with the map's other regions,
		// so what the server sent is read from the page.
		sent: JSON.parse(el.getAttribute("data-option")).series[0].data.map(d => ({name: d.name, value: d.value})),
		drawn,
		regions: geo ? geo.geoJSON.features.map(f => f.properties.name) : [],
		// the classes' legend: the custom series app.js draws as swatches
		pieces: (o.series.find(s => s.type === "custom") || {data: []}).data,
	};
})()`

// testMap: the province map colours every province, in both languages: 25
// items, each with a number and its class's fill, named as the
// registered map's regions.
func (e *browserEnv) testMap(t *testing.T) {
	tb := e.signIn(t, "admin", "/en/overview")
	year := e.data.Year
	for _, lang := range Langs {
		if status, _ := e.open(t, tb, "/"+lang+"/completeness", desktop); status != 200 {
			t.Fatalf("%s completeness: HTTP %d", lang, status)
		}
		m := eval[mapState](t, tb, "read the map", mapStateJS)
		if m.MapName != "KHM-"+lang {
			t.Errorf("%s: the map series draws map %q, want KHM-%s", lang, m.MapName, lang)
		}
		if len(m.Regions) != len(e.data.provinces) {
			t.Errorf("%s: the registered map has %d regions, want %d", lang, len(m.Regions), len(e.data.provinces))
		}
		if len(m.Drawn) != len(e.data.provinces) {
			t.Errorf("%s: the map series drew %d items, want %d", lang, len(m.Drawn), len(e.data.provinces))
		}
		if len(m.SentData) != len(e.data.provinces) {
			t.Errorf("%s: the map series has %d data items, want %d", lang, len(m.SentData), len(e.data.provinces))
		}
		code := map[string]string{}
		for _, p := range e.data.provinces {
			code[e.data.name(p, lang)] = p
		}
		colored := map[string]bool{}
		for _, it := range m.Drawn {
			if !slices.Contains(m.Regions, it.Name) {
				t.Errorf("%s: map item %q is no region of the map", lang, it.Name)
			}
			v, ok := num(it.Value)
			fill, _ := it.Fill.(string)
			if !ok || fill == "" {
				t.Errorf("%s: province %q is not coloured: value %v, fill %v", lang, it.Name, it.Value, it.Fill)
				continue
			}
			if want := fixValue(code[it.Name], year, 0.5); code[it.Name] == "" || math.Abs(v-want) > 1e-9 {
				t.Errorf("%s: province %q has %v, want %v (code %q)", lang, it.Name, v, want, code[it.Name])
			}
			colored[it.Name] = true
			// each province takes its class's colour (mapBreaks, mapPalette)
			if want := mapPalette[mapClass(mapBreaks["compl_map"], v)]; !sameColor(fill, want) {
				t.Errorf("%s: province %q (%v) filled %s, want its class's %s", lang, it.Name, v, fill, want)
			}
		}
		for _, r := range m.Regions {
			if !colored[r] {
				t.Errorf("%s: region %q of the map is left uncoloured", lang, r)
			}
		}
		if len(m.Pieces) != len(mapBreaks["compl_map"])+1 {
			t.Errorf("%s: the map's legend has %d classes, want %d: %+v", lang, len(m.Pieces), len(mapBreaks["compl_map"])+1, m.Pieces)
		}
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// sameColor compares a colour ECharts computed (rgba(r,g,b,a) or #rrggbb)
// with a #rrggbb one.
func sameColor(got, want string) bool {
	parse := func(c string) ([3]int, bool) {
		var rgb [3]int
		c = strings.ToLower(strings.ReplaceAll(c, " ", ""))
		switch {
		case strings.HasPrefix(c, "#") && len(c) == 7:
			for i := range rgb {
				n, err := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
				if err != nil {
					return rgb, false
				}
				rgb[i] = int(n)
			}
			return rgb, true
		case strings.HasPrefix(c, "rgb"):
			parts := strings.Split(strings.Trim(c[strings.Index(c, "(")+1:], ")"), ",")
			if len(parts) < 3 {
				return rgb, false
			}
			for i := range rgb {
				f, err := strconv.ParseFloat(parts[i], 64)
				if err != nil {
					return rgb, false
				}
				rgb[i] = int(math.Round(f))
			}
			return rgb, true
		}
		return rgb, false
	}
	a, ok1 := parse(got)
	b, ok2 := parse(want)
	return ok1 && ok2 && a == b
}

type fontState struct {
	Faces []struct {
		Family string `json:"family"`
		Status string `json:"status"`
		Range  string `json:"range"`
	} `json:"faces"`
	Check  bool   `json:"check"`
	H1     string `json:"h1"`
	H1Font string `json:"h1Font"`
}

// fontDelay is how late the slow server of testKhmer sends the Khmer font
// files, as over a provincial office's line.
const fontDelay = 700 * time.Millisecond

// canvasKhmerJS runs before a page's scripts: it records Khmer text that a
// canvas draws or measures before its font is in (the canvas keeps the
// fallback glyphs, boxes where the system has no Khmer font, and ECharts
// keeps the measured widths), or draws it with a font list that lacks Noto
// Sans Khmer.
const canvasKhmerJS = `(() => {
	window.__khmerOffFont = [];
	const khmer = /[\u1780-\u17FF]/;
	for (const m of ["fillText", "strokeText", "measureText"]) {
		const orig = CanvasRenderingContext2D.prototype[m];
		CanvasRenderingContext2D.prototype[m] = function (text, ...rest) {
			const s = String(text);
			// (ECharts measures some labels in its default font to space
			// them; only what it draws must name the Khmer font.)
			const named = /Noto Sans Khmer/.test(this.font);
			if (khmer.test(s) && (named ? !document.fonts.check(this.font, s) : m !== "measureText")) {
				window.__khmerOffFont.push(m + " " + JSON.stringify(s) + " in " + this.font);
			}
			return orig.call(this, text, ...rest);
		};
	}
})()`

// testKhmer: a Khmer page opened first thing after signing in (a cold
// cache), with the Khmer font files arriving late, loads the shipped Noto
// Sans Khmer, shows Khmer text with it, and draws its charts only with it.
func (e *browserEnv) testKhmer(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/assets/vendor/noto-sans-khmer-khmer-") {
			time.Sleep(fontDelay)
		}
		e.s.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	ke := *e
	ke.srv = slow
	hook := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: canvasKhmerJS})
		return err
	})
	const path = "/km/completeness"
	tb := ke.signIn(t, "admin", path, hook)
	if n := ke.waitCharts(t, tb, path); n <= 0 {
		t.Fatalf("%s: app.js reports %d charts", path, n)
	}
	k := eval[fontState](t, tb, "fonts", `document.fonts.ready.then(() => ({
		faces: [...document.fonts].map(f => ({family: f.family, status: f.status, range: f.unicodeRange})),
		check: document.fonts.check('16px "Noto Sans Khmer"', "ក"),
		h1: document.querySelector("main h1").textContent,
		h1Font: getComputedStyle(document.querySelector("main h1")).fontFamily,
	}))`)
	loaded := false
	for _, f := range k.Faces {
		if strings.Trim(f.Family, `"'`) == "Noto Sans Khmer" && f.Status == "loaded" && strings.Contains(strings.ToUpper(f.Range), "U+1780") {
			loaded = true
		}
	}
	if !loaded {
		t.Errorf("no Khmer face of Noto Sans Khmer loaded: %+v", k.Faces)
	}
	if !k.Check {
		t.Error(`document.fonts.check('16px "Noto Sans Khmer"', "ក") is false`)
	}
	if !strings.HasPrefix(k.H1Font, `"Noto Sans Khmer"`) {
		t.Errorf("h1 font-family %s", k.H1Font)
	}
	khmer := 0
	for _, r := range k.H1 {
		if r >= 0x1780 && r <= 0x17FF {
			khmer++
		}
	}
	if khmer == 0 {
		t.Errorf("h1 %q holds no Khmer letter", k.H1)
	}
	for _, d := range eval[[]string](t, tb, "canvas text", `window.__khmerOffFont`) {
		t.Errorf("%s: a chart drew Khmer without its font: %s", path, d)
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// testScopedViewer: a viewer limited to Kampot sees Kampot only, in the map
// and in the page's text, and is refused another province.
func (e *browserEnv) testScopedViewer(t *testing.T) {
	tb := e.signIn(t, "kampot", "/en/overview")
	var others []string
	for _, p := range e.data.provinces {
		if p != "07" {
			for _, lang := range Langs {
				others = append(others, e.data.name(p, lang))
			}
		}
	}
	for _, lang := range Langs {
		for _, page := range []string{"completeness", "overview"} {
			path := "/" + lang + "/" + page
			if status, _ := e.open(t, tb, path, desktop); status != 200 {
				t.Fatalf("%s: HTTP %d", path, status)
			}
			if page == "completeness" {
				m := eval[mapState](t, tb, "read the map", mapStateJS)
				kampot := e.data.name("07", lang)
				if len(m.SentData) != 1 || m.SentData[0].Name != kampot {
					t.Errorf("%s: map data %+v, want Kampot's item only", path, m.SentData)
				}
				for _, it := range m.Drawn {
					if _, ok := num(it.Value); ok && it.Name != kampot {
						t.Errorf("%s: the map shows a value for %s", path, it.Name)
					}
				}
			}
			text := eval[string](t, tb, "page text", `document.body.innerText`)
			for _, name := range others {
				if strings.Contains(text, name) {
					t.Errorf("%s: the page names %s", path, name)
				}
			}
		}
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}

	// Another province: refused, by navigation and by a script's fetch.
	if status, _ := e.open(t, tb, "/en/completeness?area=12", desktop); status != 403 {
		t.Errorf("kampot opening /en/completeness?area=12: HTTP %d, want 403", status)
	}
	if status, _ := e.open(t, tb, "/en/overview", desktop); status != 200 {
		t.Fatalf("overview: HTTP %d", status)
	}
	if code := eval[int](t, tb, "fetch", `fetch("/en/completeness?area=12").then(r => r.status)`); code != 403 {
		t.Errorf("fetch of /en/completeness?area=12 as kampot: %d, want 403", code)
	}
}

// testUnauthenticated: a browser with no cookies is sent to the sign-in
// form, and the API refuses it.
func (e *browserEnv) testUnauthenticated(t *testing.T) {
	tb := e.newTab(t, e.root, chromedp.WithNewBrowserContext())
	res := run(t, tb, "open /en/fertility", chromedp.NavigateResponse(e.srv.URL+"/en/fertility"))
	loc := run(t, tb, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil || u.Path != "/login" || res.Status != 200 {
		t.Errorf("/en/fertility without signing in: HTTP %d at %s, want the sign-in form", res.Status, loc)
	}
	if next := u.Query().Get("next"); next != "/en/fertility" {
		t.Errorf("sign-in form's next is %q, want /en/fertility", next)
	}
	if code := eval[int](t, tb, "fetch", `fetch("/api/overview").then(r => r.status)`); code != 401 {
		t.Errorf("fetch /api/overview without signing in: %d, want 401", code)
	}
}

// testReview: the linkage review queue as an analyst sees it, in both
// languages at a laptop's and a phone's width (no error, no request
// outside the server, no overflow, Khmer in its font, the two records of a
// pair side by side on the laptop and stacked on the phone); then a
// decision made with the page's own button, which must come back to the
// queue without the pair and land in the decisions file.
func (e *browserEnv) testReview(t *testing.T) {
	tb := e.signIn(t, "analyst", "/en/review")
	for _, lang := range Langs {
		for _, size := range [][2]int64{reviewDesktop, phone} {
			path := "/" + lang + "/review"
			name := lang + "-review"
			if size == phone {
				name += "-phone"
			}
			if status, _ := e.open(t, tb, path, size); status != 200 {
				t.Fatalf("%s: HTTP %d", name, status)
			}
			if n := eval[int](t, tb, "count pairs", `document.querySelectorAll("section.pair").length`); n != len(e.queue.pairs)-1 {
				t.Errorf("%s: %d pairs shown, want %d", name, n, len(e.queue.pairs)-1)
			}
			// The two records of the first pair: beside each other, or one under the other.
			stacked := eval[bool](t, tb, "records", `(() => {
				const [a, b] = document.querySelectorAll("#pair-1 dl.record");
				return b.getBoundingClientRect().top >= a.getBoundingClientRect().bottom;
			})()`)
			if stacked != (size == phone) {
				t.Errorf("%s: records stacked %v at %dpx", name, stacked, size[0])
			}
			l := eval[layout](t, tb, "measure "+name, layoutScript)
			if l.ScrollWidth > l.ClientWidth+1 || l.ScrollWidth > l.InnerWidth+1 || l.InnerWidth != int(size[0]) {
				t.Errorf("%s: overflows at %dpx: scrollWidth %d, clientWidth %d, innerWidth %d; widest element %s",
					name, size[0], l.ScrollWidth, l.ClientWidth, l.InnerWidth, l.Widest)
			}
			for _, el := range eval[[]string](t, tb, "fonts of Khmer text", khmerFontsJS) {
				t.Errorf("%s: Khmer text not in Noto Sans Khmer: %s", name, el)
			}
			e.screenshot(t, tb, name)
			problems, requests := tb.take()
			for _, p := range problems {
				t.Errorf("%s: %s", name, p)
			}
			for _, r := range e.outside(requests) {
				t.Errorf("%s: request outside the server: %s", name, r)
			}
		}
	}
	// Decide the first pair with its "Different" button, on the phone.
	first := e.queue.pairs[0]
	res := run(t, tb, "decide", responseAction(chromedp.Click(chromedp.CSS(`#pair-1 button.different`))))
	loc := run(t, tb, "location", chromedp.Location())
	if res.Status != 200 || loc != e.srv.URL+"/km/review?event=birth" {
		t.Fatalf("after the decision: HTTP %d at %s", res.Status, loc)
	}
	if n := eval[int](t, tb, "count pairs", `document.querySelectorAll("section.pair").length`); n != len(e.queue.pairs)-2 {
		t.Errorf("after the decision: %d pairs, want %d", n, len(e.queue.pairs)-2)
	}
	b, err := os.ReadFile(e.s.opt.Decisions)
	if err != nil || !strings.Contains(string(b), `"a":"`+first.A.EventID+`","b":"`+first.B.EventID+`","same":false,"by":"analyst"`) {
		t.Errorf("decisions file after the click: %q %v", b, err)
	}
	e.screenshot(t, tb, "km-review-phone-decided")
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}

// reviewDesktop: the review page at the laptop size the issue asks for.
var reviewDesktop = [2]int64{1366, 768}

// tipJS shows the tooltip of a chart's point and returns its text once
// drawn (app.js's formatter: the category, then each series' text).
const tipJS = `((id, series, index) => new Promise((done, fail) => {
	const el = document.getElementById(id);
	const c = el && echarts.getInstanceByDom(el);
	if (!c) return fail(new Error("no chart " + id));
	c.dispatchAction({type: "showTip", seriesIndex: series, dataIndex: index});
	const until = Date.now() + 3000;
	const poll = () => {
		const tip = [...el.querySelectorAll("div")].find(d => d.querySelector(".tt-head") && getComputedStyle(d).display !== "none");
		if (tip && tip.innerText.trim()) return done(tip.innerText.replace(/\s+/g, " ").trim());
		if (Date.now() > until) return done("");
		setTimeout(poll, 20);
	};
	poll();
}))`

// testReadable (issue 18a): cards, tooltips and axes in their units, in
// both languages; the completeness rankings' sort by the gap and their
// whiskers drawn; screenshots at a laptop's 1366×768 and a phone's size.
func (e *browserEnv) testReadable(t *testing.T) {
	laptop := [2]int64{1366, 768}
	tb := e.signIn(t, "admin", "/en/overview")
	for _, lang := range Langs {
		for _, size := range [][2]int64{laptop, phone} {
			suffix := "-readable"
			if size == phone {
				suffix += "-phone"
			}
			if status, _ := e.open(t, tb, "/"+lang+"/overview?year=2019", size); status != 200 {
				t.Fatalf("%s overview: HTTP %d", lang, status)
			}
			card := eval[string](t, tb, "card", `document.querySelector('.card[data-key="birth_compl"] .value').textContent + " | " + document.querySelector('.card[data-key="birth_compl"] .change').textContent`)
			if want := "58.0% (52.2–63.8) | ▲ 2.0 " + tr(lang, "unit_pp") + " " + tr(lang, "since") + " 2018 (" + tr(lang, "change_good") + ")"; card != want {
				t.Errorf("%s: birth completeness card %q, want %q", lang, card, want)
			}
			tip := eval[string](t, tb, "tooltip", tipJS+`("c-compl_trend", 0, 4)`)
			for _, want := range []string{"2019", tr(lang, "birth"), "58.0% (52.2–63.8)", tr(lang, "death"), "38.0% (34.2–41.8)"} {
				if !strings.Contains(tip, want) {
					t.Errorf("%s: compl_trend tooltip %q lacks %q", lang, tip, want)
				}
			}
			axis := eval[[]string](t, tb, "axis", `(() => {
				const o = echarts.getInstanceByDom(document.getElementById("c-child_trend") || document.getElementById("c-compl_trend")).getOption();
				return [o.yAxis[0].name, o.yAxis[0].axisLabel.formatter(0.5), o.xAxis[0].name];
			})()`)
			if len(axis) != 3 || axis[0] != "%" || axis[1] != "50%" || axis[2] != tr(lang, "year") {
				t.Errorf("%s: compl_trend axes %q, want %%, 50%%, %s", lang, axis, tr(lang, "year"))
			}
			if l := eval[layout](t, tb, "measure", layoutScript); l.ScrollWidth > l.ClientWidth+1 || l.InnerWidth != int(size[0]) {
				t.Errorf("%s overview%s: overflows: %+v", lang, suffix, l)
			}
			e.screenshot(t, tb, lang+"-overview"+suffix)

			if status, _ := e.open(t, tb, "/"+lang+"/mortality?year=2019", size); status != 200 {
				t.Fatalf("%s mortality: HTTP %d", lang, status)
			}
			tip = eval[string](t, tb, "tooltip", tipJS+`("c-child_trend", 0, 4)`)
			if !strings.Contains(tip, tr(lang, "unit_per1000lb")) || !regexp.MustCompile(`\d+\.\d \(\d+\.\d–\d+\.\d\)`).MatchString(tip) {
				t.Errorf("%s: child_trend tooltip %q: want a rate with one decimal, its interval and its unit", lang, tip)
			}

			if status, _ := e.open(t, tb, "/"+lang+"/completeness?year=2018", size); status != 200 {
				t.Fatalf("%s completeness: HTTP %d", lang, status)
			}
			tip = eval[string](t, tb, "tooltip", tipJS+`("c-compl_births", 0, 0)`)
			first := fixValue("25", 2018, 0.5) // the highest province
			if want := unitOf("share").interval(&cell{Value: first, Low: first * 0.9, High: first * 1.1, HasValue: true, HasCI: true}); !strings.Contains(tip, want) || !strings.Contains(tip, tr(lang, "late")) {
				t.Errorf("%s: compl_births tooltip %q lacks the total %q or the late registrations", lang, tip, want)
			}
			if l := eval[layout](t, tb, "measure", layoutScript); l.ScrollWidth > l.ClientWidth+1 || l.InnerWidth != int(size[0]) {
				t.Errorf("%s completeness%s with a tooltip: overflows: %+v", lang, suffix, l)
			}
			e.screenshot(t, tb, lang+"-completeness"+suffix)
			sorted := eval[[]any](t, tb, "sort by the gap", `(() => {
				document.querySelector('.sort[data-for="c-compl_births"] button[data-sort="gap"]').click();
				const el = document.getElementById("c-compl_births");
				const o = echarts.getInstanceByDom(el).getOption();
				const w = o.series.find(s => s.type === "custom" && Array.isArray(s.data[0])); // the whiskers
				return [o.yAxis[0].data[0], el.getAttribute("data-sorted"),
					document.querySelector('.sort[data-for="c-compl_births"] button[data-sort="gap"]').getAttribute("aria-pressed"),
					typeof w.renderItem, w.data.length];
			})()`)
			// 1,000 registered of 1,000/v expected: the largest gap is the lowest completeness
			if len(sorted) != 5 || sorted[0] != e.data.name("01", lang) || sorted[1] != "gap" || sorted[2] != "true" || sorted[3] != "function" || sorted[4] != 25.0 {
				t.Errorf("%s: after sorting by the gap: %v, want %s first", lang, sorted, e.data.name("01", lang))
			}
			// the ⓘ opens its definition
			def := eval[string](t, tb, "definition", `(() => {
				const d = document.querySelector("#p-compl_births details.info");
				d.querySelector("summary").click();
				return d.open ? d.querySelector("dl").innerText : "";
			})()`)
			if !strings.Contains(def, tr(lang, "def_compl_birth_num")) {
				t.Errorf("%s: the ⓘ of compl_births shows %q", lang, def)
			}
			e.screenshot(t, tb, lang+"-completeness-sorted"+suffix)
		}
	}

	// The methods page, opened at the section an ⓘ links to.
	for _, lang := range Langs {
		if status, _ := e.open(t, tb, "/"+lang+"/methods#life-tables-life_table-life_expectancy", desktop); status != 200 {
			t.Fatalf("%s methods: HTTP %d", lang, status)
		}
		if y := eval[float64](t, tb, "anchor", `document.getElementById("life-tables-life_table-life_expectancy").getBoundingClientRect().top`); y < -1 || y > 100 {
			t.Errorf("%s methods: the section is at %vpx, not at the top", lang, y)
		}
		// the viewport only: the whole document is a very long page
		png := run(t, tb, "screenshot methods", chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(e.shots, lang+"-methods.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A provisional year: the banner names it, its cards carry a badge, its bars are pale.
	e.s.SetData(provisionalData(t))
	for _, lang := range Langs {
		if status, _ := e.open(t, tb, "/"+lang+"/completeness?year="+strconv.Itoa(fixLastYear), desktop); status != 200 {
			t.Fatalf("%s completeness: HTTP %d", lang, status)
		}
		if b := eval[string](t, tb, "banner", `document.querySelector("main > .banner").textContent`); !strings.Contains(b, strconv.Itoa(fixLastYear)) {
			t.Errorf("%s: the banner %q does not name %d provisional", lang, b, fixLastYear)
		}
		e.screenshot(t, tb, lang+"-completeness-provisional")
		if status, _ := e.open(t, tb, "/"+lang+"/overview?year="+strconv.Itoa(fixLastYear), phone); status != 200 {
			t.Fatalf("%s overview: HTTP %d", lang, status)
		}
		e.screenshot(t, tb, lang+"-overview-provisional-phone")
	}

	// Zeros, suppressed cells and no data, told apart in a drawn chart: the
	// fixture with those states in ill-defined causes by area (2018).
	e.s.SetData(statesData(t))
	defer e.s.SetData(e.data)
	for _, lang := range Langs {
		if status, _ := e.open(t, tb, "/"+lang+"/causes?year=2018", desktop); status != 200 {
			t.Fatalf("%s causes: HTTP %d", lang, status)
		}
		st := eval[map[string]string](t, tb, "states", `(() => {
			const c = echarts.getInstanceByDom(document.getElementById("c-illdef_areas"));
			const o = c.getOption();
			const cats = o.yAxis[0].data;
			const out = {};
			const val = o.series[0].data, ph = o.series[1].data;
			cats.forEach((name, i) => {
				const v = val[i], p = ph[i];
				const value = v !== null && typeof v === "object" ? v.value : v;
				out[name] = (p && p.state === "suppressed") ? "suppressed" : value === 0 ? "zero" : (value === null || value === undefined) ? "none" : "value";
			});
			return out;
		})()`)
		for _, c := range []struct {
			codes []string
			want  string
		}{{stateZero, "zero"}, {stateSupp, "suppressed"}, {stateNone, "none"}} {
			for _, code := range c.codes {
				if got := st[e.data.name(code, lang)]; got != c.want {
					t.Errorf("%s: %s drawn as %q, want %q", lang, code, got, c.want)
				}
			}
		}
		tip := eval[string](t, tb, "tooltip", tipJS+`("c-illdef_areas", 1,
			echarts.getInstanceByDom(document.getElementById("c-illdef_areas")).getOption().series[1].data.findIndex(d => d && d.state === "suppressed"))`)
		if !strings.Contains(tip, tr(lang, "state_suppressed")) {
			t.Errorf("%s: a suppressed bar's tooltip %q does not say <5", lang, tip)
		}
		e.screenshot(t, tb, lang+"-causes-states")
		// a district whose births are all suppressed: lines marked <5
		if status, _ := e.open(t, tb, "/"+lang+"/fertility?area="+fixSmall, phone); status != 200 {
			t.Fatalf("%s fertility %s: HTTP %d", lang, fixSmall, status)
		}
		e.screenshot(t, tb, lang+"-fertility-suppressed-phone")
	}
	problems, _ := tb.take()
	for _, p := range problems {
		t.Error(p)
	}
}
