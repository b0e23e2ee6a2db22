package pgserver

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"
)

// NewForTest starts a throwaway server (fsync off) in a fresh directory under
// the system temp dir, where user postgres can reach it (t.TempDir lives under
// a 0700 directory), and registers a cleanup that stops it and removes the
// directory. It never skips: a missing PostgreSQL fails the test.
func NewForTest(t testing.TB) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "vitalstats-pgtest-")
	if err != nil {
		t.Fatalf("pgserver: temp dir: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := StartWith(ctx, dir, Options{Throwaway: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("pgserver: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pgserver: stop: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("pgserver: remove %s: %v", dir, err)
		}
	})
	return s
}
