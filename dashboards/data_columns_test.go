package dashboards

import (
	"slices"
	"testing"
	"time"

	"vitalstats"
)

// TestMartColumns: a mart held by column gives back what the warehouse
// gave (numbers, strings, times, flag lists, NULLs), and filters as on the
// values themselves.
func TestMartColumns(t *testing.T) {
	jan := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMart(&vitalstats.Table{Name: "t",
		Columns: []string{"area_code", "year", "value", "flags", "month", "mixed", "empty"},
		Rows: [][]any{
			{"KH", int64(2019), 0.5, []string{"provisional"}, jan, "a", nil},
			{"KH", int64(2020), nil, nil, jan.AddDate(0, 1, 0), int64(7), nil},
			{"07", nil, 1.25, []string{"suppressed", "lt5"}, jan, nil, nil},
			{"07", int64(2020), 2.0, []string{"provisional"}, nil, "a", nil},
		}})
	if m.data[1].ints == nil || m.data[2].flts == nil || m.data[0].code == nil || m.data[5].code != nil {
		t.Fatal("columns not typed: year int64, value float64, area_code strings, mixed a dictionary")
	}
	if v, ok := m.num(0, "value"); !ok || v != 0.5 {
		t.Errorf("value row 0: %v %v", v, ok)
	}
	if _, ok := m.num(1, "value"); ok {
		t.Error("a NULL value reads as a number")
	}
	if m.int(1, "year") != 2020 || m.str(1, "year") != "2020" || m.str(2, "year") != "" {
		t.Errorf("year: %d %q %q", m.int(1, "year"), m.str(1, "year"), m.str(2, "year"))
	}
	if !hasFlag(m, 2, "lt5") || hasFlag(m, 1, "provisional") || !hasFlag(m, 3, "provisional") {
		t.Error("flags lost")
	}
	if m.str(1, "month") != "2020-02" || !m.time(0, "month").Equal(jan) || !m.time(3, "month").IsZero() {
		t.Errorf("month: %q %v", m.str(1, "month"), m.time(3, "month"))
	}
	for _, c := range []struct {
		area  string
		match []string
		want  []row
	}{
		{"KH", nil, []row{0, 1}},
		{"07", []string{"year", "2020"}, []row{3}},
		{"KH", []string{"year", "2021"}, nil},
		{"KH", []string{"mixed", "7"}, []row{1}},
		{"KH", []string{"mixed", "a", "year", "2019"}, []row{0}},
		{"07", []string{"mixed", "b"}, nil},
		{"07", []string{"area_code", "07", "year", ""}, []row{2}}, // NULL matches ""
		{"07", []string{"nosuch", "x"}, nil},
		{"99", nil, nil},
	} {
		if got := m.rows(c.area, c.match...); !slices.Equal(got, c.want) {
			t.Errorf("rows(%s, %v) = %v, want %v", c.area, c.match, got, c.want)
		}
	}
	if got := m.all("area_code", "07"); !slices.Equal(got, []row{2, 3}) {
		t.Errorf("all(area_code 07) = %v", got)
	}
}
