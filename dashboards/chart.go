package dashboards

import (
	"encoding/json"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// fontFamily puts the shipped Khmer font first, so that Khmer labels drawn
// on the canvas render the same everywhere.
const fontFamily = `"Noto Sans Khmer", system-ui, sans-serif`

// chartOption builds a frame's ECharts option with go-echarts and returns it
// as JSON (sel: on a map, the area code to outline); the page's script (assets/app.js) hands it to echarts.init. The
// option holds no functions, so the pages need no inline script.
func chartOption(f *frame, lang, sel string) ([]byte, bool) {
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

// chartFontSize is the charts' text size in pixels: Khmer script, with its
// stacked subscripts and vowels, needs a larger size than Latin to read.
func chartFontSize(lang string) int {
	if lang == "km" {
		return 14
	}
	return 13
}

// palette is ECharts' default series colours, set explicitly where two
// series (final and provisional points) must share one.
var palette = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}

// chartValue is what a chart draws for a cell: nothing where there is no
// value (suppressed cells among them), so the line breaks there.
func chartValue(c *cell, negate bool) any {
	if c == nil || !c.HasValue || c.Suppressed {
		return nil
	}
	v := c.Value
	if negate {
		v = -v
	}
	return v
}
