package warehouse_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestExtractsArrow reads every extract file with arrow-go, a Parquet reader
// independent of DuckDB, and checks that it sees the rows, columns and NULLs
// DuckDB sees, and no date or time column.
func TestExtractsArrow(t *testing.T) {
	dir, sum := writeFixtureExtracts(t, 5)
	pq := parquetReader(t)

	var files []string
	for _, e := range sum.Extracts {
		files = append(files, e.Files...)
	}
	// The summary must name every file written, or a file could escape the check.
	onDisk, err := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if len(files) == 0 || !slices.Equal(files, onDisk) {
		t.Fatalf("files in the summary %v, on disk %v", files, onDisk)
	}

	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			schema, rows, nulls := readArrowTable(t, f)

			var names []string
			for _, fd := range schema.Fields() {
				names = append(names, fd.Name)
				if temporal(fd.Type) {
					t.Errorf("column %s is a %s", fd.Name, fd.Type)
				}
			}
			want := rows2strings(t, pq, "select column_name from (describe select * from read_parquet("+sqlQuote(f)+"))")
			if len(want) == 0 || !slices.Equal(names, want) {
				t.Errorf("columns: arrow %v, duckdb %v", names, want)
			}
			if n := one[int64](t, pq, "select count(*) from read_parquet("+sqlQuote(f)+")"); n == 0 || rows != n {
				t.Errorf("rows: arrow %d, duckdb %d", rows, n)
			}
			for i, c := range names {
				q := fmt.Sprintf(`select count(*) - count("%s") from read_parquet(%s)`, c, sqlQuote(f))
				if n := one[int64](t, pq, q); nulls[i] != n {
					t.Errorf("%s: arrow %d NULLs, duckdb %d", c, nulls[i], n)
				}
			}
		})
	}
}

// TestExtractsArrowSeesDates makes sure the check above would see a date:
// DuckDB's dates and timestamps come out of pqarrow as temporal types.
func TestExtractsArrowSeesDates(t *testing.T) {
	f := filepath.Join(t.TempDir(), "dates.parquet")
	pq := parquetReader(t)
	if _, err := pq.Exec("copy (select date '2021-03-04' as d, timestamp '2021-03-04 05:06:07' as ts, 1 as n) to " + sqlQuote(f) + " (format parquet)"); err != nil {
		t.Fatal(err)
	}
	schema, rows, _ := readArrowTable(t, f)
	var got []bool
	for _, fd := range schema.Fields() {
		got = append(got, temporal(fd.Type))
	}
	if rows != 1 || !slices.Equal(got, []bool{true, true, false}) {
		t.Errorf("rows %d, temporal %v for %v", rows, got, schema)
	}
}

// temporal reports whether a column type holds dates or times.
func temporal(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION,
		arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO:
		return true
	}
	return false
}

// readArrowTable reads a whole Parquet file with pqarrow and returns its
// schema, its row count and the NULLs of each column.
func readArrowTable(t *testing.T, path string) (*arrow.Schema, int64, []int64) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	nulls := make([]int64, tbl.NumCols())
	for i := range nulls {
		for _, chunk := range tbl.Column(i).Data().Chunks() {
			nulls[i] += int64(chunk.NullN())
		}
	}
	// The row count of the file's metadata and of the columns read must agree.
	if pf.NumRows() != tbl.NumRows() {
		t.Errorf("%s: %d rows in the metadata, %d read", path, pf.NumRows(), tbl.NumRows())
	}
	return tbl.Schema(), tbl.NumRows(), nulls
}
