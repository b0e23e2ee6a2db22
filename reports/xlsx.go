package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The layout of every sheet of a workbook we write, so that a program can
// read any of them by one rule: row 1 is the title, row 2 the source note,
// row 3 the header, and the data run from row 4 to the last row, with
// nothing after them (pandas: header=2; readxl: skip = 2).
const (
	titleRow  = 1
	noteRow   = 2
	HeaderRow = 3 // the header row, counted from 1
)

// Sheet is one worksheet of a workbook. A cell of Rows is a string, a count
// (int or int64, shown with thousands separators), a Number (shown at its
// decimals), a float64 (shown as it is), Suppressed, or nil for an empty
// cell.
type Sheet struct {
	Name   string   // 31 characters at most, none of []:*?/\ (spreadsheet programs require it)
	Title  string   // row 1: what the sheet holds, in English and Khmer
	Note   string   // row 2: source, units, the suppression mark
	Header []string // row 3: the columns' names, in English and Khmer
	Rows   [][]any  // from row 4
	// FrozenCols columns at the left (the rows' labels) stay in view when
	// scrolling across, as the title, note and header do scrolling down.
	FrozenCols int
}

// Number is a value published at a fixed number of decimals: it is stored
// as it is and shown with its decimals and thousands separators.
type Number struct {
	Value    float64
	Decimals int
}

// suppressed is the type of Suppressed.
type suppressed struct{}

// Suppressed is a cell withheld by disclosure control. In the workbook it is
// an empty cell (a spreadsheet, pandas and readxl read it as missing, so the
// column stays numeric) shaded grey, with a comment that reads
// SuppressedSymbol; in CSV an empty field (SuppressedMark).
var Suppressed = suppressed{}

// SuppressedSymbol is what a suppressed cell shows in the workbook: the
// start of its comment, as statistics offices print "x" for a confidential
// figure.
const SuppressedSymbol = "x"

// suppressedComment is the comment on a suppressed cell of the workbook.
const suppressedComment = SuppressedSymbol + ": suppressed (confidential) / លាក់ (សម្ងាត់)"

// Props are a workbook's document properties, which spreadsheet programs
// show (File > Properties) and catalogues read.
type Props struct {
	Title       string
	Subject     string
	Description string
	Release     string    // the release's ID (Dublin Core identifier)
	Status      string    // provisional or final
	AsOf        string    // the date the data describe, YYYY-MM-DD
	Created     time.Time // the release's time
}

// WriteXLSX writes sheets as an Office Open XML workbook (.xlsx) with
// excelize's streaming writer: each sheet in the layout of HeaderRow, counts
// with thousands separators, values at their decimals, columns wide enough
// for their content, the title, note and header frozen, and the document
// properties of props.
func WriteXLSX(w io.Writer, props Props, sheets []Sheet) error {
	if len(sheets) == 0 {
		return fmt.Errorf("xlsx: no sheets")
	}
	seen := map[string]bool{}
	for _, s := range sheets {
		switch {
		case s.Name == "" || utf8.RuneCountInString(s.Name) > 31 || strings.ContainsAny(s.Name, `[]:*?/\`):
			return fmt.Errorf("xlsx: sheet name %q: 1 to 31 characters, none of []:*?/\\", s.Name)
		case seen[strings.ToLower(s.Name)]:
			return fmt.Errorf("xlsx: sheet name %q twice", s.Name)
		case len(s.Header) == 0:
			return fmt.Errorf("xlsx: sheet %s has no header", s.Name)
		}
		seen[strings.ToLower(s.Name)] = true
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName(f.GetSheetName(0), sheets[0].Name); err != nil {
		return err
	}
	for _, s := range sheets[1:] {
		if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
	}
	for _, s := range sheets {
		if err := writeSheet(f, st, s); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", s.Name, err)
		}
	}
	if err := setProps(f, props); err != nil {
		return err
	}
	return f.Write(w)
}

// styles are the cell styles of a workbook, by use.
type styles struct {
	f                                *excelize.File
	title, note, header, text, count int
	general, suppressed, labelCol    int
	decimals                         map[int]int
}

const fontName = "Calibri"

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{f: f, decimals: map[int]int{}}
	// The default style (the workbook's "Normal"), which every cell
	// without another falls back to.
	if err := f.SetDefaultFont(fontName); err != nil {
		return nil, err
	}
	bottom := []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13, Family: fontName}}},
		{&st.note, excelize.Style{Font: &excelize.Font{Italic: true, Size: 10, Family: fontName, Color: "404040"}}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true, Size: 11, Family: fontName}, Border: bottom,
			Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&st.text, excelize.Style{NumFmt: 49}},     // "@": text stays text
		{&st.labelCol, excelize.Style{NumFmt: 49}}, // the rows' labels
		{&st.count, excelize.Style{NumFmt: 3}},     // #,##0
		{&st.general, excelize.Style{NumFmt: 0}},
		{&st.suppressed, excelize.Style{NumFmt: 3, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	return st, nil
}

// number is the style of a value at d decimals: #,##0.0 for 1.
func (st *styles) number(d int) (int, error) {
	if id, ok := st.decimals[d]; ok {
		return id, nil
	}
	if d < 0 || d > 10 {
		return 0, fmt.Errorf("%d decimals", d)
	}
	format := "#,##0"
	if d > 0 {
		format += "." + strings.Repeat("0", d)
	}
	id, err := st.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return 0, err
	}
	st.decimals[d] = id
	return id, nil
}

func writeSheet(f *excelize.File, st *styles, s Sheet) error {
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return err
	}
	// Columns as wide as their header and data, as shown (the title and
	// note run on over the empty cells beside them).
	cols := len(s.Header)
	for _, r := range s.Rows {
		cols = max(cols, len(r))
	}
	widths := make([]int, cols)
	for i, h := range s.Header {
		widths[i] = shownWidth(h)
	}
	for _, r := range s.Rows {
		for i, v := range r {
			widths[i] = max(widths[i], shownWidth(v))
		}
	}
	for i, w := range widths {
		// a little margin; a long label wraps the reader's eye, not the cell
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w, 6), 60))+2); err != nil {
			return err
		}
	}
	top := "A" + strconv.Itoa(HeaderRow+1)
	if s.FrozenCols > 0 {
		top = column(s.FrozenCols) + strconv.Itoa(HeaderRow+1)
	}
	pane := "bottomLeft"
	if s.FrozenCols > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: s.FrozenCols, YSplit: HeaderRow, TopLeftCell: top, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}}}); err != nil {
		return err
	}
	if err := sw.SetRow("A"+strconv.Itoa(titleRow), []any{excelize.Cell{StyleID: st.title, Value: s.Title}},
		excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	if err := sw.SetRow("A"+strconv.Itoa(noteRow), []any{excelize.Cell{StyleID: st.note, Value: s.Note}}); err != nil {
		return err
	}
	head := make([]any, len(s.Header))
	for i, h := range s.Header {
		head[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A"+strconv.Itoa(HeaderRow), head); err != nil {
		return err
	}
	var comments []string
	for r, row := range s.Rows {
		n := HeaderRow + 1 + r
		cells := make([]any, len(row))
		for c, v := range row {
			ref := column(c) + strconv.Itoa(n)
			var cell excelize.Cell
			switch x := v.(type) {
			case nil:
				continue
			case string:
				cell = excelize.Cell{StyleID: st.text, Value: x}
				if c < s.FrozenCols {
					cell.StyleID = st.labelCol
				}
			case int:
				cell = excelize.Cell{StyleID: st.count, Value: x}
			case int64:
				cell = excelize.Cell{StyleID: st.count, Value: x}
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("cell %s: %v is not a number a spreadsheet holds", ref, x)
				}
				cell = excelize.Cell{StyleID: st.general, Value: x}
			case Number:
				if math.IsNaN(x.Value) || math.IsInf(x.Value, 0) {
					return fmt.Errorf("cell %s: %v is not a number a spreadsheet holds", ref, x.Value)
				}
				id, err := st.number(x.Decimals)
				if err != nil {
					return fmt.Errorf("cell %s: %w", ref, err)
				}
				cell = excelize.Cell{StyleID: id, Value: x.Value}
			case suppressed:
				cell = excelize.Cell{StyleID: st.suppressed} // no value: empty, numeric
				comments = append(comments, ref)
			default:
				return fmt.Errorf("cell %s: a %T", ref, v)
			}
			cells[c] = cell
		}
		if err := sw.SetRow("A"+strconv.Itoa(n), cells); err != nil {
			return err
		}
	}
	// The comments are parts of their own, which the stream's worksheet
	// links to: added before it is flushed.
	for _, ref := range comments {
		if err := f.AddComment(s.Name, excelize.Comment{Author: "vitalstats", Cell: ref, Text: suppressedComment, Width: 220, Height: 40}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// shownWidth is about how many characters a cell shows.
func shownWidth(v any) int {
	switch x := v.(type) {
	case nil, suppressed:
		return 0
	case string:
		// Khmer's vowel signs and subscripts sit on their consonant:
		// counted at half a character.
		n := 0
		for _, r := range x {
			if r >= 0x17B4 && r <= 0x17D3 {
				continue
			}
			n++
		}
		return n
	case int:
		return len(thousands(strconv.Itoa(x)))
	case int64:
		return len(thousands(strconv.FormatInt(x, 10)))
	case Number:
		return len(thousands(strconv.FormatFloat(x.Value, 'f', x.Decimals, 64)))
	case float64:
		return len(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return len(fmt.Sprint(v))
}

// thousands puts separators in the whole part of a number as shown.
func thousands(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac != "" {
		return sign + whole + "." + frac
	}
	return sign + whole
}

func setProps(f *excelize.File, p Props) error {
	created := p.Created.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: p.Title, Subject: p.Subject, Description: p.Description, Identifier: p.Release,
		Creator: "vitalstats", LastModifiedBy: "vitalstats", ContentStatus: p.Status,
		Created: created, Modified: created, Language: "en-US", Keywords: "vital statistics; Cambodia; civil registration",
	}); err != nil {
		return err
	}
	// The same as custom properties: LibreOffice shows these on a tab of
	// their own, where a reader looks for a release's ID.
	for _, c := range []excelize.CustomProperty{{Name: "Release", Value: p.Release}, {Name: "Status", Value: p.Status}, {Name: "Data as of", Value: p.AsOf}} {
		if c.Value == "" {
			continue
		}
		if err := f.SetCustomProps(c); err != nil {
			return err
		}
	}
	return nil
}

// column is a spreadsheet column's letters: 0 is A, 26 is AA.
func column(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
