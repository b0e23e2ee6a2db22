package reports

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXOpensElsewhere: a workbook we write is read back by excelize (a
// library we did not write) with every value, sheet and header style.
func TestXLSXOpensElsewhere(t *testing.T) {
	sheets := []Sheet{
		{Name: "Births", HeaderRows: 2, Rows: [][]any{
			{"Births by age of mother", nil, "កំណើតតាមអាយុម្តាយ"},
			{"Age", "Kampot", "Phnom Penh & <others>"},
			{"15-19", 12, int64(340)},
			{"20-24", 0.5, "suppressed"},
		}},
		{Name: "Metadata", Rows: [][]any{{"release", "r1"}}},
	}
	for i := 0; i < 30; i++ { // columns beyond Z
		sheets[1].Rows[0] = append(sheets[1].Rows[0], i)
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, sheets); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Births" || got[1] != "Metadata" {
		t.Fatalf("sheets %v", got)
	}
	for cell, want := range map[string]string{"A1": "Births by age of mother", "C1": "កំណើតតាមអាយុម្តាយ", "C2": "Phnom Penh & <others>",
		"B3": "12", "C3": "340", "B4": "0.5", "C4": "suppressed"} {
		if got, err := f.GetCellValue("Births", cell); err != nil || got != want {
			t.Errorf("Births!%s = %q (%v), want %q", cell, got, err, want)
		}
	}
	if got, _ := f.GetCellValue("Metadata", "AF1"); got != "29" {
		t.Errorf("Metadata!AF1 = %q, want 29", got)
	}
	style, _ := f.GetCellStyle("Births", "A2")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header A2 is not bold: %+v %v", s, err)
	}
	if typ, _ := f.GetCellType("Births", "C3"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("C3 is stored as text")
	}
	for _, bad := range [][]Sheet{nil, {{Name: "a/b"}}, {{Name: "x"}, {Name: "X"}}, {{Name: "s", Rows: [][]any{{struct{}{}}}}}} {
		if err := WriteXLSX(&bytes.Buffer{}, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
