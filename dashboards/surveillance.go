package dashboards

import (
	"fmt"
	"slices"
	"strings"
)

// The mortality surveillance page (issue 20): deaths by month and by week
// of occurrence as registered so far, the nowcast of the count each recent
// period will have once its late registrations arrive, and the deaths
// expected from earlier years, the last two with their 95% intervals; the
// P-score of each province on the map. The latest complete period and the
// provisional ones (registrations still arriving) are kept apart
// everywhere: a table of them at the top, a dashed rule and a shaded part
// of each chart, dashed lines, the provisional badge.
//
// It reads the published table surveillance, one row per period (week or
// month), area (the nation and the provinces), sex and age group. A
// warehouse built before the table existed lacks it: the page says so
// (Needs marks it optional).

// survColumns are the columns of the surveillance table the page reads.
var survColumns = []string{"period_type", "period", "year", "period_no", "area_code", "sex", "age_group",
	"observed", "nowcast", "nowcast_low", "nowcast_high", "expected", "expected_low", "expected_high",
	"excess", "excess_low", "excess_high", "p_score", "p_score_low", "p_score_high", "status", "flags"}

// The charts show the latest complete periods, this many, and every
// provisional period after them.
const (
	survMonths = 36
	survWeeks  = 52
)

// survChart is how a surveillance chart draws: ProvFrom is the first
// provisional category (len(X) when there is none), after which the chart
// is shaded and the nowcast drawn.
type survChart struct {
	ProvFrom int
}

// The measures of a row as series, in this order (survSeries draws them by
// their place).
const (
	survObserved = iota
	survNowcast
	survExpected
)

// survFlagsOf are the flags of a surveillance row ('|'-separated text, or a
// list where the reader made one).
func survFlagsOf(m *mart, r row) []string {
	switch f := m.get(r, "flags").(type) {
	case []string:
		return f
	case string:
		var out []string
		for _, s := range strings.Split(f, "|") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// survFlagOwner says which measure a flag qualifies, so that a table shows
// each flag once, beside the value it is about: the nowcast's method flags
// beside the nowcast, completeness beside the excess (the P-score is the
// excess over expected deaths: repeating them there pushed the P-score
// column off a desktop's table), why there is no P-score beside it, the
// rest (few deaths, suppression) beside the count.
var survFlagOwner = map[string]string{
	"nowcast": "nowcast", "pooled_delay": "nowcast",
	"low_completeness": "excess", "completeness_changed": "excess", "completeness_unknown": "excess",
	"expected_lt20": "p_score", "expected_not_positive": "p_score",
}

// survCell is one measure of a surveillance row (observed, nowcast,
// expected, excess or p_score) with its interval where the table has one.
// A row the disclosure policy suppressed (flag suppressed, or 1 to 4
// deaths) shows its counts and what derives from them as suppressed; the
// deaths expected from earlier years do not give the count back and stay.
func survCell(m *mart, r row, measure string) *cell {
	c := &cell{}
	c.Value, c.HasValue = m.num(r, measure)
	lo, okl := m.num(r, measure+"_low")
	hi, okh := m.num(r, measure+"_high")
	// a complete period's nowcast is its count: no interval to show
	c.Low, c.High, c.HasCI = lo, hi, okl && okh && c.HasValue && !(lo == c.Value && hi == c.Value)
	flags := survFlagsOf(m, r)
	for _, f := range flags {
		owner, ok := survFlagOwner[f]
		switch {
		case ok && owner == measure:
		case !ok && measure == "observed":
		default:
			continue
		}
		c.Flags = append(c.Flags, f)
	}
	if m.str(r, "status") == "provisional" && measure != "expected" {
		c.Flags = append(c.Flags, "provisional")
	}
	obs, okObs := m.num(r, "observed")
	small := okObs && obs >= 1 && obs <= smallCell
	if measure != "expected" && (slices.Contains(flags, "suppressed") || small) {
		c.Suppressed = true
		c.Value, c.Low, c.High, c.HasValue, c.HasCI = 0, 0, 0, false, false
		if !slices.Contains(c.Flags, "suppressed") {
			c.Flags = append(c.Flags, "suppressed")
		}
	}
	return c
}

// survArea is the area the page shows: surveillance is by province, so a
// district's page shows its province, with a note; "" when the viewer may
// not see that province (an account limited to a district).
func (v view) survArea() (area, note string) {
	area = v.f.Area
	if len(area) > 2 {
		area = area[:2]
		note = fmt.Sprintf(v.t("surv_district_note"), v.d.name(area, v.lang))
	}
	if !within(area, v.scope) {
		return "", v.t("surv_scope_note")
	}
	return area, note
}

// survRows are an area's rows of a period type for the filter's sex, all
// ages, in time order ("2024-03" and "2024-W05" sort as text).
func (v view) survRows(area, ptype string) []row {
	m := v.d.marts["surveillance"]
	rows := m.rows(area, "period_type", ptype, "sex", v.f.Sex, "age_group", "all")
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(m.str(a, "period"), m.str(b, "period")) })
	return rows
}

// lastComplete is the index of the latest complete period of rows, or -1.
func lastComplete(m *mart, rows []row) int {
	for i := len(rows) - 1; i >= 0; i-- {
		if m.str(rows[i], "status") == "complete" {
			return i
		}
	}
	return -1
}

func surveillancePage(v view) []*frame {
	m := v.d.marts["surveillance"]
	if m == nil {
		// An older warehouse: one panel that says so, and nothing else.
		f := newFrame("surv_latest", v.t("surv_latest"), "list").f
		f.EmptyText = v.t("surv_absent")
		return []*frame{f}
	}
	area, note := v.survArea()
	latest := v.survLatest(area)
	month := v.survTrend("surv_month", "month", "month", survMonths, area)
	week := v.survTrend("surv_week", "week", "week", survWeeks, area)
	mp := v.survMap()
	for _, f := range []*frame{latest, month, week} {
		if note != "" {
			f.Note = strings.TrimSpace(note + " " + f.Note)
		}
	}
	return []*frame{latest, month, week, mp}
}

// survLatest is the table at the top of the page: the latest complete
// month and every provisional month after it, each with its status, its
// deaths registered so far, the nowcast, the deaths expected, the excess
// and the P-score, with their intervals.
func (v view) survLatest(area string) *frame {
	b := newFrame("surv_latest", v.t("surv_latest"), "list")
	b.f.XLabel = v.t("month")
	if area == "" {
		return b.f
	}
	m := v.d.marts["surveillance"]
	rows := v.survRows(area, "month")
	last := lastComplete(m, rows)
	if last < 0 {
		last = 0 // nothing complete yet: every month is provisional
	}
	deaths, pscore := unitOf("deaths"), unitOf("pscore")
	// an excess may be negative: its interval says "to", not a dash
	excess := deaths
	excess.Signed = true
	for i := last; i < len(rows); i++ {
		r := rows[i]
		p := m.str(r, "period")
		status := &cell{Text: v.t("surv_status_" + m.str(r, "status"))}
		if i == last && m.str(r, "status") == "complete" {
			status.Text = v.t("surv_status_latest")
		}
		b.put(v.t("surv_status"), p, p, status)
		for _, c := range []struct{ series, measure string }{
			{"surv_observed", "observed"}, {"surv_nowcast", "nowcast"}, {"surv_expected", "expected"},
			{"surv_excess", "excess"}, {"surv_pscore", "p_score"}} {
			cl := survCell(m, r, c.measure)
			// the status column says which months are provisional
			cl.Flags = slices.DeleteFunc(cl.Flags, func(f string) bool { return f == "provisional" })
			u := map[string]unit{"excess": excess, "p_score": pscore}[c.measure]
			if u.Key == "" {
				u = deaths
			}
			cl.Text = cl.displayIn(u, v.lang)
			b.put(v.t(c.series), p, p, cl)
		}
	}
	b.f.Note = v.t("surv_latest_note")
	return b.f
}

// survTrend is a line over the periods of a type: deaths registered,
// the nowcast and the deaths expected.
func (v view) survTrend(id, ptype, xLabel string, keep int, area string) *frame {
	b := newFrame(id, v.t(id), "line")
	b.f.XLabel = v.t(xLabel)
	b.f.Unit = "deaths"
	b.f.Surv = &survChart{}
	if area == "" {
		return b.f
	}
	m := v.d.marts["surveillance"]
	rows := v.survRows(area, ptype)
	last := lastComplete(m, rows)
	from := max(0, last-keep+1)
	rows = rows[from:]
	b.series(v.t("surv_observed"))
	b.series(v.t("surv_nowcast"))
	b.series(v.t("surv_expected"))
	b.f.Surv.ProvFrom = len(rows)
	for i, r := range rows {
		p := m.str(r, "period")
		if m.str(r, "status") == "provisional" && b.f.Surv.ProvFrom == len(rows) {
			b.f.Surv.ProvFrom = i
		}
		b.put(v.t("surv_observed"), p, p, survCell(m, r, "observed"))
		if c := survCell(m, r, "nowcast"); c.HasValue || c.Suppressed {
			b.put(v.t("surv_nowcast"), p, p, c)
		}
		if c := survCell(m, r, "expected"); c.HasValue {
			b.put(v.t("surv_expected"), p, p, c)
		}
	}
	b.f.Note = v.t("surv_chart_note")
	b.f.Summary = v.survSummary(b.f, ptype)
	return b.f
}

// survSummary says a surveillance chart in two sentences: the latest
// complete period (registered, expected, how far apart), then the
// provisional ones and the latest one's nowcast.
func (v view) survSummary(f *frame, ptype string) string {
	if len(f.X) == 0 {
		return v.t("summary_none")
	}
	u := unitOf("deaths")
	val := func(c *cell) string {
		if c == nil {
			return v.t("state_no_data")
		}
		return c.displayIn(u, v.lang)
	}
	var parts []string
	if last := f.Surv.ProvFrom - 1; last >= 0 {
		parts = append(parts, fmt.Sprintf(v.t("surv_summary_complete"), v.t("surv_unit_"+ptype), f.X[last],
			val(f.Cells[survObserved][last]), val(f.Cells[survExpected][last])))
	}
	if p := f.Surv.ProvFrom; p < len(f.X) {
		end := len(f.X) - 1
		parts = append(parts, fmt.Sprintf(v.t("surv_summary_prov"), f.X[p], f.X[end], f.X[end],
			val(f.Cells[survObserved][end]), val(f.Cells[survNowcast][end])))
	}
	return strings.Join(parts, " ")
}

// survMap is the P-score of each province in scope for the nation's latest
// complete month: where more people died than expected.
func (v view) survMap() *frame {
	m := v.d.marts["surveillance"]
	rows := v.survRows("KH", "month")
	period := ""
	if i := lastComplete(m, rows); i >= 0 {
		period = m.str(rows[i], "period")
	}
	b := newFrame("surv_map", fmt.Sprintf(v.t("surv_map"), period), "map")
	b.f.XLabel = v.t("area")
	b.f.AreaX = true
	b.f.Unit = "pscore"
	if period == "" {
		b.f.Title = v.t("surv_map_none")
		return b.f
	}
	for _, a := range v.d.provinces {
		if !within(a, v.scope) {
			continue
		}
		for _, r := range m.rows(a, "period_type", "month", "period", period, "sex", v.f.Sex, "age_group", "all") {
			b.put(v.t("surv_pscore"), v.d.name(a, v.lang), a, survCell(m, r, "p_score"))
		}
	}
	if len(b.f.Series) > 0 { // a province with no row is a grey gap, named in the table
		for _, a := range v.d.provinces {
			if within(a, v.scope) {
				b.x(v.d.name(a, v.lang), a)
			}
		}
	}
	b.f.Note = v.t("surv_map_note")
	return b.f
}

// survSeries draws a surveillance chart: deaths registered (solid where the
// period is complete, dashed with hollow points where registrations are
// still arriving), the nowcast from the latest complete period on (dashed),
// the deaths expected (grey), each interval a band (a transparent series
// for the low end with the band's width stacked on it: the slim ECharts
// has no markArea), and the provisional periods shaded after a dashed
// rule. Each series of a measure shares its name, so that its legend entry
// hides the line and its band together.
func survSeries(f *frame, lang string, u unit) []any {
	n := len(f.X)
	prov := f.Surv.ProvFrom
	colors := []string{"#0b5fa5", "#d95f02", "#6b7785"}
	var out []any
	line := func(name, color, dash string, data []any, hollow bool) map[string]any {
		s := map[string]any{"type": "line", "name": name, "data": data, "connectNulls": false, "showSymbol": true,
			"itemStyle": map[string]any{"color": color}, "lineStyle": map[string]any{"color": color, "type": dash, "width": 2}, "z": 3}
		if hollow {
			s["symbol"] = "emptyCircle"
		}
		return s
	}
	point := func(c *cell) any {
		v := chartValue(c, false)
		if v == nil {
			return nil
		}
		it := map[string]any{"value": v, "text": pointText(c, u, lang, false)}
		if c.flagged("provisional") {
			it["provisional"] = true
		}
		return it
	}
	for s, name := range f.Series {
		color := colors[s%len(colors)]
		cells := f.Cells[s]
		// the nowcast only where it adds to the count: from the latest
		// complete period (where it joins the registered line) on
		first := 0
		if s == survNowcast {
			first = max(0, prov-1)
		}
		var lo, width []any
		band := false
		solid, dashed := make([]any, n), make([]any, n)
		anySolid, anyDashed := false, false
		for x := range n {
			lo, width = append(lo, nil), append(width, nil)
			c := cells[x]
			if x < first || c == nil {
				continue
			}
			switch {
			case c.HasCI && c.HasValue && !c.Suppressed:
				lo[x] = map[string]any{"value": c.Low, "band": true}
				width[x] = map[string]any{"value": c.High - c.Low, "band": true}
				band = true
			case s == survNowcast && x == first && c.HasValue && !c.Suppressed:
				// the band opens from the latest complete count, which has no interval
				lo[x] = map[string]any{"value": c.Value, "band": true}
				width[x] = map[string]any{"value": 0.0, "band": true}
			}
			p := point(c)
			switch {
			case p == nil:
			case s == survNowcast || c.flagged("provisional"):
				dashed[x], anyDashed = p, true
			default:
				solid[x], anySolid = p, true
			}
		}
		// the dashed part starts at the last solid point, so the two join
		if anyDashed && anySolid && s != survNowcast {
			for x := range n {
				if dashed[x] != nil {
					if x > 0 && solid[x-1] != nil {
						dashed[x-1] = solid[x-1]
					}
					break
				}
			}
		}
		if band {
			stack := "band-" + f.ID + "-" + fmt.Sprint(s)
			common := func(data []any) map[string]any {
				return map[string]any{"type": "line", "name": name, "stack": stack, "data": data, "symbol": "none",
					"connectNulls": false, "silent": true, "z": 1, "lineStyle": map[string]any{"opacity": 0},
					"emphasis": map[string]any{"disabled": true}, "tooltip": map[string]any{"show": false}}
			}
			low := common(lo)
			// the legend takes a name's colour from its first series: the band's
			low["itemStyle"] = map[string]any{"color": color}
			high := common(width)
			high["areaStyle"] = map[string]any{"color": color, "opacity": 0.2}
			out = append(out, low, high)
		}
		if anySolid {
			out = append(out, line(name, color, "solid", solid, false))
		}
		if anyDashed {
			out = append(out, line(name, color, "dashed", dashed, true))
		}
	}
	if prov < n {
		// the provisional periods: a dashed rule half a category before the
		// first, labelled, and the plot shaded from there on
		r := rule(prov, nil, tr(lang, "surv_prov_rule"), "#1d2733", "dashed")
		r["offset"], r["shade"], r["align"] = -0.5, true, "right"
		out = append(out, ruleSeries([]any{r}))
	}
	return markSuppressed(out, f, []int{survObserved})
}

// survAxis lets a surveillance chart's value axis start above zero, as
// mortality surveillance charts do: a few percent above expected must
// show, and the provisional counts' fall keeps the axis honest.
func survAxis(o map[string]any) {
	for _, a := range axes(o, "yAxis") {
		a["scale"] = true
	}
}
