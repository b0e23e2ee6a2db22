package warehouse_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"vitalstats"
)

// The records of sex or residence not stated in the fixtures plus
// testdata/tab_extra and testdata/notstated, by hand: births xb1 (2021, no
// sex, no residence), nb1 (2021, no sex, province 12), nb2 (2022, M,
// commune 990000 unknown); deaths xd1 (2021, no sex, no residence, aged 0),
// nd1 (2021, no sex, province 01, aged 70), nd2 (2022, F, commune 260001
// unknown, aged 40). The fixtures have none. nb3 is a birth of 2019, outside
// the frame (the population starts in 2020).
var (
	sexNotStated  = map[string]map[int]int64{"birth": {2021: 2, 2022: 0}, "death": {2021: 2, 2022: 0}}
	areaNotStated = map[string]map[int]int64{"birth": {2021: 1, 2022: 1}, "death": {2021: 1, 2022: 1}}
)

// cellCounts reads rows (year, area_code, sex, n) into year -> area -> sex -> n.
func cellCounts(t *testing.T, db *sql.DB, q string) map[int]map[string]map[string]int64 {
	t.Helper()
	out := map[int]map[string]map[string]int64{}
	forRows(t, db, q, func(rows *sql.Rows) {
		var year int
		var area, sex string
		var n int64
		if err := rows.Scan(&year, &area, &sex, &n); err != nil {
			t.Fatal(err)
		}
		if out[year] == nil {
			out[year] = map[string]map[string]int64{}
		}
		if out[year][area] == nil {
			out[year][area] = map[string]int64{}
		}
		out[year][area][sex] += n
	})
	if len(out) == 0 {
		t.Fatalf("no rows: %s", q)
	}
	return out
}

// TestNotStated checks where events of sex or residence not stated count:
// in count tables in sex U and area 99 (T = M + F + U, KH = the provinces +
// 99); in rate and share tables in T and KH only (T - M - F and KH - the
// provinces are exactly those events), never in a province, a sex U or an
// area 99.
func TestNotStated(t *testing.T) {
	db := extraWarehouse(t, "tab_extra", "notstated")

	// The hand counts above, against the current events.
	for event, table := range map[string]string{"birth": "int_births_current", "death": "int_deaths_current"} {
		for year := range sexNotStated[event] {
			if n := one[int64](t, db, fmt.Sprintf("select count(*) from %s where sex = 'U' and year = %d", table, year)); n != sexNotStated[event][year] {
				t.Errorf("%s %d: %d of sex U, the hand count says %d", event, year, n, sexNotStated[event][year])
			}
			if n := one[int64](t, db, fmt.Sprintf("select count(*) from %s where province_code is null and district_code is null and year = %d", table, year)); n != areaNotStated[event][year] {
				t.Errorf("%s %d: %d of residence not stated, the hand count says %d", event, year, n, areaNotStated[event][year])
			}
		}
	}
	if n := one[int64](t, db, "select count(*) from int_births_current where sex not in ('M', 'F', 'U') or sex is null"); n != 0 {
		t.Errorf("%d current births of a sex other than M, F, U", n)
	}

	// rate and share tables: q gives (year, area_code, sex, n) of the rows whose n
	// counts every event of the year, area and sex; sex 'T' where the table has none
	type shareCase struct {
		table, event, q string
		bySex           bool
		areaDiff        map[int]int64 // KH - the provinces, by year; nil: areaNotStated
		sexDiff         map[int]int64 // T - M - F; nil: sexNotStated
	}
	shares := []shareCase{
		{"timeliness", "birth", `select year, area_code, 'T', denominator from timeliness
			where event_type = 'birth' and scope = 'all' and regime = 'all' and timeliness = 'on_time'`, false, nil, nil},
		{"timeliness", "death", `select year, area_code, 'T', denominator from timeliness
			where event_type = 'death' and scope = 'all' and regime = 'all' and timeliness = 'on_time'`, false, nil, nil},
		{"registration_lag", "birth", `select year, area_code, 'T', denominator from registration_lag
			where event_type = 'birth' and scope = 'all' and measure = 'within_30d'`, false, nil, nil},
		{"registration_lag", "death", `select year, area_code, 'T', denominator from registration_lag
			where event_type = 'death' and scope = 'all' and measure = 'within_30d'`, false, nil, nil},
		{"dq_duplicates", "birth", `select year, area_code, 'T', denominator from dq_duplicates where event_type = 'birth'`, false, nil, nil},
		{"dq_duplicates", "death", `select year, area_code, 'T', denominator from dq_duplicates where event_type = 'death'`, false, nil, nil},
		// births with the order known: xb1 (order 1), nb2 (order 2) among those not stated
		{"births_characteristics", "birth", `select year, area_code, 'T', denominator from births_characteristics
			where measure = 'birth_order_1'`, false, nil, nil},
		// the sex ratio counts M and F only: nb2 (M, 2022) is the one of residence not stated
		{"births_characteristics sex ratio", "birth", `select year, area_code, 'T', numerator + denominator from births_characteristics
			where measure = 'sex_ratio_at_birth'`, false, map[int]int64{2021: 0, 2022: 1}, nil},
		{"cod_list1", "death", `select year, area_code, sex, numerator from cod_list1 where list1_item = 'all' and age_group = 'all'`, true, nil, nil},
		{"cod_chapter", "death", `select year, area_code, sex, numerator from cod_chapter where chapter = 'all'`, true, nil, nil},
		// xd1 (A09), nd1 (I21.9), nd2 (X70) have a reported cause
		{"cod_ill_defined_by_age", "death", `select year, area_code, sex, denominator from cod_ill_defined_by_age where age_group = 'all'`, true, nil, nil},
		{"cod_quality", "death", `select year, area_code, 'T', denominator from cod_quality where measure = 'missing_cause'`, false, nil, nil},
		{"cod_leading", "death", `select distinct year, area_code, sex, denominator from cod_leading`, true, nil, nil},
		// Myers' ages 10-89: nd1 (70, sex not stated), nd2 (40, residence not stated); xd1 is aged 0
		{"dq_age_heaping deaths", "death", `select year, area_code, sex, denominator from dq_age_heaping
			where subject = 'deceased_age' and index = 'myers'`, true, map[int]int64{2021: 0, 2022: 1}, map[int]int64{2021: 1, 2022: 0}},
		// mothers of xb1 (16) and nb2 (24)
		{"dq_age_heaping mothers", "birth", `select year, area_code, 'T', denominator from dq_age_heaping
			where subject = 'mother_age' and index = 'myers'`, false, nil, nil},
	}
	for _, c := range shares {
		cells := cellCounts(t, db, c.q)
		areaDiff, sexDiff := c.areaDiff, c.sexDiff
		if areaDiff == nil {
			areaDiff = areaNotStated[c.event]
		}
		if sexDiff == nil {
			sexDiff = sexNotStated[c.event]
		}
		for year, want := range areaDiff {
			var provinces int64
			for area, bySex := range cells[year] {
				if len(area) == 2 && area != "KH" {
					provinces += bySex["T"]
				}
			}
			if kh := cells[year]["KH"]["T"]; kh-provinces != want || kh == 0 {
				t.Errorf("%s %d: KH %d - the provinces %d = %d, want %d (residence not stated)", c.table, year, kh, provinces, kh-provinces, want)
			}
			if !c.bySex {
				continue
			}
			for area, bySex := range cells[year] {
				w := sexDiff[year]
				if area != "KH" {
					// nd1, of sex not stated, lives in district 0102 of province 01
					w = 0
					if c.event == "death" && year == 2021 && strings.HasPrefix(area, "01") {
						w = 1
					}
				}
				if d := bySex["T"] - bySex["M"] - bySex["F"]; d != w {
					t.Errorf("%s %d %s: T - M - F = %d, want %d (sex not stated)", c.table, year, area, d, w)
				}
			}
		}
	}

	// cod_leading_by_age 2021, 70+: d7 (F, 70), d8 (F, 90) and nd1 (sex not stated, 70)
	cells := cellCounts(t, db, `select distinct year, area_code, sex, denominator from cod_leading_by_age
		where year = 2021 and area_code = 'KH' and age_group = '70+'`)
	if c := cells[2021]["KH"]; c["T"] != 3 || c["F"] != 2 || c["M"] != 0 {
		t.Errorf("cod_leading_by_age 2021 KH 70+: deaths T %d, F %d, M %d; want 3, 2, 0", c["T"], c["F"], c["M"])
	}

	// count tables: area '99' and sex 'U' hold them
	type countCase struct {
		table, event, q string
		bySex           bool
	}
	counts := []countCase{
		{"events_by_month", "birth", `select year(month), area_code, 'T', sum(numerator) from events_by_month
			where event_type = 'birth' and measure = 'occurred' and length(area_code) <= 2 group by all`, false},
		{"events_by_month", "death", `select year(month), area_code, 'T', sum(numerator) from events_by_month
			where event_type = 'death' and measure = 'occurred' and length(area_code) <= 2 group by all`, false},
		{"tab_births_mother_age", "birth", `select year, area_code, 'T', numerator from tab_births_mother_age where mother_age_group = 'total'`, false},
		{"tab_births_sex_place", "birth", `select year, area_code, sex, numerator from tab_births_sex_place where place_of_delivery = 'total'`, true},
		{"tab_deaths_age_sex", "death", `select year, area_code, sex, numerator from tab_deaths_age_sex where age_group = 'total'`, true},
	}
	for _, c := range counts {
		cells := cellCounts(t, db, c.q)
		for year, want := range areaNotStated[c.event] {
			if got := cells[year]["99"]["T"]; got != want {
				t.Errorf("%s %d: area 99 has %d, want %d (residence not stated)", c.table, year, got, want)
			}
			var sum int64
			for area, bySex := range cells[year] {
				if area != "KH" {
					sum += bySex["T"]
				}
			}
			if kh := cells[year]["KH"]["T"]; kh != sum || kh == 0 {
				t.Errorf("%s %d: KH %d, the provinces and 99 add up to %d", c.table, year, kh, sum)
			}
			if c.bySex {
				if got := cells[year]["KH"]["U"]; got != sexNotStated[c.event][year] {
					t.Errorf("%s %d: sex U has %d in KH, want %d (sex not stated)", c.table, year, got, sexNotStated[c.event][year])
				}
			}
		}
	}

	// dq_missing (by the registration office): every U sex and every residence
	// not stated or not in the gazetteer counts as missing
	for _, c := range []struct {
		event, field string
		want         map[int]int64
	}{
		{"birth", "sex", sexNotStated["birth"]}, {"death", "sex", sexNotStated["death"]},
		{"birth", "residence", areaNotStated["birth"]}, {"death", "residence", areaNotStated["death"]},
	} {
		for year, want := range c.want {
			q := fmt.Sprintf(`select sum(numerator)::bigint from dq_missing where event_type = '%s' and field = '%s' and area_code = 'KH' and year(month) = %d`, c.event, c.field, year)
			if got := one[int64](t, db, q); got != want {
				t.Errorf("dq_missing %s %s %d: %d missing, want %d", c.event, c.field, year, got, want)
			}
		}
	}

	// health_link: nn1 and nn2 (residence unknown) and nb2, nd2 count in KH only
	for _, event := range []string{"birth", "death"} {
		for _, measure := range []string{"notified_registered", "registered_notified"} {
			cells := cellCounts(t, db, fmt.Sprintf(`select year, area_code, 'T', denominator from health_link
				where event_type = '%s' and measure = '%s' and length(area_code) = 2`, event, measure))
			var provinces int64
			for area, bySex := range cells[2022] {
				if area != "KH" {
					provinces += bySex["T"]
				}
			}
			if d := cells[2022]["KH"]["T"] - provinces; d != 1 {
				t.Errorf("health_link %s %s 2022: KH - the provinces = %d linkable, want 1", event, measure, d)
			}
		}
	}

	// WHO files: sex 9 holds the deaths and births of sex not stated
	if n := one[int64](t, db, "select deaths1 from who_mdb_deaths where list = '104' and cause = 'AAA' and sex = '9' and year = 2021"); n != 2 {
		t.Errorf("who_mdb_deaths 2021 sex 9: %d deaths, want 2 (xd1, nd1)", n)
	}
	if n := one[int64](t, db, "select count(*) from who_mdb_deaths where sex = '9' and year = 2022"); n != 0 {
		t.Errorf("who_mdb_deaths 2022: %d rows of sex 9, a year without deaths of sex not stated", n)
	}
	if n := one[int64](t, db, "select lb from who_mdb_population where sex = '9' and year = 2021"); n != 2 {
		t.Errorf("who_mdb_population 2021 sex 9: lb %d, want 2 (xb1, nb1)", n)
	}
	if a, b := one[int64](t, db, "select sum(deaths1) from who_mdb_deaths where list = '104' and cause = 'AAA' and year = 2021"),
		one[int64](t, db, "select numerator from cod_list1 where year = 2021 and area_code = 'KH' and sex = 'T' and age_group = 'all' and list1_item = 'all'"); a != b {
		t.Errorf("who_mdb_deaths 2021: the sexes add up to %d deaths, cod_list1 has %d", a, b)
	}

	// dq_srb_by_office counts M and F births only
	if a, b := one[int64](t, db, "select sum(births) from dq_srb_by_office where year = 2021"),
		one[int64](t, db, "select sum(numerator) from tab_births_sex_place where year = 2021 and area_code = 'KH' and sex in ('M', 'F') and place_of_delivery = 'total'"); a != b {
		t.Errorf("dq_srb_by_office 2021: %d births, M + F = %d", a, b)
	}

	// A cell outside the frame keeps its row, and only it: nb3, born in 2019 in
	// district 1201, a year before the population's first.
	for q, want := range map[string]string{
		"select format('{}/{}', count(*), coalesce(sum(numerator), 0)) from events_by_month where year(month) = 2019": "6/6",
		"select format('{}/{}', count(*), coalesce(min(numerator), 0)) from tab_births_sex_place where year = 2019":   "8/1",
		"select count(*)::varchar from cod_chapter where year = 2019":                                                 "0",
	} {
		if got := one[string](t, db, q); got != want {
			t.Errorf("outside the frame: %s, want %s (%s)", got, want, q)
		}
	}

	// No rate or share table has a sex U or an area 99: the count tables only.
	inds, err := vitalstats.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range inds {
		if strings.HasPrefix(ind.ID, "tab_") || ind.ID == "events_by_month" {
			continue
		}
		for col, bad := range map[string]string{"area_code": "99", "sex": "U"} {
			if one[int64](t, db, fmt.Sprintf("select count(*) from information_schema.columns where table_name = '%s' and column_name = '%s'", ind.ID, col)) == 0 {
				continue
			}
			if n := one[int64](t, db, fmt.Sprintf("select count(*) from %s where %s = '%s'", ind.ID, col, bad)); n != 0 {
				t.Errorf("%s: %d rows of %s %s", ind.ID, n, col, bad)
			}
		}
	}
}

// TestFullFrames: every table built from its frame has a row for every cell of
// it (the fixtures' frame: 2020-2022, KH, provinces 01 and 12, districts 0102
// and 1201), 0 where nothing happened.
func TestFullFrames(t *testing.T) {
	db := fixtureWarehouse(t)
	cases := []struct {
		table, group string
		per          string // rows each group must have (an SQL expression)
		groups       int64
	}{
		{"events_by_month", "event_type, measure, area_code, year(month)", "12", 4 * 2 * 6 * 3},
		{"timeliness", "event_type, year, area_code", "12", 2 * 3 * 5},
		{"registration_lag", "event_type, year, area_code", "12", 2 * 3 * 3},
		{"health_link", "event_type, year, area_code", "3", 2 * 2 * 5},
		{"dq_missing", "event_type, area_code, month", "case event_type when 'birth' then 7 else 6 end", 2 * 3 * 36},
		{"dq_age_heaping", "subject, year, area_code", "case subject when 'deceased_age' then 6 else 2 end", 2 * 3 * 5},
		{"dq_duplicates", "event_type, year", "3", 2 * 3},
		{"births_characteristics", "year, area_code", "9", 3 * 5},
		{"cod_chapter", "year, area_code, sex", "24", 3 * 5 * 3},
		{"cod_ill_defined_by_age", "year, area_code, sex", "21", 3 * 3 * 3},
		{"cod_quality", "year, area_code", "19", 3 * 5},
		{"tab_births_mother_age", "year, area_code", "11", 3 * 4},
		{"tab_births_sex_place", "year, area_code", "4 * 7", 3 * 4},
		{"tab_deaths_age_sex", "year, area_code", "4 * 21", 3 * 4},
		{"tab_infant_deaths", "year, area_code", "4 * 7", 3 * 4},
		{"tab_fetal_deaths", "year, area_code", "4 * 7", 3 * 4},
		{"tab_marriages", "year, area_code", "10 * 10", 3 * 4},
	}
	for _, c := range cases {
		q := fmt.Sprintf("select count(*), count(*) filter (where n <> per) from (select %s, count(*) as n, %s as per from %s group by all)", c.group, c.per, c.table)
		var groups, short int64
		if err := db.QueryRow(q).Scan(&groups, &short); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if groups != c.groups || short != 0 {
			t.Errorf("%s: %d groups (%s), want %d; %d without all their rows", c.table, groups, c.group, c.groups, short)
		}
	}
	// cod_list1: the nation by every item and age group, a province by every item at all ages
	// and by all causes in every age group
	for q, want := range map[string]int64{
		`select count(*) from (select year, sex, age_group, count(*) as n from cod_list1
			where area_code = 'KH' group by all) where n = 106`: 3 * 3 * 21,
		`select count(*) from (select year, area_code, sex, count(*) as n from cod_list1
			where area_code <> 'KH' and age_group = 'all' group by all) where n = 106`: 3 * 2 * 3,
		`select count(*) from cod_list1 where area_code <> 'KH' and list1_item = 'all'`: 3 * 2 * 3 * 21,
	} {
		if n := one[int64](t, db, q); n != want {
			t.Errorf("cod_list1 frame: %d, want %d (%s)", n, want, q)
		}
	}
	// dq_quarantine: every event type from each route, quarantined or not
	if n := one[int64](t, db, "select count(*) from dq_quarantine where reason = 'all' and field = 'all'"); n != 5*2 {
		t.Errorf("dq_quarantine: %d event types and routes, want 5 x 2", n)
	}
	// who_mdb_deaths: AAA and every list 101 code for men and women, every year
	if n := one[int64](t, db, "select count(*) from who_mdb_deaths where list = '101' and sex in ('1', '2')"); n != 3*2*104 {
		t.Errorf("who_mdb_deaths list 101: %d rows, want 3 years x 2 sexes x 104 codes", n)
	}
	// dq_srb_by_office: every office of provinces 01 and 12, every year
	if n := one[int64](t, db, `select count(*) from ref_communes as c cross join range(2020, 2023) as y(year)
		anti join dq_srb_by_office as s on s.registration_commune = c.commune_code and s.year = y.year
		where c.province_code in ('01', '12')`); n != 0 {
		t.Errorf("dq_srb_by_office: %d offices and years of the frame without a row", n)
	}
	// zero cells read 0, not NULL, and carry the small-number flags
	for _, q := range []string{
		"select numerator = 0 and value = 0 and list_filter(flags, f -> f <> 'provisional') = ['lt5', 'lt20'] from tab_deaths_age_sex where year = 2020 and area_code = '99' and sex = 'U' and age_group = '85+'",
		"select numerator = 0 and value = 0 from events_by_month where event_type = 'fetal_death' and measure = 'occurred' and month = '2020-01-01' and area_code = '0102'",
		"select numerator = 0 and denominator = 0 and value is null from timeliness where event_type = 'death' and year = 2020 and area_code = '01' and scope = 'all' and regime = 'all' and timeliness = 'late'",
		"select numerator = 0 and denominator = 10 and value = 0 from cod_chapter where year = 2021 and area_code = 'KH' and sex = 'T' and chapter = '07'",
	} {
		if !one[bool](t, db, q) {
			t.Errorf("zero cell wrong: %s", q)
		}
	}
}
