package dashboards

// fontFamily puts the shipped Khmer font first, so that Khmer labels drawn
// on the canvas render the same everywhere.
const fontFamily = `"Noto Sans Khmer", system-ui, sans-serif`

// chartOption builds a frame's ECharts option and returns it as JSON (sel:
// on a map, the area code to outline); the page's script (assets/app.js)
// hands it to echarts.init. The option holds no functions, so the pages
// need no inline script.
//
// The option is built directly as the generic JSON values (maps, slices,
// float64, string, bool) that go-echarts' output gave once unmarshalled,
// decorated with what go-echarts has no field for (each point's state and
// text, axis names, reference lines) and written by appendJSON, in the
// bytes encoding/json writes: every page renders it, and building it with
// go-echarts, marshalling, unmarshalling and marshalling again was a third
// of a page's time. chart_ref_test.go keeps the go-echarts path and holds
// this one to its bytes.
func chartOption(f *frame, lang, sel string) ([]byte, bool) {
	o := baseOption(f, lang)
	if o == nil {
		return nil, false
	}
	// src[i] is the frame series the option's series i draws (-1: none).
	var src []int
	var series []any
	switch f.Kind {
	case "line":
		for s, name := range f.Series {
			data := make([]any, len(f.X))
			// Provisional points (registrations still arriving) go on a
			// dashed line of their own, joined to the last final point,
			// with hollow symbols: they are not a fall in the rate.
			var prov []any
			for x := range data {
				data[x] = map[string]any{}
			}
			for x, cl := range f.Cells[s] {
				v := chartValue(cl, false)
				if v != nil {
					data[x] = map[string]any{"value": v}
				}
				if cl.flagged("provisional") && v != nil {
					if prov == nil {
						prov = make([]any, len(f.X))
						for i := range prov {
							prov[i] = map[string]any{}
						}
						if x > 0 && !f.Cells[s][x-1].flagged("provisional") {
							if pv := chartValue(f.Cells[s][x-1], false); pv != nil {
								prov[x-1] = map[string]any{"value": pv}
							}
						}
					}
					prov[x] = map[string]any{"value": v, "symbol": "emptyCircle"}
					data[x] = map[string]any{}
				}
			}
			// both lines of a series in its colour (ECharts' default palette)
			color := palette[s%len(palette)]
			series = append(series, lineSeries(name, data, color, ""))
			src = append(src, s)
			if prov != nil {
				src = append(src, s)
				series = append(series, lineSeries(name+" ("+tr(lang, "provisional")+")", prov, color, "dashed"))
			}
		}
	case "bar", "hbar", "pyramid":
		for s, name := range f.Series {
			data := make([]any, len(f.X))
			for x := range data {
				data[x] = map[string]any{}
			}
			for x, cl := range f.Cells[s] {
				// The pyramid draws the first series (males) to the left.
				if v := chartValue(cl, f.Kind == "pyramid" && s == 0); v != nil {
					data[x] = map[string]any{"value": v}
				}
			}
			bs := map[string]any{"name": name, "type": "bar", "data": data}
			if f.Kind == "pyramid" {
				bs["stack"] = "pyramid"
			}
			series = append(series, bs)
			src = append(src, s)
		}
	case "map":
		name := ""
		if len(f.Series) > 0 {
			name = f.Series[0]
		}
		series = []any{map[string]any{"name": name, "type": "map", "map": "KHM-" + lang, "data": nil}}
		src = append(src, -1) // the map's items are mapSeries'
	}
	if series != nil {
		o["series"] = series
	}
	o["textStyle"] = map[string]any{"fontFamily": fontFamily, "fontSize": chartFontSize(lang)}
	decorate(o, f, lang, src)
	if f.Kind == "map" {
		// The items and the classes are written here: ECharts' series
		// options have no field for one item's style (its class's fill,
		// the selected province's outline).
		o["series"] = []any{mapSeries(f, lang, sel), mapLegend(f, lang)}
	}
	b, err := appendJSON(make([]byte, 0, 4096), o)
	if err != nil {
		return nil, false
	}
	return b, true
}

// baseOption is the option of a kind of chart before its series: what
// go-echarts wrote for the global options chartOption gave it (a tooltip
// on the axis, a scrolling legend when there are several series, no
// animation, a grid that contains the labels) and its default palette. Nil
// for a frame drawn without a chart (cards, lists).
func baseOption(f *frame, lang string) map[string]any {
	colors := make([]any, len(palette))
	for i, c := range palette {
		colors[i] = c
	}
	o := map[string]any{"animation": false, "color": colors, "title": map[string]any{}, "toolbox": map[string]any{}, "series": nil}
	var x any // the categories, as go-echarts sets an axis' data: null when there are none
	if f.X != nil {
		l := make([]any, len(f.X))
		for i, s := range f.X {
			l[i] = s
		}
		x = l
	}
	switch f.Kind {
	case "line", "bar", "hbar", "pyramid":
	case "map":
		o["legend"] = map[string]any{"show": false}
		o["tooltip"] = map[string]any{"show": true, "trigger": "item"}
		return o
	default:
		return nil
	}
	o["legend"] = map[string]any{"type": "scroll", "show": len(f.Series) > 1, "top": "0"}
	o["grid"] = []any{map[string]any{"left": "8", "top": "36", "right": "24", "bottom": "8", "containLabel": true}}
	tooltip := map[string]any{"show": true, "trigger": "axis"}
	o["tooltip"] = tooltip
	switch f.Kind {
	case "line", "bar":
		o["xAxis"] = []any{map[string]any{"data": x}}
		o["yAxis"] = []any{map[string]any{}}
		return o
	}
	tooltip["axisPointer"] = map[string]any{"type": "shadow"}
	// horizontal bars: the categories on the y axis
	y := map[string]any{}
	if x != nil {
		y["data"] = x
	}
	if f.Kind == "hbar" {
		// highest first, at the top
		y["type"], y["inverse"] = "category", true
	}
	o["xAxis"] = []any{map[string]any{}}
	o["yAxis"] = []any{y}
	return o
}

// lineSeries is a line as go-echarts wrote it: symbols shown, gaps left
// open, in one colour (dash: "" or "dashed").
func lineSeries(name string, data []any, color, dash string) map[string]any {
	ls := map[string]any{"color": color}
	if dash != "" {
		ls["type"] = dash
	}
	return map[string]any{"name": name, "type": "line", "connectNulls": false, "showSymbol": true, "data": data,
		"animation": false, "itemStyle": map[string]any{"color": color}, "lineStyle": ls}
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
