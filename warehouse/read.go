package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats"
)

// ErrNoTable is ReadSlice's error for a table the warehouse does not hold
// (or does not publish): a caller may go on without an optional table.
var ErrNoTable = errors.New("no such table")

// ReadSlice reads part of a mart into memory as plain values (see
// vitalstats.Table); no Columns means all of them. Table and column names come from code, never from a
// request; they are checked against the catalogue all the same, so that a
// renamed column is an error that names it.
//
// Only the publication layer leaves the warehouse: a table is read from the
// schema published (publish.go), or from main if it is one of PublicTables,
// which count no one.
func ReadSlice(ctx context.Context, db *sql.DB, s vitalstats.MartSlice) (*vitalstats.Table, error) {
	have := map[string]bool{}
	var all []string
	schema := PublishedSchema
	if slices.Contains(PublicTables, s.Table) {
		schema = "main"
	}
	rows, err := db.QueryContext(ctx, "select column_name from duckdb_columns() where table_name = ? and schema_name = ? order by column_index", s.Table, schema)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Table, err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read %s: %w", s.Table, err)
		}
		have[c] = true
		all = append(all, c)
	}
	rows.Close()
	if len(have) == 0 {
		if schema == PublishedSchema {
			return nil, fmt.Errorf("read %s: the warehouse publishes %w (a table leaves only through the publication layer: its sidecar needs a [publish] rule, and the build a cell key)", s.Table, ErrNoTable)
		}
		return nil, fmt.Errorf("read %s: the warehouse has %w (built by an older version?)", s.Table, ErrNoTable)
	}
	if len(s.Columns) == 0 { // every column, in the table's order
		s.Columns = all
	}
	quoted := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		if !have[c] {
			return nil, fmt.Errorf("read %s: no column %q", s.Table, c)
		}
		quoted[i] = `"` + c + `"`
	}
	q := fmt.Sprintf(`select %s from %s."%s"`, strings.Join(quoted, ", "), schema, s.Table)
	var where []string
	var args []any
	if s.AreaDepth > 0 {
		if !have["area_code"] {
			return nil, fmt.Errorf("read %s: no column area_code to select areas by", s.Table)
		}
		where = append(where, fmt.Sprintf("(area_code = 'KH' or length(area_code) <= %d)", s.AreaDepth))
	}
	for _, c := range slices.Sorted(maps.Keys(s.Only)) {
		if !have[c] {
			return nil, fmt.Errorf("read %s: no column %q", s.Table, c)
		}
		marks := make([]string, len(s.Only[c]))
		for i, v := range s.Only[c] {
			marks[i] = "?"
			args = append(args, v)
		}
		where = append(where, fmt.Sprintf(`"%s" in (%s)`, c, strings.Join(marks, ", ")))
	}
	if len(where) > 0 {
		q += " where " + strings.Join(where, " and ")
	}
	rows, err = db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Table, err)
	}
	defer rows.Close()
	t := &vitalstats.Table{Name: s.Table, Columns: s.Columns}
	for rows.Next() {
		vals := make([]any, len(s.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read %s: %w", s.Table, err)
		}
		for i, v := range vals {
			if vals[i], err = plain(v); err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", s.Table, s.Columns[i], err)
			}
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Table, err)
	}
	return t, nil
}

// plain turns what the driver scans into the few types a vitalstats.Table holds.
func plain(v any) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64, string, bool, time.Time:
		return x, nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case *big.Int:
		if !x.IsInt64() {
			return nil, fmt.Errorf("integer %s out of range", x)
		}
		return x.Int64(), nil
	case duckdb.Decimal:
		return x.Float64(), nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("a list of %T, not of strings", e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}
