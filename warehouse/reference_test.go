package warehouse

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitalstats"
	"vitalstats/refdata"
)

func queryInt(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestLoadReference(t *testing.T) {
	w := openTest(t, Options{})
	ctx := context.Background()
	if err := LoadReference(ctx, w.DB, refdata.Source{}); err != nil {
		t.Fatal(err)
	}

	// Counts that do not come from DuckDB itself: the source READMEs, or our strict Go loaders.
	unlikely, err := refdata.LoadUnlikelyCauses()
	if err != nil {
		t.Fatal(err)
	}
	unlikelyRanges := 0
	for _, u := range unlikely {
		unlikelyRanges += len(u.Codes)
	}
	ill, _, err := refdata.LoadIllDefined()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"ref_provinces":               25,
		"ref_districts":               210,
		"ref_communes":                1652,
		"ref_census2008_provinces":    24,
		"ref_census2008_districts":    193,
		"ref_wpp_annual":              31,
		"ref_wpp_asfr":                42,
		"ref_cdhs2010_provinces":      24,
		"ref_wpp_mx":                  352,
		"ref_igme":                    75,
		"ref_icd10_codes":             12130,
		"ref_who_list1":               104,
		"ref_icd10_sex_limited":       880,
		"ref_icd10_unlikely_ucod":     int64(unlikelyRanges),
		"ref_ill_defined":             int64(len(ill)),
		"ref_who_standard_population": 21,
		"ref_registration_limits":     4,
	}
	if len(want) != len(RefTables()) {
		t.Fatalf("test covers %d tables, LoadReference makes %v", len(want), RefTables())
	}
	for _, tbl := range RefTables() {
		if got := queryInt(t, w.DB, "select count(*) from "+tbl); got != want[tbl] {
			t.Errorf("%s: %d rows, want %d", tbl, got, want[tbl])
		}
	}
	if unlikelyRanges <= 424 {
		t.Errorf("unions in the unlikely-cause list were not split: %d ranges", unlikelyRanges)
	}

	// Column types are the declared ones, not whatever a sniffer guessed.
	types := map[string]string{
		"ref_communes.commune_code":                     "VARCHAR",
		"ref_provinces.n_communes":                      "INTEGER",
		"ref_census2008_provinces.pop_total":            "INTEGER",
		"ref_census2008_provinces.child_woman_ratio":    "DOUBLE",
		"ref_wpp_annual.year":                           "INTEGER",
		"ref_wpp_annual.tfr":                            "DOUBLE",
		"ref_icd10_codes.asterisk_code":                 "BOOLEAN",
		"ref_icd10_codes.chapter":                       "VARCHAR",
		"ref_who_list1.is_leaf":                         "BOOLEAN",
		"ref_who_standard_population.weight_per_100000": "INTEGER",
		"ref_who_standard_population.weight":            "DOUBLE",
		"ref_wpp_mx.age_end":                            "INTEGER",
		"ref_wpp_mx.mx":                                 "DOUBLE",
		"ref_igme.upper":                                "DOUBLE",
	}
	for col, typ := range types {
		tbl, c, _ := strings.Cut(col, ".")
		var got string
		err := w.DB.QueryRow(`select data_type from information_schema.columns where table_name = ? and column_name = ?`, tbl, c).Scan(&got)
		if err != nil || got != typ {
			t.Errorf("%s: type %q (%v), want %s", col, got, err, typ)
		}
	}

	checks := []struct {
		q    string
		want int64
	}{
		{`select count(*) from ref_communes where commune_code = '010201' and district_code = '0102' and province_code = '01'`, 1},
		{`select count(*) from ref_communes c left join ref_districts d using (district_code) where d.district_code is null`, 0},
		{`select count(*) from ref_communes where length(commune_code) <> 6`, 0},
		{`select sum(pop_total) from ref_census2008_provinces`, 13395682},
		{`select sum(pop_total) from ref_census2008_districts`, 13395682},
		{`select count(*) from ref_census2008_provinces where province_code_2008 = '01'`, 1},
		{`select min(year) * 10000 + max(year) from ref_wpp_annual`, 20002030},
		{`select sum(weight_per_100000) from ref_who_standard_population`, 100035},
		{`select count(*) from ref_who_standard_population where abs((select sum(weight) from ref_who_standard_population) - 1) < 1e-12`, 21},
		{`select count(*) from ref_who_standard_population where age_group = '100+' and age_start = 100 and age_end is null`, 1},
		{`select count(*) from ref_icd10_codes where code = 'A000' and code_dotted = 'A00.0' and mortality_list1 = '1-002'`, 1},
		{`select count(*) from ref_icd10_codes where code = 'A09' and mortality_list1 is null`, 1},
		{`select count(*) from ref_icd10_sex_limited where code = 'N40' and code_dotted = 'N40' and allowed_sex = 'male'`, 1},
		{`select count(*) from ref_icd10_unlikely_ucod where code_or_range = 'F50.1,F50.3-F50.9'`, 2},
		{`select count(*) from ref_icd10_unlikely_ucod where code_from > code_to`, 0},
		{`select count(*) from ref_wpp_asfr where period = '2000-2005' and first_year = 2000 and last_year = 2004`, 7},
		{`select count(*) from ref_wpp_mx where age_start = 100 and age_end is null`, 16},
		{`select count(*) from ref_wpp_mx where period_start = 1995 and sex = 'M' and age_start = 0 and mx = 0.09849345`, 1},
		{`select count(*) from ref_igme where year = 2024 and indicator = 'u5mr' and sex = 'T' and value = 22.897 and lower = 10.895`, 1},
		{`select count(*) from ref_ill_defined where definition = 'who_list1_item_1_094' and code_from = 'R00' and code_to = 'R99'`, 1},
		{`select count(*) from ref_ill_defined where entry = 'I50 (all 4-char subcodes)' and code_from = 'I50' and code_to = 'I50'`, 1},
	}
	for _, c := range checks {
		if got := queryInt(t, w.DB, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}

	// The SQL range rule agrees with the worked examples of the CoDEdit ill-defined rule.
	_, cases, err := refdata.LoadIllDefined()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		n := queryInt(t, w.DB, `select count(*) from ref_ill_defined
			where definition = 'codedit_ill_defined_rule'
			  and replace('`+c.Code+`', '.', '') >= code_from
			  and left(replace('`+c.Code+`', '.', ''), length(code_to)) <= code_to`)
		if (n > 0) != c.IllDefined {
			t.Errorf("%s: ill-defined in SQL = %v, want %v", c.Code, n > 0, c.IllDefined)
		}
	}

	// Loading twice replaces the tables rather than failing or doubling them.
	if err := LoadReference(ctx, w.DB, refdata.Source{}); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, w.DB, "select count(*) from ref_communes"); got != 1652 {
		t.Errorf("after a reload: %d communes", got)
	}
}

func TestLoadReferenceOverride(t *testing.T) {
	w := openTest(t, Options{})
	dir := t.TempDir()
	// A site file (its path has a quote in it, to exercise the quoting of SET VARIABLE).
	site := filepath.Join(dir, "site's communes.csv")
	content := "commune_code,district_code,province_code,type_km,type_latin,type_en,name_km,name_latin,reference_km,official_note_km\n" +
		"010201,0102,01,ឃុំ,khum,commune,បន្ទាយនាង,Banteay Neang (site),,\n" +
		"010202,0102,01,ឃុំ,khum,commune,បត់ត្រង់,Bat Trang,,\n"
	if err := os.WriteFile(site, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	src := refdata.Source{Overrides: map[string]string{refdata.FileCommunes: site}}
	if err := LoadReference(context.Background(), w.DB, src); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, w.DB, "select count(*) from ref_communes"); got != 2 {
		t.Errorf("ref_communes has %d rows, want the site's 2", got)
	}
	var name string
	if err := w.DB.QueryRow("select name_latin from ref_communes where commune_code = '010201'").Scan(&name); err != nil || name != "Banteay Neang (site)" {
		t.Errorf("site name %q, %v", name, err)
	}
	if got := queryInt(t, w.DB, "select count(*) from ref_districts"); got != 210 {
		t.Errorf("ref_districts has %d rows: tables without an override must stay embedded", got)
	}

	// A site file with its columns in another order is refused before DuckDB could misread it.
	swapped := filepath.Join(dir, "swapped.csv")
	if err := os.WriteFile(swapped, []byte(strings.Replace(content, "commune_code,district_code", "district_code,commune_code", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	err := LoadReference(context.Background(), w.DB, refdata.Source{Overrides: map[string]string{refdata.FileCommunes: swapped}})
	if err == nil || !strings.Contains(err.Error(), "line 1, column 1") || !strings.Contains(err.Error(), swapped) {
		t.Errorf("swapped columns: %v", err)
	}
}

func TestEveryReferenceModelIsUsed(t *testing.T) {
	models, err := fs.Glob(vitalstats.SQL, "sql/reference/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, n := range RefTables() {
		tables[n] = true
	}
	for _, m := range models {
		name := strings.TrimSuffix(filepath.Base(m), ".sql")
		if !tables[name] {
			t.Errorf("%s is not loaded by LoadReference", m)
		}
		body, err := fs.ReadFile(vitalstats.SQL, m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), "getvariable('"+name+"_path')") || !strings.Contains(string(body), "create or replace table "+name+" as") {
			t.Errorf("%s does not create %s from the variable %s_path", m, name, name)
		}
	}
	if len(models) != len(tables) {
		t.Errorf("%d models for %d tables", len(models), len(tables))
	}
}
