package warehouse_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
	sum, err := warehouse.WriteExtracts(context.Background(), warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test"}, out, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, sum
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
	identifierColumn = regexp.MustCompile(`(?i)id|hash|key|name|kidc|commune|village|date`)
	hexHash          = regexp.MustCompile(`(?i)[0-9a-f]{16,}`)
	fullDate         = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

func TestExtracts(t *testing.T) {
	const k = 5
	dir, sum := writeFixtureExtracts(t, k)
	pq := parquetReader(t)
	db := fixtureWarehouse(t)

	events := map[string]warehouse.ExtractResult{}
	for _, e := range sum.Extracts {
		events[e.Event] = e
	}
	for _, want := range []string{"births", "deaths"} {
		if len(events[want].Files) == 0 {
			t.Fatalf("no %s extract written: %+v", want, sum)
		}
	}

	t.Run("no identifiers", func(t *testing.T) {
		for _, e := range sum.Extracts {
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
		want := rows2strings(t, db, "select format('{}:{}', year, numerator::bigint) from fertility_rates where measure = 'cbr' and area_code = 'KH' order by year")
		got := rows2strings(t, pq, fmt.Sprintf("select format('{}:{}', year, count(*)) from read_parquet(%s) group by year order by year",
			sqlQuote(filepath.Join(dir, "births", "*.parquet"))))
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("births per year: extract %v, warehouse %v", got, want)
		}
		var total int64
		for _, n := range events["births"].Rows {
			total += n
		}
		if want := one[int64](t, db, "select sum(numerator)::bigint from fertility_rates where measure = 'cbr' and area_code = 'KH'"); total != want {
			t.Errorf("the summary counts %d births, the warehouse %d", total, want)
		}
	})

	t.Run("deaths reconcile with the warehouse", func(t *testing.T) {
		want := rows2strings(t, db, "select format('{}:{}:{}', year, sex, numerator::bigint) from mortality_rates where measure = 'cdr' and area_code = 'KH' order by year, sex")
		got := rows2strings(t, pq, fmt.Sprintf(`select format('{}:{}:{}', year, sex, n) from (
			select year, case when grouping(sex) = 1 then 'T' else sex end as sex, count(*) as n
			from read_parquet(%s) where sex in ('M', 'F') group by grouping sets ((year), (year, sex))) order by year, sex`,
			sqlQuote(filepath.Join(dir, "deaths", "*.parquet"))))
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("deaths per year and sex: extract %v, warehouse %v", got, want)
		}
	})

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
			residual := one[int64](t, pq, fmt.Sprintf(`select coalesce(sum(n), 0) from (select count(*) as n from read_parquet(%s) group by %s) where n < %d`, files, qis, k))
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
			// A generalised record lost what its step removes.
			checks := map[string]string{
				"month":    "event_month is not null and generalised <> 'none'",
				"district": "district_code is not null and generalised not in ('none', 'month')",
			}
			for what, cond := range checks {
				if n := one[int64](t, pq, fmt.Sprintf("select count(*) from read_parquet(%s) where %s", files, cond)); n > 0 {
					t.Errorf("%s: %d generalised records keep their %s", e.Event, n, what)
				}
			}
		}
	})

	t.Run("top-coding", func(t *testing.T) {
		births := sqlQuote(filepath.Join(dir, "births", "*.parquet"))
		deaths := sqlQuote(filepath.Join(dir, "deaths", "*.parquet"))
		for _, q := range []string{
			"select count(*) from read_parquet(" + births + ") where birth_order > 7 or plurality > 3",
			"select count(*) from read_parquet(" + births + ") where birth_weight_g < 900 or birth_weight_g > 5000 or birth_weight_g % 100 <> 0",
			"select count(*) from read_parquet(" + births + ") where gestation_weeks < 27 or gestation_weeks > 43",
			"select count(*) from read_parquet(" + births + ") where mother_age_group not in ('<15', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50+', '<20', '20-34', '35+')",
			"select count(*) from read_parquet(" + births + ") where event_month not between 1 and 12",
			"select count(*) from read_parquet(" + deaths + ") where age_group not in ('0', '1-4', '5-9', '10-14', '15-19', '20-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', '55-59', '60-64', '65-69', '70-74', '75-79', '80-84', '85+')",
			"select count(*) from read_parquet(" + deaths + ") where infant_age_days not in ('0-6', '7-27', '28-364') or (infant_age_days is not null and age_group <> '0')",
			"select count(*) from read_parquet(" + deaths + ") where length(cause3) <> 3",
		} {
			if n := one[int64](t, pq, q); n > 0 {
				t.Errorf("%d rows break the coding: %s", n, q)
			}
		}
		// The fixture's mother of 14 is published as <15, and nothing finer.
		if n := one[int64](t, pq, "select count(*) from read_parquet("+births+") where mother_age_group in ('<15', '<20')"); n == 0 {
			t.Error("the fixture's mother under 15 is not in the <15 (or <20) group")
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
// tiny fixture is (no year, province and sex holds five births or deaths of
// one age group), so each record goes through every step and stays in the
// residual.
func TestExtractsGeneralisationCounts(t *testing.T) {
	for _, tc := range []struct {
		k        int
		births   map[string]int64
		deaths   map[string]int64
		residual [2]int64
	}{
		{1, map[string]int64{"none": 8}, map[string]int64{"none": 21}, [2]int64{0, 0}},
		{5, map[string]int64{"age": 8}, map[string]int64{"list1": 21}, [2]int64{8, 21}},
	} {
		t.Run(fmt.Sprint("k=", tc.k), func(t *testing.T) {
			_, sum := writeFixtureExtracts(t, tc.k)
			got := map[string]warehouse.ExtractResult{}
			for _, e := range sum.Extracts {
				got[e.Event] = e
			}
			if fmt.Sprint(got["births"].Generalised) != fmt.Sprint(tc.births) || got["births"].Residual != tc.residual[0] {
				t.Errorf("births: by step %v, residual %d; want %v, %d", got["births"].Generalised, got["births"].Residual, tc.births, tc.residual[0])
			}
			if fmt.Sprint(got["deaths"].Generalised) != fmt.Sprint(tc.deaths) || got["deaths"].Residual != tc.residual[1] {
				t.Errorf("deaths: by step %v, residual %d; want %v, %d", got["deaths"].Generalised, got["deaths"].Residual, tc.deaths, tc.residual[1])
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
