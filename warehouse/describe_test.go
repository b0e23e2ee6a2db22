package warehouse_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"vitalstats"
	"vitalstats/warehouse"
)

// TestSelfDescribing builds the fixtures' warehouse as a site does (the
// intermediate layers temporary, a cell key, so a publication layer) and
// checks that it describes itself: every table and column of the schemas
// main and published has a comment, the catalog has one row per indicator
// sidecar with both titles and a methods section, and the Go methods'
// intermediate tables are in the schema internal, not in main.
func TestSelfDescribing(t *testing.T) {
	dir := t.TempDir()
	lake := fixtureLake(t, dir)
	path := filepath.Join(dir, "w.duckdb")
	if _, err := warehouse.Build(context.Background(), path, warehouse.Options{Threads: 1, MemoryLimit: "512MB"},
		warehouse.BuildInput{Lake: lake, Population: filepath.Join("testdata", "fixtures", "population.csv"),
			AsOf: fixtureAsOf, Snapshot: "fixtures", Version: "test", LifeTableMinDeaths: 1, CensusYears: []int{2020, 2022},
			CellKey: []byte("a test key")}, nil); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	db := w.DB

	tables := one[int64](t, db, "select count(*) from duckdb_tables() where schema_name in ('main', 'published') and database_name = current_database()")
	columns := one[int64](t, db, "select count(*) from duckdb_columns() where schema_name in ('main', 'published') and not internal and database_name = current_database()")
	if tables < 50 || columns < 500 {
		t.Fatalf("%d tables, %d columns: not the whole warehouse", tables, columns)
	}
	rows, err := db.Query(`select schema_name || '.' || table_name from duckdb_tables()
		where schema_name in ('main', 'published') and not internal and database_name = current_database() and coalesce(comment, '') = '' order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	var bare []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		bare = append(bare, s)
	}
	rows.Close()
	rows, err = db.Query(`select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
		where schema_name in ('main', 'published') and not internal and database_name = current_database() and coalesce(comment, '') = '' order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		bare = append(bare, s)
	}
	rows.Close()
	if len(bare) > 0 {
		t.Errorf("%d tables or columns have no comment (describe a column in its indicator's sidecar [columns], or in sql/columns.toml): %s",
			len(bare), strings.Join(bare, ", "))
	}
	t.Logf("%d tables and %d columns commented", tables, columns)

	// A coded column explains its values.
	within := one[string](t, db, "select comment from duckdb_columns() where schema_name = 'main' and table_name = 'completeness' and column_name = 'within'")
	for _, v := range []string{"legal", "1y", "5y", "all"} {
		if !strings.Contains(within, v) {
			t.Errorf("the comment of completeness.within does not explain %s: %q", v, within)
		}
	}
	// The flags column explains the flags of its table.
	if f := one[string](t, db, "select comment from duckdb_columns() where schema_name = 'main' and table_name = 'life_table' and column_name = 'flags'"); !strings.Contains(f, "completeness_lt90:") {
		t.Errorf("life_table.flags does not explain completeness_lt90: %q", f)
	}

	inds, err := vitalstats.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range inds {
		var en, km, unit string
		var section *string
		err := db.QueryRow("select title_en, title_km, unit, methods_section from catalog where indicator = ?", ind.ID).Scan(&en, &km, &unit, &section)
		if err != nil {
			t.Errorf("catalog %s: %v", ind.ID, err)
			continue
		}
		if en != ind.Title.En || km != ind.Title.Km || unit != ind.Unit {
			t.Errorf("catalog %s: %q, %q, %q; the sidecar has %q, %q, %q", ind.ID, en, km, unit, ind.Title.En, ind.Title.Km, ind.Unit)
		}
		if section == nil || !strings.Contains(vitalstats.MethodsDoc, "# "+*section+"\n") {
			t.Errorf("catalog %s: methods section %v is not a heading of docs/methods.md", ind.ID, section)
		}
	}
	if n := one[int64](t, db, "select count(*) from catalog"); n != int64(len(inds)) {
		t.Errorf("catalog: %d rows for %d indicator sidecars", n, len(inds))
	}
	if n := one[int64](t, db, "select count(*) from catalog where list_contains(flags, 'provisional') and indicator = 'life_table'"); n != 1 {
		t.Errorf("catalog: life_table's flags lack provisional")
	}

	// The intermediate tables are out of main, and the indicators built on them are there.
	if n := one[int64](t, db, `select count(*) from duckdb_tables() where schema_name = 'main' and table_name like 'int\_%' escape '\'`); n != 0 {
		t.Errorf("%d int_* tables left in main", n)
	}
	if n := one[int64](t, db, "select count(*) from internal.int_life_tables"); n == 0 {
		t.Error("internal.int_life_tables is empty")
	}
	// vitalstats check still finds what it reads.
	if _, _, err := warehouse.Check(context.Background(), db); err != nil {
		t.Errorf("check: %v", err)
	}
}
