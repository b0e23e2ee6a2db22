package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func newRunner(t *testing.T) *Runner {
	r, err := New(t.TempDir(), slog.New(slog.DiscardHandler), Options{Retries: 2, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRetriesWithBackoffAndRecordsEveryAttempt(t *testing.T) {
	r := newRunner(t)
	var calls atomic.Int32
	err := r.Do(context.Background(), Job{Name: "etl", Run: func(context.Context) (any, error) {
		if calls.Add(1) < 3 {
			return nil, errors.New("registry went away")
		}
		return map[string]int{"loaded": 7}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Outcome != "failed" || h[1].Outcome != "failed" || h[2].Outcome != "ok" || h[2].Attempt != 3 {
		t.Fatalf("history %+v", h)
	}
	if h[0].Error != "registry went away" || h[2].Summary == nil {
		t.Errorf("history lacks the error or the summary: %+v", h)
	}
}

func TestGivesUpAfterRetriesAndRecoversPanics(t *testing.T) {
	r := newRunner(t)
	err := r.Do(context.Background(), Job{Name: "etl", Run: func(context.Context) (any, error) { panic("boom") }})
	if err == nil {
		t.Fatal("a panicking job must fail")
	}
	h, _ := r.History()
	if len(h) != 3 {
		t.Fatalf("%d attempts recorded, want 1 + 2 retries", len(h))
	}
	for _, run := range h {
		if run.Outcome != "failed" || len(run.Error) < 10 || run.Error[:11] != "panic: boom" {
			t.Errorf("attempt %+v", run)
		}
	}
}

func TestLockExcludesOtherRuns(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir); err == nil {
		t.Fatal("a second run took the lock while the first held it")
	}
	unlock()
	unlock2, err := Lock(context.Background(), dir)
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	unlock2()
}

// A run waiting for the lock says so at once, naming the holder (pid,
// command, job, since), and says when it got it: a silent wait looks hung.
func TestLockWaitIsLoggedWithTheHolder(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockFor(context.Background(), dir, "export", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	done := make(chan error, 1)
	go func() {
		u, err := LockFor(context.Background(), dir, "etl", log)
		if err == nil {
			u()
		}
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "waiting for the run lock") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logged := buf.String()
	for _, want := range []string{"waiting for the run lock", fmt.Sprintf(`"holder_pid":%d`, os.Getpid()),
		`"holder_job":"export"`, `"holder_command":"` + filepath.Base(os.Args[0]), `"holder_since":"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("the wait's log lacks %s:\n%s", want, logged)
		}
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "run lock taken") {
		t.Errorf("the end of the wait is not logged:\n%s", buf.String())
	}
	// A wait given up names the holder too.
	unlock, err = LockFor(context.Background(), dir, "build", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), "job build") {
		t.Errorf("a wait given up: %v, want the holder named", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMissedRunTriggersCatchUp(t *testing.T) {
	s, err := cron.ParseStandard("CRON_TZ=Asia/Phnom_Penh 0 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	tz, _ := time.LoadLocation("Asia/Phnom_Penh")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, tz)
	cases := []struct {
		last time.Time
		want bool
	}{
		{time.Time{}, true}, // never ran
		{time.Date(2026, 11, 25, 2, 0, 5, 0, tz), false}, // ran at today's slot
		{time.Date(2026, 11, 24, 2, 0, 5, 0, tz), true},  // missed today's 02:00
		{time.Date(2026, 11, 25, 1, 0, 0, 0, tz), true},  // last ran before today's slot
	}
	for _, c := range cases {
		if got := missed(s, c.last, now); got != c.want {
			t.Errorf("last %v: missed = %v, want %v", c.last, got, c.want)
		}
	}
}

func TestStartRunsOnScheduleAndCatchesUp(t *testing.T) {
	r := newRunner(t)
	var calls atomic.Int32
	job := Job{Name: "tick", Schedule: "@every 1s", Run: func(context.Context) (any, error) { calls.Add(1); return nil, nil }}
	if err := r.Start(context.Background(), []Job{job}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	r.Stop()
	if n := calls.Load(); n < 2 {
		t.Errorf("%d runs in 2.5 s of an every-second job with catch-up", n)
	}
	if _, err := New(t.TempDir(), slog.New(slog.DiscardHandler), Options{TimeZone: "Mars/Olympus"}); err == nil {
		t.Error("an unknown time zone must be refused")
	}
	if err := newRunner(t).Start(context.Background(), []Job{{Name: "bad", Schedule: "every tuesday"}}); err == nil {
		t.Error("a bad schedule must be refused")
	}
}

func TestThenFollowsOnlySuccess(t *testing.T) {
	r := newRunner(t)
	var after atomic.Int32
	then := &Job{Name: "build", Run: func(context.Context) (any, error) { after.Add(1); return nil, nil }}
	r.doLogged(context.Background(), Job{Name: "etl", Then: then, Run: func(context.Context) (any, error) { return nil, nil }})
	if n := after.Load(); n != 1 {
		t.Fatalf("after a successful run, Then ran %d times, want 1", n)
	}
	r.doLogged(context.Background(), Job{Name: "etl", Then: then, Run: func(context.Context) (any, error) { return nil, errors.New("registry down") }})
	if n := after.Load(); n != 1 {
		t.Errorf("after a failed run, Then ran: %d runs in all, want 1", n)
	}
	h, err := r.History()
	if err != nil {
		t.Fatal(err)
	}
	var builds int
	for _, run := range h {
		if run.Job == "build" && run.Outcome == "ok" {
			builds++
		}
	}
	if builds != 1 {
		t.Errorf("history holds %d successful builds, want 1", builds)
	}
}
