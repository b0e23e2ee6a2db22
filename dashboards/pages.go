package dashboards

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter is what a page shows: a year, an area (KH, a province or a
// district code) and a sex (T, M or F).
type Filter struct {
	Year int
	Area string
	Sex  string
}

// Run is one attempt of a scheduled job, as the ETL runs page lists it.
type Run struct {
	Job      string
	Started  time.Time
	Finished time.Time
	Attempt  int
	Outcome  string // ok, failed, skipped
	Error    string
}

// page is one dashboard: who may see it and what it shows.
type page struct {
	ID      string
	Sex     bool // whether the sex filter applies
	Analyst bool // analysts, researchers and admins only
	// NoYear: the page shows the latest periods whatever the year (the
	// year menu is left out; the year is kept for the other pages).
	NoYear bool
	frames func(v view) []*frame
}

var pages = []page{
	{ID: "overview", Sex: true, frames: overview},
	{ID: "completeness", frames: completenessPage},
	{ID: "fertility", frames: fertilityPage},
	{ID: "mortality", Sex: true, frames: mortalityPage},
	{ID: "causes", Sex: true, frames: causesPage},
	{ID: "surveillance", Sex: true, NoYear: true, frames: surveillancePage},
	{ID: "quality", Sex: true, Analyst: true, frames: qualityPage},
	{ID: "runs", Analyst: true, frames: runsPage},
}

func findPage(id string) (page, bool) {
	for _, p := range pages {
		if p.ID == id {
			return p, true
		}
	}
	return page{}, false
}

// view is one request's context for building frames.
type view struct {
	d     *Data
	f     Filter
	lang  string
	scope string // "" or KH: everywhere
	runs  []Run
	// causesKm are the site's Khmer names of the causes of death, by
	// list1_item (Options.CauseNamesKm).
	causesKm map[string]string
	// districtMap: the server has the districts' boundaries (Options.DistrictGeoJSON).
	districtMap bool
}

func (v view) t(key string) string { return tr(v.lang, key) }

// one is the cell of an area and year matching column=value pairs, or nil.
func (v view) one(table, area string, year int, match ...string) *cell {
	m := v.d.marts[table]
	rows := m.rows(area, append([]string{"year", strconv.Itoa(year)}, match...)...)
	if len(rows) == 0 {
		return nil
	}
	return cellFrom(m, rows[0])
}

// trend is a line over the years for the filter's area, one series per
// label that seriesOf gives (rows it labels "" are left out).
func (v view) trend(id, table string, seriesOf func(m *mart, r row) string, match ...string) *frame {
	m := v.d.marts[table]
	b := newFrame(id, v.t(id), "line")
	b.f.XLabel = v.t("year")
	for _, r := range m.rows(v.f.Area, match...) {
		if s := seriesOf(m, r); s != "" {
			y := m.str(r, "year")
			b.put(s, y, y, cellFrom(m, r))
		}
	}
	b.f.sortX(func(a, c int) int { return strings.Compare(b.f.XKey[a], b.f.XKey[c]) })
	return b.f
}

// byArea is a ranked bar of the areas one level below the filter's area (or
// the provinces in scope, for a map), for the filter's year.
func (v view) byArea(id, kind, table string, areas []string, seriesOf func(m *mart, r row) string, match ...string) *frame {
	m := v.d.marts[table]
	b := newFrame(id, v.t(id), kind)
	b.f.XLabel = v.t("area")
	b.f.AreaX = true
	for _, a := range areas {
		if !within(a, v.scope) {
			continue
		}
		for _, r := range m.rows(a, append([]string{"year", strconv.Itoa(v.f.Year)}, match...)...) {
			if s := seriesOf(m, r); s != "" {
				b.put(s, v.d.name(a, v.lang), a, cellFrom(m, r))
			}
		}
	}
	// An area with no row is no data: a gap in the chart, named in its note.
	if len(b.f.Series) > 0 {
		for _, a := range areas {
			if within(a, v.scope) {
				b.x(v.d.name(a, v.lang), a)
			}
		}
	}
	b.f.rankBy()
	return b.f
}

// areasBelow are the areas one level below the filter's area; for a
// district, which has none, the district itself, so that its page shows its
// own values rather than nothing.
func (v view) areasBelow() []string {
	if a := v.d.childAreas(v.f.Area); len(a) > 0 {
		return a
	}
	return []string{v.f.Area}
}

func (v view) eventLabel(m *mart, r row) string { return v.t(m.str(r, "event_type")) }

// byEvent orders event series births, deaths, fetal deaths, marriages.
func (v view) byEvent(f *frame) *frame {
	f.orderSeries(v.t("birth"), v.t("death"), v.t("fetal_death"), v.t("marriage"))
	return f
}

func (v view) sexes() []string {
	if v.f.Sex == "T" {
		return []string{"M", "F"}
	}
	return []string{v.f.Sex}
}

// The bases a page may headline instead of a registered rate flagged
// completeness_lt70, in order of preference: an adjustment of the area's own
// registrations first, an outside reference (the nation only) after.
var (
	fertilityBases = []string{"adjusted_completeness"}
	childBases     = []string{"reference_igme2024", "reference_wpp2024", "reference_site"}
	lifeBases      = []string{"adjusted_completeness", "adjusted_ggb_seg", "reference_wpp2024", "reference_site"}
)

// headline puts one measure on the key indicators for the filter's year and
// the one before: its registered value; or, where registration is under 70%
// complete (flag completeness_lt70), the first of bases the table has,
// labelled with its basis (cards, tables and CSV name a cell's basis when it
// is not registered), and the registered value beside it, marked. With
// none of them, the card shows no figure, only the registered value, marked
// (docs/methods.md section 3: never headline a registered value flagged
// completeness_lt70). Withheld life tables show nothing.
func (v view) headline(kpi *builder, key, label, table string, bases []string, match ...string) {
	for _, y := range []int{v.f.Year, v.f.Year - 1} {
		series := strconv.Itoa(y)
		reg := v.one(table, v.f.Area, y, append(match, "basis", "registered")...)
		if reg == nil || withheld(reg) {
			continue
		}
		if !reg.flagged("completeness_lt70") {
			kpi.put(series, label, key, reg)
			continue
		}
		head := &cell{} // no figure to headline
		for _, b := range bases {
			if alt := v.one(table, v.f.Area, y, append(match, "basis", b)...); alt != nil && alt.HasValue && !withheld(alt) {
				head = alt // its card, table and CSV say its basis
				break
			}
		}
		kpi.put(series, label, key, head)
		kpi.put(series, label+" · "+v.t("registered_incomplete"), key+"_registered", reg)
		kpi.beside(key, key+"_registered")
	}
}

func overview(v view) []*frame {
	kpi := newFrame("kpi", v.t("kpi"), "cards")
	kpi.f.XLabel = v.t("indicator")
	kpi.series(strconv.Itoa(v.f.Year)) // the year shown first, then the one before
	kpi.series(strconv.Itoa(v.f.Year - 1))
	add := func(key, table string, match ...string) {
		for _, y := range []int{v.f.Year, v.f.Year - 1} {
			if c := v.one(table, v.f.Area, y, match...); c != nil {
				kpi.put(strconv.Itoa(y), v.t(key), key, c)
			}
		}
	}
	add("birth_compl", "completeness", "event_type", "birth", "within", "all")
	add("death_compl", "completeness", "event_type", "death", "within", "all")
	add("birth_ontime", "timeliness", "event_type", "birth", "regime", "all")
	v.headline(kpi, "tfr", v.t("tfr"), "fertility_rates", fertilityBases, "measure", "tfr")
	v.headline(kpi, "abr_15_19", v.t("abr_15_19"), "fertility_rates", fertilityBases, "measure", "abr_15_19")
	v.headline(kpi, "imr", v.t("imr"), "mortality_rates", childBases, "measure", "imr", "sex", v.f.Sex)
	v.headline(kpi, "u5mr", v.t("u5mr"), "mortality_rates", childBases, "measure", "u5mr", "sex", v.f.Sex)
	for _, s := range v.sexes() {
		v.headline(kpi, "e0_"+s, v.t("e0")+" ("+v.t("sex_"+s)+")", "life_expectancy", lifeBases, "measure", "e0", "sex", s)
	}

	m := v.d.marts["events_by_month"]
	months := newFrame("events_month", v.t("events_month"), "line")
	months.f.XLabel = v.t("month")
	for _, r := range m.rows(v.f.Area) {
		mo := m.time(r, "month")
		if mo.Year() > v.f.Year || mo.Year() < v.f.Year-2 {
			continue
		}
		label := mo.Format("2006-01")
		months.put(v.eventLabel(m, r), label, label, cellFrom(m, r))
	}
	months.f.sortX(func(a, c int) int { return strings.Compare(months.f.XKey[a], months.f.XKey[c]) })

	return []*frame{
		kpi.f,
		v.byEvent(months.f),
		v.byEvent(v.trend("compl_trend", "completeness", v.eventLabel, "within", "all")),
		v.byEvent(v.trend("timely_trend", "timeliness", v.eventLabel, "regime", "all")),
	}
}

func completenessPage(v view) []*frame {
	series := func(m *mart, r row) string {
		if m.str(r, "within") == "legal" {
			return v.t("within_legal")
		}
		return v.t("registered")
	}
	// The map shows the provinces in the viewer's scope, whatever the area.
	provinces := v.d.provinces
	mp := v.byArea("compl_map", "map", "completeness", provinces, series, "event_type", "birth", "within", "all")
	mp.Unit = "share"
	areas := v.areasBelow()
	births := v.byArea("compl_births", "hbar", "completeness", areas, series, "event_type", "birth")
	deaths := v.byArea("compl_deaths", "hbar", "completeness", areas, series, "event_type", "death")
	// Births and deaths on one scale, 0-100% (further where an area is over 100%).
	top := 1.0
	for _, f := range []*frame{births, deaths} {
		for _, cs := range f.Cells {
			for _, c := range cs {
				if c != nil && c.HasValue && c.Value > top {
					top = math.Ceil(c.Value*10) / 10
				}
			}
		}
	}
	for _, c := range []struct {
		f      *frame
		event  string
		target float64
	}{{births, "birth", 1}, {deaths, "death", 0.8}} {
		f := c.f
		f.orderSeries(v.t("registered"), v.t("within_legal"))
		f.rankBy()
		f.Stack, f.AxisMax, f.Unit = "completeness", top, "share"
		f.Note = v.t("compl_note")
		if nat := v.one("completeness", v.f.Area, v.f.Year, "event_type", c.event, "within", "all"); nat != nil && nat.HasValue {
			f.Refs = append(f.Refs, refLine{v.d.name(v.f.Area, v.lang) + " " + unitOf("share").number(nat.Value), nat.Value, "national"})
		}
		// SDG 17.19.2: 100% of births, 80% of deaths registered
		f.Refs = append(f.Refs, refLine{fmt.Sprintf(v.t("target_short"), strconv.Itoa(int(c.target*100))+"%"), c.target, "target"})
		f.Sorts = gapSorts(f)
	}
	frames := []*frame{mp}
	// With the site's district boundaries, a province's page (or one of
	// its districts') maps the province's districts too.
	if v.districtMap && v.f.Area != "KH" {
		prov := v.f.Area[:2]
		dm := v.byArea("compl_map_districts", "map", "completeness", v.d.districts[prov], series, "event_type", "birth", "within", "all")
		dm.Title = fmt.Sprintf(v.t("compl_map_districts"), v.d.name(prov, v.lang))
		dm.Unit, dm.Map, dm.MapPart = "share", "KHM-dist", "-"+prov
		frames = append(frames, dm)
	}
	return append(frames, births, deaths)
}

// gapSorts are the orders of a completeness ranking: by completeness (as
// drawn), and by the gap, the events expected but not registered
// (denominator less numerator) of all registered, largest first: where most
// births or deaths go unregistered, not where a few events make a rate.
func gapSorts(f *frame) map[string][]int {
	idx := make([]int, len(f.X))
	for i := range idx {
		idx[i] = i
	}
	gap := func(i int) float64 {
		if len(f.Cells) == 0 {
			return math.Inf(-1)
		}
		if c := f.Cells[0][i]; c != nil && c.HasNum && c.HasDen {
			return c.Den - c.Num
		}
		return math.Inf(-1)
	}
	byGap := slices.Clone(idx)
	slices.SortStableFunc(byGap, func(a, b int) int {
		ga, gb := gap(a), gap(b)
		switch {
		case ga > gb:
			return -1
		case ga < gb:
			return 1
		}
		return 0
	})
	return map[string][]int{"value": idx, "gap": byGap}
}

func fertilityPage(v view) []*frame {
	m := v.d.marts["fertility_asfr"]
	asfr := newFrame("asfr", v.t("asfr"), "line")
	asfr.f.XLabel = v.t("age")
	var years []int
	for y := v.f.Year; y >= v.d.years[0] && len(years) < 4; y -= 5 {
		years = append(years, y)
	}
	slices.Reverse(years)
	for _, y := range years {
		for _, r := range m.rows(v.f.Area, "year", strconv.Itoa(y)) {
			g := m.str(r, "age_group")
			asfr.put(strconv.Itoa(y), g, g, cellFrom(m, r))
		}
	}
	asfr.f.sortX(func(a, c int) int { return ageStart(asfr.f.XKey[a]) - ageStart(asfr.f.XKey[c]) })
	tfr := func(m *mart, r row) string { return v.t("tfr") + " · " + v.basisLabel(m.str(r, "basis")) }
	return []*frame{
		asfr.f,
		v.trend("tfr_trend", "fertility_rates", tfr, "measure", "tfr"),
		v.byArea("tfr_areas", "hbar", "fertility_rates", v.areasBelow(), tfr, "measure", "tfr"),
	}
}

// ageStart is the first age of an age group label ("0", "1-4", "85+").
func ageStart(g string) int {
	n := 0
	for _, ch := range g {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// withheld tells a life table's row that failed its plausibility gates: it
// has no value and is shown nowhere, not even as a gap with a note.
// basisLabel names what a rate rests on, for a series or a card.
func (v view) basisLabel(basis string) string {
	if basis == "registered" {
		return v.t("registered")
	}
	return v.t(basis)
}

// noteIncomplete says under a chart that shows registered rates on
// registration under 70% complete that they are not the level to read.
func (v view) noteIncomplete(f *frame) {
	for _, cs := range f.Cells {
		for _, c := range cs {
			if c.flagged("completeness_lt70") {
				f.Note = strings.TrimSpace(f.Note + " " + v.t("note_lt70"))
				return
			}
		}
	}
}

func withheld(c *cell) bool { return slices.Contains(c.Flags, "withheld") }

func mortalityPage(v view) []*frame {
	e0 := v.trend("e0_trend", "life_expectancy", func(m *mart, r row) string {
		s := m.str(r, "sex")
		if !slices.Contains(v.sexes(), s) || withheld(cellFrom(m, r)) {
			return ""
		}
		return v.t("sex_"+s) + ", " + v.basisLabel(m.str(r, "basis"))
	}, "measure", "e0")
	e0.Unit = "years"
	v.noteIncomplete(e0)
	child := v.trend("child_trend", "mortality_rates", func(m *mart, r row) string {
		switch k := m.str(r, "measure"); k {
		case "imr", "u5mr", "nmr":
			if b := m.str(r, "basis"); b != "registered" {
				return v.t(k) + " · " + v.basisLabel(b)
			}
			return v.t(k)
		}
		return ""
	}, "sex", v.f.Sex)
	v.noteIncomplete(child)

	m := v.d.marts["mortality_asdr"]
	pyr := newFrame("pyramid", v.t("pyramid"), "pyramid")
	pyr.f.XLabel = v.t("age")
	for _, r := range m.rows(v.f.Area, "year", strconv.Itoa(v.f.Year)) {
		c := cellFrom(m, r)
		// The pyramid counts deaths; the rate and its interval stay in the CSV of mortality_asdr.
		c.Value, c.HasValue, c.HasCI = c.Num, c.HasNum, false
		g := m.str(r, "age_group")
		pyr.put(v.t("sex_"+m.str(r, "sex")), g, g, c)
	}
	pyr.f.sortX(func(a, c int) int { return ageStart(pyr.f.XKey[a]) - ageStart(pyr.f.XKey[c]) })
	return []*frame{e0, child, pyr.f}
}

func causesPage(v view) []*frame {
	m := v.d.marts["cod_leading"]
	lead := newFrame("leading", v.t("leading"), "hbar")
	lead.f.XLabel = v.t("cause")
	rows := m.rows(v.f.Area, "year", strconv.Itoa(v.f.Year), "sex", v.f.Sex)
	slices.SortFunc(rows, func(a, b row) int { return m.int(a, "rank") - m.int(b, "rank") })
	if len(rows) > 10 {
		rows = rows[:10]
	}
	untranslated := false
	for _, r := range rows {
		name, un := v.causeName(m.str(r, "list1_item"), m.str(r, "title"))
		untranslated = untranslated || un
		lead.put(v.t("sex_"+v.f.Sex), name, m.str(r, "list1_item"), cellFrom(m, r))
	}
	if v.f.Sex == "T" { // the same causes for each sex, where they are among its leading ones
		bySex := map[[2]string]row{}
		for _, r := range m.rows(v.f.Area, "year", strconv.Itoa(v.f.Year)) {
			bySex[[2]string{m.str(r, "sex"), m.str(r, "list1_item")}] = r
		}
		for _, s := range []string{"M", "F"} {
			for i, item := range lead.f.XKey {
				if r, ok := bySex[[2]string{s, item}]; ok {
					lead.put(v.t("sex_"+s), lead.f.X[i], item, cellFrom(m, r))
				}
			}
		}
	}

	// The five leading causes of each broad age group: a table, ranks across.
	la := v.d.marts["cod_leading_by_age"]
	byAge := newFrame("leading_age", v.t("leading_age"), "list")
	byAge.f.XLabel = v.t("age")
	rows = la.rows(v.f.Area, "year", strconv.Itoa(v.f.Year), "sex", v.f.Sex)
	slices.SortStableFunc(rows, func(a, b row) int {
		if d := ageStart(la.str(a, "age_group")) - ageStart(la.str(b, "age_group")); d != 0 {
			return d
		}
		return la.int(a, "rank") - la.int(b, "rank")
	})
	place := map[string]int{}
	for _, r := range rows {
		g := la.str(r, "age_group")
		place[g]++ // ties share a rank but not a column
		c := cellFrom(la, r)
		name, un := v.causeName(la.str(r, "list1_item"), la.str(r, "title"))
		untranslated = untranslated || un
		c.Text = name
		if c.HasValue {
			c.Text += fmt.Sprintf(" (%.1f%%)", 100*c.Value)
		}
		byAge.put(v.t("rank")+" "+strconv.Itoa(place[g]), g, g, c)
	}

	a := v.d.marts["cod_ill_defined_by_age"]
	age := newFrame("illdef_age", v.t("illdef_age"), "line")
	age.f.XLabel = v.t("age")
	for _, r := range a.rows(v.f.Area, "year", strconv.Itoa(v.f.Year)) {
		s := a.str(r, "sex")
		if s != v.f.Sex && !(v.f.Sex == "T" && slices.Contains(v.sexes(), s)) {
			continue
		}
		g := a.str(r, "age_group")
		age.put(v.t("sex_"+s), g, g, cellFrom(a, r))
	}
	age.f.sortX(func(x, y int) int { return ageStart(age.f.XKey[x]) - ageStart(age.f.XKey[y]) })

	if untranslated {
		lead.f.Note = v.t("cause_untranslated")
		byAge.f.Note = v.t("cause_untranslated")
	}
	ill := v.byArea("illdef_areas", "hbar", "cod_quality", v.areasBelow(), func(*mart, row) string { return v.t("value") }, "measure", "ill_defined_r00_r99")
	return []*frame{lead.f, byAge.f, age.f, ill}
}

func qualityPage(v view) []*frame {
	m := v.d.marts["dq_missing"]
	miss := newFrame("missing", v.t("missing"), "line")
	miss.f.XLabel = v.t("month")
	for _, r := range m.rows(v.f.Area) {
		mo := m.time(r, "month")
		if mo.Year() != v.f.Year {
			continue
		}
		label := mo.Format("2006-01")
		miss.put(eventName(v.lang, m.str(r, "event_type"))+": "+fieldLabel(v.lang, m.str(r, "field")), label, label, cellFrom(m, r))
	}
	miss.f.sortX(func(a, c int) int { return strings.Compare(miss.f.XKey[a], miss.f.XKey[c]) })

	heap := v.trend("heaping", "dq_age_heaping", func(m *mart, r row) string {
		if m.str(r, "index") != "whipple" || m.str(r, "sex") != v.f.Sex {
			return ""
		}
		if m.str(r, "subject") == "mother_age" {
			return v.t("whipple_mother")
		}
		return v.t("whipple_death")
	})
	if v.f.Sex != "T" { // mothers' ages are tabulated for both sexes of the child only
		heap.Note = v.t("whipple_mother") + ": " + v.t("sex_T")
	}
	dup := v.byEvent(v.trend("duplicates", "dq_duplicates", v.eventLabel))
	// how each record is known to be unique: by identity code, by record
	// linkage, or alone; and how much of the paper backlog is settled
	ident := v.trend("identity", "identity_linkage", func(m *mart, r row) string {
		switch ms := m.str(r, "measure"); ms {
		case "id_code", "linked", "established":
			return v.t(m.str(r, "event_type")) + ": " + v.t("identity_"+ms)
		}
		return ""
	})

	frames := []*frame{miss.f, heap, dup, ident}
	// Refused records have no area: only a viewer of the whole country sees them.
	if v.scope == "" || v.scope == "KH" {
		q := v.d.marts["dq_quarantine"]
		quar := newFrame("quarantine", v.t("quarantine"), "hbar")
		quar.f.XLabel = v.t("reason")
		for _, r := range q.all() {
			if q.str(r, "reason") == "all" {
				continue
			}
			label := eventName(v.lang, q.str(r, "event")) + " · " + reasonLabel(v.lang, q.str(r, "reason")) + " · " + fieldLabel(v.lang, q.str(r, "field"))
			quar.put(v.t(q.str(r, "source")), label, label, cellFrom(q, r))
		}
		quar.f.rankBy()
		frames = append(frames, quar.f)
	}
	return frames
}

func runsPage(v view) []*frame {
	hist := newFrame("run_history", v.t("run_history"), "list")
	hist.f.XLabel = v.t("started")
	dur := newFrame("run_durations", v.t("run_durations"), "bar")
	dur.f.XLabel = v.t("started")
	sum := newFrame("run_summary", v.t("last_success"), "list")
	sum.f.XLabel = v.t("job")
	last := map[string]time.Time{}
	failed := map[string]int{}
	var jobs []string
	runs := slices.Clone(v.runs)
	slices.SortStableFunc(runs, func(a, b Run) int { return b.Started.Compare(a.Started) })
	for i, r := range runs {
		if !slices.Contains(jobs, r.Job) {
			jobs = append(jobs, r.Job)
		}
		if r.Outcome == "ok" && r.Finished.After(last[r.Job]) {
			last[r.Job] = r.Finished
		}
		if r.Outcome == "failed" {
			failed[r.Job]++
		}
		if i >= 200 { // the history table shows the latest 200 attempts
			continue
		}
		// The key sorts by time; the label is unique (two attempts may start within a minute).
		key := fmt.Sprintf("%s %s #%d", r.Started.UTC().Format("2006-01-02T15:04:05.000000000Z"), r.Job, r.Attempt)
		label := r.Started.UTC().Format("2006-01-02 15:04:05") + " " + r.Job + " #" + strconv.Itoa(r.Attempt)
		for _, col := range [][2]string{{"job", r.Job}, {"finished", r.Finished.UTC().Format("2006-01-02 15:04:05")},
			{"attempt", strconv.Itoa(r.Attempt)}, {"outcome", trOr(v.lang, "outcome_"+r.Outcome, r.Outcome)}, {"error", r.Error}} {
			hist.put(v.t(col[0]), label, key, &cell{Text: col[1]})
		}
		secs := r.Finished.Sub(r.Started).Seconds()
		dur.put(r.Job+" "+r.Outcome, label, key, &cell{Value: secs, HasValue: true})
	}
	dur.f.sortX(func(a, c int) int { return strings.Compare(dur.f.XKey[a], dur.f.XKey[c]) })
	for _, j := range jobs {
		ls := v.t("none")
		if t, ok := last[j]; ok {
			ls = t.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		sum.put(v.t("last_success"), j, j, &cell{Text: ls})
		sum.put(v.t("failures"), j, j, &cell{Text: strconv.Itoa(failed[j])})
	}
	return []*frame{sum.f, dur.f, hist.f}
}
