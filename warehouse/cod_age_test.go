package warehouse_test

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vitalstats"
	"vitalstats/warehouse"
)

// broadAgeGroup is the broad age group of cod_leading_by_age for an age in
// completed years, written from the indicator's definition.
func broadAgeGroup(years int) string {
	switch {
	case years < 1:
		return "0"
	case years < 5:
		return "1-4"
	case years < 15:
		return "5-14"
	case years < 30:
		return "15-29"
	case years < 50:
		return "30-49"
	case years < 70:
		return "50-69"
	}
	return "70+"
}

// abridgedStart is the first age of an abridged age label ("0", "5-9", "85+").
func abridgedStart(t *testing.T, label string) int {
	t.Helper()
	first, _, _ := strings.Cut(strings.TrimSuffix(label, "+"), "-")
	n, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("abridged age group %q: %v", label, err)
	}
	return n
}

// notRanked are the List 1 items cod_leading and cod_leading_by_age leave out
// of the ranking, by code as listed in cod_leading.toml: the ill-defined
// 1-094, the twelve "Remainder of ..." items and 1-103, and our two items
// for deaths without a valid underlying cause.
var notRanked = map[string]bool{
	"1-094": true, "1-103": true, "not_ucod": true, "missing": true,
	"1-025": true, "1-046": true, "1-047": true, "1-050": true, "1-054": true, "1-057": true,
	"1-061": true, "1-071": true, "1-077": true, "1-081": true, "1-086": true, "1-091": true,
}

// ageCell is a (year, area, sex, broad age group) cell of cod_leading_by_age.
type ageCell struct {
	year            int
	area, sex, ages string
}

func (c ageCell) String() string { return fmt.Sprintf("%d %s %s %s", c.year, c.area, c.sex, c.ages) }

type leadingRow struct {
	rank     int
	num, den int64
}

// leadingByAge reads cod_leading_by_age by cell and item.
func leadingByAge(t *testing.T, db *sql.DB) map[ageCell]map[string]leadingRow {
	t.Helper()
	out := map[ageCell]map[string]leadingRow{}
	forRows(t, db, "select year, area_code, sex, age_group, list1_item, rank, numerator, denominator from cod_leading_by_age", func(rows *sql.Rows) {
		var c ageCell
		var item string
		var r leadingRow
		if err := rows.Scan(&c.year, &c.area, &c.sex, &c.ages, &item, &r.rank, &r.num, &r.den); err != nil {
			t.Fatal(err)
		}
		if out[c] == nil {
			out[c] = map[string]leadingRow{}
		}
		out[c][item] = r
	})
	return out
}

// TestCodLeadingByAgeDenominators: each cell's denominator is the number of
// current deaths of its year, area, sex and broad age group, counted here from
// int_deaths_current's age in completed years (not from its age group).
func TestCodLeadingByAgeDenominators(t *testing.T) {
	db := fixtureWarehouse(t)
	want := map[ageCell]int64{}
	unknownAge := 0
	forRows(t, db, "select year, province_code, sex, age_years from int_deaths_current", func(rows *sql.Rows) {
		var year int
		var prov, sex sql.NullString
		var age sql.NullInt64
		if err := rows.Scan(&year, &prov, &sex, &age); err != nil {
			t.Fatal(err)
		}
		if !age.Valid {
			unknownAge++
			return
		}
		areas := []string{"KH"}
		if prov.Valid {
			areas = append(areas, prov.String)
		}
		sexes := []string{"T"}
		if sex.String == "M" || sex.String == "F" {
			sexes = append(sexes, sex.String)
		}
		for _, a := range areas {
			for _, s := range sexes {
				want[ageCell{year, a, s, broadAgeGroup(int(age.Int64))}]++
			}
		}
	})
	if unknownAge == 0 {
		t.Error("no fixture death of unknown age: the exclusion is not exercised")
	}
	got := leadingByAge(t, db)
	if len(got) < 20 {
		t.Fatalf("cod_leading_by_age has %d cells, want at least 20 from the fixtures", len(got))
	}
	for c, items := range got {
		for item, r := range items {
			if r.den != want[c] {
				t.Errorf("%s %s: denominator %d, want %d deaths of that age", c, item, r.den, want[c])
			}
		}
	}
}

// TestCodLeadingByAgeFromList1: each numerator is cod_list1's count of the
// item summed over the abridged groups that make up the broad group, and the
// rows are exactly the items of rank 5 or better by standard competition
// ranking of those sums.
func TestCodLeadingByAgeFromList1(t *testing.T) {
	db := fixtureWarehouse(t)
	sums := map[ageCell]map[string]int64{}
	// cells of the frame without deaths are not ranked
	forRows(t, db, `select year, area_code, sex, age_group, list1_item, numerator from cod_list1
		where is_leaf and age_group not in ('all', 'unknown') and numerator > 0`, func(rows *sql.Rows) {
		var c ageCell
		var label, item string
		var n int64
		if err := rows.Scan(&c.year, &c.area, &c.sex, &label, &item, &n); err != nil {
			t.Fatal(err)
		}
		c.ages = broadAgeGroup(abridgedStart(t, label))
		if sums[c] == nil {
			sums[c] = map[string]int64{}
		}
		sums[c][item] += n
	})
	want := map[ageCell]map[string]int{}
	for c, items := range sums {
		for item, n := range items {
			if notRanked[item] {
				continue
			}
			rank := 1
			for other, m := range items {
				if !notRanked[other] && m > n {
					rank++
				}
			}
			if rank <= 5 {
				if want[c] == nil {
					want[c] = map[string]int{}
				}
				want[c][item] = rank
			}
		}
	}
	got := leadingByAge(t, db)
	for c, items := range got {
		for item, r := range items {
			if n := sums[c][item]; r.num != n {
				t.Errorf("%s %s: numerator %d, cod_list1 sums to %d", c, item, r.num, n)
			}
			if w, ok := want[c][item]; !ok || r.rank != w {
				t.Errorf("%s %s: rank %d, want %d (0 = not among the five)", c, item, r.rank, w)
			}
		}
	}
	for c, items := range want {
		for item := range items {
			if _, ok := got[c][item]; !ok {
				t.Errorf("%s %s: rank %d from cod_list1, missing from cod_leading_by_age", c, item, items[item])
			}
		}
	}
}

// TestCodLeadingByAgeHandChecked checks cells counted by hand on
// testdata/fixtures/death.csv (the deaths are listed in
// TestCodIndicatorsHandChecked).
func TestCodLeadingByAgeHandChecked(t *testing.T) {
	db := fixtureWarehouse(t)
	check := func(where string, wantNum, wantDen int64) {
		t.Helper()
		var num, den int64
		var rank int
		var value, lo, hi float64
		q := "select rank, numerator, denominator, value, ci_low, ci_high from cod_leading_by_age where " + where
		if err := db.QueryRow(q).Scan(&rank, &num, &den, &value, &lo, &hi); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if rank != 1 || num != wantNum || den != wantDen {
			t.Errorf("[%s]: rank %d, %d/%d, want rank 1, %d/%d", where, rank, num, den, wantNum, wantDen)
			return
		}
		near(t, "["+where+"] value", value, float64(wantNum)/float64(wantDen), 1e-12)
		wl, wh := wilson(float64(wantNum), float64(wantDen))
		near(t, "["+where+"] ci_low", lo, wl, 1e-6)
		near(t, "["+where+"] ci_high", hi, wh, 1e-6)
	}
	items := func(where string) string {
		t.Helper()
		return one[string](t, db, "select coalesce(string_agg(list1_item, ' ' order by list1_item), '') from cod_leading_by_age where "+where)
	}

	// 2021, 30-49: d4 (F 35, O15.0 1-089), d5 (M 45, V89.2 1-096), d10 (M 30, X95 1-102): three ties at rank 1.
	for _, item := range []string{"1-089", "1-096", "1-102"} {
		check("year = 2021 and area_code = 'KH' and sex = 'T' and age_group = '30-49' and list1_item = '"+item+"'", 1, 3)
	}
	if got := items("year = 2021 and area_code = 'KH' and sex = 'T' and age_group = '30-49'"); got != "1-089 1-096 1-102" {
		t.Errorf("2021 KH T 30-49: %s, want 1-089 1-096 1-102", got)
	}
	// Infants 2021: d1 (M, 5 days, P22.0 1-092) and d2 (F, 100 days, A09 1-003); age 2 (d3) is 1-4.
	check("year = 2021 and area_code = '12' and sex = 'T' and age_group = '0' and list1_item = '1-092'", 1, 2)
	check("year = 2021 and area_code = 'KH' and sex = 'M' and age_group = '1-4' and list1_item = '1-074'", 1, 1)
	// Women 70+ of 2021: d7 (I21.9 1-067) and d8 (90, R99): R99 counts in the denominator, is not ranked;
	// d7b is d7's duplicate, d11 is cancelled.
	check("year = 2021 and area_code = 'KH' and sex = 'F' and age_group = '70+' and list1_item = '1-067'", 1, 2)
	if got := items("year = 2021 and area_code = 'KH' and sex = 'F' and age_group = '70+'"); got != "1-067" {
		t.Errorf("2021 KH F 70+: %s, want 1-067", got)
	}
	// 70+ of 2022: c5 (75, no cause), c6 (81, S72.0 not valid), c7 (82, I50.9 1-068): 1 of 3.
	check("year = 2022 and area_code = '12' and sex = 'T' and age_group = '70+' and list1_item = '1-068'", 1, 3)
	// 2022: c11 (I64) has no age, c2 (25, B07) is in the residual 1-025: no 1-069 and no 15-29 row;
	// 30-49 (c1, c4 not valid; c10 unknown code) ranks nothing.
	if got := items("year = 2022 and area_code = 'KH' and sex = 'T'"); got != "1-037 1-068" {
		t.Errorf("2022 KH T: %s, want 1-037 1-068", got)
	}
}

// TestCodLeadingByAgeRanking runs the indicator's SQL on made-up deaths that
// the fixtures lack: ranks below 1 with a tie at the fifth place, residual
// and ill-defined items that outnumber the ranked ones, the roll-up of
// provinces into KH, a death of unknown age, and every age at a group edge.
func TestCodLeadingByAgeRanking(t *testing.T) {
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	macros, err := vitalstats.SQL.ReadFile("sql/macros.sql")
	if err != nil {
		t.Fatal(err)
	}
	model, err := vitalstats.SQL.ReadFile("sql/indicators/cod_leading_by_age.sql")
	if err != nil {
		t.Fatal(err)
	}
	rankingList, err := vitalstats.SQL.ReadFile("sql/intermediate/int_cod_ranking_list.sql")
	if err != nil {
		t.Fatal(err)
	}
	type death struct {
		prov, sex string
		age       int // -1: unknown
		item      string
		n         int
	}
	deaths := []death{
		// province 12, men aged 40
		{"12", "M", 40, "1-010", 6}, {"12", "M", 41, "1-011", 5}, {"12", "M", 42, "1-012", 5},
		{"12", "M", 43, "1-013", 3}, {"12", "M", 44, "1-014", 2}, {"12", "M", 45, "1-015", 2},
		{"12", "M", 46, "1-016", 1}, {"12", "M", 47, "1-025", 9}, {"12", "M", 48, "1-094", 9},
		{"12", "M", 49, "1-103", 9}, {"12", "M", 30, "missing", 4}, {"12", "M", 31, "not_ucod", 1},
		{"12", "M", -1, "1-016", 7},
		// province 01, men aged 40: 1-013 rises to a tie at rank 1 in KH
		{"01", "M", 40, "1-013", 3},
	}
	// one death of 1-020 at each age that starts or ends a broad group
	edges := []int{0, 1, 4, 5, 14, 15, 29, 30, 49, 50, 69, 70, 84, 85, 110}
	for _, a := range edges {
		deaths = append(deaths, death{"12", "F", a, "1-020", 1})
	}
	var values []string
	for _, d := range deaths {
		age := "null"
		if d.age >= 0 {
			age = strconv.Itoa(d.age)
		}
		for range d.n {
			values = append(values, fmt.Sprintf("('%s', '%s', %s, '%s')", d.prov, d.sex, age, d.item))
		}
	}
	items := []string{"1-010", "1-011", "1-012", "1-013", "1-014", "1-015", "1-016", "1-020"}
	var refs []string
	for _, it := range items {
		refs = append(refs, fmt.Sprintf("('%s', 'Cause %s', true)", it, it))
	}
	refs = append(refs, "('1-025', 'Remainder of certain infectious and parasitic diseases', true)",
		"('1-094', 'Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified', true)",
		"('1-103', 'All other external causes', true)", "('1-001', 'Certain infectious and parasitic diseases', false)")
	for _, q := range []string{
		string(macros),
		"create table ref_who_list1 as select * from (values " + strings.Join(refs, ", ") + ") as r (list1_item, title, is_leaf)",
		`create table int_deaths_cod as select 2021 as year, province_code, sex, abridged_group(age) as age_group, list1_item
			from (values ` + strings.Join(values, ", ") + `) as d (province_code, sex, age, list1_item)`,
		"create view int_cod_ranking_list as " + string(rankingList),
		"create table cod_leading_by_age as " + string(model),
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}

	ranks := func(area, sex, ages string) string {
		t.Helper()
		var parts []string
		rows, err := w.DB.Query(`select list1_item, rank, numerator, denominator from cod_leading_by_age
			where area_code = ? and sex = ? and age_group = ? order by rank, list1_item`, area, sex, ages)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var item string
			var rank, num, den int64
			if err := rows.Scan(&item, &rank, &num, &den); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, fmt.Sprintf("%s:%d:%d/%d", item, rank, num, den))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(parts, " ")
	}
	// 6, 5, 5, 3, 2, 2, 1: ranks 1, 2, 2, 4, 5, 5 (six rows), 1-016 seventh; the residual, ill-defined and
	// missing deaths and the unknown-age 1-016 are out of the ranking; all but the last in the denominator:
	// 24 + 9 + 9 + 9 + 4 + 1 = 56.
	if got, want := ranks("12", "M", "30-49"), "1-010:1:6/56 1-011:2:5/56 1-012:2:5/56 1-013:4:3/56 1-014:5:2/56 1-015:5:2/56"; got != want {
		t.Errorf("12 M 30-49:\n got %s\nwant %s", got, want)
	}
	if got, want := ranks("KH", "M", "30-49"), "1-010:1:6/59 1-013:1:6/59 1-011:3:5/59 1-012:3:5/59 1-014:5:2/59 1-015:5:2/59"; got != want {
		t.Errorf("KH M 30-49:\n got %s\nwant %s", got, want)
	}
	if got, want := ranks("01", "T", "30-49"), "1-013:1:3/3"; got != want {
		t.Errorf("01 T 30-49: got %s, want %s", got, want)
	}
	// The men's deaths of unknown age are in no age group.
	if got := one[string](t, w.DB, "select coalesce(string_agg(distinct age_group, ' '), '') from cod_leading_by_age where sex = 'M'"); got != "30-49" {
		t.Errorf("men's age groups: %q, want only 30-49", got)
	}
	// The edge ages, by the Go mapping.
	perGroup := map[string]int64{}
	for _, a := range edges {
		perGroup[broadAgeGroup(a)]++
	}
	for _, g := range slices.Sorted(maps.Keys(perGroup)) {
		want := fmt.Sprintf("1-020:1:%d/%d", perGroup[g], perGroup[g])
		if got := ranks("12", "F", g); got != want {
			t.Errorf("12 F %s: got %s, want %s", g, got, want)
		}
	}
	if n := one[int64](t, w.DB, "select count(distinct age_group) from cod_leading_by_age where sex = 'F'"); n != int64(len(perGroup)) {
		t.Errorf("women's deaths in %d age groups, want %d", n, len(perGroup))
	}
}
