package dashboards

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The pages on a phone, printed, and as pictures; the downloads page; the
// slim ECharts build. Run by TestBrowser (t.Run("Export", ...)).

// fixReleaseFiles is a release laid out as vitalstats export writes one,
// in the order its list gives them (the research extracts first).
func fixReleaseFiles() []Download {
	t0 := time.Date(2021, 7, 1, 3, 0, 0, 0, time.UTC)
	var list []Download
	add := func(p string, n int64) {
		list = append(list, Download{Release: "20210701T030000Z", Status: "final", Created: t0, Path: p, Bytes: n, SHA256: strings.Repeat("ab", 32)})
	}
	add("README.md", 4_000)
	add("provisional_years.csv", 60)
	add("release.json", 30_000)
	add("research/README.md", 3_000)
	for _, ev := range []string{"births", "deaths", "fetal_deaths", "marriages"} {
		add("research/"+ev+"/codebook.md", 9_000)
		add("research/"+ev+"/codebook.json", 12_000)
		for y := 2018; y <= 2020; y++ {
			add(fmt.Sprintf("research/%s/%s_%d.parquet", ev, ev, y), 14_000_000)
			add(fmt.Sprintf("research/aggregates/csv/%s_province_month_%d.csv", ev, y), 40_000)
			add(fmt.Sprintf("research/aggregates/sdmx/%s_province_month_%d.csv", ev, y), 90_000)
		}
	}
	for _, tb := range []string{"births_age_province", "births_sex_place", "deaths_age_province", "deaths_age_sex", "deaths_cause_age", "fetal_deaths", "infant_deaths", "marriages_ages"} {
		add("tables/csv/"+tb+"_2020.csv", 8_000)
		add("tables/sdmx/"+tb+"_2020.csv", 20_000)
	}
	add("tables/annual_report_2020.xlsx", 300_000)
	return list
}

func (e *browserEnv) testExport(t *testing.T) {
	// A server of its own, with a release to list.
	s := fixServer(t, "")
	s.opt.Downloads = func() ([]Download, error) { return fixReleaseFiles(), nil }
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	xe := *e
	xe.srv, xe.s = srv, s
	tb := xe.signIn(t, "admin", "/en/overview")

	t.Run("Downloads", func(t *testing.T) {
		for _, lang := range Langs {
			path := "/" + lang + "/downloads"
			if status, _ := xe.open(t, tb, path, phone); status != 200 {
				t.Fatalf("%s: HTTP %d", path, status)
			}
			l := eval[layout](t, tb, "measure "+path, layoutScript)
			if l.ScrollWidth > l.InnerWidth || l.InnerWidth != int(phone[0]) {
				t.Errorf("%s: overflows at %dpx: scrollWidth %d, innerWidth %d; widest element %s", path, phone[0], l.ScrollWidth, l.InnerWidth, l.Widest)
			}
			// Grouped by kind, the annual report first; every file
			// listed once, with a description.
			groups := eval[[]string](t, tb, "groups", `[...document.querySelectorAll("details.files")].map(d => [...d.classList].find(c => c.startsWith("files-")))`)
			want := []string{"files-report", "files-tables", "files-extracts", "files-aggregates", "files-release"}
			if strings.Join(groups, " ") != strings.Join(want, " ") {
				t.Errorf("%s: groups %v, want %v", path, groups, want)
			}
			files := eval[[]struct {
				Href string `json:"href"`
				Desc string `json:"desc"`
			}](t, tb, "files", `[...document.querySelectorAll("ul.files li")].map(li => ({href: li.querySelector("a").getAttribute("href"), desc: li.querySelector(".desc").textContent.trim()}))`)
			if len(files) != len(fixReleaseFiles()) {
				t.Errorf("%s: %d files listed, the release has %d", path, len(files), len(fixReleaseFiles()))
			}
			for _, f := range files {
				if len([]rune(f.Desc)) < 10 {
					t.Errorf("%s: %s has no description (%q)", path, f.Href, f.Desc)
				}
			}
			if len(files) > 0 && !strings.HasSuffix(files[0].Href, "annual_report_2020.xlsx") {
				t.Errorf("%s: the first file is %s, not the annual report", path, files[0].Href)
			}
			xe.screenshot(t, tb, lang+"-downloads-phone")
			problems, _ := tb.take()
			for _, p := range problems {
				t.Errorf("%s: %s", path, p)
			}
		}
	})

	t.Run("PhoneMenu", func(t *testing.T) {
		for _, lang := range Langs {
			path := "/" + lang + "/causes"
			xe.open(t, tb, path, phone)
			type state struct {
				Header   float64 `json:"header"`
				NavShown bool    `json:"navShown"`
				Expanded string  `json:"expanded"`
			}
			const measure = `({header: document.querySelector("header").getBoundingClientRect().height,
				navShown: document.querySelector("nav.pages").getClientRects().length > 0,
				expanded: document.querySelector("button.menu-toggle").getAttribute("aria-expanded")})`
			closed := eval[state](t, tb, "menu closed", measure)
			// The header is one line: a tenth of the first screen at most.
			if closed.NavShown || closed.Expanded != "false" || closed.Header > float64(phone[1])/10 {
				t.Errorf("%s on a phone: header %.0fpx high, pages menu shown %v, aria-expanded %s", path, closed.Header, closed.NavShown, closed.Expanded)
			}
			run(t, tb, "open the menu", chromedp.Click(chromedp.CSS("button.menu-toggle")))
			open := eval[state](t, tb, "menu open", measure)
			if !open.NavShown || open.Expanded != "true" {
				t.Errorf("%s: the menu button does not open the menu: %+v", path, open)
			}
			run(t, tb, "focus the menu", chromedp.Focus(chromedp.CSS("nav.pages a")))
			run(t, tb, "Escape in the menu", chromedp.KeyEvent(kb.Escape))
			if again := eval[state](t, tb, "menu after Escape", measure); again.NavShown || again.Expanded != "false" {
				t.Errorf("%s: Escape does not fold the menu: %+v", path, again)
			}
			// On a laptop the menu is a row of links, with no button.
			xe.open(t, tb, path, desktop)
			wide := eval[state](t, tb, "menu on a laptop", `({header: 0, navShown: document.querySelector("nav.pages").getClientRects().length > 0,
				expanded: String(document.querySelector("button.menu-toggle").getClientRects().length > 0)})`)
			if !wide.NavShown || wide.Expanded != "false" {
				t.Errorf("%s on a laptop: pages menu shown %v, menu button shown %s", path, wide.NavShown, wide.Expanded)
			}
			xe.open(t, tb, path, phone)
			// Leading causes: the names are cut to leave the bars room.
			w := eval[float64](t, tb, "label width", `(() => {
				const c = echarts.getInstanceByDom(document.getElementById("c-leading"));
				return c.getOption().yAxis[0].axisLabel.width / document.getElementById("c-leading").clientWidth;
			})()`)
			if w <= 0 || w > 0.45 {
				t.Errorf("%s: leading causes' labels may take %.0f%% of the chart", path, 100*w)
			}
		}
	})

	t.Run("ChartImage", func(t *testing.T) {
		const path = "/en/causes"
		if status, n := xe.open(t, tb, path, desktop); status != 200 || n <= 0 {
			t.Fatalf("%s: HTTP %d, %d charts", path, status, n)
		}
		buttons := eval[int](t, tb, "buttons", `document.querySelectorAll("button.png:not([hidden])").length`)
		charts := eval[int](t, tb, "charts", `document.querySelectorAll("div.chart[data-rendered]").length`)
		if buttons != charts {
			t.Errorf("%s: %d image buttons for %d charts", path, buttons, charts)
		}
		// The download is an anchor click: caught here before the
		// browser would save it.
		type got struct {
			Href     string `json:"href"`
			Download string `json:"download"`
			Label    string `json:"label"`
			Width    int    `json:"width"`
		}
		g := eval[got](t, tb, "click the image button", `new Promise(done => {
			const b = document.querySelector("#p-leading button.png");
			const orig = HTMLAnchorElement.prototype.click;
			HTMLAnchorElement.prototype.click = function () {
				HTMLAnchorElement.prototype.click = orig;
				const img = new Image();
				img.onload = () => done({href: this.href.slice(0, 22), download: this.download, label: b.getAttribute("aria-label"), width: img.naturalWidth});
				img.onerror = () => done({href: this.href.slice(0, 22), download: this.download, label: b.getAttribute("aria-label"), width: -1});
				img.src = this.href;
			};
			b.click();
		})`)
		if g.Href != "data:image/png;base64," || g.Download != "leading.png" || g.Width <= 0 || !strings.Contains(g.Label, "Leading causes") {
			t.Errorf("chart image: %+v", g)
		}
	})

	t.Run("Print", func(t *testing.T) {
		const path = "/en/quality"
		xe.open(t, tb, path, desktop)
		media := func(m string) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
				return err
			})
		}
		run(t, tb, "print media", media("print"))
		type printed struct {
			Hidden  []string `json:"hidden"`
			Shown   []string `json:"shown"`
			Columns string   `json:"columns"`
			Charts  int      `json:"charts"`
		}
		p := eval[printed](t, tb, "printed", `(() => {
			const shown = sel => [...document.querySelectorAll(sel)].some(el => el.getClientRects().length > 0);
			const hidden = [], seen = [];
			for (const sel of ["header", "nav.pages", "a.csv", "button.png", "details > summary"]) (shown(sel) ? seen : hidden).push(sel);
			// the selection a report is of stays
			if (!shown(".filters")) hidden.push(".filters");
			window.dispatchEvent(new Event("beforeprint"));
			return {hidden, shown: seen, columns: getComputedStyle(document.querySelector("main")).display,
				charts: [...document.querySelectorAll("div.chart canvas")].filter(c => c.getClientRects().length > 0).length};
		})()`)
		if len(p.Shown) > 0 || slices.Contains(p.Hidden, ".filters") {
			t.Errorf("%s printed shows %v, hides %v (the year, area and sex must stay)", path, p.Shown, p.Hidden)
		}
		if p.Columns != "block" || p.Charts == 0 {
			t.Errorf("%s printed: main is %s, %d charts shown", path, p.Columns, p.Charts)
		}
		// beforeprint unfolds every table.
		if closed := eval[int](t, tb, "closed tables", `document.querySelectorAll("main details:not([open])").length`); closed != 0 {
			t.Errorf("%s printed: %d tables folded", path, closed)
		}
		xe.screenshot(t, tb, "en-quality-print")
		run(t, tb, "screen media", media(""))
		eval[bool](t, tb, "afterprint", `window.dispatchEvent(new Event("afterprint")) || true`)
		if shown := eval[bool](t, tb, "header on screen", `document.querySelector("header").getClientRects().length > 0`); !shown {
			t.Errorf("%s: the header stays hidden on screen after printing", path)
		}
		tb.take()
	})

	// The slim ECharts build: smaller than the full one by far, and every
	// series of every page drawn (a chart type the build lacks is dropped
	// without a word in a production build).
	t.Run("SlimECharts", func(t *testing.T) {
		a := s.assets["vendor/echarts.min.js"]
		if n := len(a.body); n > 700_000 {
			t.Errorf("echarts.min.js is %d bytes: not the slim build (the full one is 1.03 MB)", n)
		}
		if len(a.br) == 0 || len(a.br) > 200_000 || len(a.gz) > 230_000 {
			t.Errorf("echarts.min.js compressed: brotli %d bytes, gzip %d bytes", len(a.br), len(a.gz))
		}
		for _, p := range pages {
			path := "/en/" + p.ID
			xe.open(t, tb, path, desktop)
			bad := eval[[]string](t, tb, "series of "+path, `[...document.querySelectorAll("div.chart[data-option]")].flatMap(el => {
				const want = JSON.parse(el.getAttribute("data-option")).series || [];
				const c = echarts.getInstanceByDom(el);
				const got = c ? c.getModel().getSeriesCount() : 0;
				return got === want.length ? [] : [el.id + ": " + got + " of " + want.length + " series (" + want.map(s => s.type).join(",") + ")"];
			})`)
			for _, b := range bad {
				t.Errorf("%s: %s", path, b)
			}
			problems, _ := tb.take()
			for _, p := range problems {
				t.Errorf("%s: %s", path, p)
			}
		}
		// Served compressed: what the browser moved for ECharts.
		enc := eval[float64](t, tb, "transfer", `performance.getEntriesByType("resource").filter(r => r.name.endsWith("/echarts.min.js")).map(r => r.encodedBodySize)[0] || 0`)
		if enc <= 0 || enc > 230_000 {
			t.Errorf("echarts.min.js moved %.0f bytes compressed", enc)
		}
		t.Logf("echarts.min.js: %d bytes, %d gzipped, %d brotli; the browser moved %.0f", len(a.body), len(a.gz), len(a.br), enc)
	})
}
