package reports

import (
	"archive/zip"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// testSheets are two sheets with every kind of cell: text in both
// languages, counts, values at 1 and 2 decimals, a suppressed cell, an
// empty one, and columns beyond Z.
func testSheets() []Sheet {
	sheets := []Sheet{
		{Name: "Births", Title: "Births by age of mother / កំណើតតាមអាយុម្តាយ", Note: "Source: a test.",
			Header: []string{"Age of mother / អាយុម្តាយ", "Kampot / កំពត", "Phnom Penh & <others> / ភ្នំពេញ"}, FrozenCols: 1,
			Rows: [][]any{
				{"15-19", 12, int64(1234567)},
				{"20-24", Number{2.1, 2}, Suppressed},
				{"Rate / អត្រា", Number{33.449, 1}, nil},
				{"Ratio", 0.5, int64(0)},
			}},
		{Name: "Metadata", Title: "About", Note: "A note.", Header: []string{"Item", "Value"}, Rows: [][]any{{"release", "r1"}}},
	}
	for i := 0; i < 30; i++ { // columns beyond Z
		sheets[1].Rows[0] = append(sheets[1].Rows[0], i)
	}
	return sheets
}

var testProps = Props{Title: "Annual report 2024", Subject: "Vital statistics", Release: "20250102T030405Z", Status: Provisional,
	AsOf: "2024-12-31", Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}

// TestXLSXReadBack: a workbook we write is read back by excelize with every
// value, its number formats (thousands separators for counts, fixed
// decimals), the columns' widths, the frozen title, note and header, the
// bold header, the suppressed cell empty with its comment, and the document
// properties.
func TestXLSXReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, testProps, testSheets()); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Births" || got[1] != "Metadata" {
		t.Fatalf("sheets %v", got)
	}
	// as shown (formatted) and as stored
	for cell, want := range map[string][2]string{
		"A1": {"Births by age of mother / កំណើតតាមអាយុម្តាយ", ""}, "A2": {"Source: a test.", ""},
		"C3": {"Phnom Penh & <others> / ភ្នំពេញ", ""},
		"B4": {"12", "12"}, "C4": {"1,234,567", "1234567"}, "B5": {"2.10", "2.1"}, "C5": {"", ""},
		"B6": {"33.4", "33.449"}, "C6": {"", ""}, "B7": {"0.5", "0.5"}, "C7": {"0", "0"},
	} {
		got, err := f.GetCellValue("Births", cell)
		if err != nil || got != want[0] {
			t.Errorf("Births!%s shows %q (%v), want %q", cell, got, err, want[0])
		}
		if want[1] == "" {
			continue
		}
		if got, _ := f.GetCellValue("Births", cell, excelize.Options{RawCellValue: true}); got != want[1] {
			t.Errorf("Births!%s holds %q, want %q", cell, got, want[1])
		}
	}
	if got, _ := f.GetCellValue("Metadata", "AF4"); got != "29" {
		t.Errorf("Metadata!AF4 = %q, want 29", got)
	}
	// number formats: counts #,##0 (built-in 3), values at their decimals
	numFmt := func(cell string) (int, string) {
		id, err := f.GetCellStyle("Births", cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		custom := ""
		if s.CustomNumFmt != nil {
			custom = *s.CustomNumFmt
		}
		return s.NumFmt, custom
	}
	for cell, want := range map[string]string{"B4": "3", "C4": "3", "C7": "3", "B5": "#,##0.00", "B6": "#,##0.0", "A4": "49"} {
		id, got := numFmt(cell)
		if got == "" {
			got = strconv.Itoa(id)
		}
		if got != want {
			t.Errorf("Births!%s number format %q, want %q", cell, got, want)
		}
	}
	// the suppressed cell: empty, not text, grey, with the comment x
	if typ, _ := f.GetCellType("Births", "C5"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("the suppressed cell is text")
	}
	comments, err := f.GetComments("Births")
	if err != nil || len(comments) != 1 || comments[0].Cell != "C5" || !strings.HasPrefix(comments[0].Text+commentRuns(comments[0]), SuppressedSymbol+":") {
		t.Errorf("comments %+v (%v), want one on C5 starting %q", comments, err, SuppressedSymbol+":")
	}
	if id, _ := f.GetCellStyle("Births", "C5"); id == 0 {
		t.Error("the suppressed cell has no style of its own")
	} else if s, _ := f.GetStyle(id); len(s.Fill.Color) == 0 {
		t.Errorf("the suppressed cell is not shaded: %+v", s.Fill)
	}
	if c, _ := f.GetComments("Metadata"); len(c) != 0 {
		t.Errorf("Metadata has comments %+v", c)
	}
	// the header is bold, the title too; a data row is not
	for cell, bold := range map[string]bool{"A3": true, "C3": true, "A1": true, "A4": false, "B4": false} {
		id, _ := f.GetCellStyle("Births", cell)
		s, err := f.GetStyle(id)
		if got := err == nil && s.Font != nil && s.Font.Bold; got != bold {
			t.Errorf("Births!%s bold %v, want %v", cell, got, bold)
		}
	}
	// widths: as wide as the content shown, the header included
	for col, least := range map[string]float64{"A": 20, "B": 8, "C": 20} {
		if w, err := f.GetColWidth("Births", col); err != nil || w < least || w > 62 {
			t.Errorf("Births column %s width %v (%v), want %v to 62", col, w, err, least)
		}
	}
	if wa, _ := f.GetColWidth("Births", "A"); wa <= 6 {
		t.Errorf("column A at the default width %v", wa)
	}
	// frozen: the title, note and header, and the rows' labels
	for sheet, x := range map[string]int{"Births": 1, "Metadata": 0} {
		p, err := f.GetPanes(sheet)
		if err != nil || !p.Freeze || p.YSplit != HeaderRow || p.XSplit != x {
			t.Errorf("%s panes %+v (%v), want frozen at %d rows, %d columns", sheet, p, err, HeaderRow, x)
		}
	}
	// document properties: title, release, date
	props, err := f.GetDocProps()
	if err != nil || props.Title != testProps.Title || props.Identifier != testProps.Release || props.Subject != testProps.Subject ||
		!strings.HasPrefix(props.Created, "2025-01-02T03:04:05") {
		t.Errorf("properties %+v (%v)", props, err)
	}
	custom, err := f.GetCustomProps()
	found := false
	for _, c := range custom {
		found = found || c.Name == "Release" && c.Value == testProps.Release
	}
	if err != nil || !found {
		t.Errorf("custom properties %+v (%v), want Release %s", custom, err, testProps.Release)
	}
	// a default style: the Normal cell style, which cells without another use
	styles := zipPart(t, raw, "xl/styles.xml")
	if !strings.Contains(styles, `<cellStyle name="Normal" xfId="0" builtinId="0"`) || !strings.Contains(styles, "<cellStyleXfs") {
		t.Errorf("styles.xml has no default (Normal) style:\n%.600s", styles)
	}
}

func commentRuns(c excelize.Comment) string {
	var b strings.Builder
	for _, r := range c.Paragraph {
		b.WriteString(r.Text)
	}
	return b.String()
}

func zipPart(t *testing.T, raw []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Bad sheets are refused with an error.
func TestXLSXRefuses(t *testing.T) {
	ok := func() Sheet { return Sheet{Name: "s", Header: []string{"a"}} }
	bad := map[string][]Sheet{
		"no sheets":     nil,
		"a slash":       {{Name: "a/b", Header: []string{"a"}}},
		"twice":         {{Name: "x", Header: []string{"a"}}, {Name: "X", Header: []string{"a"}}},
		"no header":     {{Name: "s"}},
		"a struct":      {func() Sheet { s := ok(); s.Rows = [][]any{{struct{}{}}}; return s }()},
		"not a number":  {func() Sheet { s := ok(); s.Rows = [][]any{{Number{Value: 1.0 / zero(), Decimals: 1}}}; return s }()},
		"100 decimals":  {func() Sheet { s := ok(); s.Rows = [][]any{{Number{Value: 1, Decimals: 100}}}; return s }()},
		"32 characters": {{Name: strings.Repeat("n", 32), Header: []string{"a"}}},
	}
	for name, sheets := range bad {
		if err := WriteXLSX(&bytes.Buffer{}, testProps, sheets); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func zero() float64 { return 0 }
