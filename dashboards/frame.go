package dashboards

import (
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A frame is what one chart shows, and its table and CSV too, so that the
// three cannot disagree: values by category (x) and series.
type frame struct {
	ID     string // stable: the chart's element id and the CSV's name
	Title  string
	Kind   string // line, bar, hbar, map, pyramid, cards, list
	Unit   string
	XLabel string
	X      []string  // category labels, in display order
	XKey   []string  // the categories' codes
	AreaX  bool      // the codes are areas: the chart and table link to them
	Series []string  // series labels, in legend order
	Cells  [][]*cell // [series][x]; nil where there is no row
	Note   string
	// Beside maps the key of a headline category to the key of the
	// registered value shown beside it on its card (dashboards never
	// headline a registered rate flagged completeness_lt70).
	Beside map[string]string
	// Stack draws the series as one stacked bar (completeness: on time,
	// late, not registered); AxisMax fixes the value axis' end (0 = auto);
	// Refs are lines across the chart; Sorts are the orders a reader may
	// choose (by name: the categories' indices in display order).
	Stack   string
	AxisMax float64
	Refs    []refLine
	Sorts   map[string][]int
	// Map, on a map frame, is the registered map it draws when not the
	// provinces': KHM-dist (the districts), with MapPart (-<province>)
	// naming the part app.js cuts from it.
	Map, MapPart string
	// Surv, on a surveillance chart, draws its series as the surveillance
	// page does (survSeries): observed, nowcast and expected, the last two
	// with their intervals as bands, the provisional periods shaded apart.
	Surv *survChart
	// Summary, when set, is the chart's sentence for screen readers in
	// place of the one chartSummary writes; EmptyText replaces "no data"
	// on an empty frame (a table the warehouse lacks).
	Summary, EmptyText string
}

// cell is one published number with what qualifies it.
type cell struct {
	Value, Low, High float64
	HasValue, HasCI  bool
	Num, Den         float64
	HasNum, HasDen   bool
	Flags            []string
	Basis            string // what a rate rests on (registered, adjusted_…, reference_…), where the table says
	Suppressed       bool
	Text             string // for list frames (ETL runs): shown as is
}

// smallCell is the largest count that is published only as suppressed.
const smallCell = 4

// cellFrom reads the indicator columns of a mart row, as the publication
// layer gave it (perturbed counts, rates from them). A row it withheld
// (flag suppressed), or a count from 1 to 4 in a table it leaves to the
// tabulations, is shown as suppressed with nothing derived from it: value,
// interval, numerator and denominator, since any one of them could give
// the count back.
func cellFrom(m *mart, r row) *cell {
	c := &cell{}
	ic := &m.ind // the columns by index, not by name: cells are made by the thousand
	c.Value, c.HasValue = m.numAt(ic.value, r)
	c.Num, c.HasNum = m.numAt(ic.num, r)
	c.Den, c.HasDen = m.numAt(ic.den, r)
	lo, okl := m.numAt(ic.low, r)
	hi, okh := m.numAt(ic.high, r)
	c.Low, c.High, c.HasCI = lo, hi, okl && okh
	if ic.flags >= 0 {
		if f, ok := m.data[ic.flags].value(r).([]string); ok {
			c.Flags = f
		}
	}
	if ic.basis >= 0 {
		c.Basis = strOf(m.data[ic.basis].value(r))
	}
	if slices.Contains(c.Flags, "suppressed") || c.HasNum && c.Num >= 1 && c.Num <= smallCell {
		c.Suppressed = true
		c.Value, c.Low, c.High, c.Num, c.Den = 0, 0, 0, 0, 0
		c.HasValue, c.HasCI, c.HasNum, c.HasDen = false, false, false, false
	}
	return c
}

func (c *cell) flagged(flag string) bool { return c != nil && slices.Contains(c.Flags, flag) }

// beside shows the category regKey on the card of headKey.
func (b *builder) beside(headKey, regKey string) {
	if b.f.Beside == nil {
		b.f.Beside = map[string]string{}
	}
	b.f.Beside[headKey] = regKey
}

// builder collects cells by (series, x) in the order they first appear.
type builder struct {
	f      *frame
	xIndex map[string]int
	sIndex map[string]int
}

func newFrame(id, title, kind string) *builder {
	return &builder{f: &frame{ID: id, Title: title, Kind: kind}, xIndex: map[string]int{}, sIndex: map[string]int{}}
}

func (b *builder) x(label, key string) int {
	if i, ok := b.xIndex[label]; ok {
		return i
	}
	b.xIndex[label] = len(b.f.X)
	b.f.X = append(b.f.X, label)
	b.f.XKey = append(b.f.XKey, key)
	for s := range b.f.Cells {
		b.f.Cells[s] = append(b.f.Cells[s], nil)
	}
	return len(b.f.X) - 1
}

func (b *builder) series(label string) int {
	if i, ok := b.sIndex[label]; ok {
		return i
	}
	b.sIndex[label] = len(b.f.Series)
	b.f.Series = append(b.f.Series, label)
	b.f.Cells = append(b.f.Cells, make([]*cell, len(b.f.X)))
	return len(b.f.Series) - 1
}

func (b *builder) put(series, xLabel, xKey string, c *cell) {
	s := b.series(series)
	x := b.x(xLabel, xKey)
	b.f.Cells[s][x] = c
}

// sortX reorders the categories by less on their keys.
func (f *frame) sortX(less func(a, b int) int) {
	idx := make([]int, len(f.X))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, less)
	x, k := make([]string, len(idx)), make([]string, len(idx))
	for n, i := range idx {
		x[n], k[n] = f.X[i], f.XKey[i]
	}
	f.X, f.XKey = x, k
	for s := range f.Cells {
		c := make([]*cell, len(idx))
		for n, i := range idx {
			c[n] = f.Cells[s][i]
		}
		f.Cells[s] = c
	}
}

// rankBy orders the categories by the first series' value, highest first;
// suppressed and missing values go last.
func (f *frame) rankBy() {
	if len(f.Cells) == 0 {
		return
	}
	val := func(i int) float64 {
		if c := f.Cells[0][i]; c != nil && c.HasValue {
			return c.Value
		}
		return math.Inf(-1)
	}
	f.sortX(func(a, b int) int {
		va, vb := val(a), val(b)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
}

// orderSeries puts the named series first, in that order, so that a
// series keeps its colour from chart to chart.
func (f *frame) orderSeries(names ...string) {
	rank := func(s string) int {
		if i := slices.Index(names, s); i >= 0 {
			return i
		}
		return len(names)
	}
	idx := make([]int, len(f.Series))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rank(f.Series[a]) - rank(f.Series[b]) })
	series, cells := make([]string, len(idx)), make([][]*cell, len(idx))
	for n, i := range idx {
		series[n], cells[n] = f.Series[i], f.Cells[i]
	}
	f.Series, f.Cells = series, cells
}

func (f *frame) empty() bool {
	for _, s := range f.Cells {
		for _, c := range s {
			if c != nil {
				return false
			}
		}
	}
	return true
}

// fmtNum writes a number as the tables show it: rates and shares with three
// significant decimals at most, counts as integers.
func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	a := math.Abs(v)
	switch {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// displayIn is a cell as the HTML table shows it, in a unit: 79.5% (77.4–81.5).
func (c *cell) displayIn(u unit, lang string) string {
	switch {
	case c == nil:
		return ""
	case c.Text != "" && c.Suppressed:
		return c.Text + " · " + tr(lang, "state_suppressed")
	case c.Suppressed:
		return tr(lang, "state_suppressed")
	case c.Text != "":
		return c.Text
	case !c.HasValue:
		return "–"
	case u.Signed && c.HasCI:
		// signed bounds read badly around a dash (-19.8–-3.8): "to"
		return u.number(c.Value) + " (" + u.number(c.Low) + " " + tr(lang, "to") + " " + u.number(c.High) + ")"
	}
	return u.interval(c)
}

// csvBOM is the UTF-8 byte-order mark a CSV download starts with, as the
// release's CSV files do: without it, Excel's and LibreOffice's default
// import read the Khmer as Latin-1. ?bom=0 leaves it out (serveData).
const csvBOM = "\ufeff"

// writeCSV writes a frame in long form, one row per cell, with full
// precision: what a statistician re-uses. It starts with a byte-order mark.
// A suppressed cell has an empty value and the flag suppressed, as the
// release's files mark it (an empty value, with SDMX's CONF_STATUS or the
// workbook's comment where they have one): nothing derived from it is
// given either (cellFrom).
func (f *frame) writeCSV(w io.Writer) error {
	if _, err := io.WriteString(w, csvBOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := []string{f.XLabel, "code", "series", "value", "ci_low", "ci_high", "numerator", "denominator", "flags"}
	if f.Kind == "list" {
		head = append(head, "text")
	}
	basis := false // what each value rests on, where the frame's table says
	for _, cs := range f.Cells {
		for _, c := range cs {
			basis = basis || c != nil && c.Basis != ""
		}
	}
	if basis {
		head = append(head, "basis")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	num := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for s, name := range f.Series {
		for x, c := range f.Cells[s] {
			if c == nil {
				continue
			}
			flags := c.Flags
			if c.Suppressed && !slices.Contains(flags, "suppressed") {
				flags = append(slices.Clone(flags), "suppressed")
			}
			row := []string{f.X[x], f.XKey[x], name, num(c.Value, c.HasValue), num(c.Low, c.HasCI), num(c.High, c.HasCI),
				num(c.Num, c.HasNum), num(c.Den, c.HasDen), strings.Join(flags, " ")}
			if f.Kind == "list" {
				row = append(row, c.Text)
			}
			if basis {
				row = append(row, c.Basis)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
