package etl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"vitalstats/etl"
	"vitalstats/etl/lake"
)

// childEnv carries a config to a child process that runs one ETL and exits.
const childEnv = "VITALSTATS_ETL_CHILD"

type childConfig struct {
	Lake, Inbox, DSN string
	Now              time.Time
	CompactFiles     int
}

func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		var c childConfig
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		_, err := etl.Run(context.Background(), etl.Config{
			Lake: c.Lake, Inbox: c.Inbox, DSN: c.DSN, Secret: []byte("test secret of the site, 32 bytes"),
			Now: func() time.Time { return c.Now }, Log: slog.New(slog.DiscardHandler), CompactFiles: c.CompactFiles,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// connect opens a connection to the registry, closed when the test ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// registryCounts are the rows of each registry table.
func registryCounts(t *testing.T, dsn string) map[string]int64 {
	t.Helper()
	conn := connect(t, dsn)
	n := map[string]int64{}
	for table, event := range map[string]string{"births": "birth", "deaths": "death", "fetal_deaths": "fetal_death", "marriages": "marriage", "notifications": "notification"} {
		var c int64
		if err := conn.QueryRow(context.Background(), "select count(*) from "+table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n[event] = c
	}
	return n
}

// newRegistrations copies k births as new registrations, updated at ts.
func newRegistrations(t *testing.T, dsn string, k int, offset int64, ts time.Time) {
	t.Helper()
	conn := connect(t, dsn)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{fmt.Sprintf("create temp table fresh as select * from births order by id limit %d", k), nil},
		{fmt.Sprintf("update fresh set id = id + %d, reg_no = reg_no || '-n', created_at = $1, updated_at = $1", offset), []any{ts}},
		{"insert into births select * from fresh", nil},
	} {
		if _, err := conn.Exec(context.Background(), q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// checkExactlyOnce checks that every registry row and every file record is
// in the lake or in quarantine exactly once.
func checkExactlyOnce(t *testing.T, w *world, dir string) {
	t.Helper()
	db := lakeDB(t, dir)
	want := registryCounts(t, w.srv.DSN())
	for event, n := range want {
		loaded := count(t, db, "select count(*) from "+event+" where source = 'registry'")
		twice := count(t, db, "select count(*) - count(distinct event_id) from "+event+" where source = 'registry'")
		quar := count(t, db, "select count(distinct source_ref) from quarantine where source = 'registry' and event = ?", event)
		if loaded+quar != n || twice != 0 {
			t.Errorf("%s: registry has %d rows; lake %d loaded + %d quarantined, %d twice", event, n, loaded, quar, twice)
		}
	}
	var files int64
	for _, ev := range w.truth.Events {
		files += ev.FileRows
	}
	var got int64
	for _, event := range []string{"birth", "death", "fetal_death", "marriage", "notification"} {
		got += count(t, db, "select count(*) from "+event+" where source = 'file'")
		if d := count(t, db, "select count(*) - count(distinct event_id) from "+event+" where source = 'file'"); d != 0 {
			t.Errorf("%s: %d file records twice", event, d)
		}
	}
	got += count(t, db, "select count(distinct source_ref) from quarantine where source = 'file'")
	if got != files {
		t.Errorf("file drops hold %d records; lake and quarantine %d", files, got)
	}
}

// TestKilledRunsLoseNothingAndCountNothingTwice kills the ETL with SIGKILL
// at random moments, with new registrations arriving between runs, then
// lets one run finish: the lake holds every record exactly once.
func TestKilledRunsLoseNothingAndCountNothingTwice(t *testing.T) {
	w := newWorld(t, 100_000, 21)
	dir := filepath.Join(t.TempDir(), "lake")
	now := w.asOf.AddDate(0, 0, 3)
	// Compaction at three files runs in most increments, under the kills too.
	cfg, _ := json.Marshal(childConfig{Lake: dir, Inbox: w.inbox, DSN: w.srv.DSN(), Now: now, CompactFiles: 3})
	r := rand.New(rand.NewPCG(7, 7))
	kills, finished := 0, 0
	typical := 3 * time.Second // of a finished run; kills fall anywhere within twice that
	for i := range 16 {
		if i > 0 {
			newRegistrations(t, w.srv.DSN(), 5000, int64(i)*1_000_000_000_000, w.asOf.Add(time.Duration(24+i)*time.Hour))
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+string(cfg))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		started := time.Now()
		timer := time.AfterFunc(time.Duration(r.Int64N(2*int64(typical))), func() {
			once.Do(func() { cmd.Process.Kill() })
		})
		err := cmd.Wait()
		timer.Stop()
		switch {
		case err == nil:
			finished++
			typical = time.Since(started)
		case strings.Contains(err.Error(), "killed"):
			kills++
			// a run longer than thought (a slow machine, the backfill's
			// record linkage) is killed every time: let the next one live longer
			typical = typical * 5 / 4
		default:
			t.Fatalf("run %d failed: %v\n%s", i, err, stderr.String())
		}
	}
	t.Logf("%d runs killed, %d finished", kills, finished)
	if kills < 5 || finished < 2 {
		t.Errorf("%d of 16 runs killed, %d finished: the test did not test much", kills, finished)
	}
	// The last run completes, and the lake holds everything exactly once.
	if _, err := etl.Run(context.Background(), etl.Config{Lake: dir, Inbox: w.inbox, DSN: w.srv.DSN(),
		Secret: []byte("test secret of the site, 32 bytes"), Now: func() time.Time { return now }, CompactFiles: 3}); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, w, dir)
	// Births of the asOf year got a file in every increment: compacted.
	lk, err := lake.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	files, _ := lk.Files("birth")
	perYear := map[string]int{}
	for _, f := range files {
		perYear[filepath.Base(filepath.Dir(f))]++
	}
	for year, n := range perYear {
		if n >= 3 {
			t.Errorf("birth %s has %d files after compaction at 3", year, n)
		}
	}
}

// killOn stops PostgreSQL when the ETL logs that it has read births.
type killOn struct {
	slog.Handler
	kill func()
}

func (k killOn) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "extracted" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "table" && a.Value.String() == "births" {
				k.kill()
			}
			return true
		})
	}
	return nil
}

func (k killOn) Enabled(context.Context, slog.Level) bool { return true }

// TestRegistryLostMidRun stops PostgreSQL between two tables of a run: the
// run fails naming the registry, nothing becomes visible, and the next run
// catches up completely.
func TestRegistryLostMidRun(t *testing.T) {
	w := newWorld(t, 30_000, 22)
	dir := filepath.Join(t.TempDir(), "lake")
	cfg := w.config(dir)
	cfg.Log = slog.New(killOn{slog.DiscardHandler, func() { w.srv.Kill() }})
	_, err := etl.Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("a run that lost the registry returned %v", err)
	}
	db := lakeDB(t, dir)
	for _, table := range []string{"birth", "death", "quarantine"} {
		if n := count(t, db, "select count(*) from "+table); n != 0 {
			t.Errorf("%s: %d rows visible after a failed run", table, n)
		}
	}
	if staged, _ := filepath.Glob(filepath.Join(dir, "_staging", "*", "*")); len(staged) != 0 {
		t.Errorf("the failed run left %d staged files", len(staged))
	}
	if err := w.srv.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	sum, err := etl.Run(context.Background(), w.config(dir))
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Total().Extracted; n != w.records() {
		t.Errorf("the catch-up run extracted %d of %d records", n, w.records())
	}
	checkExactlyOnce(t, w, dir)
}
