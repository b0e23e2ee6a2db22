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
		// Mortality surveillance (issue 20), all ages: a warehouse built
		// before it has no such table, and its page says so (surveillance.go).
		{Table: "surveillance", Columns: survColumns, AreaDepth: 2, Optional: true,
			Only: map[string][]string{"age_group": {"all"}}},
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

// mart is one table held by column, each in a typed form (see column), and
// its rows by area as row numbers. Pages read them under load: a table of
// [][]any is a pointer per value for the garbage collector to scan on every
// cycle, a quarter of a page's rendering; these columns hold no pointers
// but their small dictionaries.
type mart struct {
	name   string
	cols   []string
	col    map[string]int
	data   []column
	n      int // rows
	byArea map[string][]row
	ind    indicatorCols
}

// indicatorCols are the indices of the columns cellFrom reads (-1: none).
type indicatorCols struct{ value, num, den, low, high, flags, basis int }

// row is a row's number in its mart.
type row = int32

// column is one column of a mart: int64 or float64 numbers with a null
// mask when every value is one of them (or NULL), else every distinct value
// once in a dictionary and each row's code into it (strings, times, flag
// lists: few distinct values, many rows).
type column struct {
	ints  []int64
	flts  []float64
	null  []bool // numbers only: the value is NULL
	codes []uint32
	dict  []any             // codes' values; nil for NULL
	code  map[string]uint32 // a string's code, when every value is a string (or NULL)
}

func (c *column) value(r row) any {
	switch {
	case c.ints != nil:
		if c.null[r] {
			return nil
		}
		return c.ints[r]
	case c.flts != nil:
		if c.null[r] {
			return nil
		}
		return c.flts[r]
	case c.codes != nil:
		return c.dict[c.codes[r]]
	}
	return nil
}

// newColumn stores column i of rows in the most compact form its values allow.
func newColumn(rows [][]any, i int) column {
	var ints, flts, other bool
	for _, r := range rows {
		switch r[i].(type) {
		case nil:
		case int64:
			ints = true
		case float64:
			flts = true
		default:
			other = true
		}
	}
	n := len(rows)
	switch {
	case n == 0:
		return column{}
	case ints && !flts && !other:
		c := column{ints: make([]int64, n), null: make([]bool, n)}
		for j, r := range rows {
			v, ok := r[i].(int64)
			c.ints[j], c.null[j] = v, !ok
		}
		return c
	case flts && !ints && !other:
		c := column{flts: make([]float64, n), null: make([]bool, n)}
		for j, r := range rows {
			v, ok := r[i].(float64)
			c.flts[j], c.null[j] = v, !ok
		}
		return c
	}
	c := column{codes: make([]uint32, n), dict: []any{nil}}
	seen := map[any]uint32{}
	strs := true
	for j, r := range rows {
		v := r[i]
		if v == nil {
			continue
		}
		var key any = v
		if l, ok := v.([]string); ok { // a slice is no map key
			key = "list\x00" + strings.Join(l, "\x00")
		}
		if _, ok := v.(string); !ok {
			strs = false
		}
		code, ok := seen[key]
		if !ok {
			code = uint32(len(c.dict))
			seen[key] = code
			c.dict = append(c.dict, v)
		}
		c.codes[j] = code
	}
	if strs {
		c.code = make(map[string]uint32, len(c.dict))
		for k, v := range c.dict[1:] {
			c.code[v.(string)] = uint32(k + 1)
		}
	}
	return c
}

func newMart(t *vitalstats.Table) *mart {
	m := &mart{name: t.Name, cols: t.Columns, col: map[string]int{}, n: len(t.Rows), byArea: map[string][]row{}}
	for i, c := range t.Columns {
		m.col[c] = i
		m.data = append(m.data, newColumn(t.Rows, i))
	}
	idx := func(c string) int {
		if i, ok := m.col[c]; ok {
			return i
		}
		return -1
	}
	m.ind = indicatorCols{idx("value"), idx("numerator"), idx("denominator"), idx("ci_low"), idx("ci_high"), idx("flags"), idx("basis")}
	if _, ok := m.col["area_code"]; ok {
		for r := range row(m.n) {
			code := m.str(r, "area_code")
			m.byArea[code] = append(m.byArea[code], r)
		}
	}
	return m
}

// NewData indexes the tables Needs listed (every one must be there).
func NewData(tables []*vitalstats.Table) (*Data, error) {
	d := &Data{marts: map[string]*mart{}, names: map[string]areaName{}, districts: map[string][]string{}}
	for _, t := range tables {
		d.marts[t.Name] = newMart(t)
	}
	for _, n := range Needs() {
		m := d.marts[n.Table]
		if m == nil && n.Optional {
			continue // the page that shows it says it is missing
		}
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
	for _, r := range p.all() {
		code := p.str(r, "province_code")
		d.names[code] = areaName{p.str(r, "name_en"), p.str(r, "name_km")}
		d.provinces = append(d.provinces, code)
	}
	slices.Sort(d.provinces)
	ds := d.marts["ref_districts"]
	for _, r := range ds.all() {
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
	if b.n == 1 {
		r := row(0)
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

func hasFlag(m *mart, r row, flag string) bool {
	f, _ := m.get(r, "flags").([]string)
	return slices.Contains(f, flag)
}

// get is a value as the warehouse gave it: nil, int64, float64, string,
// bool, time.Time or []string.
func (m *mart) get(r row, c string) any {
	i, ok := m.col[c]
	if !ok {
		return nil
	}
	return m.data[i].value(r)
}

func (m *mart) str(r row, c string) string {
	i, ok := m.col[c]
	if !ok {
		return ""
	}
	return strOf(m.data[i].value(r))
}

func strOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.Format("2006-01")
	}
	return ""
}

func (m *mart) int(r row, c string) int {
	v, _ := m.num(r, c)
	return int(v)
}

func (m *mart) time(r row, c string) time.Time {
	t, _ := m.get(r, c).(time.Time)
	return t
}

func (m *mart) num(r row, c string) (float64, bool) {
	i, ok := m.col[c]
	if !ok {
		return 0, false
	}
	return m.numAt(i, r)
}

// numAt is num by the column's index (-1: no such column).
func (m *mart) numAt(i int, r row) (float64, bool) {
	if i < 0 {
		return 0, false
	}
	col := &m.data[i]
	switch {
	case col.ints != nil:
		return float64(col.ints[r]), !col.null[r]
	case col.flts != nil:
		return col.flts[r], !col.null[r]
	}
	return 0, false
}

// rows returns the rows of an area that match every column=value pair.
func (m *mart) rows(area string, match ...string) []row {
	return m.filter(m.byArea[area], match)
}

// all returns the rows of a table without areas that match column=value pairs.
func (m *mart) all(match ...string) []row {
	every := make([]row, m.n)
	for i := range every {
		every[i] = row(i)
	}
	if len(match) == 0 {
		return every
	}
	return m.filter(every, match)
}

// filter keeps the rows matching column=value pairs. Pages call it many
// times a request, so each wanted value is turned once into what the column
// holds: a number for a number column (an int64 year is compared as a
// number, not formatted row by row), the set of matching codes for a
// dictionary (a string is compared once per distinct value, not per row).
func (m *mart) filter(rows []row, match []string) []row {
	type cond struct {
		c    *column
		n    int64
		isN  bool
		one  bool // a string column: the rows whose code is code match
		code uint32
		hit  []bool // another dictionary: the codes that match
		text string
	}
	var buf [4]cond
	conds := buf[:0]
	for i := 0; i+1 < len(match); i += 2 {
		ci, ok := m.col[match[i]]
		if !ok {
			return nil
		}
		cd := cond{c: &m.data[ci], text: match[i+1]}
		if n, err := strconv.ParseInt(cd.text, 10, 64); err == nil {
			cd.n, cd.isN = n, true
		}
		switch {
		case cd.c.code != nil && cd.text != "": // "" would match NULL too
			code, ok := cd.c.code[cd.text]
			if !ok {
				return nil // no row holds the value
			}
			cd.one, cd.code = true, code
		case cd.c.codes != nil:
			cd.hit = make([]bool, len(cd.c.dict))
			for k, v := range cd.c.dict {
				// a dictionary holds an int64 only beside other types
				n, isInt := v.(int64)
				cd.hit[k] = isInt && cd.isN && n == cd.n || !isInt && strOf(v) == cd.text
			}
		}
		conds = append(conds, cd)
	}
	var out []row
next:
	for _, r := range rows {
		for _, cd := range conds {
			c := cd.c
			switch {
			case cd.one:
				if c.codes[r] != cd.code {
					continue next
				}
			case c.codes != nil:
				if !cd.hit[c.codes[r]] {
					continue next
				}
			case c.ints != nil:
				if c.null[r] && cd.text != "" || !c.null[r] && (!cd.isN || c.ints[r] != cd.n) {
					continue next
				}
			default: // a float, or an empty column, is no filter's key
				if strOf(c.value(r)) != cd.text {
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
