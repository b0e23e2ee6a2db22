package source

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"vitalstats"
)

// Watermark is how far incremental extraction of one table has come: the
// watermark column and id of the last row read. Rows come back ordered by
// (watermark, id), so everything at or before it has been read. The zero
// value means "from the beginning".
type Watermark struct {
	TS time.Time `json:"ts"`
	ID string    `json:"id"`
}

// IsZero reports whether w is the beginning.
func (w Watermark) IsZero() bool { return w.TS.IsZero() && w.ID == "" }

// PostgreSQL type OIDs the reader needs to know.
const (
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	textFormat     = 0 // result format code
)

// Registry is a connection to the operational registry with the extract
// query of every table. It is not safe for concurrent use: one snapshot at
// a time.
type Registry struct {
	conn    *pgconn.PgConn
	queries map[string]string // table -> SQL
	origin  map[string]string // table -> where the SQL came from, for errors
}

// OpenRegistry connects to the registry. Each table's extract query is
// sql/extract/<table>.sql unless overrides names a site's own file for it
// (table -> path). A query returns the table's Schema columns in order, under
// their names, and takes the watermark as $1 (timestamptz) and $2 (the id's
// type), returning only rows with (watermark, id) > ($1, $2), ordered by
// (watermark, id).
func OpenRegistry(ctx context.Context, dsn string, overrides map[string]string) (*Registry, error) {
	r := &Registry{queries: map[string]string{}, origin: map[string]string{}}
	for table, path := range overrides {
		if SchemaFor(table) == nil || SchemaFor(table).Table != table {
			return nil, fmt.Errorf("registry: extract query override for unknown table %q (%s); tables are %s", table, path, tableNames())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("registry: extract query of %s: %w", table, err)
		}
		r.queries[table], r.origin[table] = string(b), path
	}
	for _, s := range Schemas {
		if _, ok := r.queries[s.Table]; ok {
			continue
		}
		name := "sql/extract/" + s.Table + ".sql"
		b, err := fs.ReadFile(vitalstats.SQL, name)
		if err != nil {
			return nil, fmt.Errorf("registry: embedded extract query: %w", err)
		}
		r.queries[s.Table], r.origin[s.Table] = string(b), name
	}
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("registry: connection string: %w", err)
	}
	// Timestamps are read as text: fix the session's rendering of them, so
	// the text does not depend on the server's defaults.
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["datestyle"] = "ISO, YMD"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "vitalstats etl"
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &UnreachableError{Addr: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Err: err}
	}
	r.conn = conn
	return r, nil
}

// UnreachableError is a registry that cannot be connected to: a missing
// source, which fails the ETL run unless the site allows it.
type UnreachableError struct {
	Addr string // host:port
	Err  error
}

func (e *UnreachableError) Error() string {
	return "registry unreachable at " + e.Addr + ": " + e.Err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func tableNames() string {
	var n []string
	for _, s := range Schemas {
		n = append(n, s.Table)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// Query returns the extract query used for a table.
func (r *Registry) Query(table string) string { return r.queries[table] }

// Close closes the connection.
func (r *Registry) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.conn.Close(ctx)
}

// Snapshot is one read-only REPEATABLE READ transaction: every table
// extracted through it is read from the same state of the registry, and rows
// committed after Begin are not seen.
type Snapshot struct {
	r    *Registry
	done bool
}

// Begin starts a snapshot. Close it when done; only one snapshot of a
// Registry may be open at a time.
func (r *Registry) Begin(ctx context.Context) (*Snapshot, error) {
	if err := r.conn.Exec(ctx, "begin isolation level repeatable read read only").Close(); err != nil {
		return nil, fmt.Errorf("registry: begin snapshot: %w", err)
	}
	// The snapshot is taken at the first query, not at begin: take it now,
	// so that what Begin promises holds from the moment it returns.
	if err := r.conn.Exec(ctx, "select 1").Close(); err != nil {
		return nil, fmt.Errorf("registry: begin snapshot: %w", err)
	}
	return &Snapshot{r: r}, nil
}

// Close ends the snapshot's transaction (nothing was written, so it is
// rolled back). Closing twice is harmless.
func (s *Snapshot) Close(ctx context.Context) error {
	if s.done {
		return nil
	}
	s.done = true
	if s.r.conn.IsClosed() {
		return nil
	}
	if err := s.r.conn.Exec(ctx, "rollback").Close(); err != nil {
		return fmt.Errorf("registry: end snapshot: %w", err)
	}
	return nil
}

// Extract streams every record of schema sc after wm, in (watermark, id)
// order, calling fn for each one. It returns the watermark of the last row
// read (wm itself when there was none) and the number of records.
//
// fn receives the same *Record every time: its Values and Null slices are
// overwritten after fn returns, so fn must copy what it keeps. The strings in
// Values are not reused and stay valid. Timestamps are RFC 3339 in UTC (as in
// file drops), dates YYYY-MM-DD, numbers in decimal. An error from fn stops
// the extraction and is returned as it is.
//
// After any error the snapshot's transaction may be aborted: Close it and
// begin another. A lost connection gives an error naming the table and the
// last id read; the returned watermark is then wm, unchanged.
func (s *Snapshot) Extract(ctx context.Context, sc *Schema, wm Watermark, fn func(*Record) error) (Watermark, int64, error) {
	if s.done {
		return wm, 0, fmt.Errorf("registry %s: snapshot already closed", sc.Table)
	}
	q, ok := s.r.queries[sc.Table]
	if !ok {
		return wm, 0, fmt.Errorf("registry %s: no extract query", sc.Table)
	}
	conn := s.r.conn
	desc, err := conn.Prepare(ctx, "", q, nil)
	if err != nil {
		return wm, 0, fmt.Errorf("registry %s: extract query %s: %w", sc.Table, s.r.origin[sc.Table], err)
	}
	if err := checkShape(sc, desc); err != nil {
		return wm, 0, fmt.Errorf("registry %s: extract query %s: %w", sc.Table, s.r.origin[sc.Table], err)
	}
	params, err := watermarkParams(wm, desc.ParamOIDs)
	if err != nil {
		return wm, 0, fmt.Errorf("registry %s: %w", sc.Table, err)
	}
	idCol, wmCol := sc.Index("id"), sc.Index(sc.Watermark)
	stamp := make([]bool, len(sc.Columns))
	for i, f := range desc.Fields {
		stamp[i] = f.DataTypeOID == oidTimestamptz || f.DataTypeOID == oidTimestamp
	}
	// Every column as text: the server renders it as COPY would, and the
	// values need no decoding here.
	rr := conn.ExecStatement(ctx, desc, params, nil, []int16{textFormat})
	rec := &Record{Schema: sc, Source: "registry", Values: make([]string, len(sc.Columns)), Null: make([]bool, len(sc.Columns))}
	var n int64
	var lastID, lastTS string
	starts := make([]int, 0, len(sc.Columns)+1)
	refPrefix := sc.Table + ":"
	for rr.NextRow() {
		raw := rr.Values()
		if len(raw) != len(rec.Values) {
			rr.Close()
			return wm, n, fmt.Errorf("registry %s: row after id %s has %d columns, want %d", sc.Table, lastID, len(raw), len(rec.Values))
		}
		// One string per row holds the record's Ref and all its values,
		// each a slice of it: one allocation a row instead of one a value.
		total := len(refPrefix)
		for i, v := range raw {
			total += len(v)
			if stamp[i] {
				total += 3
			}
		}
		var b strings.Builder
		b.Grow(total)
		b.WriteString(refPrefix)
		starts = starts[:0]
		for i, v := range raw {
			starts = append(starts, b.Len())
			if v == nil {
				continue
			}
			if stamp[i] {
				writeStamp(&b, v)
			} else {
				b.Write(v)
			}
		}
		starts = append(starts, b.Len())
		row := b.String()
		for i, v := range raw {
			rec.Null[i] = v == nil
			rec.Values[i] = row[starts[i]:starts[i+1]]
		}
		if idCol >= 0 {
			lastID = rec.Values[idCol]
		}
		if wmCol >= 0 {
			lastTS = rec.Values[wmCol]
		}
		if idCol == 0 {
			rec.Ref = row[:starts[1]]
		} else {
			rec.Ref = refPrefix + lastID
		}
		n++
		if err := fn(rec); err != nil {
			// Closing reads the rest of the result: cancel the query
			// rather than drain millions of rows.
			conn.CancelRequest(context.Background())
			rr.Close()
			return wm, n, err
		}
	}
	if _, err := rr.Close(); err != nil {
		at := "before the first row"
		if n > 0 {
			at = "after id " + lastID
		}
		if conn.IsClosed() {
			at += ", the connection to the registry was lost"
		}
		return wm, n, fmt.Errorf("registry %s: extraction stopped %s (%d rows read): %w", sc.Table, at, n, err)
	}
	if n == 0 {
		return wm, 0, nil
	}
	ts, err := time.Parse(time.RFC3339Nano, lastTS)
	if err != nil {
		return wm, n, fmt.Errorf("registry %s: watermark column %s of id %s: %q is not a timestamp", sc.Table, sc.Watermark, lastID, lastTS)
	}
	return Watermark{TS: ts, ID: lastID}, n, nil
}

// checkShape makes sure a query returns the schema's columns, in order.
func checkShape(sc *Schema, desc *pgconn.StatementDescription) error {
	if len(desc.Fields) != len(sc.Columns) {
		var got []string
		for _, f := range desc.Fields {
			got = append(got, f.Name)
		}
		return fmt.Errorf("returns %d columns (%s), want the %d of the %s schema (%s)",
			len(desc.Fields), strings.Join(got, ", "), len(sc.Columns), sc.Event, strings.Join(sc.Columns, ", "))
	}
	for i, f := range desc.Fields {
		if f.Name != sc.Columns[i] {
			return fmt.Errorf("column %d is %q, want %q", i+1, f.Name, sc.Columns[i])
		}
	}
	if len(desc.ParamOIDs) != 2 {
		return fmt.Errorf("takes %d parameters, want 2: the watermark ($1) and the id ($2) of the last row read", len(desc.ParamOIDs))
	}
	return nil
}

// watermarkParams renders the watermark as the query's two text
// parameters. The beginning is -infinity and the smallest id of the id's
// type, so that one query serves the first run and every later one.
func watermarkParams(wm Watermark, oids []uint32) ([][]byte, error) {
	ts := "-infinity"
	if !wm.TS.IsZero() {
		ts = wm.TS.UTC().Format(time.RFC3339Nano)
	}
	id := wm.ID
	if id == "" || wm.TS.IsZero() {
		switch oids[1] {
		case oidInt8:
			id = fmt.Sprint(int64(math.MinInt64))
		case oidInt4:
			id = fmt.Sprint(int32(math.MinInt32))
		case oidInt2:
			id = fmt.Sprint(int16(math.MinInt16))
		default:
			id = "" // text: the empty string sorts first
		}
	}
	if oids[0] != oidTimestamptz && oids[0] != oidTimestamp {
		return nil, fmt.Errorf("extract query: $1 is of type oid %d, want timestamptz", oids[0])
	}
	return [][]byte{[]byte(ts), []byte(id)}, nil
}

// writeStamp writes PostgreSQL's ISO rendering of a timestamp
// ("2021-03-04 05:06:07.5+00") as RFC 3339 ("2021-03-04T05:06:07.5Z"), the
// layout of the file drops. Text of any other shape (BC dates, infinity) is
// written unchanged for validation to refuse.
func writeStamp(b *strings.Builder, v []byte) {
	if len(v) < 19 || v[10] != ' ' || v[4] != '-' || v[13] != ':' {
		b.Write(v)
		return
	}
	b.Write(v[:10])
	b.WriteByte('T')
	rest := v[11:]
	// The zone is the last '+' or '-' after the time of day, if any.
	z := -1
	for i := 8; i < len(rest); i++ {
		if rest[i] == '+' || rest[i] == '-' {
			z = i
			break
		}
	}
	if z < 0 {
		// timestamp without time zone: the session's zone is UTC, and
		// the watermark parameter is compared in it.
		b.Write(rest)
		b.WriteByte('Z')
		return
	}
	b.Write(rest[:z])
	zone := rest[z:]
	switch {
	case string(zone) == "+00":
		b.WriteByte('Z')
	case len(zone) == 3:
		b.Write(zone)
		b.WriteString(":00")
	default:
		b.Write(zone)
	}
}
