package reports

import (
	"strings"
	"testing"
)

// linkedPair is deaths by age × sex and by age × province of one year, laid
// out by hand: rows x and y, their totals shared by the two tables.
// s marks a suppressed cell.
func linkedPair(bySex, byProvince [3][3]int64, s1, s2 [3][3]bool) []*Published {
	grid := func(v [3][3]int64, s [3][3]bool) *Protected {
		p := &Protected{Rows: []string{"x", "y"}, Cols: []string{"a", "b"}, Threshold: 5, MinRange: 1}
		for i := range 3 {
			var row []ProtectedCell
			for j := range 3 {
				c := ProtectedCell{Value: v[i][j]}
				if s[i][j] {
					c.Status = ComplementarySuppressed
				}
				row = append(row, c)
			}
			p.Grid = append(p.Grid, row)
		}
		return p
	}
	return []*Published{
		{Tab: Tabulations[2], Year: 2024, Rows: []string{"x", "y"}, Cols: []string{"M", "F"}, Protected: grid(bySex, s1)},
		{Tab: Tabulations[3], Year: 2024, Rows: []string{"x", "y"}, Cols: []string{"01", "02"}, Protected: grid(byProvince, s2)},
	}
}

func TestCheckLinked(t *testing.T) {
	if Tabulations[2].ID != "deaths_age_sex" || Tabulations[3].ID != "deaths_age_province" {
		t.Fatal("the test expects the deaths tables third and fourth")
	}
	// By sex: x = 0 + 7, y = 11 + 0; by province: x = 7 + 0, y = 2 + 9.
	bySex := [3][3]int64{{0, 7, 7}, {11, 0, 11}, {11, 7, 18}}
	byProvince := [3][3]int64{{7, 0, 7}, {2, 9, 11}, {9, 9, 18}}
	// The row totals and the second column of each table suppressed, the
	// first column shown: alone, by sex x is 0..7 (x's F is at most the F
	// total 7), by province x is 7..16; together x is 7.
	sup := [3][3]bool{{false, true, true}, {false, true, true}}
	if err := CheckLinked(linkedPair(bySex, byProvince, sup, sup)); err == nil || !strings.Contains(err.Error(), "narrow it to 7..7") {
		t.Errorf("two tables that give away x together: %v", err)
	}
	for _, tab := range linkedPair(bySex, byProvince, sup, sup) {
		if ex, err := Audit(tab.Protected); err != nil || len(ex) > 0 {
			t.Fatalf("%s alone should pass its audit: %v %v", tab.Tab.ID, ex, err)
		}
	}
	// Suppressed in one, shown in the other.
	shown := [3][3]bool{{false, true, false}, {false, true, false}}
	if err := CheckLinked(linkedPair(bySex, byProvince, sup, shown)); err == nil || !strings.Contains(err.Error(), "shown in the other") {
		t.Errorf("a total shown in one table only: %v", err)
	}
	// Shown in both: nothing shared is hidden.
	if err := CheckLinked(linkedPair(bySex, byProvince, shown, shown)); err != nil {
		t.Errorf("totals shown in both: %v", err)
	}
	// A shared cell that differs is a broken mart, not a table to publish.
	other := byProvince
	other[2][2] = 19
	if err := CheckLinked(linkedPair(bySex, other, shown, shown)); err == nil || !strings.Contains(err.Error(), "18 in deaths_age_sex, 19 in deaths_age_province") {
		t.Errorf("grand totals 18 and 19: %v", err)
	}
	// Suppressed in both with overlapping ranges wide enough: with every
	// cell of the province table hidden but the column totals, x is 0..18
	// there, and 0..7 together.
	wide := [3][3]bool{{true, true, true}, {true, true, true}}
	if err := CheckLinked(linkedPair(bySex, byProvince, sup, wide)); err != nil {
		t.Errorf("ranges 0..7 and 0..18 overlap on 0..7: %v", err)
	}
}
