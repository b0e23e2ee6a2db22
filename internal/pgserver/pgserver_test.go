package pgserver

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func query(t *testing.T, dsn, sql string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestStartStopRestart: data written before a stop is there after a restart
// on the same directory, and a killed server recovers.
func TestStartStopRestart(t *testing.T) {
	s := NewForTest(t)
	if got := query(t, s.DSN(), "select 40 + 2"); got != 42 {
		t.Fatalf("select 40 + 2 = %d", got)
	}
	if db := query(t, s.DSN(), "select count(*) from pg_database where datname = current_database() and datname = 'registry'"); db != 1 {
		t.Fatalf("connected database is not registry")
	}
	execSQL(t, s.DSN(), "create table kept (x int); insert into kept select generate_series(1, 1000)")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}

	// A second Start on the same directory, as `make demo` does; durable this
	// time, since a throwaway server may lose its last commits to a kill.
	ctx := context.Background()
	s2, err := Start(ctx, s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, s2.DSN(), "select count(*) from kept"); got != 1000 {
		t.Fatalf("after restart: %d rows, want 1000", got)
	}
	execSQL(t, s2.DSN(), "insert into kept values (1001)")
	if err := s2.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, s2.DSN(), "select count(*) from kept"); got != 1001 {
		t.Fatalf("after kill and restart: %d rows, want 1001", got)
	}
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s2.LogPath()); err != nil || fi.Size() == 0 {
		t.Fatalf("server log %s missing or empty: %v", s2.LogPath(), err)
	}
}

func TestNonEmptyDirRefused(t *testing.T) {
	dir, err := os.MkdirTemp("", "vitalstats-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	if err := os.MkdirAll(dir+"/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/data/notes.txt", []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), dir); err == nil {
		t.Fatal("Start on a non-empty, non-cluster directory succeeded")
	}
}
