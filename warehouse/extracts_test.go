package warehouse_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vitalstats/warehouse"
)

// writeFixtureExtracts writes the researcher extracts of the fixture lake
// with the given k into a new folder.
func writeFixtureExtracts(t *testing.T, k int) (string, *warehouse.ExtractSummary) {
	t.Helper()
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	out := filepath.Join(dir, "extracts")
	sum, err := warehouse.Build(context.Background(), filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test", Extracts: warehouse.ExtractsInput{Dir: out, K: k}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, sum.Extracts
}

// parquetReader is a DuckDB of its own for reading the files back, as a
// researcher would.
func parquetReader(t *testing.T) *sql.DB {
	t.Helper()
	w, err := warehouse.Open("", warehouse.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB
}

func readCodebook(t *testing.T, dir, event string) warehouse.Codebook {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, event, "codebook.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cb warehouse.Codebook
	if err := json.Unmarshal(b, &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var (
	// id, no and the like as words of a column name, so that bride_* passes
	// and bride_id, registration_no or source_ref do not.
	identifierColumn = regexp.MustCompile(`(?i)(^|_)(id|ids|no|nr|num|number|ref|regno|dup|version)(_|$)|hash|key|name|kidc|commune|village|date|dob`)
	hexHash          = regexp.MustCompile(`(?i)[0-9a-f]{16,}`)
	fullDate         = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

func TestExtracts(t *testing.T) {
	const k = 5
	dir, sum := writeFixtureExtracts(t, k)
	// At k = 5 nearly every record of the tiny fixture is suppressed: the
	// counts and codes are checked on extracts of k = 1 too.
	dir1, sum1 := writeFixtureExtracts(t, 1)
	pq := parquetReader(t)
	db := fixtureWarehouse(t)

	events := map[string]warehouse.ExtractResult{}
	for _, e := range sum.Extracts {
		events[e.Event] = e
	}
	for _, want := range []string{"births", "deaths", "death_causes", "fetal_deaths", "marriages"} {
		if len(events[want].Files) == 0 {
			t.Fatalf("no %s extract written: %+v", want, sum)
		}
	}

	t.Run("no identifiers", func(t *testing.T) {
		// The scan must catch the lake's identifying columns.
		for _, c := range []string{"event_id", "version", "source_ref", "dup_group", "mother_id_hash", "bride_kidc",
			"groom_name", "registration_commune", "mother_residence_commune", "date_of_birth", "event_date",
			"registration_date", "facility_id", "notification_id", "burial_permit_no", "reg_no"} {
			if !identifierColumn.MatchString(c) {
				t.Errorf("the identifier scan lets %s through", c)
			}
		}
		for _, e := range append(sum.Extracts, sum1.Extracts...) {
			for _, f := range e.Files {
				rows, err := pq.Query("select column_name, column_type from (describe select * from read_parquet(" + sqlQuote(f) + "))")
				if err != nil {
					t.Fatal(err)
				}
				var varchars []string
				for rows.Next() {
					var name, typ string
					if err := rows.Scan(&name, &typ); err != nil {
						t.Fatal(err)
					}
					if identifierColumn.MatchString(name) {
						t.Errorf("%s: column %s looks like an identifier or a date", f, name)
					}
					if strings.Contains(typ, "DATE") || strings.Contains(typ, "TIMESTAMP") {
						t.Errorf("%s: column %s is a %s", f, name, typ)
					}
					if typ == "VARCHAR" {
						varchars = append(varchars, name)
					}
				}
				rows.Close()
				for _, c := range varchars {
					vals := rows2strings(t, pq, fmt.Sprintf(`select distinct "%s" from read_parquet(%s) where "%s" is not null`, c, sqlQuote(f), c))
					for _, v := range vals {
						if hexHash.MatchString(v) || fullDate.MatchString(v) {
							t.Errorf("%s: %s holds %q, a hash or a date", f, c, v)
						}
					}
				}
			}
		}
	})

	t.Run("births reconcile with the warehouse", func(t *testing.T) {
		want := rows2strings(t, db, "select format('{}:{}', year, numerator::bigint) from fertility_rates where measure = 'cbr' and basis = 'registered' and area_code = 'KH' order by year")
		got := rows2strings(t, pq, fmt.Sprintf("select format('{}:{}', year, count(*)) from read_parquet(%s) group by year order by year",
			sqlQuote(filepath.Join(dir1, "births", "*.parquet"))))
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("births per year: extract %v, warehouse %v", got, want)
		}
		var total int64
		for _, n := range events["births"].Rows {
			total += n
		}
		if want := one[int64](t, db, "select sum(numerator)::bigint from fertility_rates where measure = 'cbr' and basis = 'registered' and area_code = 'KH'"); total != want {
			t.Errorf("the summary counts %d births, the warehouse %d", total, want)
		}
	})

	t.Run("deaths reconcile with the warehouse", func(t *testing.T) {
		want := rows2strings(t, db, "select format('{}:{}:{}', year, sex, numerator::bigint) from mortality_rates where measure = 'cdr' and area_code = 'KH' order by year, sex")
		// Both files of deaths hold every death: the one of time and place and the one of causes.
		for _, event := range []string{"deaths", "death_causes"} {
			got := rows2strings(t, pq, fmt.Sprintf(`select format('{}:{}:{}', year, sex, n) from (
			select year, case when grouping(sex) = 1 then 'T' else sex end as sex, count(*) as n
			from read_parquet(%s) where sex in ('M', 'F') group by grouping sets ((year), (year, sex))) order by year, sex`,
				sqlQuote(filepath.Join(dir1, event, "*.parquet"))))
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%s per year and sex: extract %v, warehouse %v", event, got, want)
			}
		}
	})

	t.Run("fetal deaths reconcile with the warehouse", func(t *testing.T) {
		// the frame's years without an event have nothing to extract
		want := rows2strings(t, db, "select format('{}:{}', year, numerator) from tab_fetal_deaths where area_code = 'KH' and sex = 'T' and gestation = 'total' and numerator > 0 order by year")
		got := rows2strings(t, pq, fmt.Sprintf("select format('{}:{}', year, count(*)) from read_parquet(%s) group by year order by year",
			sqlQuote(filepath.Join(dir1, "fetal_deaths", "*.parquet"))))
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("fetal deaths per year: extract %v, warehouse %v", got, want)
		}
	})

	t.Run("marriages reconcile with the warehouse", func(t *testing.T) {
		got := rows2strings(t, pq, fmt.Sprintf("select format('{}:{}', year, count(*)) from read_parquet(%s) group by year order by year",
			sqlQuote(filepath.Join(dir1, "marriages", "*.parquet"))))
		for _, q := range []string{
			"select format('{}:{}', year, numerator) from tab_marriages where area_code = 'KH' and bride_age_group = 'total' and groom_age_group = 'total' and numerator > 0 order by year",
			"select format('{}:{}', year(month), sum(numerator)) from events_by_month where event_type = 'marriage' and measure = 'occurred' and area_code = 'KH' group by year(month) having sum(numerator) > 0 order by year(month)",
		} {
			if want := rows2strings(t, db, q); len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("marriages per year: extract %v, warehouse %v (%s)", got, want, q)
			}
		}
	})

	// What each step removes, by event: records generalised at that step or
	// later must have lost it.
	lost := map[string]map[string]string{
		"births": {
			"month":    "event_month is not null and generalised <> 'none'",
			"district": "district_code is not null and generalised not in ('none', 'month')",
			"age":      "mother_age_group not in ('<20', '20-34', '35+') and generalised = 'age'",
		},
		"deaths": {
			"age":      "(infant_age_days is not null or age_group not in ('0', '1-4', '5-14', '15-44', '45-64', '65+')) and generalised <> 'none'",
			"month":    "event_month is not null and generalised in ('month', 'district', 'province')",
			"district": "district_code is not null and generalised in ('district', 'province')",
			"province": "province_code is not null and generalised = 'province'",
		},
		"death_causes": {
			"cause":    "cause3 is not null and generalised <> 'none'",
			"age":      "age_group not in ('0', '1-4', '5-14', '15-44', '45-64', '65+') and generalised in ('age', 'list1', 'province', 'chapter')",
			"list1":    "(list1_item is not null or infant_age_days is not null) and generalised in ('list1', 'province', 'chapter')",
			"province": "province_code is not null and generalised in ('province', 'chapter')",
			"chapter":  "chapter is not null and generalised = 'chapter'",
		},
		"fetal_deaths": {
			"month":    "event_month is not null and generalised <> 'none'",
			"district": "district_code is not null and generalised not in ('none', 'month')",
			"cause":    "cause3 is not null and generalised in ('cause', 'age', 'province')",
			"age":      "mother_age_group not in ('<20', '20-34', '35+') and generalised in ('age', 'province')",
			"province": "(province_code is not null or chapter is not null) and generalised = 'province'",
		},
		"marriages": {
			"month":          "event_month is not null and generalised <> 'none'",
			"groom_district": "groom_district_code is not null and generalised not in ('none', 'month')",
			"district":       "bride_district_code is not null and generalised in ('district', 'age')",
			"age":            "(bride_age_group not in ('<20', '20-34', '35+') or groom_age_group not in ('<20', '20-34', '35+')) and generalised = 'age'",
		},
	}

	t.Run("rare combinations are generalised", func(t *testing.T) {
		for _, e := range sum.Extracts {
			cb := readCodebook(t, dir, e.Event)
			if cb.K != k || len(cb.QuasiIdentifiers) == 0 || len(cb.Steps) == 0 {
				t.Fatalf("%s codebook: k %d, quasi-identifiers %v, steps %v", e.Event, cb.K, cb.QuasiIdentifiers, cb.Steps)
			}
			last := cb.Steps[len(cb.Steps)-1].Name
			qis := `"` + strings.Join(cb.QuasiIdentifiers, `", "`) + `"`
			files := sqlQuote(filepath.Join(dir, e.Event, "*.parquet"))
			// Every combination holds k records or more, unless all its records went through every step.
			bad := rows2strings(t, pq, fmt.Sprintf(`select format('{} records of {}', count(*), string_agg(distinct generalised, ','))
				from read_parquet(%s) group by %s having count(*) < %d and bool_or(generalised <> '%s')`, files, qis, k, last))
			if len(bad) > 0 {
				t.Errorf("%s: combinations under k that were not fully generalised: %v", e.Event, bad)
			}
			// A suppressed record is rare only in a year of fewer than k records.
			residual := one[int64](t, pq, fmt.Sprintf(`select count(*) from (select generalised, count(*) over (partition by year) as n from read_parquet(%s))
				where generalised = 'suppressed' and n < %d`, files, k))
			if residual != e.Residual || residual != cb.Residual {
				t.Errorf("%s: residual %d in the files, %d in the summary, %d in the codebook", e.Event, residual, e.Residual, cb.Residual)
			}
			byStep := map[string]int64{}
			for _, s := range rows2strings(t, pq, fmt.Sprintf("select format('{}={}', generalised, count(*)) from read_parquet(%s) group by generalised", files)) {
				var n int64
				name, num, _ := strings.Cut(s, "=")
				fmt.Sscan(num, &n)
				byStep[name] = n
			}
			if fmt.Sprint(byStep) != fmt.Sprint(e.Generalised) {
				t.Errorf("%s: records by step %v in the files, %v in the summary", e.Event, byStep, e.Generalised)
			}
			// A generalised record lost what its step removes; every step of
			// the codebook has its check, and no record names another step.
			checks := maps.Clone(lost[e.Event])
			if checks == nil {
				t.Errorf("%s: no checks of what its steps remove", e.Event)
			}
			var kept []string
			for _, c := range cb.QuasiIdentifiers {
				if c != "year" {
					kept = append(kept, c+" is not null")
				}
			}
			checks["suppressed"] = "generalised = 'suppressed' and (" + strings.Join(kept, " or ") + ")"
			names := []string{"'none'"}
			for _, s := range cb.Steps {
				names = append(names, sqlQuote(s.Name))
				if _, ok := checks[s.Name]; !ok {
					t.Errorf("%s: step %s is not checked", e.Event, s.Name)
				}
			}
			checks["step"] = "generalised not in (" + strings.Join(names, ", ") + ")"
			for what, cond := range checks {
				if n := one[int64](t, pq, fmt.Sprintf("select count(*) from read_parquet(%s) where %s", files, cond)); n > 0 {
					t.Errorf("%s: %d generalised records keep their %s", e.Event, n, what)
				}
			}
		}
	})

	t.Run("top-coding", func(t *testing.T) {
		births := sqlQuote(filepath.Join(dir1, "births", "*.parquet"))
		deaths := sqlQuote(filepath.Join(dir1, "deaths", "*.parquet"))
		causes := sqlQuote(filepath.Join(dir1, "death_causes", "*.parquet"))
		fetal := sqlQuote(filepath.Join(dir1, "fetal_deaths", "*.parquet"))
		marriages := sqlQuote(filepath.Join(dir1, "marriages", "*.parquet"))
		ageGroups := "('<15', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50+', '<20', '20-34', '35+')"
		spouseGroups := "('<15', '15-19', '20-24', '25-29', '30-34', '35-39', '40-49', '50+', '<20', '20-34', '35+')"
		for _, q := range []string{
			"select count(*) from read_parquet(" + births + ") where birth_order > 7 or plurality > 3",
			"select count(*) from read_parquet(" + births + ") where birth_weight_g < 900 or birth_weight_g > 5000 or birth_weight_g % 100 <> 0",
			"select count(*) from read_parquet(" + births + ") where gestation_weeks < 27 or gestation_weeks > 43",
			"select count(*) from read_parquet(" + births + ") where mother_age_group not in ('<15', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50+', '<20', '20-34', '35+')",
			"select count(*) from read_parquet(" + births + ") where event_month not between 1 and 12",
			"select count(*) from read_parquet(" + deaths + ") where age_group not in ('0', '1-4', '5-9', '10-14', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', '55-59', '60-64', '65-69', '70-74', '75-79', '80-84', '85+') and generalised = 'none'",
			"select count(*) from read_parquet(" + deaths + ") where age_group not in ('0', '1-4', '5-14', '15-44', '45-64', '65+') and generalised <> 'none'",
			"select count(*) from read_parquet(" + deaths + ") where infant_age_days not in ('0-6', '7-27', '28-364') or (infant_age_days is not null and age_group <> '0')",
			"select count(*) from read_parquet(" + deaths + ") where event_month not between 1 and 12 or left(district_code, 2) <> province_code",
			"select count(*) from read_parquet(" + causes + ") where age_group not in ('0', '1-4', '5-9', '10-14', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', '55-59', '60-64', '65-69', '70-74', '75-79', '80-84', '85+') and generalised in ('none', 'cause')",
			"select count(*) from read_parquet(" + causes + ") where age_group not in ('0', '1-4', '5-14', '15-44', '45-64', '65+') and generalised not in ('none', 'cause')",
			"select count(*) from read_parquet(" + causes + ") where infant_age_days not in ('0-6', '7-27', '28-364') or (infant_age_days is not null and age_group <> '0')",
			"select count(*) from read_parquet(" + causes + ") where length(cause3) <> 3",
			"select count(*) from read_parquet(" + fetal + ") where birth_weight_g < 900 or birth_weight_g > 5000 or birth_weight_g % 100 <> 0",
			"select count(*) from read_parquet(" + fetal + ") where gestation_weeks < 27 or gestation_weeks > 43",
			"select count(*) from read_parquet(" + fetal + ") where mother_age_group not in " + ageGroups,
			"select count(*) from read_parquet(" + fetal + ") where event_month not between 1 and 12 or length(cause3) <> 3",
			"select count(*) from read_parquet(" + marriages + ") where bride_age_group not in " + spouseGroups + " or groom_age_group not in " + spouseGroups,
			"select count(*) from read_parquet(" + marriages + ") where event_month not between 1 and 12",
			"select count(*) from read_parquet(" + marriages + ") where left(bride_district_code, 2) <> bride_province_code or left(groom_district_code, 2) <> groom_province_code",
		} {
			if n := one[int64](t, pq, q); n > 0 {
				t.Errorf("%d rows break the coding: %s", n, q)
			}
		}
		// The fixture's mother of 14 is published as <15, and nothing finer.
		if n := one[int64](t, pq, "select count(*) from read_parquet("+births+") where mother_age_group in ('<15', '<20')"); n == 0 {
			t.Error("the fixture's mother under 15 is not in the <15 (or <20) group")
		}
		// The fixture's fetal death of 24 weeks and 600 g is published as
		// under 28 weeks and under 1,000 g, its cause P95 in chapter 16 (the
		// category and chapter only where k leaves them).
		if n := one[int64](t, pq, "select count(*) from read_parquet("+fetal+") where gestation_weeks = 27 and birth_weight_g = 900 and coalesce(cause3, 'P95') = 'P95' and coalesce(chapter, '16') = '16'"); n != 1 {
			t.Errorf("%d fetal deaths of under 28 weeks, under 1,000 g, cause P95; want 1", n)
		}
	})

	t.Run("codebook lists every column", func(t *testing.T) {
		for _, e := range sum.Extracts {
			cb := readCodebook(t, dir, e.Event)
			var documented []string
			for _, v := range cb.Variables {
				if strings.TrimSpace(v.Description) == "" {
					t.Errorf("%s: %s has no description", e.Event, v.Name)
				}
				documented = append(documented, v.Name+" "+v.Type)
			}
			for _, f := range e.Files {
				cols := rows2strings(t, pq, "select column_name || ' ' || column_type from (describe select * from read_parquet("+sqlQuote(f)+"))")
				if !slices.Equal(cols, documented) {
					t.Errorf("%s: columns %v, codebook %v", f, cols, documented)
				}
			}
			md, err := os.ReadFile(filepath.Join(dir, e.Event, "codebook.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range cb.Variables {
				if !strings.Contains(string(md), "| "+v.Name+" |") {
					t.Errorf("%s codebook.md does not list %s", e.Event, v.Name)
				}
			}
		}
	})
}

// TestExtractsGeneralisationCounts pins what disclosure control does to the
// fixtures: with k = 1 nothing is rare; with k = 5 every combination of the
// tiny fixture is (no year, province and sex holds five births, deaths, fetal
// deaths or marriages of one age group), so each record goes through every
// step and is suppressed. Suppressed records stay rare only in a year of
// fewer than five: the births of 2020 and 2022 (one each; 2021 has six),
// the two fetal deaths and two marriages (both of 2021); the deaths are 10
// and 11 a year.
func TestExtractsGeneralisationCounts(t *testing.T) {
	type want struct {
		steps    map[string]int64
		residual int64
	}
	for _, tc := range []struct {
		k      int
		events map[string]want
	}{
		{1, map[string]want{
			"births":       {map[string]int64{"none": 8}, 0},
			"deaths":       {map[string]int64{"none": 21}, 0},
			"death_causes": {map[string]int64{"none": 21}, 0},
			"fetal_deaths": {map[string]int64{"none": 2}, 0},
			"marriages":    {map[string]int64{"none": 2}, 0},
		}},
		{5, map[string]want{
			"births":       {map[string]int64{"suppressed": 8}, 2},
			"deaths":       {map[string]int64{"suppressed": 21}, 0},
			"death_causes": {map[string]int64{"suppressed": 21}, 0},
			"fetal_deaths": {map[string]int64{"suppressed": 2}, 2},
			"marriages":    {map[string]int64{"suppressed": 2}, 2},
		}},
	} {
		t.Run(fmt.Sprint("k=", tc.k), func(t *testing.T) {
			_, sum := writeFixtureExtracts(t, tc.k)
			got := map[string]warehouse.ExtractResult{}
			for _, e := range sum.Extracts {
				got[e.Event] = e
			}
			if len(got) != len(tc.events) {
				t.Errorf("%d extracts written, want %d", len(got), len(tc.events))
			}
			for event, w := range tc.events {
				g := got[event]
				if fmt.Sprint(g.Generalised) != fmt.Sprint(w.steps) || g.Residual != w.residual {
					t.Errorf("%s: by step %v, residual %d; want %v, %d", event, g.Generalised, g.Residual, w.steps, w.residual)
				}
			}
		})
	}
}

func rows2strings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
