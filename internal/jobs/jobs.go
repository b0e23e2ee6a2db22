// Package jobs runs scheduled work: cron decides when, and the function it
// calls is the same one the command line runs. Jobs recover from panics, are
// skipped while still running, retry with backoff, catch up at start-up when
// a scheduled run was missed, and leave a run history for the dashboards.
// Runs of different processes never overlap: each run holds an exclusive
// lock file (manual runs take the same lock).
package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one kind of scheduled work.
type Job struct {
	Name     string
	Schedule string                                 // a cron spec; "CRON_TZ=Area/City ..." sets its time zone
	Run      func(ctx context.Context) (any, error) // returns a summary for the history
	// Then runs after each successful scheduled run (the warehouse build
	// after the ETL), under the lock of its own run.
	Then *Job
}

// Run is one entry of the history.
type Run struct {
	Job      string    `json:"job"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Attempt  int       `json:"attempt"`
	Outcome  string    `json:"outcome"` // ok, failed, skipped
	Error    string    `json:"error,omitempty"`
	Summary  any       `json:"summary,omitempty"`
}

// Runner schedules jobs and records their runs.
type Runner struct {
	dir       string // holds the lock file and runs.jsonl
	log       *slog.Logger
	retries   int
	backoff   time.Duration
	mu        sync.Mutex // serialises writes to the history
	cron      *cron.Cron
	defaultTZ *time.Location
}

// Options tune a Runner.
type Options struct {
	Retries  int           // attempts after the first failure (default 3; negative: none)
	Backoff  time.Duration // first wait, doubled each retry (default 1 minute)
	TimeZone string        // for specs without CRON_TZ (default Asia/Phnom_Penh)
}

// New prepares a Runner keeping its lock and history in dir.
func New(dir string, log *slog.Logger, opt Options) (*Runner, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	switch {
	case opt.Retries == 0:
		opt.Retries = 3
	case opt.Retries < 0: // a manual run: no retries
		opt.Retries = 0
	}
	if opt.Backoff == 0 {
		opt.Backoff = time.Minute
	}
	if opt.TimeZone == "" {
		opt.TimeZone = "Asia/Phnom_Penh"
	}
	tz, err := time.LoadLocation(opt.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("jobs: time zone %q: %w", opt.TimeZone, err)
	}
	return &Runner{dir: dir, log: log, retries: opt.Retries, backoff: opt.Backoff, defaultTZ: tz}, nil
}

// Lock takes the process-wide run lock, waiting until ctx ends. Manual runs
// call it too, so a scheduled and a manual run never overlap.
func Lock(ctx context.Context, dir string) (unlock func(), err error) {
	return LockFor(ctx, dir, "", nil)
}

// Holder is who holds the run lock: the holder writes it into the lock file,
// for the messages of those who wait.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Job     string    `json:"job,omitempty"`
	Since   time.Time `json:"since"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "an unknown process"
	}
	s := fmt.Sprintf("pid %d (%s", h.PID, h.Command)
	if h.Job != "" {
		s += ", job " + h.Job
	}
	return s + ", since " + h.Since.Format(time.RFC3339) + ")"
}

// ReadHolder reads who holds (or last held) the run lock of dir; the zero
// Holder when the file says nothing.
func ReadHolder(dir string) Holder {
	var h Holder
	b, err := os.ReadFile(filepath.Join(dir, lockName))
	if err == nil {
		json.Unmarshal(b, &h)
	}
	return h
}

const lockName = "run.lock"

// lockWaitLog is how often a wait for the run lock is logged again.
var lockWaitLog = 30 * time.Second

// LockFor is Lock for job: a wait is logged on log (when not nil) at once,
// naming the holder, then every 30 seconds, and when it ends.
func LockFor(ctx context.Context, dir, job string, log *slog.Logger) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	var waitStart, lastLog time.Time
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			if log != nil && !waitStart.IsZero() {
				log.Info("run lock taken", "job", job, "waited", time.Since(waitStart).Round(time.Millisecond).String())
			}
			// Who holds the lock, for those who wait; the flock is the lock.
			b, _ := json.Marshal(Holder{PID: os.Getpid(), Command: command(), Job: job, Since: time.Now().UTC()})
			if f.Truncate(0) == nil {
				f.WriteAt(append(b, '\n'), 0)
			}
			return func() {
				f.Truncate(0)
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("jobs: lock %s: %w", f.Name(), err)
		}
		now := time.Now()
		if waitStart.IsZero() {
			waitStart = now
		}
		if log != nil && (lastLog.IsZero() || now.Sub(lastLog) >= lockWaitLog) {
			h := ReadHolder(dir)
			msg := "waiting for the run lock"
			if !lastLog.IsZero() {
				msg = "still waiting for the run lock"
			}
			log.Info(msg, "job", job, "lock", f.Name(), "holder", h.String(), "holder_pid", h.PID,
				"holder_command", h.Command, "holder_job", h.Job, "holder_since", h.Since, "waited", now.Sub(waitStart).Round(time.Second).String())
			lastLog = now
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("jobs: %s holds %s: %w", ReadHolder(dir), f.Name(), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// command is this process's command line, shortened, for Holder.
func command() string {
	s := filepath.Base(os.Args[0])
	for _, a := range os.Args[1:] {
		s += " " + a
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Do runs job once now: under the lock, recovering a panic, retrying with
// backoff, recording every attempt. It returns the last attempt's error.
func (r *Runner) Do(ctx context.Context, job Job) error {
	unlock, err := LockFor(ctx, r.dir, job.Name, r.log)
	if err != nil {
		r.record(Run{Job: job.Name, Started: time.Now().UTC(), Finished: time.Now().UTC(), Outcome: "skipped", Error: err.Error()})
		return err
	}
	defer unlock()
	wait := r.backoff
	for attempt := 1; ; attempt++ {
		run := Run{Job: job.Name, Started: time.Now().UTC(), Attempt: attempt}
		sum, err := safely(ctx, job.Run)
		run.Finished, run.Summary = time.Now().UTC(), sum
		if err == nil {
			run.Outcome = "ok"
			r.record(run)
			return nil
		}
		run.Outcome, run.Error = "failed", err.Error()
		r.record(run)
		if attempt > r.retries || ctx.Err() != nil {
			// The caller reports the final error (the edge logs each error once).
			return err
		}
		r.log.Warn("job failed; will retry", "job", job.Name, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// safely runs fn, turning a panic into an error with its stack.
func safely(ctx context.Context, fn func(context.Context) (any, error)) (sum any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx)
}

// Start schedules the jobs and runs, at once, each job whose last
// successful run is older than its latest scheduled time (catch-up).
func (r *Runner) Start(ctx context.Context, jobs []Job) error {
	r.cron = cron.New(cron.WithLocation(r.defaultTZ), cron.WithChain(cron.Recover(cronLogger{r.log}), cron.SkipIfStillRunning(cronLogger{r.log})))
	var due []Job
	history, err := r.History()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		sched, err := cron.ParseStandard(j.Schedule)
		if err != nil {
			return fmt.Errorf("jobs: %s: schedule %q: %w", j.Name, j.Schedule, err)
		}
		if missed(sched, lastOK(history, j.Name), time.Now()) {
			due = append(due, j)
		}
		if _, err := r.cron.AddFunc(j.Schedule, func() { r.doLogged(ctx, j) }); err != nil {
			return fmt.Errorf("jobs: %s: %w", j.Name, err)
		}
	}
	r.cron.Start()
	for _, j := range due {
		r.log.Info("catch-up run", "job", j.Name)
		go r.doLogged(ctx, j)
	}
	return nil
}

// doLogged runs a scheduled job; its error is in the history and the log.
func (r *Runner) doLogged(ctx context.Context, j Job) {
	if err := r.Do(ctx, j); err != nil {
		r.log.Error("job failed", "job", j.Name, "err", err)
		return
	}
	if j.Then != nil {
		r.doLogged(ctx, *j.Then)
	}
}

// Stop stops scheduling and waits for running jobs.
func (r *Runner) Stop() {
	if r.cron != nil {
		<-r.cron.Stop().Done()
	}
}

// missed says whether a run was scheduled between the last success and now.
func missed(s cron.Schedule, last, now time.Time) bool {
	if last.IsZero() {
		return true
	}
	return !s.Next(last).After(now)
}

func lastOK(history []Run, job string) time.Time {
	var t time.Time
	for _, r := range history {
		if r.Job == job && r.Outcome == "ok" && r.Started.After(t) {
			t = r.Started
		}
	}
	return t
}

func (r *Runner) historyPath() string { return filepath.Join(r.dir, "runs.jsonl") }

// record appends a run to the history (one JSON line, appended atomically
// enough for a log: a torn last line is skipped when read).
func (r *Runner) record(run Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := json.Marshal(run)
	if err == nil {
		var f *os.File
		f, err = os.OpenFile(r.historyPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		r.log.Error("jobs: run history not written", "err", err)
	}
}

// History reads the run history, oldest first.
func (r *Runner) History() ([]Run, error) { return ReadHistory(r.historyPath()) }

// ReadHistory reads a runs.jsonl file; a missing file is an empty history.
func ReadHistory(path string) ([]Run, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []Run
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var run Run
		if json.Unmarshal(sc.Bytes(), &run) == nil {
			runs = append(runs, run)
		}
	}
	return runs, sc.Err()
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
