package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"vitalstats/internal/pgserver"
	"vitalstats/synth"
)

// registry starts a throwaway PostgreSQL holding a small synthetic registry
// (and its file drops in inbox, when inbox is not empty).
func registry(t testing.TB, events int64, inbox string) *pgserver.Server {
	t.Helper()
	srv := pgserver.NewForTest(t)
	_, err := synth.Generate(context.Background(), synth.Options{
		Profile: synth.DefaultProfile(), Events: events, Seed: 7, DSN: srv.DSN(), InboxDir: inbox,
	})
	if err != nil {
		t.Fatalf("generate the registry: %v", err)
	}
	return srv
}

func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func count(t testing.TB, conn *pgx.Conn, sql string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// extracted is what one Extract call delivered.
type extracted struct {
	ids   []string
	stamp []string // watermark column
	nulls []int    // null values per column
	first []string // values of the first record
	wm    Watermark
}

func extractAll(t testing.TB, snap *Snapshot, s *Schema, wm Watermark) extracted {
	t.Helper()
	var got extracted
	got.nulls = make([]int, len(s.Columns))
	w := s.Index(s.Watermark)
	wm, n, err := snap.Extract(context.Background(), s, wm, func(r *Record) error {
		if r.Schema != s || r.Source != "registry" || r.Ref != s.Table+":"+r.Values[0] {
			return fmt.Errorf("record %q of schema %s from %s", r.Ref, r.Schema.Table, r.Source)
		}
		got.ids = append(got.ids, r.Values[0])
		got.stamp = append(got.stamp, r.Values[w])
		for i, null := range r.Null {
			if null {
				got.nulls[i]++
				if r.Values[i] != "" {
					return fmt.Errorf("%s: null %s holds %q", r.Ref, s.Columns[i], r.Values[i])
				}
			}
		}
		if got.first == nil {
			got.first = append([]string(nil), r.Values...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("extract %s: %v", s.Table, err)
	}
	if n != int64(len(got.ids)) {
		t.Fatalf("extract %s: says %d records, delivered %d", s.Table, n, len(got.ids))
	}
	got.wm = wm
	return got
}

func open(t testing.TB, dsn string) (*Registry, *Snapshot) {
	t.Helper()
	ctx := context.Background()
	reg, err := OpenRegistry(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	snap, err := reg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close(ctx) })
	return reg, snap
}

// less orders registry rows as the extract queries do: by watermark, then id
// (numerically for bigint ids).
func less(s *Schema, ts1, id1, ts2, id2 string) bool {
	t1, err1 := time.Parse(time.RFC3339Nano, ts1)
	t2, err2 := time.Parse(time.RFC3339Nano, ts2)
	if err1 != nil || err2 != nil {
		panic(fmt.Sprintf("timestamps %q %q", ts1, ts2))
	}
	if !t1.Equal(t2) {
		return t1.Before(t2)
	}
	if s.Table == "notifications" {
		return id1 < id2
	}
	a, _ := strconv.ParseInt(id1, 10, 64)
	b, _ := strconv.ParseInt(id2, 10, 64)
	return a < b
}

// Every row of every table comes back exactly once, in (watermark, id)
// order, with its values as the registry holds them; a run resumed from a
// watermark in the middle returns exactly the rest.
func TestExtractEveryRowOnceInOrder(t *testing.T) {
	srv := registry(t, 30_000, "")
	conn := connect(t, srv.DSN())
	_, snap := open(t, srv.DSN())
	for _, s := range Schemas {
		got := extractAll(t, snap, s, Watermark{})
		want := count(t, conn, "select count(*) from "+s.Table)
		if int64(len(got.ids)) != want || want == 0 {
			t.Fatalf("%s: extracted %d rows, the table has %d", s.Table, len(got.ids), want)
		}
		seen := map[string]bool{}
		for i, id := range got.ids {
			if seen[id] {
				t.Fatalf("%s: id %s twice", s.Table, id)
			}
			seen[id] = true
			if i > 0 && !less(s, got.stamp[i-1], got.ids[i-1], got.stamp[i], id) {
				t.Fatalf("%s: row %d (%s, %s) not after (%s, %s)", s.Table, i, got.stamp[i], id, got.stamp[i-1], got.ids[i-1])
			}
		}
		last := len(got.ids) - 1
		if got.wm.ID != got.ids[last] || got.wm.TS.UTC().Format(time.RFC3339Nano) != got.stamp[last] {
			t.Errorf("%s: watermark %+v, last row (%s, %s)", s.Table, got.wm, got.stamp[last], got.ids[last])
		}
		for i, c := range s.Columns {
			if n := count(t, conn, fmt.Sprintf("select count(*) from %s where %s is null", s.Table, c)); n != int64(got.nulls[i]) {
				t.Errorf("%s.%s: %d nulls extracted, %d in the table", s.Table, c, got.nulls[i], n)
			}
		}
		// The first row's values, against PostgreSQL's own text of them.
		var sel []string
		for _, c := range s.Columns {
			sel = append(sel, c+"::text")
		}
		vals := make([]any, len(s.Columns))
		ptrs := make([]*string, len(s.Columns))
		for i := range vals {
			vals[i] = &ptrs[i]
		}
		q := fmt.Sprintf("select %s from %s where id = $1", strings.Join(sel, ", "), s.Table)
		if err := conn.QueryRow(context.Background(), q, got.first[0]).Scan(vals...); err != nil {
			t.Fatal(err)
		}
		for i, p := range ptrs {
			if p == nil {
				continue
			}
			want := *p
			if len(want) > 19 && want[10] == ' ' && strings.HasSuffix(want, "+00") { // timestamptz, as RFC 3339
				want = want[:10] + "T" + strings.TrimSuffix(want[11:], "+00") + "Z"
			}
			if got.first[i] != want {
				t.Errorf("%s id %s: %s = %q, want %q", s.Table, got.first[0], s.Columns[i], got.first[i], want)
			}
		}

		// Resume from the middle, through JSON as the lake stores it.
		mid := len(got.ids) / 2
		ts, err := time.Parse(time.RFC3339Nano, got.stamp[mid])
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(Watermark{TS: ts, ID: got.ids[mid]})
		if err != nil {
			t.Fatal(err)
		}
		var wm Watermark
		if err := json.Unmarshal(raw, &wm); err != nil {
			t.Fatal(err)
		}
		rest := extractAll(t, snap, s, wm)
		if strings.Join(rest.ids, ",") != strings.Join(got.ids[mid+1:], ",") {
			t.Errorf("%s: resumed after row %d of %d: %d rows, want the %d after it", s.Table, mid, len(got.ids), len(rest.ids), len(got.ids)-mid-1)
		}
		// Resumed from the end: nothing, and the watermark stays.
		end := extractAll(t, snap, s, got.wm)
		if len(end.ids) != 0 || end.wm != got.wm {
			t.Errorf("%s: after the last row: %d rows, watermark %+v", s.Table, len(end.ids), end.wm)
		}
	}
}

// A snapshot sees the registry as it was when it began: rows committed
// later belong to the next run.
func TestSnapshotIgnoresLaterRows(t *testing.T) {
	srv := registry(t, 5_000, "")
	conn := connect(t, srv.DSN())
	before := count(t, conn, "select count(*) from births")
	_, snap := open(t, srv.DSN())
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `create temp table late as select * from births order by id limit 10;
		update late set id = id + 1000000000000, updated_at = now();
		insert into births select * from late`); err != nil {
		t.Fatal(err)
	}
	got := extractAll(t, snap, Births, Watermark{})
	if int64(len(got.ids)) != before {
		t.Errorf("the snapshot extracted %d births; %d were there when it began", len(got.ids), before)
	}
	snap.Close(ctx)
	_, next := open(t, srv.DSN())
	more := extractAll(t, next, Births, got.wm)
	if len(more.ids) != 10 {
		t.Errorf("the next snapshot, from the last watermark, extracted %d births, want the 10 added", len(more.ids))
	}

	// An error from fn stops the extraction, comes back as it is, and
	// leaves the registry usable for the next snapshot.
	stop := errors.New("lake full")
	reg, snap3 := open(t, srv.DSN())
	var n int
	wm, got3, err := snap3.Extract(ctx, Deaths, Watermark{}, func(*Record) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || got3 != 10 || !wm.IsZero() {
		t.Errorf("fn failing at the 10th record: %d records, watermark %+v, %v", got3, wm, err)
	}
	snap3.Close(ctx)
	snap4, err := reg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap4.Close(ctx)
	if all := extractAll(t, snap4, Deaths, Watermark{}); int64(len(all.ids)) != count(t, conn, "select count(*) from deaths") {
		t.Errorf("after a failed extraction, %d deaths", len(all.ids))
	}
}

// A query that does not return the schema's columns is refused, naming the
// table, the file and the column.
func TestExtractQueryOverride(t *testing.T) {
	srv := pgserver.NewForTest(t)
	conn := connect(t, srv.DSN())
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `create table site_marriages (
		marriage_id bigint primary key, changed timestamptz not null, groom text, bride text);
		insert into site_marriages values (1, '2020-01-01T00:00:00Z', 'a', 'b'), (2, '2020-01-01T00:00:00Z', 'c', 'd'),
			(3, '2019-05-01T07:00:00.25+07', 'e', 'f')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cols := make([]string, len(Marriages.Columns))
	for i, c := range Marriages.Columns {
		switch c {
		case "id":
			cols[i] = "marriage_id as id"
		case "updated_at", "created_at":
			cols[i] = "changed as " + c
		default:
			cols[i] = "null::text as " + c
		}
	}
	good := filepath.Join(dir, "marriages.sql")
	os.WriteFile(good, []byte("select "+strings.Join(cols, ", ")+
		" from site_marriages where (changed, marriage_id) > ($1, $2) order by changed, marriage_id"), 0o644)
	reg, err := OpenRegistry(ctx, srv.DSN(), map[string]string{"marriages": good})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	snap, err := reg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := extractAll(t, snap, Marriages, Watermark{})
	if strings.Join(got.ids, ",") != "3,1,2" || got.stamp[0] != "2019-05-01T00:00:00.25Z" {
		t.Errorf("site query: ids %v, first stamp %q", got.ids, got.stamp[0])
	}
	// The other tables keep the embedded queries, and fail on a database
	// without them, naming the table.
	_, _, err = snap.Extract(ctx, Births, Watermark{}, func(*Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "births") || !strings.Contains(err.Error(), "sql/extract/births.sql") {
		t.Errorf("embedded query on a database without births: %v", err)
	}
	snap.Close(ctx)

	bad := filepath.Join(dir, "bad.sql")
	os.WriteFile(bad, []byte("select marriage_id as id, changed from site_marriages where (changed, marriage_id) > ($1, $2)"), 0o644)
	reg2, err := OpenRegistry(ctx, srv.DSN(), map[string]string{"marriages": bad})
	if err != nil {
		t.Fatal(err)
	}
	defer reg2.Close()
	snap2, err := reg2.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap2.Close(ctx)
	_, _, err = snap2.Extract(ctx, Marriages, Watermark{}, func(*Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "marriages") || !strings.Contains(err.Error(), bad) {
		t.Errorf("a query of the wrong shape: %v", err)
	}
	if _, err := OpenRegistry(ctx, srv.DSN(), map[string]string{"weddings": good}); err == nil || !strings.Contains(err.Error(), "weddings") {
		t.Errorf("override of an unknown table: %v", err)
	}
}

// A server that dies in the middle of an extraction gives an error naming
// the table and the last id read, not a short result.
func TestExtractServerKilled(t *testing.T) {
	srv := registry(t, 5_000, "")
	conn := connect(t, srv.DSN())
	ctx := context.Background()
	// Enough rows that the result cannot sit whole in the socket buffers.
	if _, err := conn.Exec(ctx, `create temp table copy as select * from births;
		do $$ begin for g in 1..60 loop
			update copy set id = id + 1000000000000;
			insert into births select * from copy;
		end loop; end $$`); err != nil {
		t.Fatal(err)
	}
	total := count(t, conn, "select count(*) from births")
	_, snap := open(t, srv.DSN())
	var n int64
	var lastID string
	_, got, err := snap.Extract(ctx, Births, Watermark{}, func(r *Record) error {
		n++
		lastID = r.Values[0]
		if n == 1000 {
			if err := srv.Kill(); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.Fatalf("extraction of %d of %d births ended without error after the server was killed", got, total)
	}
	if got >= total || got != n {
		t.Errorf("%d of %d rows delivered, %d counted", n, total, got)
	}
	for _, want := range []string{"births", "after id " + lastID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	t.Logf("killed after %d of %d rows: %v", n, total, err)
}

// BenchmarkExtractVsCopy extracts the births of a registry of
// VITALSTATS_BENCH_ROWS births (default 1 M: a small synthetic registry,
// copied with new ids) and times the same query as COPY ... TO STDOUT on the
// same server: the ratio is the cost of extraction over the server's own.
//
//	go test ./etl/source -run '^$' -bench ExtractVsCopy -benchtime 3x
func BenchmarkExtractVsCopy(b *testing.B) {
	rows := int64(1_000_000)
	if v := os.Getenv("VITALSTATS_BENCH_ROWS"); v != "" {
		var err error
		if rows, err = strconv.ParseInt(v, 10, 64); err != nil {
			b.Fatal(err)
		}
	}
	srv := registry(b, 20_000, "")
	conn := connect(b, srv.DSN())
	ctx := context.Background()
	base := count(b, conn, "select count(*) from births")
	if _, err := conn.Exec(ctx, fmt.Sprintf(`create temp table copy as select * from births;
		do $$ begin for g in 1..%d loop
			update copy set id = id + 1000000000000;
			insert into births select * from copy;
		end loop; end $$`, (rows+base-1)/base-1)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "vacuum analyze births"); err != nil {
		b.Fatal(err)
	}
	n := count(b, conn, "select count(*) from births")

	reg, err := OpenRegistry(ctx, srv.DSN(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	q := strings.NewReplacer("$1", "'-infinity'", "$2", "(-9223372036854775808)").Replace(reg.Query("births"))
	cfg, err := pgconn.ParseConfig(srv.DSN())
	if err != nil {
		b.Fatal(err)
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	pc, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close(ctx)
	copyOnce := func() time.Duration {
		start := time.Now()
		if _, err := pc.CopyTo(ctx, io.Discard, "copy (\n"+q+"\n) to stdout"); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	copyOnce() // warm the cache
	var tCopy, tExtract time.Duration
	for b.Loop() {
		tCopy += copyOnce()
		start := time.Now()
		snap, err := reg.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var bytes int
		_, got, err := snap.Extract(ctx, Births, Watermark{}, func(r *Record) error {
			bytes += len(r.Values[len(r.Values)-1])
			return nil
		})
		if err != nil || got != n {
			b.Fatalf("extracted %d of %d: %v", got, n, err)
		}
		snap.Close(ctx)
		tExtract += time.Since(start)
	}
	k := float64(b.N)
	b.ReportMetric(float64(n), "rows")
	b.ReportMetric(tCopy.Seconds()/k, "copy-s")
	b.ReportMetric(tExtract.Seconds()/k, "extract-s")
	b.ReportMetric(tExtract.Seconds()/tCopy.Seconds(), "ratio")
	b.Logf("%d births: COPY %.2fs, Extract %.2fs, ratio %.2f", n, tCopy.Seconds()/k, tExtract.Seconds()/k, tExtract.Seconds()/tCopy.Seconds())
}
