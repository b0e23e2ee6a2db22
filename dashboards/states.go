package dashboards

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// A chart tells each value's state apart, as its table does: a suppressed
// cell (1 to 4 events) is a hatched grey placeholder bar labelled <5, a
// true zero is drawn as 0 (and labelled, since a zero bar has no length),
// no data is a gap named in the note under the chart, and a provisional
// value is dashed (lines) or pale (bars). Each point carries its text as the
// table writes it (value, interval, state), for app.js's tooltip.

// refLine is a reference line drawn across a chart: the national value, a
// target.
type refLine struct {
	Label string
	Value float64
	Kind  string // national, target
}

// hatch is the decal of a placeholder bar.
var hatch = map[string]any{"symbol": "rect", "symbolSize": 1, "dashArrayX": []any{1, 0}, "dashArrayY": []any{2, 4}, "rotation": -0.785398, "color": "rgba(0,0,0,0.35)"}

// pointText is a cell as a tooltip shows it.
func pointText(c *cell, u unit, lang string, negate bool) string {
	switch {
	case c == nil:
		return tr(lang, "state_no_data")
	case c.Suppressed:
		return tr(lang, "state_suppressed")
	case !c.HasValue:
		return tr(lang, "state_no_data")
	}
	cc := *c
	if negate {
		cc.Value, cc.Low, cc.High = math.Abs(cc.Value), math.Abs(cc.Low), math.Abs(cc.High)
	}
	s := u.interval(&cc)
	if l := u.label(lang); l != "" {
		s += " " + l
	}
	if c.Basis != "" && c.Basis != "registered" {
		s += " · " + tr(lang, c.Basis)
	}
	if c.flagged("provisional") {
		s += " · " + tr(lang, "provisional")
	}
	// what qualifies the value, in words: a registered rate under 70%
	// complete is not the level; few events make it unstable
	for _, q := range [][2]string{{"completeness_lt70", "registered_incomplete"}, {"lt20", "tip_lt20"}, {"window_open", "tip_window_open"}} {
		if c.flagged(q[0]) {
			s += " · " + tr(lang, q[1])
		}
	}
	return s
}

func asMap(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{"value": v}
}

// decorate adds to a chart's option what go-echarts has no field for.
// src[i] is the frame series that the option's series i draws.
func decorate(o map[string]any, f *frame, lang string, src []int) {
	u := f.unit()
	series, _ := o["series"].([]any)
	horizontal := f.Kind == "hbar" || f.Kind == "pyramid"
	// axis names: the unit on the value axis, the categories' name on a
	// vertical chart's category axis
	if f.Kind != "map" {
		grid, _ := o["grid"].([]any)
		var g map[string]any
		if len(grid) > 0 {
			g, _ = grid[0].(map[string]any)
		}
		valueAxis, catAxis := "yAxis", "xAxis"
		if horizontal {
			valueAxis, catAxis = "xAxis", "yAxis"
		}
		if name := u.axisName(lang); name != "" {
			for _, a := range axes(o, valueAxis) {
				a["name"] = name
				a["nameLocation"] = "middle"
				if horizontal {
					a["nameGap"] = 26
				} else {
					a["nameGap"] = 18 + 7*maxLabelChars(f, u)
					a["nameRotate"] = 90
				}
			}
			if g != nil {
				if horizontal {
					g["bottom"] = "28"
				} else {
					g["left"] = "30"
				}
			}
		}
		if !horizontal && f.XLabel != "" {
			for _, a := range axes(o, catAxis) {
				a["name"], a["nameLocation"], a["nameGap"] = f.XLabel, "middle", 26
			}
			if g != nil {
				g["bottom"] = "28"
			}
		}
	}
	for i, sv := range series {
		s, ok := sv.(map[string]any)
		if !ok || i >= len(src) || src[i] < 0 {
			continue
		}
		data, _ := s["data"].([]any)
		for x, dv := range data {
			item := asMap(dv)
			data[x] = item
			var c *cell
			if f.Kind == "map" {
				// map items are in category order, one per area
				c = f.Cells[0][x]
			} else if x < len(f.Cells[src[i]]) {
				c = f.Cells[src[i]][x]
			}
			if item["value"] == nil {
				continue // a gap: a line split at a provisional year, no data, suppressed
			}
			item["text"] = pointText(c, u, lang, f.Kind == "pyramid")
			if c.flagged("provisional") {
				item["provisional"] = true
				if f.Kind != "line" {
					item["itemStyle"] = map[string]any{"opacity": 0.45, "decal": hatch}
				}
			}
			if v, ok := item["value"].(float64); ok && v == 0 && f.Kind != "line" && f.Kind != "map" {
				pos := "top"
				if horizontal {
					pos = "right"
				}
				item["label"] = map[string]any{"show": true, "position": pos, "formatter": "0"}
			}
		}
	}
	switch {
	case f.Surv != nil:
		series = survSeries(f, lang, u)
		survAxis(o)
		if g := axes(o, "grid"); len(g) > 0 {
			g[0]["top"] = "56" // room for the provisional rule's label under the legend
		}
	case f.Kind == "line":
		series = markSuppressed(series, f, src)
	}
	switch {
	case f.Stack == "completeness":
		series = completenessSeries(f, lang, u)
		for _, a := range axes(o, "xAxis") {
			a["min"], a["max"] = 0, f.AxisMax
		}
		if g := axes(o, "grid"); len(g) > 0 {
			g[0]["top"], g[0]["right"] = "56", "60"
		}
	case f.Kind == "bar" || f.Kind == "hbar":
		if ph := placeholder(f, horizontal, lang); ph != nil {
			if len(f.Series) == 1 {
				ph["barGap"] = "-100%" // over the empty slot of the one series
			}
			series = append(series, ph)
		}
	}
	o["series"] = series
	legendData(o)
	// app.js's tooltip shows each point's text; a map's is per item
	if t, ok := o["tooltip"].(map[string]any); ok {
		t["confine"] = true
	}
}

// legendData lists in the legend the series a reader tells apart: not the
// rules (unnamed custom series), which ECharts would list as "series3".
func legendData(o map[string]any) {
	series, _ := o["series"].([]any)
	var names []any
	for _, sv := range series {
		if s, ok := sv.(map[string]any); ok && s["renderItem"] != "rule" {
			if n, ok := s["name"].(string); ok && !slices.Contains(names, any(n)) {
				names = append(names, n)
			}
		}
	}
	for _, l := range axes(o, "legend") {
		l["data"] = names
	}
}

// axes are the option's axis (or grid) objects of a name.
func axes(o map[string]any, name string) []map[string]any {
	var out []map[string]any
	switch v := o[name].(type) {
	case []any:
		for _, a := range v {
			if m, ok := a.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, v)
	}
	return out
}

// maxLabelChars is how wide the value axis' labels may be, in characters.
func maxLabelChars(f *frame, u unit) int {
	m := 0.0
	for _, cs := range f.Cells {
		for _, c := range cs {
			if c != nil && c.HasValue {
				m = math.Max(m, math.Abs(c.Value))
			}
		}
	}
	if u.Key == "share" {
		return len(strconv.Itoa(int(math.Ceil(m*10)*10))) + 1 // no decimals on the axis: 60%
	}
	n := len(group(strings.Split(u.number(m), ".")[0]))
	if m < 10 && u.Decimals > 0 { // small ticks keep their decimals: 2.25
		n += 1 + u.Decimals
	}
	return n
}

// placeholder is the series of a bar chart's suppressed cells (those of its
// first series): a hatched grey bar a fiftieth of the axis long, labelled
// <5, so that it reads as a marker and not as a value.
func placeholder(f *frame, horizontal bool, lang string) map[string]any {
	if len(f.Cells) == 0 {
		return nil
	}
	hi := 0.0
	for _, cs := range f.Cells {
		for _, c := range cs {
			if c != nil && c.HasValue {
				hi = math.Max(hi, math.Abs(c.Value))
			}
		}
	}
	if f.AxisMax > 0 {
		hi = f.AxisMax
	}
	if hi == 0 {
		hi = 1
	}
	data := make([]any, len(f.X))
	found := false
	for x, c := range f.Cells[0] {
		if c != nil && c.Suppressed {
			data[x] = map[string]any{"value": hi / 50, "state": "suppressed", "text": tr(lang, "state_suppressed")}
			found = true
		}
	}
	if !found {
		return nil
	}
	pos := "top"
	if horizontal {
		pos = "right"
	}
	s := map[string]any{"type": "bar", "name": tr(lang, "state_suppressed"), "data": data,
		"itemStyle": map[string]any{"color": "#c7cdd4", "decal": hatch},
		"label":     map[string]any{"show": true, "position": pos, "formatter": "<5", "color": "#5b6776"}}
	if f.Stack != "" {
		s["stack"] = f.Stack
	}
	return s
}

// completenessSeries draws a completeness ranking as one bar per area on a
// 0-100% scale: registered on time, registered late (all registered less
// on time), and not (yet) registered (the rest of the expected events), with
// the interval of all registered as a whisker, the national value and the
// SDG 17.19.2 target as lines.
func completenessSeries(f *frame, lang string, u unit) []any {
	all := slices.Index(f.Series, tr(lang, "registered"))
	legal := slices.Index(f.Series, tr(lang, "within_legal"))
	n := len(f.X)
	onTime, late, never := make([]any, n), make([]any, n), make([]any, n)
	var whisk []any
	for x := range n {
		var a, l *cell
		if all >= 0 {
			a = f.Cells[all][x]
		}
		if legal >= 0 {
			l = f.Cells[legal][x]
		}
		if a == nil || !a.HasValue {
			continue
		}
		prov := a.flagged("provisional")
		item := func(v float64, text string) map[string]any {
			it := map[string]any{"value": v, "text": text}
			if prov {
				it["provisional"] = true
				it["itemStyle"] = map[string]any{"opacity": 0.45}
			}
			return it
		}
		total := pointText(a, u, lang, false)
		if l != nil && l.HasValue {
			it := item(l.Value, pointText(l, u, lang, false))
			it["total"] = total
			onTime[x] = it
			late[x] = item(math.Max(0, a.Value-l.Value), u.number(math.Max(0, a.Value-l.Value)))
		} else {
			// no split: all registered, drawn as one
			it := item(a.Value, total)
			it["total"] = total
			late[x] = it
		}
		never[x] = item(math.Max(0, 1-a.Value), u.number(math.Max(0, 1-a.Value)))
		if a.HasCI {
			whisk = append(whisk, []any{a.Low, x, a.High})
		}
	}
	stack := func(name, color string, data []any) map[string]any {
		return map[string]any{"type": "bar", "name": name, "stack": f.Stack, "data": data, "itemStyle": map[string]any{"color": color}}
	}
	first := stack(tr(lang, "within_legal"), "#0b5fa5", onTime)
	out := []any{first, stack(tr(lang, "late"), "#6fa8dc", late), stack(tr(lang, "never"), "#eceff3", never)}
	if ph := placeholder(f, true, lang); ph != nil {
		out = append(out, ph)
	}
	var lines []any
	for _, r := range f.Refs {
		color, dash := "#1d2733", "solid"
		if r.Kind == "target" {
			color, dash = "#b00020", "dashed"
		}
		lines = append(lines, rule(r.Value, nil, r.Label, color, dash))
	}
	if len(lines) > 0 {
		out = append(out, ruleSeries(lines))
	}
	if len(whisk) > 0 {
		out = append(out, map[string]any{"type": "custom", "name": tr(lang, "ci"), "renderItem": "whisker",
			"encode": map[string]any{"x": []any{0, 2}, "y": 1}, "data": whisk, "z": 10, "silent": true,
			"itemStyle": map[string]any{"color": "#1d2733"}, "tooltip": map[string]any{"show": false}})
	}
	return out
}

// stateNote names, under a chart, the categories with no data and those
// suppressed, and says that zeros are drawn: the states a chart can show
// only by a gap or a marker.
func stateNote(f *frame, lang string) string {
	if f.Kind == "cards" || f.Kind == "list" || f.Kind == "map" || len(f.Cells) == 0 {
		return ""
	}
	var none, supp []string
	zero, prov := false, false
	for x, label := range f.X {
		allNone, anySupp := true, false
		for s := range f.Cells {
			c := f.Cells[s][x]
			switch {
			case c == nil:
			case c.Suppressed:
				anySupp, allNone = true, false
			case c.HasValue:
				allNone = false
				zero = zero || c.Value == 0
				prov = prov || c.flagged("provisional")
			}
		}
		if allNone && !anySupp {
			none = append(none, label)
		}
		if anySupp {
			supp = append(supp, label)
		}
	}
	var parts []string
	if len(supp) > 0 {
		parts = append(parts, tr(lang, "note_suppressed")+" "+strings.Join(supp, ", ")+".")
	}
	if len(none) > 0 {
		parts = append(parts, tr(lang, "note_no_data")+" "+strings.Join(none, ", ")+".")
	}
	if zero {
		parts = append(parts, tr(lang, "note_zero"))
	}
	return strings.Join(parts, " ")
}

// hasProvisional reports whether a frame shows a provisional value.
func (f *frame) hasProvisional() bool {
	for _, cs := range f.Cells {
		for _, c := range cs {
			if c.flagged("provisional") {
				return true
			}
		}
	}
	return false
}

// markSuppressed marks, on a line, each category where a series' value is
// suppressed: a dotted vertical line labelled <5 at the gap, so that the
// gap does not read as no data; in the series' colour, or grey where
// several series are suppressed.
func markSuppressed(series []any, f *frame, src []int) []any {
	done := map[int]bool{}
	color := map[int]string{} // category -> the colour of its rule
	for i := range series {
		if i >= len(src) || src[i] < 0 || done[src[i]] {
			continue
		}
		done[src[i]] = true
		for x, c := range f.Cells[src[i]] {
			if c != nil && c.Suppressed {
				if _, ok := color[x]; ok {
					color[x] = "#6b7785"
				} else {
					color[x] = palette[src[i]%len(palette)]
				}
			}
		}
	}
	var lines []any
	for x := range f.X {
		if c, ok := color[x]; ok {
			l := rule(x, nil, "<5", c, "dotted")
			l["state"] = "suppressed"
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		series = append(series, ruleSeries(lines))
	}
	return series
}

// rule is one line drawn across a chart's plot at x (a value, or a
// category's index), labelled above the plot: a reference value, a target,
// a suppressed point. y is a value on the other axis or nil (nothing, so
// that the rule does not stretch the axis): app.js's "rule" renderer takes
// only the line's x.
func rule(x, y any, label, color, dash string) map[string]any {
	return map[string]any{"value": []any{x, y}, "label": label, "color": color, "dash": dash}
}

// ruleSeries draws rules as a custom series (app.js's "rule" renderer), not
// ECharts' markLine: the markLine component is 4 KB of the first visit's
// bytes, and a custom series is already shipped for the whiskers. Silent,
// without a tooltip, and left out of the legend (legendData).
func ruleSeries(lines []any) map[string]any {
	return map[string]any{"type": "custom", "renderItem": "rule", "data": lines, "silent": true, "z": 9,
		"encode": map[string]any{"x": 0, "y": 1}, "tooltip": map[string]any{"show": false}}
}
