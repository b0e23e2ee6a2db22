package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the version the warehouse runs on, for the machine description

	"vitalstats/internal/benchreport"
	"vitalstats/internal/progress"
)

// The benchmark (DESIGN.md section 6, issue #7) is a list of steps run in
// order on one national-scale registry (and, where a figure is compared
// with a smaller warehouse, a small one), each generated once and cached.
// Every command whose time or memory is a figure runs in a child process
// (this binary, re-executed), so that its peak RSS is its own. A step adds
// figures to the results; later issues add steps (the warehouse build, the
// dashboards' p95) to benchSteps. A step may also run another program as a
// measured child (the R data.table baseline, bench_baseline.go).
//
// Files: bench.go (this: flags, steps, child processes), bench_registry.go
// (the cached registries), bench_etl.go (the ETL steps), bench_build.go (the
// warehouse build), bench_baseline.go (the R data.table baseline). The results, the
// machine description and the reports are package internal/benchreport.

// benchStep is one part of the benchmark.
type benchStep struct {
	name  string // short, for logs and the report
	title string
	how   string // how it is measured, for BENCHMARKS.md
	run   func(ctx context.Context, b *bencher) error
}

// benchSteps run in this order; a step may use what an earlier one left
// (the national lake of the backfill steps).
var benchSteps = []benchStep{
	stepCopy,
	stepETLRegistry,
	stepETLFiles,
	stepBuild,
	stepDashboards,
	stepExport,
	stepBaselineR,
	stepIncremental,
}

// benchOptions are the flags of vitalstats bench.
type benchOptions struct {
	scale, small int64
	seed         uint64
	dir          string // cache/ and run/
	out          string // bench/results.json and BENCHMARKS.md
	baseline     bool   // run the R data.table baseline (needs Rscript)
}

// bencher is the state of one benchmark run, shared by the steps.
type bencher struct {
	e      *env
	log    *slog.Logger
	opt    benchOptions
	res    *benchreport.Results
	runDir string // this run's lakes and logs, emptied at the start

	regs        map[int64]*benchRegistry // by scale; started on first use
	fingerprint string                   // of the generator's output, for the cache keys
	lakes       map[string]*benchLake    // by name
	rVersion    string                   // of the R baseline, when it ran
}

// runBench runs the benchmark of DESIGN.md section 6 on generated data.
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench")
	var o benchOptions
	fs.Int64Var(&o.scale, "scale", 16_000_000, "size of the national-scale registry the benchmark runs on, in `EVENTS`")
	fs.Int64Var(&o.small, "small", 1_000_000, "size of the small registry the daily increment is compared with, in `EVENTS` (less than -scale)")
	fs.Uint64Var(&o.seed, "seed", 2002, "the generator's random seed `N`")
	fs.StringVar(&o.dir, "dir", "data/bench", "`DIR` holding the cached registries (DIR/cache) and this run's lakes and logs (DIR/run); user postgres must be able to reach it")
	fs.StringVar(&o.out, "out", ".", "the results go to `DIR`/bench/results.json and DIR/BENCHMARKS.md")
	fs.BoolVar(&o.baseline, "baseline", true, "run the R data.table baseline (needs Rscript and data.table, which make bench installs; the script is "+baselineScript+" under the working directory)")
	dashOnly := fs.String("dashboards", "", "measure only the dashboards step, on the warehouse of `CONFIG` (a previous run's DIR/run/national/vitalstats.toml, left as it is): to re-measure a change of the pages without the hour of the whole run; give -out a folder of its own")
	incOnly := fs.String("incremental", "", "measure only the daily cycle, on the lake and warehouse of `CONFIG` (a previous run's DIR/run/national/vitalstats.toml; the increments are added to its lake) and a small lake made now: to re-measure the daily increment without the whole run; give -out a folder of its own")
	copyFrom := fs.String("copy-from", "", "internal, the child process of the COPY step: stream the registry extract queries at this `DSN` as binary COPY, print the row counts, exit")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *copyFrom != "" {
		return copyRegistry(ctx, e, *copyFrom)
	}
	switch {
	case o.scale <= 0 || o.small <= 0:
		return usageError{fmt.Errorf("bench: -scale %d and -small %d must be positive", o.scale, o.small)}
	case o.small >= o.scale:
		return usageError{fmt.Errorf("bench: -small %d must be less than -scale %d", o.small, o.scale)}
	}
	// The configs the bench writes name its folders, and a config's paths
	// are relative to its own folder: give them whole.
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	o.dir = abs
	b := &bencher{e: e, log: e.log.With("job", "bench"), opt: o, runDir: filepath.Join(o.dir, "run"),
		regs: map[int64]*benchRegistry{}, lakes: map[string]*benchLake{}}
	steps := benchSteps
	if *dashOnly != "" && *incOnly != "" {
		return usageError{fmt.Errorf("bench: -dashboards and -incremental measure one step each: give one")}
	}
	if *dashOnly != "" || *incOnly != "" {
		var tmp string
		if tmp, err = os.MkdirTemp("", "vitalstats-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		b.runDir = filepath.Join(tmp, "run")
		if *dashOnly != "" {
			steps = []benchStep{stepDashboards}
			err = b.givenLake(*dashOnly, "-dashboards", nil, tmp)
		} else {
			steps = []benchStep{stepIncremental}
			reg, rerr := b.registry(ctx, o.scale)
			if rerr != nil {
				err = rerr
			} else {
				err = b.givenLake(*incOnly, "-incremental", reg, tmp)
			}
		}
	}
	if err == nil {
		err = b.run(ctx, steps)
	}
	if cerr := b.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

func (b *bencher) run(ctx context.Context, steps []benchStep) error {
	started := time.Now()
	jsonPath := filepath.Join(b.opt.out, "bench", "results.json")
	mdPath := filepath.Join(b.opt.out, "BENCHMARKS.md")
	// Read the previous results first: a file we cannot compare with is
	// worth saying before the long steps, not after.
	prev, err := benchreport.Load(jsonPath)
	if err != nil {
		b.log.Warn("the previous results are not compared", "err", err)
	}
	b.res = benchreport.New(started, versionString(), b.opt.scale, benchreport.Describe())
	if err := os.RemoveAll(b.runDir); err != nil {
		return fmt.Errorf("bench: empty %s: %w", b.runDir, err)
	}
	if err := os.MkdirAll(filepath.Join(b.runDir, "logs"), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	b.log.Info("bench start", "scale", b.opt.scale, "small", b.opt.small, "seed", b.opt.seed, "dir", b.opt.dir, "steps", len(steps))

	for _, s := range steps {
		t0 := time.Now()
		b.log.Info("bench step", "step", s.name, "title", s.title)
		if err := s.run(ctx, b); err != nil {
			return fmt.Errorf("bench %s: %w", s.name, err)
		}
		el := time.Since(t0)
		b.res.Steps = append(b.res.Steps, benchreport.Step{Name: s.name, Title: s.title, How: s.how, Elapsed: el.Round(time.Millisecond).Seconds()})
		b.log.Info("bench step done", "step", s.name, "elapsed", el.Round(time.Millisecond).String())
	}

	b.describeSetup(ctx)
	total := time.Since(started)
	if err := b.res.Add(benchreport.Figure{Name: "bench.total.seconds", Label: "whole benchmark run",
		Value: total.Seconds(), Unit: benchreport.Seconds, Target: &benchreport.Target{ValueMax: 30 * 60},
		Note: b.cacheNote()}); err != nil {
		return err
	}
	if err := b.res.Finish(total); err != nil {
		return err
	}
	b.res.Compare(prev)
	if err := b.res.Write(jsonPath, mdPath); err != nil {
		return err
	}
	fmt.Fprintf(b.e.stdout, "vitalstats bench: %s events (seed %d), done in %s\n\n", thousands(b.opt.scale), b.opt.seed, total.Round(time.Second))
	fmt.Fprint(b.e.stdout, b.res.Text())
	fmt.Fprintf(b.e.stdout, "\nwritten: %s, %s\n", jsonPath, mdPath)
	return nil
}

// cacheNote says whether the registries were generated by this run, which
// the whole run's time depends on.
func (b *bencher) cacheNote() string {
	for _, r := range b.regs {
		if !r.cached {
			return "registries generated by this run"
		}
	}
	return "registries cached"
}

// describeSetup records what the figures were measured on.
func (b *bencher) describeSetup(ctx context.Context) {
	b.res.Setup = append(b.res.Setup, benchreport.Item{Name: "seed", Value: fmt.Sprint(b.opt.seed)})
	for _, scale := range []int64{b.opt.scale, b.opt.small} {
		if r := b.regs[scale]; r != nil {
			b.res.Setup = append(b.res.Setup, benchreport.Item{Name: "registry " + r.label, Value: r.describe()})
		}
	}
	sw := []benchreport.Item{{Name: "DuckDB", Value: duckdbVersion(ctx)}}
	if r := b.regs[b.opt.scale]; r != nil {
		sw = append(sw, benchreport.Item{Name: "PostgreSQL", Value: r.serverVersion(ctx)})
	}
	if b.rVersion != "" {
		sw = append(sw, benchreport.Item{Name: "R", Value: b.rVersion})
	}
	b.res.Machine.Software = sw
}

// duckdbVersion asks the linked DuckDB library for its version.
func duckdbVersion(ctx context.Context) string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer db.Close()
	var v, src string
	if err := db.QueryRowContext(ctx, "select library_version, source_id from pragma_version()").Scan(&v, &src); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return v + " (" + src + ")"
}

// close stops the registries' servers; their clusters stay cached.
func (b *bencher) close() error {
	var errs []error
	for _, r := range b.regs {
		if r.srv != nil {
			if err := r.srv.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("bench: stop the registry in %s: %w", r.dir, err))
			}
		}
	}
	return errors.Join(errs...)
}

// childRun is what a child process measured.
type childRun struct {
	elapsed time.Duration
	maxRSS  int64 // bytes, the child's own peak resident set
	stdout  []byte
}

func (c childRun) seconds() float64 { return c.elapsed.Seconds() }
func (c childRun) rssMiB() float64  { return float64(c.maxRSS) / (1 << 20) }

// child runs this binary with args in a child process and measures it: wall
// time from start to exit and the child's peak RSS (getrusage). Its stdout
// is kept (and saved under run/logs); its stderr goes to ours, so its
// progress shows, and to a log file. (Under go test the binary is the test
// binary, which TestMain turns into this command.)
func (b *bencher) child(ctx context.Context, name string, args ...string) (childRun, error) {
	exe, err := selfExecutable()
	if err != nil {
		return childRun{}, fmt.Errorf("find this binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Args[0] = "vitalstats"
	return b.measure(name, cmd)
}

// measure runs cmd (any program: this binary, or a baseline such as
// Rscript) and measures it as child does.
func (b *bencher) measure(name string, cmd *exec.Cmd) (childRun, error) {
	args := cmd.Args[1:]
	logs := filepath.Join(b.runDir, "logs")
	errFile, err := os.Create(filepath.Join(logs, name+".err"))
	if err != nil {
		return childRun{}, err
	}
	defer errFile.Close()
	var stdout bytes.Buffer
	tail := &tailWriter{max: 4096}
	cmd.Stdout = &stdout
	// On a terminal the child draws its own progress bar, which it does only
	// when its stderr is the terminal itself.
	if f, ok := b.e.stderr.(*os.File); ok && progress.IsTerminal(f) {
		cmd.Stderr = f
	} else {
		cmd.Stderr = io.MultiWriter(b.e.stderr, errFile, tail)
	}
	// Interrupted, the child gets the chance to stop cleanly (an ETL run
	// leaves the lake as it was) before it is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	b.log.Info("bench child", "name", name, "args", strings.Join(args, " "))
	start := time.Now()
	runErr := cmd.Run()
	run := childRun{elapsed: time.Since(start), stdout: stdout.Bytes()}
	if err := os.WriteFile(filepath.Join(logs, name+".out"), run.stdout, 0o644); err != nil {
		return run, err
	}
	if runErr != nil {
		msg := strings.TrimSpace(tail.String())
		if i := strings.LastIndex(msg, "vitalstats: "); i >= 0 {
			msg = msg[i:]
		} else if msg == "" {
			msg = "its error is above"
		}
		return run, fmt.Errorf("%s (%s): %w: %s", name, strings.Join(args, " "), runErr, msg)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.maxRSS = int64(ru.Maxrss) << 10 // kilobytes on Linux
	}
	b.log.Info("bench child done", "name", name, "elapsed", run.elapsed.Round(time.Millisecond).String(),
		"max_rss_mib", int64(run.rssMiB()))
	return run, nil
}

// selfExecutable is the binary this process runs. On Linux that is
// /proc/self/exe, which stays this very binary when its path is rebuilt
// during the run (a make build elsewhere in the checkout): the children must
// run the parent's code.
func selfExecutable() (string, error) {
	const self = "/proc/self/exe"
	if _, err := os.Stat(self); err == nil {
		return self, nil
	}
	return os.Executable()
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string { return string(t.buf) }

// scaleLabel writes a number of events as people say it: 16 M, 20 k.
func scaleLabel(n int64) string {
	switch {
	case n >= 1_000_000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + " M"
	case n >= 1_000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e3), ".0") + " k"
	}
	return fmt.Sprint(n)
}

// median of a few timings (the daily increment is repeated: one sub-second
// run on a shared machine is noise).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
