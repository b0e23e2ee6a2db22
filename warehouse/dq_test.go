package warehouse_test

import (
	"database/sql"
	"math"
	"testing"
)

// Hand-checked values of the data quality, timeliness and health-CR link
// indicators (family "dq"). The expected numbers come from the fixture rows
// in testdata/fixtures, worked out in the comments; the current events of
// 2021 are:
//
//	births (residence 12 unless said): b1 F lag 0 ict, b2 M lag 30 ict,
//	  b3 M lag 31 ict (version 2, mother 27), b5 M lag 365 digitized (kept
//	  of group g1 with b6), b7 F lag 366 digitized (province 01), b8 F lag 10
//	  ict (province 01, mother's age missing); b4 is cancelled.
//	deaths (all ict): d1 lag 15, d2 16, d3 4, d4 1, d5 1, d6 1, d7 2 (kept of
//	  group g7 with the digitized d7b), d8 395, d9 15, d10 16; d11 cancelled.

// dqWilson is the 95% Wilson score interval, written here independently of
// the SQL macro.
func dqWilson(k, n float64) (lo, hi float64) {
	const z = 1.959964
	p := k / n
	c := (p + z*z/(2*n)) / (1 + z*z/n)
	h := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / (1 + z*z/n)
	return math.Max(0, c-h), math.Min(1, c+h)
}

// dqShare checks numerator, denominator, value and the Wilson interval of one
// row of a share indicator.
func dqShare(t *testing.T, db *sql.DB, what, q string, k, n int64, args ...any) {
	t.Helper()
	var num, den int64
	var v, lo, hi float64
	if err := db.QueryRow(q, args...).Scan(&num, &den, &v, &lo, &hi); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if num != k || den != n {
		t.Errorf("%s = %d/%d, want %d/%d", what, num, den, k, n)
		return
	}
	wl, wh := dqWilson(float64(k), float64(n))
	near(t, what+" value", v, float64(k)/float64(n), 1e-9)
	near(t, what+" ci_low", lo, wl, 1e-6)
	near(t, what+" ci_high", hi, wh, 1e-6)
}

// birthDates are the fixture births' dates of birth and registration.
var birthDates = map[string][2]string{
	"reg:b1": {"2021-03-01", "2021-03-01"}, "reg:b2": {"2021-04-01", "2021-05-01"}, "reg:b3": {"2021-05-01", "2021-06-01"},
	"file:b5": {"2021-01-10", "2022-01-10"}, "file:b7": {"2021-02-01", "2022-02-02"}, "reg:b8": {"2021-07-01", "2021-07-11"},
	"reg:b9": {"2020-08-01", "2020-08-03"}, "reg:b10": {"2022-09-01", "2022-09-06"},
}

// TestDQTimelinessBucketEdges: the lag at the legal limit is on time, one
// day more is late, 365 days is still late and 366 is delayed.
func TestDQTimelinessBucketEdges(t *testing.T) {
	db := fixtureWarehouse(t)
	for _, c := range []struct {
		id   string
		lag  int64
		want string
	}{
		{"reg:b2", 30, "on_time"},   // 2021-04-01 -> 2021-05-01, limit 30
		{"reg:b3", 31, "late"},      // 2021-05-01 -> 2021-06-01
		{"file:b5", 365, "late"},    // 2021-01-10 -> 2022-01-10: a year, not more
		{"file:b7", 366, "delayed"}, // 2021-02-01 -> 2022-02-02
		{"reg:d1", 15, "on_time"},   // 2021-01-06 -> 2021-01-21, limit 15
		{"reg:d2", 16, "late"},      // 2021-04-11 -> 2021-04-27
		{"reg:d8", 395, "delayed"},  // 2021-09-01 -> 2022-10-01
		{"reg:b8", 10, "on_time"},   // 2021-07-01 -> 2021-07-11
		{"reg:d10", 16, "late"},     // 2021-11-01 -> 2021-11-17
		{"reg:d9", 15, "on_time"},   // 2021-10-01 -> 2021-10-16
		{"reg:b1", 0, "on_time"},    // registered the day of the birth
		{"reg:b9", 2, "on_time"},    // 2020
		{"reg:b10", 5, "on_time"},   // 2022
		{"reg:d3", 4, "on_time"},    // well within
		{"reg:d7", 2, "on_time"},    // the kept record of g7
		{"reg:d5", 1, "on_time"},    // next day
		{"reg:d6", 1, "on_time"},    // next day
		{"reg:d4", 1, "on_time"},    // next day
	} {
		var lag int64
		var bucket string
		// The current births do not carry event_id (a long string for
		// millions of rows): they are found by their two dates.
		q, args := "select lag_days, timeliness from int_registrations_timeliness where event_id = ?", []any{c.id}
		if d, ok := birthDates[c.id]; ok {
			q, args = "select lag_days, timeliness from int_registrations_timeliness where event_type = 'birth' and event_date = ?::date and registration_date = ?::date", []any{d[0], d[1]}
		}
		if err := db.QueryRow(q, args...).Scan(&lag, &bucket); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if lag != c.lag || bucket != c.want {
			t.Errorf("%s: lag %d %s, want lag %d %s", c.id, lag, bucket, c.lag, c.want)
		}
	}
}

func TestDQTimeliness(t *testing.T) {
	db := fixtureWarehouse(t)
	q := `select numerator, denominator, value, ci_low, ci_high from timeliness
	      where event_type = ? and year = 2021 and area_code = ? and scope = ? and regime = ? and timeliness = ?`
	// Births 2021, every registration: on time b1, b2, b8; late b3, b5;
	// delayed b7: 3, 2 and 1 of 6.
	dqShare(t, db, "births all on_time", q, 3, 6, "birth", "KH", "all", "all", "on_time")
	dqShare(t, db, "births all late", q, 2, 6, "birth", "KH", "all", "all", "late")
	dqShare(t, db, "births all delayed", q, 1, 6, "birth", "KH", "all", "all", "delayed")
	// The paper regime is the digitized b5 (late) and b7 (delayed).
	dqShare(t, db, "births paper late", q, 1, 2, "birth", "KH", "all", "paper", "late")
	dqShare(t, db, "births paper delayed", q, 1, 2, "birth", "KH", "all", "paper", "delayed")
	// Current = ICT only: b1, b2, b8 on time, b3 late; nothing delayed.
	dqShare(t, db, "births current on_time", q, 3, 4, "birth", "KH", "current", "ict", "on_time")
	dqShare(t, db, "births current late", q, 1, 4, "birth", "KH", "current", "ict", "late")
	dqShare(t, db, "births current delayed", q, 0, 4, "birth", "KH", "current", "ict", "delayed")
	// Province 01: b7 (delayed, paper) and b8 (on time, ict).
	dqShare(t, db, "births 01 delayed", q, 1, 2, "birth", "01", "all", "all", "delayed")
	// Deaths 2021: on time d1, d3, d4, d5, d6, d7, d9 (7); late d2, d10;
	// delayed d8; d7b is a duplicate and d11 cancelled: 10 in all.
	dqShare(t, db, "deaths on_time", q, 7, 10, "death", "KH", "all", "all", "on_time")
	dqShare(t, db, "deaths late", q, 2, 10, "death", "KH", "all", "all", "late")
	dqShare(t, db, "deaths delayed", q, 1, 10, "death", "KH", "all", "all", "delayed")
	// The current scope has no paper rows and no repeated 'all' regime.
	if n := one[int64](t, db, "select count(*) from timeliness where scope = 'current' and regime <> 'ict'"); n != 0 {
		t.Errorf("%d current rows outside the ict regime", n)
	}
	// 2021 events had a year to be registered by 2023-06-30; 2022 had not.
	if n := one[int64](t, db, "select count(*) from timeliness where year = 2021 and list_contains(flags, 'window_open')"); n != 0 {
		t.Errorf("%d rows of 2021 flagged window_open", n)
	}
	if n := one[int64](t, db, "select count(*) from timeliness where year = 2022 and not list_contains(flags, 'window_open')"); n != 0 {
		t.Errorf("%d rows of 2022 not flagged window_open", n)
	}
}

func TestDQRegistrationLag(t *testing.T) {
	db := fixtureWarehouse(t)
	val := func(event, scope, measure string) float64 {
		return one[float64](t, db, `select value from registration_lag
			where event_type = ? and year = 2021 and area_code = 'KH' and scope = ? and measure = ?`, event, scope, measure)
	}
	// Births 2021 lags sorted: 0, 10, 30, 31, 365, 366 (n = 6). The median
	// is rank ceil(3) = 30, p90 rank ceil(5.4) = 6 -> 366.
	near(t, "birth median", val("birth", "all", "median_days"), 30, 0)
	near(t, "birth p90", val("birth", "all", "p90_days"), 366, 0)
	// ICT only: 0, 10, 30, 31 -> median rank 2 = 10, p90 rank ceil(3.6) = 31.
	near(t, "birth current median", val("birth", "current", "median_days"), 10, 0)
	near(t, "birth current p90", val("birth", "current", "p90_days"), 31, 0)
	// Within 7 days: 0 (1 of 6); 30: 0, 10, 30 (3); 90: + 31 (4); 365: + 365 (5).
	near(t, "birth within 7", val("birth", "all", "within_7d"), 1.0/6, 1e-9)
	near(t, "birth within 30", val("birth", "all", "within_30d"), 3.0/6, 1e-9)
	near(t, "birth within 90", val("birth", "all", "within_90d"), 4.0/6, 1e-9)
	near(t, "birth within 365", val("birth", "all", "within_365d"), 5.0/6, 1e-9)
	// Deaths 2021 sorted: 1, 1, 1, 2, 4, 15, 15, 16, 16, 395 -> median rank
	// 5 = 4, p90 rank 9 = 16; within 7 days 5 of 10, within 30 days 9.
	near(t, "death median", val("death", "all", "median_days"), 4, 0)
	near(t, "death p90", val("death", "all", "p90_days"), 16, 0)
	near(t, "death within 7", val("death", "all", "within_7d"), 0.5, 1e-9)
	near(t, "death within 30", val("death", "all", "within_30d"), 0.9, 1e-9)
	// Median interval, n = 10: ranks floor(5 - 1.96 x 1.58) = 1 and
	// ceil(5 + 3.1) + 1 = 10, so from 1 to 395 days.
	lo := one[float64](t, db, "select ci_low from registration_lag where event_type = 'death' and year = 2021 and area_code = 'KH' and scope = 'all' and measure = 'median_days'")
	hi := one[float64](t, db, "select ci_high from registration_lag where event_type = 'death' and year = 2021 and area_code = 'KH' and scope = 'all' and measure = 'median_days'")
	near(t, "death median ci_low", lo, 1, 0)
	near(t, "death median ci_high", hi, 395, 0)
}

func TestDQHealthLink(t *testing.T) {
	db := fixtureWarehouse(t)
	q := `select numerator, denominator, value, ci_low, ci_high from health_link
	      where event_type = ? and year = 2021 and area_code = ? and measure = ?`
	// Birth notifications 2021: n1 (L1 = b1, registered), n2 (L99, no
	// registration), qn1 (no link_key: unlinkable) -> 1 of 2 linkable.
	dqShare(t, db, "births notified registered", q, 1, 2, "birth", "KH", "notified_registered")
	// Births 2021 with a link_key: b1 (notified), b2 (L2, not) -> 1 of 2;
	// b3, b5, b7, b8 have none.
	dqShare(t, db, "births registered notified", q, 1, 2, "birth", "KH", "registered_notified")
	// Deaths: n3 links d1; d1 is the only death with a link_key.
	dqShare(t, db, "deaths notified registered", q, 1, 1, "death", "KH", "notified_registered")
	dqShare(t, db, "deaths registered notified", q, 1, 1, "death", "KH", "registered_notified")
	unl := func(event, area, measure string) int64 {
		return one[int64](t, db, "select unlinkable from health_link where event_type = ? and year = 2021 and area_code = ? and measure = ?", event, area, measure)
	}
	if n := unl("birth", "KH", "notified_registered"); n != 1 {
		t.Errorf("unlinkable birth notifications = %d, want 1 (qn1)", n)
	}
	if n := unl("birth", "01", "notified_registered"); n != 1 {
		t.Errorf("unlinkable birth notifications in 01 = %d, want 1 (qn1)", n)
	}
	if n := unl("birth", "KH", "registered_notified"); n != 4 {
		t.Errorf("unlinkable births = %d, want 4 (b3, b5, b7, b8)", n)
	}
	if n := unl("death", "KH", "registered_notified"); n != 9 {
		t.Errorf("unlinkable deaths = %d, want 9 (all but d1)", n)
	}
	lag := func(event string) float64 {
		return one[float64](t, db, "select value from health_link where event_type = ? and year = 2021 and area_code = 'KH' and measure = 'notification_to_registration_days'", event)
	}
	// n1 notified 2021-03-01, b1 registered 2021-03-01: 0 days; n3 notified
	// 2021-01-07, d1 registered 2021-01-21: 14 days.
	near(t, "birth notification lag", lag("birth"), 0, 0)
	near(t, "death notification lag", lag("death"), 14, 0)
}

func TestDQMissing(t *testing.T) {
	db := fixtureWarehouse(t)
	q := `select numerator, denominator, value, ci_low, ci_high from dq_missing
	      where event_type = ? and area_code = ? and month = ?::date and field = ?`
	// b8, registered 2021-07-11 by 010201, has no mother's age: 1 of 1.
	dqShare(t, db, "mother_age July 2021", q, 1, 1, "birth", "KH", "2021-07-01", "mother_age")
	dqShare(t, db, "mother_age July 2021 in 01", q, 1, 1, "birth", "01", "2021-07-01", "mother_age")
	dqShare(t, db, "sex July 2021", q, 0, 1, "birth", "KH", "2021-07-01", "sex")
	// b7, registered 2022-02-02, has neither weight nor gestation; its
	// attendant 'none' is a value, not an unknown.
	dqShare(t, db, "birth weight Feb 2022", q, 1, 1, "birth", "KH", "2022-02-01", "birth_weight_g")
	dqShare(t, db, "gestation Feb 2022", q, 1, 1, "birth", "KH", "2022-02-01", "gestation_weeks")
	dqShare(t, db, "attendant Feb 2022", q, 0, 1, "birth", "KH", "2022-02-01", "attendant")
	// June 2021: b3 (2021-06-01) only (b4 is cancelled, b5/b6 are 2022).
	dqShare(t, db, "facility June 2021", q, 0, 1, "birth", "KH", "2021-06-01", "facility_type")
	// d8, registered 2022-10-01, has manner 'unknown' (counted) and
	// certification 'none' (a value).
	dqShare(t, db, "manner Oct 2022", q, 1, 1, "death", "KH", "2022-10-01", "manner")
	dqShare(t, db, "certification Oct 2022", q, 0, 1, "death", "KH", "2022-10-01", "certification")
	// May 2021: d2 (04-27 is April) no; d4 registered 2021-05-02: age known.
	dqShare(t, db, "age May 2021", q, 0, 1, "death", "KH", "2021-05-01", "age")
	// Every field appears in every cell: 7 for births, 6 for deaths.
	if n := one[int64](t, db, "select count(distinct field) from dq_missing where event_type = 'birth'"); n != 7 {
		t.Errorf("birth fields = %d, want 7", n)
	}
	if n := one[int64](t, db, "select count(distinct field) from dq_missing where event_type = 'death'"); n != 6 {
		t.Errorf("death fields = %d, want 6", n)
	}
	// The provinces add up to the nation.
	if n := one[int64](t, db, `select count(*) from (
			select event_type, month, field, sum(numerator) filter (where area_code <> 'KH') as p,
			       sum(numerator) filter (where area_code = 'KH') as k, sum(denominator) filter (where area_code <> 'KH') as pd,
			       sum(denominator) filter (where area_code = 'KH') as kd
			from dq_missing group by all) where p <> k or pd <> kd`); n != 0 {
		t.Errorf("%d cells where the provinces do not add up to KH", n)
	}
}

// TestDQAgeHeapingKnownCases checks the Whipple and Myers macros on age
// lists whose index is known by hand.
func TestDQAgeHeapingKnownCases(t *testing.T) {
	db := fixtureWarehouse(t)
	idx := func(what, ages string) (whipple, myers float64) {
		t.Helper()
		q := "select whipple_index(age, 1, 23, 62), myers_index(age, 1, 10, 89) from " + ages + " as t(age)"
		var w, m sql.NullFloat64
		if err := db.QueryRow(q).Scan(&w, &m); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return w.Float64, m.Float64
	}
	// Every age 0-99 once: 8 of the 40 ages 23-62 end in 0 or 5, so
	// 100 x 8 / (40 / 5) = 100; each digit blends to 7 x (j + 1) + 7 x (9 - j)
	// = 70, 10% each: Myers 0.
	w, m := idx("uniform", "range(0, 100)")
	near(t, "whipple uniform", w, 100, 1e-9)
	near(t, "myers uniform", m, 0, 1e-9)
	// Ages 30, 40, 50, 60 (and 10, 20, 70, 80): all end in 0 -> Whipple
	// 100 x 4 / (4 / 5) = 500; one digit holds 100%: (90 + 9 x 10) / 2 = 90.
	w, m = idx("all on 0", "range(10, 90, 10)")
	near(t, "whipple all 0", w, 500, 1e-9)
	near(t, "myers all 0", m, 90, 1e-9)
	// Ages 23-62 once each plus ten more at 40: 8 + 10 = 18 heaped of 50:
	// 500 x 18 / 50 = 180.
	w, _ = idx("heaped 40", "(select * from range(23, 63) union all select 40 from range(10))")
	near(t, "whipple heaped at 40", w, 180, 1e-9)
	// Ages 14, 22, 27, 33, 51 (the fixture mothers of 2021): weight of 14 =
	// 4 + 1 = 5 (first series only), of the others 10; blended 45: digit 4
	// 11.1%, digits 1, 2, 3, 7 22.2% each, five digits 0% ->
	// (1.11 + 4 x 12.22 + 5 x 10) / 2 = 50.
	_, m = idx("mothers", "(values (14), (22), (27), (33), (51))")
	near(t, "myers mothers", m, 50, 1e-9)
	// The fixture deaths of 2021 aged 10-89: 30, 35, 45, 50, 60, 70 (weight
	// 10 each): digit 0 four of six, digit 5 two: (56.7 + 23.3 + 80) / 2 = 80.
	_, m = idx("deaths", "(values (30), (35), (45), (50), (60), (70))")
	near(t, "myers deaths", m, 80, 1e-9)
}

func TestDQAgeHeaping(t *testing.T) {
	db := fixtureWarehouse(t)
	row := func(subject, sex, index string) (num sql.NullInt64, den int64, v float64) {
		t.Helper()
		if err := db.QueryRow(`select numerator, denominator, value from dq_age_heaping
			where subject = ? and year = 2021 and area_code = 'KH' and sex = ? and index = ?`, subject, sex, index).Scan(&num, &den, &v); err != nil {
			t.Fatalf("%s %s %s: %v", subject, sex, index, err)
		}
		return num, den, v
	}
	// Deaths 2021 aged 23-62: d10 30, d4 35, d5 45, d9 50, d6 60, all
	// heaped: 500 x 5 / 5 = 500. Men (d5, d6, d9, d10): 4 of 4.
	num, den, v := row("deceased_age", "T", "whipple")
	if num.Int64 != 5 || den != 5 {
		t.Errorf("deaths whipple counts %d/%d, want 5/5", num.Int64, den)
	}
	near(t, "deaths whipple", v, 500, 1e-9)
	num, den, _ = row("deceased_age", "M", "whipple")
	if num.Int64 != 4 || den != 4 {
		t.Errorf("male deaths whipple counts %d/%d, want 4/4", num.Int64, den)
	}
	// Myers over 10-89: the six ages of the known case above (d8, aged 90,
	// and the infants d1-d3 are out of range) -> 80.
	_, den, v = row("deceased_age", "T", "myers")
	if den != 6 {
		t.Errorf("deaths myers records %d, want 6", den)
	}
	near(t, "deaths myers", v, 80, 1e-9)
	// Mothers 2021: 14, 22, 27, 33, 51; aged 23-62: 27, 33, 51, none heaped.
	num, den, v = row("mother_age", "T", "whipple")
	if num.Int64 != 0 || den != 3 {
		t.Errorf("mothers whipple counts %d/%d, want 0/3", num.Int64, den)
	}
	near(t, "mothers whipple", v, 0, 1e-9)
	_, _, v = row("mother_age", "T", "myers")
	near(t, "mothers myers", v, 50, 1e-9)
	// Mothers have no sex breakdown.
	if n := one[int64](t, db, "select count(*) from dq_age_heaping where subject = 'mother_age' and sex <> 'T'"); n != 0 {
		t.Errorf("%d mother_age rows by sex", n)
	}
}

func TestDQSexRatioByOffice(t *testing.T) {
	db := fixtureWarehouse(t)
	// Office 120101 registered in 2021 b1 F, b2 M, b3 M, b5 M: 3 / 1 = 3.
	// Its interval is the Wilson interval of 3 of 4 male, as p / (1 - p).
	var m, f int64
	var v, lo, hi float64
	if err := db.QueryRow(`select numerator, denominator, value, ci_low, ci_high from dq_srb_by_office
		where registration_commune = '120101' and year = 2021`).Scan(&m, &f, &v, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if m != 3 || f != 1 {
		t.Errorf("120101 2021: %d male, %d female, want 3, 1", m, f)
	}
	near(t, "srb 120101", v, 3, 1e-9)
	wl, wh := dqWilson(3, 4)
	// the macro rounds z^2 and z^2/2 to 7 digits: agree to 1e-4 relative
	near(t, "srb ci_low", lo, wl/(1-wl), 1e-4*wl/(1-wl))
	near(t, "srb ci_high", hi, wh/(1-wh), 1e-4*wh/(1-wh))
	// 010201 registered b7 F and b8 F: 0 males.
	near(t, "srb 010201", one[float64](t, db, "select value from dq_srb_by_office where registration_commune = '010201' and year = 2021"), 0, 0)
	// No office has 500 births in the fixtures: no screening flag; a ratio of
	// 3 from 4 births has an interval reaching 1.10, so it is not implausible.
	if n := one[int64](t, db, "select count(*) from dq_srb_by_office where list_contains(flags, 'outside_1.00_1.10') or list_contains(flags, 'implausible')"); n != 0 {
		t.Errorf("%d offices flagged", n)
	}
}

func TestDQDuplicates(t *testing.T) {
	db := fixtureWarehouse(t)
	q := `select numerator, denominator, value, ci_low, ci_high from dq_duplicates
	      where event_type = ? and year = 2021 and area_code = ?`
	// Births 2021: 6 counted + b6 excluded (group g1 kept b5, registered
	// first) = 7 records before deduplication.
	dqShare(t, db, "births excluded", q, 1, 7, "birth", "KH")
	dqShare(t, db, "births excluded 12", q, 1, 5, "birth", "12")
	// Deaths 2021: 10 counted + d7b (g7 kept d7) = 11; in province 01 d7,
	// d8 + d7b = 3.
	dqShare(t, db, "deaths excluded", q, 1, 11, "death", "KH")
	dqShare(t, db, "deaths excluded 01", q, 1, 3, "death", "01")
	if n := one[int64](t, db, "select groups from dq_duplicates where event_type = 'birth' and year = 2021 and area_code = 'KH'"); n != 1 {
		t.Errorf("birth groups = %d, want 1", n)
	}
	// The listing shows both records of each group and the one kept.
	for _, c := range []struct{ event, group, kept, ids string }{
		{"birth", "g1", "file:b5", "file:b5 file:b6"},
		{"death", "g7", "reg:d7", "file:d7b reg:d7"},
	} {
		var kept, ids string
		var records int64
		if err := db.QueryRow("select kept_event_id, array_to_string(event_ids, ' '), records from dq_duplicate_groups where event_type = ? and dup_group = ?",
			c.event, c.group).Scan(&kept, &ids, &records); err != nil {
			t.Fatalf("%s %s: %v", c.event, c.group, err)
		}
		if kept != c.kept || ids != c.ids || records != 2 {
			t.Errorf("%s %s: kept %s, ids %s, %d records; want %s, %s, 2", c.event, c.group, kept, ids, records, c.kept, c.ids)
		}
	}
	if n := one[int64](t, db, "select count(*) from dq_duplicate_groups"); n != 2 {
		t.Errorf("%d duplicate groups listed, want 2", n)
	}
}

func TestDQQuarantine(t *testing.T) {
	db := fixtureWarehouse(t)
	q := `select numerator, denominator, value, ci_low, ci_high from dq_quarantine
	      where event = ? and source = ? and reason = ? and field = ?`
	// Births from the registry: 9 lake rows (b1, b2, b3 x2, b4 x2, b8, b9,
	// b10) + 2 quarantined records (b98; qb1 with two problems) = 11 read.
	dqShare(t, db, "birth registry all", q, 2, 11, "birth", "registry", "all", "all")
	dqShare(t, db, "birth registry sex", q, 2, 11, "birth", "registry", "bad_code", "sex")
	dqShare(t, db, "birth registry date", q, 1, 11, "birth", "registry", "impossible_date", "date_of_birth")
	if n := one[int64](t, db, "select problems from dq_quarantine where event = 'birth' and source = 'registry' and reason = 'all'"); n != 3 {
		t.Errorf("birth registry problems = %d, want 3", n)
	}
	// Births from files: b5, b6, b7 + b99 = 4 read, 1 quarantined.
	dqShare(t, db, "birth file all", q, 1, 4, "birth", "file", "all", "all")
	// Deaths from the registry: d99 is the one quarantined; the records read
	// are the lake's registry rows (every version) plus that one, whatever
	// other fixture rows are added.
	var num, den int64
	if err := db.QueryRow("select numerator, denominator from dq_quarantine where event = 'death' and source = 'registry' and reason = 'all'").Scan(&num, &den); err != nil {
		t.Fatal(err)
	}
	rows := one[int64](t, db, "select count(*) from stg_lake__deaths where source = 'registry'")
	if num != 1 || den != rows+1 {
		t.Errorf("death registry quarantined %d of %d, want 1 of %d", num, den, rows+1)
	}
}
