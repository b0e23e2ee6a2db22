package warehouse_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vitalstats/etl"
	"vitalstats/warehouse"
)

// The life-table fixture (testdata/lifetable, written by make_fixture.py):
// three districts over 2020-2022 with known mortality and registration, as
// counts of deaths and births that ltFixtureLake expands into lake rows.
// lifetable_check.py computes the expected tables from the same files by the
// rules of docs/methods.md section 7, independently of the Go code; its
// output is expected_life_table.csv and expected_life_expectancy.csv.

// ltFixtureLake writes the fixture's deaths and births as lake files (one row
// per event, the lake's exact schema), and empty files for the other tables.
func ltFixtureLake(t *testing.T, dir string) map[string][]string {
	t.Helper()
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fixture := func(name string) string {
		p, _ := filepath.Abs(filepath.Join("testdata", "lifetable", name))
		return p
	}
	rows := map[string]string{
		// one death per count; the age stated in years, or not stated
		"death": fmt.Sprintf(`select 'lt:d' || row_number() over () as event_id, '1' as version, 'registered' as status,
			'registry' as source, 'deaths:' || row_number() over () as source_ref, 'ict' as provenance,
			c.year || '-07-01' as event_date, c.year || '-07-10' as registration_date,
			c.district_code || '01' as registration_commune, c.year::varchar as occurrence_year, '[]' as flags,
			c.sex, c.age::varchar as age_value, case when c.age is not null then 'Y' end as age_unit,
			c.age::varchar as age_years, left(c.district_code, 2) as residence_province,
			c.district_code as residence_district, c.district_code || '01' as residence_commune,
			'home' as facility_type, 'R99' as underlying_cause_icd10, 'R99' as cause_a, 'none' as certification,
			'natural' as manner
			from read_csv('%s', header = true, types = {'district_code': 'varchar', 'age': 'integer'}) as c,
			     range(c.deaths) as r(i)`, fixture("deaths.csv")),
		"birth": fmt.Sprintf(`select 'lt:b' || row_number() over () as event_id, '1' as version, 'registered' as status,
			'registry' as source, 'births:' || row_number() over () as source_ref, 'ict' as provenance,
			c.year || '-07-01' as event_date, c.year || '-07-10' as registration_date,
			c.district_code || '01' as registration_commune, c.year::varchar as occurrence_year, '[]' as flags,
			c.sex, c.mother_age::varchar as mother_age, left(c.district_code, 2) as residence_province,
			c.district_code as residence_district, c.district_code || '01' as mother_residence_commune,
			'public_hospital' as facility_type, '1' as plurality
			from read_csv('%s', header = true, types = {'district_code': 'varchar'}) as c, range(c.births) as r(i)`,
			fixture("births.csv")),
	}
	files := map[string][]string{}
	for _, table := range warehouse.LakeTables {
		empty := filepath.Join(dir, "empty_"+table+".parquet")
		if err := etl.WriteEmpty(table, empty); err != nil {
			t.Fatal(err)
		}
		q, ok := rows[table]
		if !ok {
			files[table] = []string{empty}
			continue
		}
		out := filepath.Join(dir, table+".parquet")
		for _, s := range []string{
			fmt.Sprintf("create or replace table t as select * from read_parquet('%s')", empty),
			"insert into t by name " + q,
			fmt.Sprintf("copy t to '%s' (format parquet)", out),
		} {
			if _, err := w.DB.Exec(s); err != nil {
				t.Fatalf("life-table fixture %s: %v", table, err)
			}
		}
		files[table] = []string{out}
	}
	return files
}

var (
	ltFixtureOnce sync.Once
	ltFixtureDir  string
	ltFixtureErr  error
)

// ltFixtureWarehouse builds the life-table fixture's warehouse once (the life
// tables and what reads or mirrors them) and opens it read-only.
func ltFixtureWarehouse(t *testing.T) *sql.DB {
	t.Helper()
	ltFixtureOnce.Do(func() {
		ltFixtureDir, ltFixtureErr = os.MkdirTemp("", "vitalstats-lifetable-")
		if ltFixtureErr != nil {
			return
		}
		lake := ltFixtureLake(t, ltFixtureDir)
		_, ltFixtureErr = warehouse.Build(context.Background(), filepath.Join(ltFixtureDir, "w.duckdb"),
			warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
			warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "lifetable", "population.csv"),
				AsOf: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), Snapshot: "lifetable", Version: "test",
				CensusYears: []int{2020, 2022}, KeepIntermediate: true,
				Only: []string{"life_table", "life_expectancy", "mortality_rates", "fertility_rates", "completeness_death_methods"}}, nil)
	})
	if ltFixtureErr != nil {
		t.Fatal(ltFixtureErr)
	}
	w, err := warehouse.Open(filepath.Join(ltFixtureDir, "w.duckdb"), warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Close()
	})
	return w.DB
}

// readExpected reads one of lifetable_check.py's CSVs: the header and the
// rows keyed by their grain (the first n columns).
func readExpected(t *testing.T, name string, n int) ([]string, map[string][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "lifetable", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string][]string{}
	for _, r := range recs[1:] {
		out[strings.Join(r[:n], ",")] = r
	}
	return recs[0], out
}

// TestLifeTableFixture: every row of life_table and life_expectancy built
// from the fixture equals the independent implementation's (values to 1e-7
// relative, flags exactly), and the fixture reaches every case it was made
// for: single years and pooled ones, both closeouts, registered and adjusted,
// and each withheld reason it plants.
func TestLifeTableFixture(t *testing.T) {
	db := ltFixtureWarehouse(t)
	checkFixtureCompleteness(t, db)
	for _, c := range []struct {
		table, expected, order string
		grain                  int
	}{
		{"life_table", "expected_life_table.csv", "year, area_code, sex, basis, age_start", 5},
		{"life_expectancy", "expected_life_expectancy.csv", "year, area_code, sex, basis, measure", 5},
	} {
		header, want := readExpected(t, c.expected, c.grain)
		// the flags of the year (provisional) and of completeness are tested elsewhere
		cols := slices.Clone(header)
		if i := slices.Index(cols, "flags"); i >= 0 {
			cols[i] = "list_filter(flags, f -> f <> 'provisional' and f not like 'completeness_%') as flags"
		}
		rows, err := db.Query(fmt.Sprintf("select %s from %s order by %s", strings.Join(cols, ", "), c.table, c.order))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for rows.Next() {
			vals := make([]any, len(header))
			ptrs := make([]any, len(header))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = ltCell(v)
			}
			key := strings.Join(cells[:c.grain], ",")
			got[key] = true
			w, ok := want[key]
			if !ok {
				t.Errorf("%s: row %s not expected", c.table, key)
				continue
			}
			for i := c.grain; i < len(header); i++ {
				if !ltSame(cells[i], w[i]) {
					t.Errorf("%s %s: %s = %s, expected %s", c.table, key, header[i], cells[i], w[i])
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for key := range want {
			if !got[key] {
				t.Errorf("%s: expected row %s missing", c.table, key)
			}
		}
	}
	// The cases the fixture was made for.
	for _, c := range []struct {
		what, where string
	}{
		{"a single-year national table with l/M", `area_code = 'KH' and year = 2021 and basis = 'registered' and not list_contains(flags, 'closeout_gompertz') and value is not null`},
		{"a single-year table closed by Gompertz", `area_code = '12' and sex = 'M' and year = 2021 and list_contains(flags, 'closeout_gompertz') and value is not null`},
		{"a pooled small area", `area_code = '23' and year = 2021 and list_contains(flags, 'pooled_3y') and value is not null`},
		{"an adjusted table", `basis = 'adjusted_ggb_seg' and area_code = 'KH' and list_contains(flags, 'withheld_under5_unadjusted')`},
		{"an adjusted small area", `basis = 'adjusted_ggb_seg' and area_code = '23' and year = 2021 and list_contains(flags, 'withheld_under5_unadjusted')`},
		{"few deaths", `area_code = '23' and year = 2020 and list_contains(flags, 'withheld_few_deaths')`},
		{"rates not rising", `area_code = '17' and sex = 'M' and list_contains(flags, 'withheld_rates_not_rising')`},
		{"e0 out of bounds", `area_code = '17' and sex = 'F' and year = 2021 and list_contains(flags, 'withheld_e0_out_of_bounds')`},
	} {
		var n int
		if err := db.QueryRow("select count(*) from life_expectancy where measure = 'e0' and " + c.where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("the fixture has no %s (%s)", c.what, c.where)
		}
	}
	// Adjusted tables publish their adult measures, conditional on survival to
	// 15 and 60, and withhold what their unadjusted deaths under 5 carry.
	for _, c := range []struct {
		measure string
		shown   bool
	}{{"e0", false}, {"1q0", false}, {"5q0", false}, {"e60", true}, {"45q15", true}} {
		var shown, all int
		if err := db.QueryRow(`select count(value), count(*) from life_expectancy
			where basis = 'adjusted_ggb_seg' and measure = ? and not list_contains(flags, 'withheld_few_deaths')
			  and not list_contains(flags, 'withheld_rates_not_rising')`, c.measure).Scan(&shown, &all); err != nil {
			t.Fatal(err)
		}
		if all == 0 || (shown == all) != c.shown || (shown == 0) == c.shown {
			t.Errorf("adjusted %s: %d of %d shown, want all: %v", c.measure, shown, all, c.shown)
		}
	}
}

// checkFixtureCompleteness: the completeness estimates the build found are
// those lifetable_check.py took as input: the GGB-SEG completeness and its
// standard error (completeness.csv), the best completeness of each band
// (completeness_best.csv), the expected deaths of each sex behind it
// (expected_deaths.csv) and the reference life tables (reference_rates.csv),
// each checked against published cases or synthetic truth elsewhere. -update rewrites the files, after which
// lifetable_check.py must run again.
func checkFixtureCompleteness(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, c := range []struct {
		file, query string
		grain       int
	}{
		{"completeness.csv", `select period_start, period_end, area_code, sex, completeness, se
			from int_ddm_completeness where method = 'ggb_seg' order by all`, 4},
		{"completeness_best.csv", `select event_type, age_band, year, area_code, method, value, numerator, denominator, log_se
			from int_completeness_best where area_code = 'KH' or length(area_code) = 2 order by all`, 5},
		{"expected_deaths.csv", `select year, case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
				sex, age_band, sum(expected) as expected
			from int_expected_events where event_type = 'death'
			group by grouping sets ((year, sex, age_band), (year, province_code, sex, age_band)) order by all`, 4},
		{"reference_rates.csv", `select year, sex, age_start, qx, lx, ex, log_se, basis
			from int_reference_rates where year between 2020 and 2022 order by all`, 3},
	} {
		checkFixtureInput(t, db, c.file, c.query, c.grain)
	}
}

// checkFixtureInput compares (or with -update writes) one of the fixture's
// inputs with the build's rows: the grain exactly, numbers to 1e-7.
func checkFixtureInput(t *testing.T, db *sql.DB, file, query string, grain int) {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				cells[i] = ""
			case float64:
				cells[i] = strconv.FormatFloat(x, 'g', 17, 64)
			default:
				cells[i] = fmt.Sprint(x)
			}
		}
		got = append(got, cells)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "lifetable", file)
	if *update {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(f)
		w.WriteAll(got)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: run python3 lifetable_check.py in testdata/lifetable", path)
		return
	}
	_, want := readExpected(t, file, grain)
	if len(want) != len(got)-1 {
		t.Errorf("%s has %d rows, the build %d (go test -run TestLifeTableFixture -update, then lifetable_check.py)", file, len(want), len(got)-1)
	}
	for _, g := range got[1:] {
		w, ok := want[strings.Join(g[:grain], ",")]
		same := ok
		for i := grain; ok && i < len(g); i++ {
			same = same && ltSame(g[i], w[i])
		}
		if !same {
			t.Errorf("%s: the build has %v, the file %v (go test -run TestLifeTableFixture -update, then lifetable_check.py)", file, g, w)
		}
	}
}

// ltCell formats a value as lifetable_check.py writes it.
func ltCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		return strconv.FormatFloat(x, 'g', 12, 64)
	case []any:
		s := make([]string, len(x))
		for i, e := range x {
			s[i] = fmt.Sprint(e)
		}
		slices.Sort(s)
		return strings.Join(s, " ")
	}
	return fmt.Sprint(v)
}

// ltSame compares two cells: numbers to 1e-7 relative (1e-9 absolute), the
// rest exactly.
func ltSame(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(g-w) <= 1e-9+1e-7*math.Abs(w)
}

// TestLifeTableChildMortality: a table of one year takes q0 = registered
// infant deaths / registered live births, so its 1q0 is mortality_rates'
// imr / 1000 exactly; its 5q0 is 1 − (1 − q0)(1 − 4q1) with 4q1 = 4M / (1 +
// (4 − 4a1)M), M the 1-4 death rate and 4a1 by Coale-Demeny West on q0 (the
// shared definition of U5MR, recomputed here from the counts).
func TestLifeTableChildMortality(t *testing.T) {
	db := ltFixtureWarehouse(t)
	rows, err := db.Query(`select l.year, l.area_code, l.sex, l.value, s.value, m.numerator, m.denominator, d.deaths, d.population, u.value
		from life_expectancy as l
		join life_expectancy as s on s.year = l.year and s.area_code = l.area_code and s.sex = l.sex and s.basis = l.basis and s.measure = '5q0'
		join mortality_rates as m on m.year = l.year and m.area_code = l.area_code and m.sex = l.sex and m.basis = 'registered' and m.measure = 'imr'
		join mortality_rates as u on u.year = l.year and u.area_code = l.area_code and u.sex = l.sex and u.basis = 'registered' and u.measure = 'u5mr'
		join int_deaths_by_age as d on d.year = l.year and d.area_code = l.area_code and d.sex = l.sex and d.age_group = '1-4'
		where l.measure = '1q0' and l.basis = 'registered' and l.value is not null
		  and not list_contains(l.flags, 'pooled_3y') and not list_contains(l.flags, 'pooled_5y')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var year int
		var area, sex string
		var q0, q5, infants, births, d14, p14, u5mr float64
		if err := rows.Scan(&year, &area, &sex, &q0, &q5, &infants, &births, &d14, &p14, &u5mr); err != nil {
			t.Fatal(err)
		}
		n++
		if q0 != infants/births {
			t.Errorf("%d %s %s: 1q0 %v, imr %v/%v = %v", year, area, sex, q0, infants, births, infants/births)
		}
		a1 := 1.653 - 3.013*q0 // Coale-Demeny West, males, q0 < 0.1
		if sex == "F" {
			a1 = 1.524 - 1.627*q0
		}
		m := d14 / p14
		q1 := 4 * m / (1 + (4-a1)*m)
		if want := 1 - (1-q0)*(1-q1); math.Abs(q5-want) > 1e-12 {
			t.Errorf("%d %s %s: 5q0 %v, from q0 and the 1-4 rate %v", year, area, sex, q5, want)
		}
		// one U5MR: the life table's 5q0 is mortality_rates' u5mr
		if math.Abs(q5-u5mr/1000) > 1e-12 {
			t.Errorf("%d %s %s: 5q0 %v, mortality_rates u5mr %v", year, area, sex, q5, u5mr)
		}
	}
	if n < 6 {
		t.Errorf("%d published one-year registered tables compared, want at least 6", n)
	}
}

// TestLifeExpectancyReference: the nation's reference rows of
// life_expectancy (int_reference_rates' measures, recomputed by
// lifetable_check.py in TestLifeTableFixture) give as 1q0 and 5q0 what
// mortality_rates gives as the reference imr and u5mr / 1000, with the same
// basis and interval: one value of each indicator.
func TestLifeExpectancyReference(t *testing.T) {
	db := ltFixtureWarehouse(t)
	rows, err := db.Query(`select l.year, l.sex, l.measure, l.basis, m.basis, l.value, m.value / 1000,
			coalesce(l.ci_low, -1), coalesce(m.ci_low / 1000, -1), coalesce(l.ci_high, -1), coalesce(m.ci_high / 1000, -1)
		from life_expectancy as l
		left join mortality_rates as m on m.year = l.year and m.area_code = l.area_code and m.sex = l.sex
		 and m.basis like 'reference%' and m.measure = case l.measure when '1q0' then 'imr' else 'u5mr' end
		where l.basis like 'reference%' and l.measure in ('1q0', '5q0') order by all`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var year int
		var sex, measure string
		var basis, mBasis sql.NullString
		var v [6]float64
		if err := rows.Scan(&year, &sex, &measure, &basis, &mBasis, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]); err != nil {
			t.Fatal(err)
		}
		n++
		if basis != mBasis {
			t.Errorf("%d %s %s: basis %v in life_expectancy, %v in mortality_rates", year, sex, measure, basis, mBasis)
		}
		for i := 0; i < 6; i += 2 {
			if math.Abs(v[i]-v[i+1]) > 1e-9*math.Abs(v[i+1]) {
				t.Errorf("%d %s %s: life_expectancy %v, mortality_rates %v (value, ci_low, ci_high)", year, sex, measure, v[i], v[i+1])
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 12 { // 2020-2022, two sexes, 1q0 and 5q0
		t.Errorf("%d reference rows of 1q0 and 5q0, want 12", n)
	}
}
