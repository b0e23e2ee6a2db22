package reports

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"vitalstats"
)

func TestMonthlyTables(t *testing.T) {
	m := &vitalstats.Table{Name: "events_by_month", Columns: []string{"event_type", "measure", "month", "area_code", "numerator"}}
	add := func(ev, measure string, y int, mo time.Month, area string, n int64) {
		m.Rows = append(m.Rows, []any{ev, measure, time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC), area, n})
	}
	// births of 2024: province 01 has 40 in January and 3 in February,
	// province 02 has 20 in January; the nation also counts 6 births of
	// January whose province is not known.
	add("birth", "occurred", 2024, 1, "01", 40)
	add("birth", "occurred", 2024, 2, "01", 3)
	add("birth", "occurred", 2024, 1, "02", 20)
	add("birth", "occurred", 2024, 1, "0102", 40) // a district: left out
	add("birth", "occurred", 2024, 1, "99", 6)
	add("birth", "occurred", 2024, 1, "KH", 67) // perturbed on its own: not used
	add("birth", "occurred", 2024, 2, "KH", 3)
	add("birth", "registered", 2024, 3, "KH", 69) // registrations: left out
	add("death", "occurred", 2023, 5, "01", 9)
	add("death", "occurred", 2023, 5, "KH", 9)
	ps, err := MonthlyTables(m, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.Tab.ID+" "+str(int64(p.Year)))
	}
	if !slices.Equal(ids, []string{"births_province_month 2024", "deaths_province_month 2023"}) {
		t.Fatalf("tables %v", ids)
	}
	b := ps[0]
	if !slices.Equal(b.Rows, []string{"01", "02", "99"}) || !slices.Equal(b.Cols, []string{"2024-01", "2024-02"}) {
		t.Fatalf("births laid out %v × %v", b.Rows, b.Cols)
	}
	g := b.Protected.Grid
	want := [][]int64{{40, 3, 43}, {20, 0, 20}, {6, 0, 6}, {66, 3, 69}}
	for i := range want {
		for j := range want[i] {
			if !g[i][j].Suppressed() && g[i][j].Value != want[i][j] {
				t.Errorf("births cell %d,%d = %d, want %d", i, j, g[i][j].Value, want[i][j])
			}
		}
	}
	// February's 3 in province 01 is under 5: suppressed, with complements;
	// the grand total and the 6 of unknown province are shown.
	if !g[0][1].Suppressed() || g[3][2].Suppressed() || g[2][0].Suppressed() {
		t.Errorf("suppressed: Feb 01 %v, total %v, Jan 99 %v", g[0][1].Suppressed(), g[3][2].Suppressed(), g[2][0].Suppressed())
	}
	if ex, err := Audit(b.Protected); err != nil || len(ex) > 0 {
		t.Errorf("audit: %v %v", ex, err)
	}
	// As written, with the report's labels: the first column is headed as
	// the provinces' names it holds (not area_code), a suppressed cell is
	// empty.
	var out bytes.Buffer
	names := Labels(&vitalstats.Table{Columns: []string{"province_code", "name_en", "name_km"},
		Rows: [][]any{{"01", "Banteay Meanchey", "បន្ទាយមានជ័យ"}, {"02", "Battambang", "បាត់ដំបង"}}}, nil)
	if err := b.WriteCSV(&out, names); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := recs[0][0]; h != "Province of usual residence / ខេត្តនៃទីលំនៅ" || recs[1][0] != "Banteay Meanchey / បន្ទាយមានជ័យ" || recs[1][2] != SuppressedMark {
		t.Errorf("the table as written:\n%q", recs)
	}
}
