package lake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// runRow is a row of a table partitioned by date, as the quarantine is.
type runRow struct {
	Reason  string `parquet:"reason"`
	RunDate Date   `parquet:"run_date,date"`
}

// TestHiveReader reads the lake as a researcher would, with DuckDB's Hive
// partitioning over the files the lake lists: a year table has one year
// column, and a date-partitioned table a DATE column named by its key.
func TestHiveReader(t *testing.T) {
	dir := t.TempDir()
	l := openLake(t, dir)
	writeBatch(t, l, "b1", "ev", map[int][]smallRow{2023: {{Batch: "b1", Seq: 1}}, 2024: {{Batch: "b1", Seq: 2}}}, "")
	for i, d := range []Date{DateOf(day(2025, 6, 1)), DateOf(day(2025, 6, 2))} {
		b, err := l.Begin(fmt.Sprint("run", i))
		if err != nil {
			t.Fatal(err)
		}
		w, err := DateWriter[runRow](b, "q", "run_date", d)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(runRow{"bad_date", d}, runRow{"unknown_code", d}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Commit(nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	db := duck(t)
	hive := func(table string) string {
		files, err := l.Files(table)
		if err != nil {
			t.Fatal(err)
		}
		return "read_parquet(['" + strings.Join(files, "', '") + "'], hive_partitioning = true)"
	}
	cols := func(from string) map[string]string {
		rs, err := db.Query("select column_name, column_type from (describe select * from " + from + ")")
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		out := map[string]string{}
		for rs.Next() {
			var n, ty string
			if err := rs.Scan(&n, &ty); err != nil {
				t.Fatal(err)
			}
			out[n] = ty
		}
		return out
	}
	if c := cols(hive("ev")); len(c) != 3 || c["occurrence_year"] == "" {
		t.Errorf("ev read with Hive partitioning: columns %v, want batch, seq and one occurrence_year", c)
	}
	if c := cols(hive("q")); len(c) != 2 || c["run_date"] != "DATE" {
		t.Errorf("q read with Hive partitioning: columns %v, want reason and a DATE run_date", c)
	}
	var n int
	if err := db.QueryRow("select count(*) from " + hive("q") + " where run_date = date '2025-06-02'").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows of the run of 2025-06-02: %d, %v", n, err)
	}
	if err := db.QueryRow("select count(*) from " + hive("ev") + " where occurrence_year = 2024 and seq = 2").Scan(&n); err != nil || n != 1 {
		t.Errorf("rows of 2024: %d, %v", n, err)
	}
	files, _ := l.Files("q")
	if len(files) != 2 || !strings.Contains(files[0], "/q/run_date=2025-06-01/") || !strings.Contains(files[1], "/q/run_date=2025-06-02/") {
		t.Errorf("q files %v", files)
	}
}

// oldLake writes a lake in the layout of before the partition keys were
// named after columns: year partitions occ_year=YYYY, manifest records with
// a year and no partition. Table ev holds occurrence_year (as the event
// tables did); table q does not (as the quarantine did not); occ_year=2022
// of ev holds rows of 2021, which compaction must not move.
func oldLake(t *testing.T, dir string) {
	t.Helper()
	type qRow struct {
		Reason string `parquet:"reason"`
	}
	var files []map[string]any
	write := func(table string, year int, name string, rows any, n int) {
		rel := fmt.Sprintf("%s/occ_year=%d/%s", table, year, name)
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch r := rows.(type) {
		case []smallRow:
			err = parquet.WriteFile(path, r)
		case []qRow:
			err = parquet.WriteFile(path, r)
		}
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		files = append(files, map[string]any{"table": table, "year": year, "path": rel, "rows": n, "bytes": st.Size()})
	}
	write("ev", 2023, "old-0.parquet", []smallRow{{"old", 1, 2023}, {"old", 2, 2023}}, 2)
	write("ev", 2023, "old-1.parquet", []smallRow{{"old", 3, 2023}}, 1)
	write("ev", 2024, "old-2.parquet", []smallRow{{"old", 4, 2024}}, 1)
	write("ev", 2022, "old-3.parquet", []smallRow{{"old", 5, 2021}}, 1)
	write("q", 2025, "old-4.parquet", []qRow{{"bad_date"}}, 1)
	entry, err := json.Marshal(map[string]any{"seq": 1, "batch": "old", "kind": "batch", "time": time.Now().UTC(), "files": files})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, manifestDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestDir, entryName(1)), entry, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOldLayout(t *testing.T) {
	dir := t.TempDir()
	oldLake(t, dir)
	var logged bytes.Buffer
	l, err := Open(dir, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.Contains(logged.String(), "old layout") || !strings.Contains(logged.String(), "table=ev files=4") {
		t.Errorf("opening an old lake logged %q, want a warning naming its old-layout files", logged.String())
	}
	files, _ := l.Files("ev")
	if len(files) != 4 {
		t.Fatalf("ev files %v", files)
	}
	for _, f := range files {
		if y, ok := PartitionYear(f); !ok || !strings.Contains(f, fmt.Sprintf("occ_year=%d", y)) {
			t.Errorf("PartitionYear(%s) = %d, %v", f, y, ok)
		}
	}

	// A new batch writes the current layout beside the old one.
	writeBatch(t, l, "new", "ev", map[int][]smallRow{2023: {{Batch: "new", Seq: 6}}}, "")

	// Compaction moves the old partitions whose rows hold their year, even
	// one file, and leaves the others.
	n, err := l.CompactAll(16)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("compacted %d partitions, want 2 (ev 2023 and 2024)", n)
	}
	l.Close()
	l = openLake(t, dir) // the manifest the compactions wrote reads back
	got := map[string][]string{}
	for _, table := range []string{"ev", "q"} {
		fs, _ := l.Files(table)
		for _, f := range fs {
			rel, _ := filepath.Rel(dir, f)
			got[table] = append(got[table], filepath.Dir(filepath.ToSlash(rel)))
		}
	}
	want := map[string][]string{
		"ev": {"ev/occ_year=2022", "ev/occurrence_year=2023", "ev/occurrence_year=2023", "ev/occurrence_year=2024"},
		"q":  {"q/occ_year=2025"},
	}
	for table := range want {
		if !slices.Equal(got[table], want[table]) {
			t.Errorf("%s partitions after compaction %v, want %v", table, got[table], want[table])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ev", "occ_year=2023", "old-0.parquet")); err == nil {
		t.Error("a moved old file is still on disk")
	}
	// Every row is still there once, with its year (read without Hive
	// partitioning: the old and current keys differ).
	fs, _ := l.Files("ev")
	var rows, sum, years int64
	err = duck(t).QueryRow("select count(*), sum(seq), sum(occurrence_year) from read_parquet(['"+strings.Join(fs, "', '")+
		"'], hive_partitioning = false)").Scan(&rows, &sum, &years)
	if err != nil || rows != 6 || sum != 21 || years != 2023*4+2024+2021 {
		t.Errorf("ev after compaction: %d rows, seq sum %d, year sum %d, %v", rows, sum, years, err)
	}
}
