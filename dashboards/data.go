package dashboards

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitalstats"
)

// Needs lists the parts of the marts the pages read, for the caller to load
// (cmd/vitalstats reads them from the warehouse). Districts are kept because
// a viewer may be limited to one district.
func Needs() []vitalstats.MartSlice {
	ind := []string{"numerator", "denominator", "value", "ci_low", "ci_high", "flags"}
	with := func(cols ...string) []string { return append(cols, ind...) }
	return []vitalstats.MartSlice{
		{Table: "ref_provinces", Columns: []string{"province_code", "name_en", "name_km"}},
		{Table: "ref_districts", Columns: []string{"district_code", "province_code", "name_latin", "name_km"}},
		{Table: "build_info", Columns: []string{"built_at", "lake_snapshot", "as_of", "code_version", "population_source"}},
		{Table: "registration_arrival", Columns: with("event_type", "year", "area_code"), AreaDepth: 2},
		{Table: "events_by_month", Columns: with("event_type", "measure", "month", "area_code"), AreaDepth: 4,
			Only: map[string][]string{"measure": {"occurred"}}},
		// The reference-based completeness of all ages (the dual-system
		// estimate and the age bands are in the table, not yet on a page).
		{Table: "completeness", Columns: with("event_type", "year", "area_code", "within"), AreaDepth: 4,
			Only: map[string][]string{"within": {"all", "legal"}, "age_band": {"all"}, "method": {"reference_asfr", "reference_rates"}}},
		{Table: "timeliness", Columns: with("event_type", "year", "area_code", "regime"), AreaDepth: 4,
			Only: map[string][]string{"scope": {"all"}, "timeliness": {"on_time"}}},
		{Table: "fertility_asfr", Columns: with("year", "area_code", "age_group"), AreaDepth: 4,
			Only: map[string][]string{"basis": {"registered"}}},
		{Table: "fertility_rates", Columns: with("year", "area_code", "basis", "measure"), AreaDepth: 4,
			Only: map[string][]string{"measure": {"tfr", "abr_15_19"}}},
		{Table: "life_expectancy", Columns: with("year", "area_code", "sex", "basis", "measure"), AreaDepth: 4,
			Only: map[string][]string{"measure": {"e0"}}},
		{Table: "mortality_rates", Columns: with("year", "area_code", "sex", "basis", "measure"), AreaDepth: 4,
			Only: map[string][]string{"measure": {"imr", "u5mr", "nmr", "cdr"}}},
		{Table: "mortality_asdr", Columns: with("year", "area_code", "sex", "age_group", "age_start"), AreaDepth: 4,
			Only: map[string][]string{"sex": {"M", "F"}}},
		{Table: "cod_leading", Columns: with("year", "area_code", "sex", "list1_item", "rank", "title"), AreaDepth: 4},
		{Table: "cod_leading_by_age", Columns: with("year", "area_code", "sex", "age_group", "rank", "title", "list1_item"), AreaDepth: 4},
		{Table: "cod_quality", Columns: with("year", "area_code", "measure"), AreaDepth: 4,
			Only: map[string][]string{"measure": {"ill_defined_r00_r99"}}},
		{Table: "cod_ill_defined_by_age", Columns: with("year", "area_code", "sex", "age_group"), AreaDepth: 4},
		{Table: "dq_missing", Columns: with("event_type", "area_code", "month", "field"), AreaDepth: 4},
		{Table: "dq_age_heaping", Columns: with("subject", "year", "area_code", "sex", "index"), AreaDepth: 4},
		{Table: "dq_duplicates", Columns: with("event_type", "year", "area_code"), AreaDepth: 4},
		{Table: "identity_linkage", Columns: with("event_type", "year", "area_code", "measure"), AreaDepth: 4},
		{Table: "dq_quarantine", Columns: with("event", "source", "reason", "field")},
	}
}

// Data is what the pages show: the marts' slices indexed by area, and the
// gazetteer's names. It is read-only once made, shared by every request.
type Data struct {
	marts     map[string]*mart
	names     map[string]areaName // area code -> names
	provinces []string            // province codes, in code order
	districts map[string][]string // province code -> its district codes
	years     []int               // years with indicators, ascending
	final     map[int]bool        // years whose births and deaths are no longer provisional
	Year      int                 // the year pages open on
	Built     BuildInfo
}

// BuildInfo says which build of the warehouse the pages show.
type BuildInfo struct {
	BuiltAt     time.Time
	Snapshot    string
	AsOf        time.Time // the date the data describe (build_info.as_of), not the build's
	CodeVersion string
	Population  string
}

type areaName struct{ en, km string }

// mart is one table, with its columns by name and its rows by area.
type mart struct {
	t      *vitalstats.Table
	col    map[string]int
	byArea map[string][][]any
}

// NewData indexes the tables Needs listed (every one must be there).
func NewData(tables []*vitalstats.Table) (*Data, error) {
	d := &Data{marts: map[string]*mart{}, names: map[string]areaName{}, districts: map[string][]string{}}
	for _, t := range tables {
		m := &mart{t: t, col: map[string]int{}, byArea: map[string][][]any{}}
		for i, c := range t.Columns {
			m.col[c] = i
		}
		if a, ok := m.col["area_code"]; ok {
			for _, r := range t.Rows {
				code, _ := r[a].(string)
				m.byArea[code] = append(m.byArea[code], r)
			}
		}
		d.marts[t.Name] = m
	}
	for _, n := range Needs() {
		m := d.marts[n.Table]
		if m == nil {
			return nil, fmt.Errorf("dashboards: table %s is missing", n.Table)
		}
		for _, c := range n.Columns {
			if _, ok := m.col[c]; !ok {
				return nil, fmt.Errorf("dashboards: table %s has no column %s", n.Table, c)
			}
		}
	}
	d.names["KH"] = areaName{"Cambodia", "កម្ពុជា"}
	p := d.marts["ref_provinces"]
	for _, r := range p.t.Rows {
		code := p.str(r, "province_code")
		d.names[code] = areaName{p.str(r, "name_en"), p.str(r, "name_km")}
		d.provinces = append(d.provinces, code)
	}
	slices.Sort(d.provinces)
	ds := d.marts["ref_districts"]
	for _, r := range ds.t.Rows {
		code, prov := ds.str(r, "district_code"), ds.str(r, "province_code")
		d.names[code] = areaName{ds.str(r, "name_latin"), ds.str(r, "name_km")}
		d.districts[prov] = append(d.districts[prov], code)
	}
	for _, l := range d.districts {
		slices.Sort(l)
	}
	c := d.marts["completeness"]
	seen := map[int]bool{}
	for _, r := range c.byArea["KH"] {
		seen[c.int(r, "year")] = true
	}
	for y := range seen {
		d.years = append(d.years, y)
	}
	slices.Sort(d.years)
	if len(d.years) == 0 {
		return nil, fmt.Errorf("dashboards: the warehouse holds no national completeness rows")
	}
	b := d.marts["build_info"]
	if len(b.t.Rows) == 1 {
		r := b.t.Rows[0]
		d.Built = BuildInfo{BuiltAt: b.time(r, "built_at"), Snapshot: b.str(r, "lake_snapshot"),
			AsOf: b.time(r, "as_of"), CodeVersion: b.str(r, "code_version"), Population: b.str(r, "population_source")}
	}
	// Pages open on the last year that is final for births and deaths in
	// the nation: a provisional year looks like a collapse of everything.
	d.final = map[int]bool{}
	ra := d.marts["registration_arrival"]
	for _, y := range d.years {
		final := true
		for _, e := range []string{"birth", "death"} {
			rows := ra.rows("KH", "event_type", e, "year", strconv.Itoa(y))
			if len(rows) == 0 || hasFlag(ra, rows[0], "provisional") {
				final = false
			}
		}
		d.final[y] = final
	}
	d.Year = d.years[len(d.years)-1]
	for i := len(d.years) - 1; i >= 0; i-- {
		if d.final[d.years[i]] {
			d.Year = d.years[i]
			break
		}
	}
	return d, nil
}

// provisional reports whether a year's births or deaths are still arriving.
func (d *Data) provisional(year int) bool { return !d.final[year] }

func hasFlag(m *mart, r []any, flag string) bool {
	f, _ := m.get(r, "flags").([]string)
	return slices.Contains(f, flag)
}

func (m *mart) get(r []any, c string) any {
	i, ok := m.col[c]
	if !ok {
		return nil
	}
	return r[i]
}

func (m *mart) str(r []any, c string) string {
	switch v := m.get(r, c).(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.Format("2006-01")
	}
	return ""
}

func (m *mart) int(r []any, c string) int {
	switch v := m.get(r, c).(type) {
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

func (m *mart) time(r []any, c string) time.Time {
	t, _ := m.get(r, c).(time.Time)
	return t
}

func (m *mart) num(r []any, c string) (float64, bool) {
	switch v := m.get(r, c).(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// rows returns the rows of an area that match every column=value pair.
func (m *mart) rows(area string, match ...string) [][]any {
	return m.filter(m.byArea[area], match)
}

// all returns the rows of a table without areas that match column=value pairs.
func (m *mart) all(match ...string) [][]any {
	return m.filter(m.t.Rows, match)
}

// filter keeps the rows matching column=value pairs. Pages call it many
// times a request, so each wanted value is converted once to the column's
// type (an int64 year is compared as a number, not formatted row by row).
func (m *mart) filter(rows [][]any, match []string) [][]any {
	type cond struct {
		col   int
		s     string
		n     int64
		isNum bool
	}
	conds := make([]cond, 0, len(match)/2)
	for i := 0; i+1 < len(match); i += 2 {
		c, ok := m.col[match[i]]
		if !ok {
			return nil
		}
		cd := cond{col: c, s: match[i+1]}
		if n, err := strconv.ParseInt(cd.s, 10, 64); err == nil {
			cd.n, cd.isNum = n, true
		}
		conds = append(conds, cd)
	}
	var out [][]any
next:
	for _, r := range rows {
		for _, cd := range conds {
			switch v := r[cd.col].(type) {
			case string:
				if v != cd.s {
					continue next
				}
			case int64:
				if !cd.isNum || v != cd.n {
					continue next
				}
			default:
				if m.str(r, m.t.Columns[cd.col]) != cd.s {
					continue next
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// name is an area's name in a language.
func (d *Data) name(code, lang string) string {
	n, ok := d.names[code]
	if !ok {
		return code
	}
	if lang == "km" && n.km != "" {
		return n.km
	}
	return n.en
}

// childAreas are the areas one level below: provinces of the nation,
// districts of a province, none below a district.
func (d *Data) childAreas(area string) []string {
	switch {
	case area == "KH":
		return d.provinces
	case len(area) == 2:
		return d.districts[area]
	}
	return nil
}

// within reports whether area lies inside scope ("" or "KH" is everywhere).
func within(area, scope string) bool {
	return scope == "" || scope == "KH" || strings.HasPrefix(area, scope)
}
