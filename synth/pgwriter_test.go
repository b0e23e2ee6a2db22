package synth

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"vitalstats/internal/pgserver"
)

func pgConnect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// relExists reports whether a relation (schema.name) is visible to conn.
func relExists(t *testing.T, conn *pgx.Conn, rel string) bool {
	t.Helper()
	var ok bool
	if err := conn.QueryRow(context.Background(), "select to_regclass($1) is not null", rel).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// sameValue compares a value read back from PostgreSQL with the one written.
func sameValue(got, want any) bool {
	if gt, ok := got.(time.Time); ok {
		wt, ok := want.(time.Time)
		return ok && gt.Equal(wt)
	}
	return reflect.DeepEqual(got, want)
}

// TestRegistryWriterRoundTrip loads every table (sizes that are not
// multiples of the batch size) and reads every value back.
func TestRegistryWriterRoundTrip(t *testing.T) {
	srv := pgserver.NewForTest(t)
	ctx := context.Background()
	sizes := map[*Table]int{BirthTable: 5003, DeathTable: 2049, FetalDeathTable: 1, MarriageTable: 700, NotificationTable: 0}
	rng := rand.New(rand.NewPCG(7, 7))
	want := map[*Table]map[string][]any{}

	w, err := NewRegistryWriter(ctx, srv.DSN(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range Tables {
		want[tb] = map[string][]any{}
		for i := range sizes[tb] {
			v := recordValues(fakeRecord(rng, tb, int64(i+1)))
			want[tb][idKey(v[0])] = v
			if err := w.Write(tb, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Nothing is visible until Close.
	conn := pgConnect(t, srv.DSN())
	if relExists(t, conn, "public.births") || relExists(t, conn, "synth_load.births") {
		t.Fatal("births visible before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tb := range Tables {
		if got := w.Counts()[tb.Name]; got != int64(sizes[tb]) {
			t.Errorf("Counts()[%s] = %d, want %d", tb.Name, got, sizes[tb])
		}
		rows, err := conn.Query(ctx, "select * from "+tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			got, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			n++
			exp := want[tb][idKey(got[0])]
			if exp == nil {
				t.Fatalf("%s: unexpected id %v", tb.Name, got[0])
			}
			for i, c := range tb.Columns {
				if !sameValue(got[i], exp[i]) {
					t.Fatalf("%s id %v column %s: read back %#v, wrote %#v", tb.Name, got[0], c.Name, got[i], exp[i])
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != sizes[tb] {
			t.Errorf("%s: %d rows read back, want %d", tb.Name, n, sizes[tb])
		}
		// Keys, the watermark index and statistics are there.
		var idx []string
		r2, _ := conn.Query(ctx, "select indexname from pg_indexes where schemaname = 'public' and tablename = $1 order by 1", tb.Name)
		for r2.Next() {
			var s string
			r2.Scan(&s)
			idx = append(idx, s)
		}
		if r2.Err() != nil {
			t.Fatal(r2.Err())
		}
		if wantIdx := []string{tb.Name + "_pkey", tb.Name + "_" + tb.Watermark + "_idx"}; !reflect.DeepEqual(idx, []string{min(wantIdx[0], wantIdx[1]), max(wantIdx[0], wantIdx[1])}) {
			t.Errorf("%s indexes: %v, want %v", tb.Name, idx, wantIdx)
		}
		var tuples float64
		if err := conn.QueryRow(ctx, "select reltuples from pg_class where oid = $1::regclass", "public."+tb.Name).Scan(&tuples); err != nil {
			t.Fatal(err)
		}
		if sizes[tb] > 0 && tuples != float64(sizes[tb]) {
			t.Errorf("%s: reltuples %v after analyze, want %d", tb.Name, tuples, sizes[tb])
		}
	}
	if relExists(t, conn, "synth_load.births") {
		t.Error("staging schema left behind")
	}
	// The primary key is enforced.
	if _, err := conn.Exec(ctx, "insert into births select * from births limit 1"); err == nil {
		t.Error("duplicate id accepted: no primary key")
	}
}

func idKey(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return "?"
}

// TestRegistryWriterAbortAndFailure: neither an abort nor a failed copy
// leaves a table visible.
func TestRegistryWriterAbortAndFailure(t *testing.T) {
	srv := pgserver.NewForTest(t)
	ctx := context.Background()
	conn := pgConnect(t, srv.DSN())
	rng := rand.New(rand.NewPCG(1, 1))

	// A complete registry first, to see that a new load removes it.
	w, err := NewRegistryWriter(ctx, srv.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(BirthTable, recordValues(fakeRecord(rng, BirthTable, 1))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !relExists(t, conn, "public.births") {
		t.Fatal("births missing after Close")
	}

	w, err = NewRegistryWriter(ctx, srv.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		if err := w.Write(BirthTable, recordValues(fakeRecord(rng, BirthTable, int64(i+1)))); err != nil {
			t.Fatal(err)
		}
	}
	w.Abort()
	w.Abort()
	for _, tb := range Tables {
		if relExists(t, conn, "public."+tb.Name) || relExists(t, conn, "synth_load."+tb.Name) {
			t.Errorf("%s visible after Abort", tb.Name)
		}
	}
	if err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}

	// A bad value fails the copy, Close reports it naming the table, and
	// nothing is published.
	w, err = NewRegistryWriter(ctx, srv.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		v := recordValues(fakeRecord(rng, DeathTable, int64(i+1)))
		if i == 2500 {
			v[DeathTable.Column("date_of_death")] = "not a date"
		}
		if err := w.Write(DeathTable, v); err != nil {
			break // the failure may already show here
		}
		w.Write(MarriageTable, recordValues(fakeRecord(rng, MarriageTable, int64(i+1))))
	}
	err = w.Close()
	if err == nil || !strings.Contains(err.Error(), "deaths") {
		t.Fatalf("Close after a bad value: %v, want an error naming deaths", err)
	}
	for _, tb := range Tables {
		if relExists(t, conn, "public."+tb.Name) || relExists(t, conn, "synth_load."+tb.Name) {
			t.Errorf("%s visible after a failed load", tb.Name)
		}
	}
	// Records with the wrong number of values are refused at once.
	w, _ = NewRegistryWriter(ctx, srv.DSN(), nil)
	defer w.Abort()
	if err := w.Write(BirthTable, []any{int64(1)}); err == nil {
		t.Error("short record accepted")
	}
}

// BenchmarkRegistryWriter loads birth rows (VITALSTATS_BENCH_ROWS, default
// 1,000,000) through the writer and reports rows per second, Close (keys,
// index, analyze) included.
func BenchmarkRegistryWriter(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("VITALSTATS_BENCH_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	srv := pgserver.NewForTest(b)
	rng := rand.New(rand.NewPCG(3, 3))
	pool := make([]*Birth, 4096)
	for i := range pool {
		pool[i] = fakeRecord(rng, BirthTable, 0).(*Birth)
	}
	b.ResetTimer()
	for range b.N {
		w, err := NewRegistryWriter(context.Background(), srv.DSN(), nil)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for i := range n {
			rec := *pool[i%len(pool)]
			rec.ID = int64(i + 1)
			if err := w.Write(BirthTable, rec.Values()); err != nil {
				b.Fatal(err)
			}
		}
		tw := time.Since(t0)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0)
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(n)/tw.Seconds(), "copy-rows/s")
	}
}
