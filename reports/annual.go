package reports

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"vitalstats"
)

// Tabulation is one core table of the annual report (UN Principles and
// Recommendations for a Vital Statistics System, Rev. 3, the tabulation
// programme): a count mart laid out rows × columns for one year, with the
// mart's other columns fixed.
type Tabulation struct {
	ID       string    // sheet, CSV and SDMX names (the dataflow's ID is in upper case)
	Title    [2]string // English, Khmer
	Mart     string
	Row, Col string            // the mart's columns laid out down and across
	Fixed    map[string]string // the other columns' values (area_code KH, sex T, ...)
	// Total is the mart's margin category of Row and Col ("total", "T",
	// "KH", "all"): left out of the cells; the totals are the sums of the
	// published cells (the publication layer perturbs each count on its own,
	// so the mart's margin is another figure).
	RowTotal, ColTotal string
}

// Tabulations are the core tables, in the workbook's order.
var Tabulations = []Tabulation{
	{ID: "births_age_province", Title: [2]string{"Live births by age of mother and province of usual residence", "កំណើតរស់តាមអាយុម្តាយ និងខេត្តនៃទីលំនៅ"},
		Mart: "tab_births_mother_age", Row: "mother_age_group", Col: "area_code", RowTotal: "total", ColTotal: "KH"},
	{ID: "births_sex_place", Title: [2]string{"Live births by sex and place of delivery", "កំណើតរស់តាមភេទ និងទីកន្លែងសម្រាល"},
		Mart: "tab_births_sex_place", Row: "place_of_delivery", Col: "sex", Fixed: map[string]string{"area_code": "KH"}, RowTotal: "total", ColTotal: "T"},
	{ID: "deaths_age_sex", Title: [2]string{"Deaths by age and sex", "មរណភាពតាមអាយុ និងភេទ"},
		Mart: "tab_deaths_age_sex", Row: "age_group", Col: "sex", Fixed: map[string]string{"area_code": "KH"}, RowTotal: "total", ColTotal: "T"},
	{ID: "deaths_age_province", Title: [2]string{"Deaths by age and province of usual residence", "មរណភាពតាមអាយុ និងខេត្តនៃទីលំនៅ"},
		Mart: "tab_deaths_age_sex", Row: "age_group", Col: "area_code", Fixed: map[string]string{"sex": "T"}, RowTotal: "total", ColTotal: "KH"},
	{ID: "infant_deaths", Title: [2]string{"Infant deaths by age and sex", "មរណភាពទារកតាមអាយុ និងភេទ"},
		Mart: "tab_infant_deaths", Row: "age_at_death", Col: "sex", Fixed: map[string]string{"area_code": "KH"}, RowTotal: "total", ColTotal: "T"},
	{ID: "deaths_cause_age", Title: [2]string{"Deaths by cause (WHO Mortality Tabulation List 1) and age", "មរណភាពតាមមូលហេតុ (បញ្ជី ១ របស់ WHO) និងអាយុ"},
		Mart: "cod_list1", Row: "list1_item", Col: "age_group", Fixed: map[string]string{"area_code": "KH", "sex": "T", "is_leaf": "true"}, ColTotal: "all"},
	{ID: "fetal_deaths", Title: [2]string{"Fetal deaths by gestation and sex", "ការស្លាប់របស់ទារកក្នុងផ្ទៃតាមអាយុគភ៌ និងភេទ"},
		Mart: "tab_fetal_deaths", Row: "gestation", Col: "sex", Fixed: map[string]string{"area_code": "KH"}, RowTotal: "total", ColTotal: "T"},
	{ID: "marriages_ages", Title: [2]string{"Marriages by age of bride and of groom", "អាពាហ៍ពិពាហ៍តាមអាយុកូនក្រមុំ និងកូនកំលោះ"},
		Mart: "tab_marriages", Row: "bride_age_group", Col: "groom_age_group", Fixed: map[string]string{"area_code": "KH"}, RowTotal: "total", ColTotal: "total"},
}

// Published is one tabulation after disclosure control.
type Published struct {
	Tab       Tabulation
	Year      int
	Rows      []string // categories down, without the total
	Cols      []string
	Protected *Protected
}

// Tabulate lays a tabulation out for a year from its mart, protects it and
// audits it. A
// table that fails its audit is an error: it must not be published.
func Tabulate(tab Tabulation, mart *vitalstats.Table, year int, opt Disclosure) (*Published, error) {
	col := func(name string) (int, error) {
		if i := mart.Col(name); i >= 0 {
			return i, nil
		}
		return 0, fmt.Errorf("%s: %s has no column %s", tab.ID, tab.Mart, name)
	}
	yi, err := col("year")
	if err != nil {
		return nil, err
	}
	ri, err := col(tab.Row)
	if err != nil {
		return nil, err
	}
	ci, err := col(tab.Col)
	if err != nil {
		return nil, err
	}
	ni, err := col("numerator")
	if err != nil {
		return nil, err
	}
	fixed := map[int]string{}
	for c, v := range tab.Fixed {
		i, err := col(c)
		if err != nil {
			return nil, err
		}
		fixed[i] = v
	}
	cells := map[[2]string]int64{}
	var rows, cols []string
	for _, r := range mart.Rows {
		if y, _ := r[yi].(int64); int(y) != year {
			continue
		}
		keep := true
		for i, v := range fixed {
			if str(r[i]) != v {
				keep = false
			}
		}
		if !keep {
			continue
		}
		rv, cv := str(r[ri]), str(r[ci])
		n, ok := r[ni].(int64)
		if !ok {
			return nil, fmt.Errorf("%s: %s row %s × %s: the count is a %T, not a whole number", tab.ID, tab.Mart, rv, cv, r[ni])
		}
		if rv == tab.RowTotal || cv == tab.ColTotal {
			continue // the totals are the sums of the published cells
		}
		if !slices.Contains(rows, rv) {
			rows = append(rows, rv)
		}
		if !slices.Contains(cols, cv) {
			cols = append(cols, cv)
		}
		cells[[2]string{rv, cv}] += n
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: %s has no rows for %d", tab.ID, tab.Mart, year)
	}
	slices.SortStableFunc(rows, categoryOrder)
	slices.SortStableFunc(cols, categoryOrder)
	ct := CountTable{Rows: rows, Cols: cols, Cells: make([][]int64, len(rows))}
	for i, rv := range rows {
		ct.Cells[i] = make([]int64, len(cols))
		for j, cv := range cols {
			n := cells[[2]string{rv, cv}]
			ct.Cells[i][j] = n
		}
	}
	p, err := Protect(ct, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tab.ID, err)
	}
	ex, err := Audit(p)
	if err != nil {
		return nil, fmt.Errorf("%s: audit: %w", tab.ID, err)
	}
	if len(ex) > 0 {
		return nil, fmt.Errorf("%s %d: %d suppressed cells could be recovered (%v)", tab.ID, year, len(ex), ex[0])
	}
	return &Published{Tab: tab, Year: year, Rows: rows, Cols: cols, Protected: p}, nil
}

// categoryOrder sorts categories as a reader expects: sexes M, F; ages and
// codes by their leading number ("<15" first, "85+" after "80-84"); other
// codes as text; the unknown last.
func categoryOrder(a, b string) int {
	type key struct {
		group, n int
		s        string
	}
	k := func(s string) key {
		switch s {
		case "unknown", "U", "99":
			return key{3, 0, s}
		case "M":
			return key{0, 0, s}
		case "F":
			return key{0, 1, s}
		}
		if strings.HasPrefix(s, "<") {
			return key{1, -1, s}
		}
		n, digits := 0, 0
		for _, c := range s {
			if c < '0' || c > '9' {
				break
			}
			n, digits = n*10+int(c-'0'), digits+1
		}
		if digits > 0 {
			return key{1, n, s}
		}
		return key{2, 0, s}
	}
	ka, kb := k(a), k(b)
	return cmp.Or(cmp.Compare(ka.group, kb.group), cmp.Compare(ka.n, kb.n), strings.Compare(ka.s, kb.s))
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// SuppressedMark is what a suppressed cell holds in the release's CSV
// tables: nothing. Every other cell of a table holds a number (0 included),
// so an empty one is always a suppressed one, and a program reads the column
// as numbers with the suppressed cells missing. The dashboards' CSV
// downloads, in long form, leave the value empty too and say suppressed in
// their flags column, as SDMX-CSV says it in CONF_STATUS; the workbook
// leaves the cell empty and marks it with a comment (SuppressedSymbol).
const SuppressedMark = ""

// BOM is the UTF-8 byte-order mark every CSV file of a release starts
// with: without it, Excel's and LibreOffice's default import read the Khmer
// labels as Latin-1 ("ážŸáž¼..."). Programs that dislike it fetch the
// files with ?bom=0 from the downloads page.
const BOM = "\ufeff"

// grid is the table as printed: a header row, then a row per category with
// its total, then the totals row; labels translate categories. A suppressed
// cell is Suppressed.
func (p *Published) grid(labels func(string) string) [][]any {
	head := []any{labels(p.Tab.Row)}
	for _, c := range p.Cols {
		head = append(head, labels(c))
	}
	if !p.Protected.OneDim() { // a table of one column is its own total
		head = append(head, labels("total"))
	}
	out := [][]any{head}
	for i, row := range p.Protected.Grid {
		name := labels("total")
		if i < len(p.Rows) {
			name = labels(p.Rows[i])
		}
		line := []any{name}
		for _, c := range row {
			if c.Suppressed() {
				line = append(line, Suppressed)
			} else {
				line = append(line, c.Value)
			}
		}
		out = append(out, line)
	}
	return out
}

// WriteCSV writes a published table as it is printed, after a byte-order
// mark (BOM), with an empty field (SuppressedMark) for a suppressed cell.
func (p *Published) WriteCSV(w io.Writer, labels func(string) string) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, row := range p.grid(labels) {
		rec := make([]string, len(row))
		for i, v := range row {
			if v == Suppressed {
				rec[i] = SuppressedMark
			} else {
				rec[i] = str(v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// source is the source note of every sheet of the annual report.
const source = "Source: civil registration of Cambodia (Ministry of Interior); vital statistics by the National Institute of Statistics. " +
	"ប្រភព៖ ការចុះបញ្ជីអត្រានុកូលដ្ឋាន (ក្រសួងមហាផ្ទៃ)។"

// Sheet is the published table as a workbook sheet: the title in both
// languages, the source and the suppression note, the table, its rows'
// labels frozen with the header.
func (p *Published) Sheet(labels func(string) string) Sheet {
	g := p.grid(labels)
	head := make([]string, len(g[0]))
	for i, h := range g[0] {
		head[i] = str(h)
	}
	primary, complementary := p.Protected.Suppressions()
	name := p.Tab.ID
	if len(name) > 31 {
		name = name[:31]
	}
	return Sheet{Name: name,
		Title: fmt.Sprintf("%s, %d / %s %d", p.Tab.Title[0], p.Year, p.Tab.Title[1], p.Year),
		Note: fmt.Sprintf("%s Counts of events. Grey empty cell with a comment %s: suppressed (%d cells under %d events, "+
			"%d more so that they cannot be worked back from the totals). ក្រឡាពណ៌ប្រផេះទទេ %s៖ លាក់ (ក្រឡាតិចជាង %d ព្រឹត្តិការណ៍)។",
			source, SuppressedSymbol, primary, p.Protected.Threshold, complementary, SuppressedSymbol, p.Protected.Threshold),
		Header: head, Rows: g[1:], FrozenCols: 1}
}

// summaryRow is an indicator of the summary sheet: a mart row at the
// nation for the report's year, shown at its published precision.
type summaryRow struct {
	en, km, mart string
	match        map[string]string
	shown        precision
}

// precision is how the summary sheet publishes a value: multiplied by scale
// (100 for a share shown as a percent, 1,000 for a probability shown per
// 1,000) and rounded to decimals. docs/methods.md section 11 has the table.
type precision struct {
	scale    float64
	decimals int
}

var (
	rate1    = precision{1, 1}    // rates per 1,000 or 100,000, ratios
	tfr2     = precision{1, 2}    // total fertility rate, per woman
	years1   = precision{1, 1}    // life expectancy
	per1000  = precision{1000, 1} // a probability, per 1,000
	percent1 = precision{100, 1}  // a share, in percent
)

// round publishes v at the precision p (half away from zero).
func (p precision) round(v float64) float64 {
	f := math.Pow(10, float64(p.decimals))
	return math.Round(v*p.scale*f) / f
}

var summaryRows = []summaryRow{
	{"Total fertility rate (per woman)", "អត្រាកំណើតសរុប", "fertility_rates", map[string]string{"measure": "tfr", "basis": "registered"}, tfr2},
	{"Total fertility rate (per woman), adjusted for completeness", "អត្រាកំណើតសរុប កែតម្រូវតាមភាពពេញលេញ", "fertility_rates", map[string]string{"measure": "tfr", "basis": "adjusted_completeness"}, tfr2},
	{"Adolescent birth rate 15-19 (per 1,000 women)", "អត្រាកំណើតក្នុងវ័យជំទង់ ១៥-១៩", "fertility_rates", map[string]string{"measure": "abr_15_19", "basis": "registered"}, rate1},
	{"Sex ratio at birth (males per 100 females)", "សមាមាត្រភេទពេលកើត", "births_characteristics", map[string]string{"measure": "sex_ratio_at_birth"}, rate1},
	{"Infant mortality rate (per 1,000 live births)", "អត្រាមរណភាពទារក", "mortality_rates", map[string]string{"measure": "imr", "sex": "T", "basis": "registered"}, rate1},
	{"Infant mortality rate, UN IGME estimate", "អត្រាមរណភាពទារក ការប៉ាន់ស្មានរបស់ UN IGME", "mortality_rates", map[string]string{"measure": "imr", "sex": "T", "basis": "reference_igme2024"}, rate1},
	{"Neonatal mortality rate (per 1,000 live births)", "អត្រាមរណភាពទារកទើបកើត", "mortality_rates", map[string]string{"measure": "nmr", "sex": "T", "basis": "registered"}, rate1},
	{"Neonatal mortality rate, UN IGME estimate", "អត្រាមរណភាពទារកទើបកើត ការប៉ាន់ស្មានរបស់ UN IGME", "mortality_rates", map[string]string{"measure": "nmr", "sex": "T", "basis": "reference_igme2024"}, rate1},
	{"Under-five mortality rate (per 1,000 live births)", "អត្រាមរណភាពកុមារអាយុក្រោម ៥ ឆ្នាំ", "mortality_rates", map[string]string{"measure": "u5mr", "sex": "T", "basis": "registered"}, rate1},
	{"Under-five mortality rate, UN IGME estimate", "អត្រាមរណភាពកុមារអាយុក្រោម ៥ ឆ្នាំ ការប៉ាន់ស្មានរបស់ UN IGME", "mortality_rates", map[string]string{"measure": "u5mr", "sex": "T", "basis": "reference_igme2024"}, rate1},
	{"Maternal mortality ratio (per 100,000 live births)", "អនុបាតមរណភាពមាតា", "mortality_rates", map[string]string{"measure": "mmr", "sex": "T", "basis": "registered"}, rate1},
	{"Life expectancy at birth, males (years, registered deaths)", "អាយុសង្ឃឹមរស់ពេលកើត ប្រុស", "life_expectancy", map[string]string{"measure": "e0", "sex": "M", "basis": "registered"}, years1},
	{"Life expectancy at birth, females (years, registered deaths)", "អាយុសង្ឃឹមរស់ពេលកើត ស្រី", "life_expectancy", map[string]string{"measure": "e0", "sex": "F", "basis": "registered"}, years1},
	{"Life expectancy at birth, males, adjusted for completeness", "អាយុសង្ឃឹមរស់ពេលកើត ប្រុស កែតម្រូវតាមភាពពេញលេញ", "life_expectancy", map[string]string{"measure": "e0", "sex": "M", "basis": "adjusted_completeness"}, years1},
	{"Life expectancy at birth, females, adjusted for completeness", "អាយុសង្ឃឹមរស់ពេលកើត ស្រី កែតម្រូវតាមភាពពេញលេញ", "life_expectancy", map[string]string{"measure": "e0", "sex": "F", "basis": "adjusted_completeness"}, years1},
	{"Life expectancy at birth, males, UN WPP 2024 estimate", "អាយុសង្ឃឹមរស់ពេលកើត ប្រុស ការប៉ាន់ស្មានរបស់ UN WPP 2024", "life_expectancy", map[string]string{"measure": "e0", "sex": "M", "basis": "reference_wpp2024"}, years1},
	{"Life expectancy at birth, females, UN WPP 2024 estimate", "អាយុសង្ឃឹមរស់ពេលកើត ស្រី ការប៉ាន់ស្មានរបស់ UN WPP 2024", "life_expectancy", map[string]string{"measure": "e0", "sex": "F", "basis": "reference_wpp2024"}, years1},
	{"Probability of dying 15-60 (45q15, per 1,000), males", "ប្រូបាប៊ីលីតេស្លាប់ ១៥-៦០ ប្រុស", "life_expectancy", map[string]string{"measure": "45q15", "sex": "M", "basis": "registered"}, per1000},
	{"Probability of dying 15-60 (45q15, per 1,000), females", "ប្រូបាប៊ីលីតេស្លាប់ ១៥-៦០ ស្រី", "life_expectancy", map[string]string{"measure": "45q15", "sex": "F", "basis": "registered"}, per1000},
	{"Birth registration completeness (%)", "ភាពពេញលេញនៃការចុះបញ្ជីកំណើត", "completeness", map[string]string{"event_type": "birth", "within": "all", "age_band": "all", "method": "reference_asfr"}, percent1},
	{"Death registration completeness (%)", "ភាពពេញលេញនៃការចុះបញ្ជីមរណភាព", "completeness", map[string]string{"event_type": "death", "within": "all", "age_band": "all", "method": "reference_rates"}, percent1},
	{"Deaths with ill-defined causes (R00-R99, % of deaths with a reported cause)", "មរណភាពដែលមូលហេតុមិនច្បាស់លាស់", "cod_quality", map[string]string{"measure": "ill_defined_r00_r99"}, percent1},
}

// SummaryMarts are the marts the summary sheet reads (at the nation).
func SummaryMarts() []string {
	var out []string
	for _, r := range summaryRows {
		if !slices.Contains(out, r.mart) {
			out = append(out, r.mart)
		}
	}
	return out
}

// events is the whole number of events a summary value rests on: the mart's
// event_count column where it has one (a numerator holding a pro rata share of
// events of unknown age is not a count), else its numerator when that is
// whole, else the numerator rounded, with estimated true.
func events(m *vitalstats.Table, r []any) (n any, estimated bool) {
	col := func(c string) any {
		if j := m.Col(c); j >= 0 {
			return r[j]
		}
		return nil
	}
	v := col("event_count")
	if v == nil {
		v = col("numerator")
	}
	switch x := v.(type) {
	case int64:
		return x, false
	case int32:
		return int64(x), false
	case float64:
		if x == math.Trunc(x) {
			return int64(x), false
		}
		return int64(math.Round(x)), true
	}
	return nil, false
}

// summarySheet lays out the summary indicators of a year at the nation, at
// their published precision, with whole event counts.
func summarySheet(year int, marts map[string]*vitalstats.Table) (Sheet, error) {
	summary := Sheet{Name: "summary",
		Title: fmt.Sprintf("Summary indicators, Cambodia, %d / សូចនាករសង្ខេប កម្ពុជា %d", year, year),
		Note: source + " Values at published precision: rates, ratios and life expectancy to 1 decimal, the TFR to 2, probabilities per 1,000 " +
			"and shares in percent to 1 decimal. Events: the whole number of registered events the value rests on " +
			"(events_rounded: a count with a pro rata share of events of unknown age, rounded). Basis: registered = the registered " +
			"events as they are; adjusted_completeness = divided by the estimated completeness of their registration; " +
			"reference_<source> = the outside estimate. A registered value flagged completeness_lt70 rests on registration " +
			"under 70% complete: it is what was registered, not the level; read the adjusted or reference row.",
		Header: []string{"Indicator", "សូចនាករ", "Value / តម្លៃ", "95% CI low / ចន្លោះទំនុកចិត្ត ៩៥% ទាប", "95% CI high / ចន្លោះទំនុកចិត្ត ៩៥% ខ្ពស់",
			"Events / ព្រឹត្តិការណ៍", "Flags / សញ្ញា", "Mart / តារាង", "Basis / មូលដ្ឋាន"},
		FrozenCols: 1}
	for _, s := range summaryRows {
		m := marts[s.mart]
		if m == nil {
			return Sheet{}, fmt.Errorf("summary: mart %s not given", s.mart)
		}
		row := []any{s.en, s.km, nil, nil, nil, nil, nil, s.mart, s.match["basis"]}
		for _, r := range m.Rows {
			if !matches(m, r, map[string]string{"year": strconv.Itoa(year), "area_code": "KH"}) || !matches(m, r, s.match) {
				continue
			}
			for i, c := range []string{"value", "ci_low", "ci_high"} {
				if j := m.Col(c); j >= 0 {
					if v, ok := r[j].(float64); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
						row[2+i] = Number{s.shown.round(v), s.shown.decimals}
					}
				}
			}
			var flags []string
			if j := m.Col("flags"); j >= 0 {
				flags, _ = r[j].([]string)
			}
			n, estimated := events(m, r)
			row[5] = n
			if estimated {
				flags = append(slices.Clone(flags), "events_rounded")
			}
			row[6] = strings.Join(flags, " ")
		}
		summary.Rows = append(summary.Rows, row)
	}
	return summary, nil
}

// AnnualReport lays out the annual report for a year: the summary of
// indicators, every core tabulation after disclosure control, and the
// metadata. marts holds the tabulations' marts and SummaryMarts (nation
// rows at least); labels names categories in both languages.
func AnnualReport(year int, marts map[string]*vitalstats.Table, labels func(string) string, rel Release, opt Disclosure) ([]Sheet, []*Published, error) {
	summary, err := summarySheet(year, marts)
	if err != nil {
		return nil, nil, err
	}
	sheets := []Sheet{summary}
	var tables []*Published
	for _, tab := range Tabulations {
		m := marts[tab.Mart]
		if m == nil {
			return nil, nil, fmt.Errorf("%s: mart %s not given", tab.ID, tab.Mart)
		}
		p, err := Tabulate(tab, m, year, opt)
		if err != nil {
			return nil, nil, err
		}
		tables = append(tables, p)
		sheets = append(sheets, p.Sheet(labels))
	}
	meta := Sheet{Name: "metadata",
		Title:  fmt.Sprintf("About this workbook: annual report %d, release %s / អំពីសៀវភៅបញ្ជីនេះ", year, rel.ID),
		Note:   source + " " + ReadingNote,
		Header: []string{"Item / ធាតុ", "Value / តម្លៃ"},
		Rows: [][]any{
			{"Release", rel.ID},
			{"Status", rel.Status},
			{"Published", rel.Created.UTC().Format("2006-01-02 15:04 UTC")},
			{"Data as of / ទិន្នន័យគិតត្រឹម", asOfNote(rel)},
			{"Year of occurrence", strconv.Itoa(year)}, // text: a year is no count
			{"Lake snapshot", rel.LakeSnapshot},
			{"Code version", rel.CodeVersion},
			{"Population denominators", rel.Denominators},
			{"Disclosure control", fmt.Sprintf("counts from 1 to %d suppressed, with complementary cells so that none can be worked back from the totals (audited)", tables[0].Protected.Threshold-1)},
			{"Suppressed cell", "an empty cell, shaded grey, with a comment " + SuppressedSymbol + ": it reads as missing, and the column stays numeric"},
			{"Header row", fmt.Sprintf("row %d of every sheet (pandas: header=%d; R readxl: skip = %d)", HeaderRow, HeaderRow-1, HeaderRow-1)},
			{"Source", "Civil registration of Cambodia (Ministry of Interior), vital statistics by the National Institute of Statistics; tables after the UN Principles and Recommendations for a Vital Statistics System, Rev. 3"},
		}}
	for _, p := range tables {
		meta.Rows = append(meta.Rows, []any{"Sheet " + p.Tab.ID, p.Tab.Title[0] + " / " + p.Tab.Title[1] + " (mart " + p.Tab.Mart + ")"})
	}
	return append(sheets, meta), tables, nil
}

// ReadingNote says how a program reads the workbook's sheets and what a
// suppressed cell is; the release's README says the same.
var ReadingNote = fmt.Sprintf("Every sheet: row 1 the title, row 2 this note, row %d the header, the data below it to the last row "+
	"(pandas: read_excel(f, sheet_name=..., header=%d); R: readxl::read_excel(f, sheet = ..., skip = %d)). "+
	"A suppressed cell is empty, shaded grey, with the comment %s.", HeaderRow, HeaderRow-1, HeaderRow-1, SuppressedSymbol)

// ReportProps are the annual report workbook's document properties.
func ReportProps(year int, rel Release) Props {
	return Props{
		Title:       fmt.Sprintf("Vital statistics of Cambodia: annual report %d", year),
		Subject:     "Births, deaths, fetal deaths and marriages registered in Cambodia, after disclosure control",
		Description: fmt.Sprintf("Release %s (%s), data as of %s. %s", rel.ID, rel.Status, rel.AsOf, ReadingNote),
		Release:     rel.ID, Status: rel.Status, AsOf: rel.AsOf, Created: rel.Created,
	}
}

// asOfNote is the release's data date with how it was found.
func asOfNote(rel Release) string {
	switch rel.AsOfSource {
	case "data":
		return rel.AsOf + " (the latest registration date in the data)"
	case "config":
		return rel.AsOf + " (set by the site)"
	}
	return rel.AsOf
}

func matches(m *vitalstats.Table, r []any, want map[string]string) bool {
	for c, v := range want {
		i := m.Col(c)
		if i < 0 || str(r[i]) != v {
			return false
		}
	}
	return true
}

// Labels names categories in English and Khmer: the fixed words of the
// tables, province names (ref_provinces) and List 1 titles (ref_who_list1).
func Labels(provinces, list1 *vitalstats.Table) func(string) string {
	names := map[string]string{
		"total": "Total / សរុប", "unknown": "Not stated / មិនបានបញ្ជាក់", "KH": "Cambodia / កម្ពុជា", "99": "Not stated / មិនបានបញ្ជាក់",
		"M": "Male / ប្រុស", "F": "Female / ស្រី", "U": "Not stated / មិនបានបញ្ជាក់", "T": "Both sexes / ភេទទាំងពីរ",
		"mother_age_group": "Age of mother / អាយុម្តាយ", "age_group": "Age / អាយុ", "place_of_delivery": "Place of delivery / ទីកន្លែងសម្រាល",
		"age_at_death": "Age at death / អាយុពេលស្លាប់", "list1_item": "Cause (List 1) / មូលហេតុ", "gestation": "Weeks of gestation / អាយុគភ៌ (សប្តាហ៍)",
		"bride_age_group": "Age of bride / អាយុកូនក្រមុំ", "public_hospital": "Public hospital / មន្ទីរពេទ្យរដ្ឋ",
		"health_centre": "Health centre / មណ្ឌលសុខភាព", "private": "Private facility / មូលដ្ឋានឯកជន", "home": "Home / ផ្ទះ", "other": "Other / ផ្សេងៗ",
		"all": "All ages / គ្រប់អាយុ",
		// the research aggregates' rows: provinces by name
		"area_code": "Province of usual residence / ខេត្តនៃទីលំនៅ",
		// infant deaths reported at 0 months: neonatal, the day not stated
		"neonatal_day_unknown": "Under 28 days, day not stated / ក្រោម ២៨ ថ្ងៃ (មិនបានបញ្ជាក់ថ្ងៃ)",
	}
	if provinces != nil {
		c, en, km := provinces.Col("province_code"), provinces.Col("name_en"), provinces.Col("name_km")
		for _, r := range provinces.Rows {
			if c >= 0 && en >= 0 && km >= 0 {
				names[str(r[c])] = str(r[en]) + " / " + str(r[km])
			}
		}
	}
	if list1 != nil {
		c, t := list1.Col("list1_item"), list1.Col("title")
		for _, r := range list1.Rows {
			if c >= 0 && t >= 0 {
				names[str(r[c])] = str(r[c]) + " " + str(r[t])
			}
		}
	}
	return func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return s
	}
}
