package reports

import (
	"fmt"
	"slices"
	"time"

	"vitalstats"
)

// monthlyEvents names the event types of events_by_month as the research
// extracts' folders do.
var monthlyEvents = []struct{ eventType, event, en, km string }{
	{"birth", "births", "Live births", "កំណើតរស់"},
	{"death", "deaths", "Deaths", "មរណភាព"},
	{"fetal_death", "fetal_deaths", "Fetal deaths", "មរណភាពគភ៌"},
	{"marriage", "marriages", "Marriages", "អាពាហ៍ពិពាហ៍"},
}

// MonthlyTables are the research extracts' aggregate tables: each event
// type by province of usual residence and month of occurrence, for every
// year, after disclosure control. The microdata lose the month first, so
// these tables give back the seasonality by province that the extracts
// cannot. eventsByMonth is the mart events_by_month, its 'occurred' rows of
// the nation and the provinces at least; events whose province is not known
// are the province '99'. The counts are the publication layer's, each
// perturbed on its own, so the nation's row is not used: Tabulate adds up
// the provinces.
func MonthlyTables(eventsByMonth *vitalstats.Table, opt Disclosure) ([]*Published, error) {
	m := eventsByMonth
	ti, mi, ai, ni, ei := m.Col("event_type"), m.Col("month"), m.Col("area_code"), m.Col("numerator"), m.Col("measure")
	if slices.Contains([]int{ti, mi, ai, ni, ei}, -1) {
		return nil, fmt.Errorf("monthly tables: events_by_month lacks a column of event_type, measure, month, area_code, numerator: %v", m.Columns)
	}
	// the mart laid out as a tabulation wants it: a year, a month of the
	// year; the nation 'KH' is its margin (Tabulate adds up the months)
	type key struct {
		eventType, area, month string
		year                   int64
	}
	counts := map[key]int64{}
	for _, r := range m.Rows {
		area := str(r[ai])
		if str(r[ei]) != "occurred" || (area != "KH" && len(area) != 2) {
			continue
		}
		d, ok := r[mi].(time.Time)
		n, ok2 := r[ni].(int64)
		if !ok || !ok2 {
			return nil, fmt.Errorf("monthly tables: events_by_month row %v: month %T, numerator %T", r, r[mi], r[ni])
		}
		// "2024-01", not "01": a month must not read as a province code
		counts[key{str(r[ti]), area, d.Format("2006-01"), int64(d.Year())}] += n
	}
	t := &vitalstats.Table{Name: "events_by_month", Columns: []string{"event_type", "year", "area_code", "month", "numerator"}}
	years := map[string][]int64{}
	for k, n := range counts {
		if n == 0 && k.area == "99" {
			continue
		}
		t.Rows = append(t.Rows, []any{k.eventType, k.year, k.area, k.month, n})
		if k.area == "KH" && !slices.Contains(years[k.eventType], k.year) {
			years[k.eventType] = append(years[k.eventType], k.year)
		}
	}
	var out []*Published
	for _, e := range monthlyEvents {
		tab := Tabulation{ID: e.event + "_province_month",
			Title: [2]string{e.en + " by province of usual residence and month of occurrence", e.km + "តាមខេត្តនៃទីលំនៅ និងខែកើតឡើង"},
			Mart:  "events_by_month", Row: "area_code", Col: "month", Fixed: map[string]string{"event_type": e.eventType},
			RowTotal: "KH"}
		ys := years[e.eventType]
		slices.Sort(ys)
		for _, y := range ys {
			p, err := Tabulate(tab, t, int(y), opt)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}
