package dashboards

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chartOptionEcharts is chartOption as it was before it built the option
// itself: go-echarts' JSON, unmarshalled into generic values, decorated and
// marshalled again. Tests hold the fast path to its bytes.
// It builds a frame's ECharts option with go-echarts and returns it
// as JSON (sel: on a map, the area code to outline); the page's script (assets/app.js) hands it to echarts.init. The
// option holds no functions, so the pages need no inline script.
func chartOptionEcharts(f *frame, lang, sel string) ([]byte, bool) {
	var c interface {
		Validate()
		JSON() map[string]interface{}
	}
	size := opts.Initialization{ChartID: "c-" + f.ID, Width: "100%", Height: "360px", AssetsHost: "/assets/"}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(size),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(f.Series) > 1), Type: "scroll", Top: "0"}),
		charts.WithAnimation(false),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "36", Bottom: "8", ContainLabel: opts.Bool(true)}),
	}
	// src[i] is the frame series the chart's series i draws (-1: none).
	var src []int
	switch f.Kind {
	case "line":
		l := charts.NewLine()
		l.SetGlobalOptions(global...)
		l.SetXAxis(f.X)
		for s, name := range f.Series {
			data := make([]opts.LineData, len(f.X))
			// Provisional points (registrations still arriving) go on a
			// dashed line of their own, joined to the last final point,
			// with hollow symbols: they are not a fall in the rate.
			var prov []opts.LineData
			for x, cl := range f.Cells[s] {
				data[x] = opts.LineData{Value: chartValue(cl, false)}
				if cl.flagged("provisional") && data[x].Value != nil {
					if prov == nil {
						prov = make([]opts.LineData, len(f.X))
						if x > 0 && !f.Cells[s][x-1].flagged("provisional") {
							prov[x-1] = data[x-1]
						}
					}
					prov[x] = opts.LineData{Value: data[x].Value, Symbol: "emptyCircle"}
					data[x] = opts.LineData{}
				}
			}
			// both lines of a series in its colour (ECharts' default palette)
			color := palette[s%len(palette)]
			l.AddSeries(name, data, charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: color}), charts.WithLineStyleOpts(opts.LineStyle{Color: color}))
			src = append(src, s)
			if prov != nil {
				src = append(src, s)
				l.AddSeries(name+" ("+tr(lang, "provisional")+")", prov,
					charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true)}),
					charts.WithItemStyleOpts(opts.ItemStyle{Color: color}), charts.WithLineStyleOpts(opts.LineStyle{Color: color, Type: "dashed"}))
			}
		}
		c = l
	case "bar", "hbar", "pyramid":
		b := charts.NewBar()
		if f.Kind != "bar" {
			global[1] = charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}})
		}
		b.SetGlobalOptions(global...)
		b.SetXAxis(f.X)
		for s, name := range f.Series {
			data := make([]opts.BarData, len(f.X))
			for x, cl := range f.Cells[s] {
				// The pyramid draws the first series (males) to the left.
				data[x] = opts.BarData{Value: chartValue(cl, f.Kind == "pyramid" && s == 0)}
			}
			var so []charts.SeriesOpts
			if f.Kind == "pyramid" {
				so = append(so, charts.WithBarChartOpts(opts.BarChart{Stack: "pyramid"}))
			}
			b.AddSeries(name, data, so...)
			src = append(src, s)
		}
		if f.Kind != "bar" {
			b.XYReversal()
			if f.Kind == "hbar" {
				// highest first, at the top
				b.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Inverse: opts.Bool(true), Type: "category"}))
			}
		}
		c = b
	case "map":
		m := charts.NewMap()
		m.RegisterMapType("KHM-" + lang)
		m.SetGlobalOptions(append(global[:1],
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
			charts.WithAnimation(false),
		)...)
		name := ""
		if len(f.Series) > 0 {
			name = f.Series[0]
		}
		m.AddSeries(name, nil)
		src = append(src, -1) // the map's items are mapSeries'
		c = m
	default:
		return nil, false
	}
	c.Validate()
	// The option as plain JSON values, to add what go-echarts has no field
	// for: each point's state and text, axis names, reference lines.
	raw, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, false
	}
	var o map[string]any
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, false
	}
	o["textStyle"] = map[string]any{"fontFamily": fontFamily, "fontSize": chartFontSize(lang)}
	decorate(o, f, lang, src)
	if f.Kind == "map" {
		// The items and the classes are written here: go-echarts has no
		// field for one item's style (its class's fill, the selected
		// province's outline).
		o["series"] = []any{mapSeries(f, lang, sel), mapLegend(f, lang)}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, false
	}
	return b, true
}

// TestChartOptionMatchesEcharts holds chartOption, which builds the option
// itself, to the bytes of the go-echarts path it replaced, for every chart
// of every page in both languages, for the nation, every province, some
// districts (a small one among them), several years and each sex, with
// and without a provisional year.
func TestChartOptionMatchesEcharts(t *testing.T) {
	s := fixServer(t, "")
	runs, _ := s.opt.Runs()
	n := 0
	// the fixture, and the fixture with its last year provisional (dashed
	// lines, pale bars)
	for _, d := range []*Data{s.data.Load(), provisionalData(t)} {
		areas := append([]string{"KH", "0701", "0702", "1201", fixSmall}, d.provinces...)
		years := []int{d.years[0], d.Year, d.years[len(d.years)-1]}
		for _, p := range pages {
			for _, lang := range Langs {
				for _, area := range areas {
					for _, year := range years {
						for _, sex := range []string{"T", "M", "F"} {
							v := view{d: d, f: Filter{Year: year, Area: area, Sex: sex}, lang: lang, scope: "KH", runs: runs}
							for _, f := range p.frames(v) {
								want, wok := chartOptionEcharts(f, lang, area)
								got, gok := chartOption(f, lang, area)
								if wok != gok || !bytes.Equal(got, want) {
									t.Fatalf("%s %s %s %d %s, frame %s (%s):\n got %v %s\nwant %v %s", p.ID, lang, area, year, sex, f.ID, f.Kind, gok, got, wok, want)
								}
								if gok {
									n++
								}
							}
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d charts compared", n)
	}
	t.Logf("%d charts alike", n)
}

// TestAppendJSON holds appendJSON to encoding/json on the values a chart
// option holds, strings and numbers that need care among them.
func TestAppendJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ back`, "<b>&amp;</b>", "tab\tnl\nret\r\b\f\x00\x1f\x7f", "ខ្មែរ – 79.5%",
		"line\u2028para\u2029", "bad \xff utf8 \xe2\x82", "emoji 😀"}
	nums := []float64{0, math.Copysign(0, -1), 1, -1000, 0.1 + 0.2, 1e-7, 1.5e-7, 1e-6, 123456789, 1e20, 1e21, 1.2345e22, -3e-10, math.MaxFloat64, math.SmallestNonzeroFloat64}
	var vals []any
	for _, s := range strs {
		vals = append(vals, s, map[string]any{s: s})
	}
	for _, f := range nums {
		vals = append(vals, f)
	}
	vals = append(vals, nil, true, false, 26, int64(-7), []any(nil), []any{}, []string(nil), []string{"a", "<"}, map[string]any{},
		map[string]any{"b": 1, "a": []any{nil, 0.5, "x"}, "A": map[string]any{"z": true}, "": 0},
		[]float64{1, 2.5}, map[string]string{"k": "v"}, [][]float64{{1, 2}})
	for _, v := range vals {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s (%v), want %s", v, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := appendJSON(nil, f); err == nil {
			t.Errorf("%v: no error", f)
		}
	}
}
