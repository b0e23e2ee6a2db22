package warehouse_test

import (
	"database/sql"
	"testing"
)

// TestEventsByMonthAddsUp ties the monthly series of events_by_month to the
// yearly counts of other indicators and of the current-event tables, and its
// provinces to the nation.
func TestEventsByMonthAddsUp(t *testing.T) {
	db := fixtureWarehouse(t)

	// Births occurred in a year's months = the births of fertility_rates (cbr
	// numerator), deaths = the deaths of mortality_rates (cdr, both sexes).
	yearly := []struct{ event, q string }{
		{"birth", "select year, numerator::double from fertility_rates where area_code = 'KH' and measure = 'cbr' and basis = 'registered'"},
		{"death", "select year, numerator::double from mortality_rates where area_code = 'KH' and sex = 'T' and measure = 'cdr'"},
	}
	for _, y := range yearly {
		n := 0
		forRows(t, db, y.q, func(rows *sql.Rows) {
			var year int
			var want float64
			if err := rows.Scan(&year, &want); err != nil {
				t.Fatal(err)
			}
			got := one[float64](t, db, `select coalesce(sum(value), 0) from events_by_month
				where event_type = ? and measure = 'occurred' and area_code = 'KH' and year(month) = ?`, y.event, year)
			if got != want {
				t.Errorf("%s occurred in %d: months add up to %g, the yearly indicator counts %g", y.event, year, got, want)
			}
			n++
		})
		if n == 0 {
			t.Errorf("%s: no yearly count to compare with", y.event)
		}
	}

	// Every current event with its dates counts once in each measure at KH.
	current := map[string]string{
		"birth":       "select count(date_of_birth), count(registration_date) from int_births_current",
		"death":       "select count(date_of_death), count(registration_date) from int_deaths_current",
		"fetal_death": "select count(date_of_delivery), count(registration_date) from int_fetal_deaths_current",
		"marriage":    "select count(date_of_marriage), count(registration_date) from int_marriages_current",
	}
	for event, q := range current {
		var occurred, registered int64
		if err := db.QueryRow(q).Scan(&occurred, &registered); err != nil {
			t.Fatal(err)
		}
		if occurred == 0 {
			t.Errorf("%s: the fixtures hold no current event", event)
		}
		for measure, want := range map[string]int64{"occurred": occurred, "registered": registered} {
			got := one[int64](t, db, `select coalesce(sum(numerator), 0)::bigint from events_by_month
				where event_type = ? and measure = ? and area_code = 'KH'`, event, measure)
			if got != want {
				t.Errorf("%s %s: %d at KH over all months, %d current events", event, measure, got, want)
			}
		}
	}

	// The provinces add up to the nation, month by month: every fixture
	// event has its residence (checked, or the sum would rightly fall short).
	if n := one[int64](t, db, `select
			(select count(*) from int_births_current where province_code is null)
		  + (select count(*) from int_deaths_current where province_code is null)
		  + (select count(*) from int_fetal_deaths_current where province_code is null)
		  + (select count(*) from int_marriages_current where bride_residence_province is null)`); n != 0 {
		t.Fatalf("%d fixture events without a residence province", n)
	}
	forRows(t, db, `
		with kh as (select event_type, measure, month, numerator from events_by_month where area_code = 'KH'),
		     provinces as (select event_type, measure, month, sum(numerator)::bigint as numerator
		                   from events_by_month where length(area_code) = 2 and area_code <> 'KH' group by all)
		select event_type, measure, month::varchar, coalesce(k.numerator, 0), coalesce(p.numerator, 0)
		from kh as k full join provinces as p using (event_type, measure, month)
		where k.numerator is distinct from p.numerator`, func(rows *sql.Rows) {
		var event, measure, month string
		var kh, provinces int64
		if err := rows.Scan(&event, &measure, &month, &kh, &provinces); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s %s %s: KH %d, provinces %d", event, measure, month, kh, provinces)
	})
	// No district holds more than its province, and each province's districts
	// add up to it when every event has its district.
	if n := one[int64](t, db, `select count(*) from events_by_month as d
		join events_by_month as p on p.area_code = left(d.area_code, 2)
		 and (p.event_type, p.measure, p.month) = (d.event_type, d.measure, d.month)
		where length(d.area_code) = 4 and d.numerator > p.numerator`); n != 0 {
		t.Errorf("%d district cells exceed their province", n)
	}
	if n := one[int64](t, db, `select count(*) from events_by_month where length(area_code) = 4`); n == 0 {
		t.Error("no district rows")
	}
}

// TestEventsByMonthByHand checks cells of the fixtures (testdata/fixtures)
// where versions, cancellations and duplicates matter.
func TestEventsByMonthByHand(t *testing.T) {
	db := fixtureWarehouse(t)
	cell := func(event, measure, month, area string) int64 {
		return one[int64](t, db, `select coalesce(sum(numerator), 0)::bigint from events_by_month
			where event_type = ? and measure = ? and month = ?::date and area_code = ?`, event, measure, month, area)
	}
	for _, c := range []struct {
		event, measure, month, area string
		want                        int64
		why                         string
	}{
		{"death", "occurred", "2021-08-01", "KH", 1, "d7 and d7b are one death"},
		{"death", "registered", "2021-08-01", "01", 1, "d7, the first registered, is kept"},
		{"death", "registered", "2021-09-01", "KH", 0, "d7b (registered in September) is the duplicate"},
		{"death", "occurred", "2021-12-01", "KH", 0, "d11 is cancelled"},
		{"death", "registered", "2022-10-01", "01", 1, "d8, registered 13 months after the death"},
		{"birth", "occurred", "2021-01-01", "12", 1, "b5 and b6 are one birth"},
		{"birth", "registered", "2022-02-01", "KH", 1, "b7; b6 (also February 2022) is the duplicate"},
		{"birth", "occurred", "2021-06-01", "KH", 0, "b4 is cancelled"},
		{"death", "occurred", "2022-02-01", "KH", 2, "c1 and c2"},
		{"marriage", "occurred", "2021-10-01", "01", 1, "m2, by the bride's residence"},
	} {
		if got := cell(c.event, c.measure, c.month, c.area); got != c.want {
			t.Errorf("%s %s %s %s = %d, want %d (%s)", c.event, c.measure, c.month, c.area, got, c.want, c.why)
		}
	}

	flags := func(event, measure, month string) string {
		// every fixture year is provisional (TestEveryYearTableIsMarked); the window is what is tested here
		return one[string](t, db, `select list_filter(flags, f -> f <> 'provisional')::varchar from events_by_month
			where event_type = ? and measure = ? and month = ?::date and area_code = 'KH'`, event, measure, month)
	}
	// Extraction 2023-06-30: events of June 2022 have had their year of late
	// registration, those of July 2022 not yet.
	if f := flags("death", "occurred", "2022-06-01"); f != "[lt5, lt20]" {
		t.Errorf("deaths of June 2022: flags %s, want the window closed", f)
	}
	if f := flags("death", "occurred", "2022-07-01"); f != "[lt5, lt20, window_open]" {
		t.Errorf("deaths of July 2022: flags %s, want window_open", f)
	}
	if f := flags("death", "registered", "2022-07-01"); f != "[lt5, lt20]" {
		t.Errorf("deaths registered in July 2022: flags %s, want the month closed", f)
	}
}

// forRows runs a query and calls f on each row.
func forRows(t *testing.T, db *sql.DB, q string, f func(*sql.Rows)) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		f(rows)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
