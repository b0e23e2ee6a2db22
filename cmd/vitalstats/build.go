package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"vitalstats/etl"
	"vitalstats/etl/lake"
	"vitalstats/internal/jobs"
	"vitalstats/warehouse"
)

// runBuild builds a new warehouse file from the committed lake with the SQL
// models, runs the checks, and swaps it in atomically. It holds the same run
// lock as the ETL, so no ETL run or compaction changes the lake under it.
func runBuild(ctx context.Context, e *env, args []string) error {
	fs := newFlags("build")
	configPath := configFlag(fs)
	only := fs.String("only", "", "build only these `INDICATORS` (comma-separated) and the models they read, into -out")
	out := fs.String("out", "", "with -only, the DuckDB `FILE` to write; the configured warehouse is never replaced by a part of itself")
	accept := fs.Bool("accept-changes", false, "swap the new warehouse in even if its counted events fell or rose beyond [warehouse] max_fall and max_rise from the previous build's (an intended change; build_info records it)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadFor(e, "build", *configPath)
	if err != nil {
		return err
	}
	if (*only == "") != (*out == "") {
		return usageError{errors.New("build: -only and -out go together")}
	}
	if *only != "" {
		same, err := samePath(*out, cfg.Warehouse.Path)
		if err != nil {
			return err
		}
		if same {
			return usageError{errors.New("build: -out is the configured warehouse; a build of some indicators goes to a file of its own")}
		}
		cfg.Warehouse.Path = *out
		cfg.buildOnly = strings.Split(*only, ",")
	}
	cfg.acceptChanges = *accept
	runner, err := cfg.jobRunner(e, jobs.Options{Retries: -1})
	if err != nil {
		return err
	}
	var sum *warehouse.BuildSummary
	if err := runner.Do(ctx, cfg.buildJob(e, &sum)); err != nil {
		return err // already says "build: …"
	}
	printBuildSummary(e.stdout, sum)
	return nil
}

// buildJob is the build as a job, for build and serve.
func (c *Config) buildJob(e *env, last **warehouse.BuildSummary) jobs.Job {
	return jobs.Job{Name: "build", Run: func(ctx context.Context) (any, error) {
		sum, err := c.runBuildOnce(ctx, e)
		if last != nil {
			*last = sum
		}
		return sum, err
	}}
}

func (c *Config) runBuildOnce(ctx context.Context, e *env) (*warehouse.BuildSummary, error) {
	log := e.log.With("job", "build")
	in, done, err := c.buildInput(log)
	if err != nil {
		return nil, err
	}
	defer done()
	return c.build(ctx, in, log)
}

// build runs warehouse.Build on the configured warehouse; a build refused
// as implausible says how to accept it.
func (c *Config) build(ctx context.Context, in warehouse.BuildInput, log *slog.Logger) (*warehouse.BuildSummary, error) {
	sum, err := warehouse.Build(ctx, c.Warehouse.Path, c.warehouseOptions(), in, log)
	if p := (*warehouse.PlausibilityError)(nil); errors.As(err, &p) {
		return nil, fmt.Errorf("%w; %s is kept (-accept-changes accepts an intended change)", err, c.Warehouse.Path)
	}
	return sum, err
}

// buildInput is what a build (or an export's extracts) reads: a snapshot of
// the lake's committed files, the reference data and the denominators. done
// removes the snapshot's scratch files.
func (c *Config) buildInput(log *slog.Logger) (in warehouse.BuildInput, done func(), err error) {
	if err := c.expectLake(); err != nil {
		return in, nil, err
	}
	removeLeftoverScratch(log)
	l, err := lake.Open(c.ETL.Lake, log)
	if err != nil {
		return in, nil, err
	}
	defer l.Close()
	empty, release, err := warehouse.NewScratch(emptyPrefix)
	if err != nil {
		return in, nil, err
	}
	snap, err := etl.TakeSnapshot(l, empty)
	if err != nil {
		release()
		return in, nil, err
	}
	asOf, _ := c.asOf() // checked by loadConfig
	secret, err := c.secret()
	if err != nil {
		release()
		return in, nil, err
	}
	in = warehouse.BuildInput{
		CellKey:          cellKey(secret),
		Lake:             snap.Files,
		Snapshot:         fmt.Sprintf("manifest entry %d (%s)", snap.Seq, snap.Batch),
		Reference:        c.referenceSource(),
		Population:       c.Warehouse.Population,
		AsOf:             asOf, // zero: the build dates the data by their latest registration
		Version:          codeVersion(),
		CensusYears:      c.Warehouse.CensusYears,
		ProvisionalShare: c.Warehouse.ProvisionalShare,
		KeepIntermediate: c.Warehouse.KeepIntermediate,
		Only:             c.buildOnly,
		Guard:            c.guard(),
	}
	return in, release, nil
}

// emptyPrefix names the scratch folders of a lake snapshot's empty tables.
const emptyPrefix = "vitalstats-empty-"

// removeLeftoverScratch removes the scratch folders that killed builds and
// exports left in the system's temporary folder (DuckDB's work folders, a
// snapshot's empty tables): only those no running process holds.
func removeLeftoverScratch(log *slog.Logger) {
	removed, err := warehouse.RemoveLeftovers(warehouse.WorkDirPrefix, emptyPrefix)
	for _, d := range removed {
		log.Info("removed the scratch folder of a killed run", "folder", d)
	}
	if err != nil {
		log.Warn("scratch folders of killed runs not all removed", "err", err)
	}
}

// cellKey derives the key of the publication layer's noise from the site
// secret, apart from the identity hashes' use of it.
func cellKey(secret []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("vitalstats publication cell key v1"))
	return h.Sum(nil)
}

// samePath reports whether two paths name the same file (after making them absolute).
func samePath(a, b string) (bool, error) {
	x, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	y, err := filepath.Abs(b)
	if err != nil {
		return false, err
	}
	return x == y, nil
}

// guard is the plausibility limits of [warehouse], with -accept-changes.
func (c *Config) guard() warehouse.Guard {
	return warehouse.Guard{MaxFall: c.Warehouse.MaxFall, MinEvents: c.Warehouse.MaxFallMinEvents,
		MaxRise: c.Warehouse.MaxRise, Accept: c.acceptChanges}
}

func (c *Config) warehouseOptions() warehouse.Options {
	return warehouse.Options{Threads: c.Warehouse.Threads, MemoryLimit: c.Warehouse.MemoryLimit}
}

// readOptions open the current warehouse for reading (check, serve, export).
func (c *Config) readOptions() warehouse.Options {
	o := c.warehouseOptions()
	o.ReadOnly = true
	return o
}

// codeVersion is the code the binary was built from, as build_info and
// releases record it: the same as vitalstats version prints.
func codeVersion() string { return versionString() }

func printBuildSummary(w io.Writer, s *warehouse.BuildSummary) {
	if s == nil {
		return
	}
	fmt.Fprintf(w, "warehouse %s built in %s from %s: %d models, %d checks passed; data as of %s\n",
		s.Path, s.Elapsed.Round(time.Millisecond), s.Snapshot, s.Models, s.Checks, s.AsOf)
	for _, f := range s.Accepted {
		fmt.Fprintf(w, "  ACCEPTED (-accept-changes) %s\n", f)
	}
	names := make([]string, 0, len(s.Rows))
	for n := range s.Rows {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-40s %10d rows\n", n, s.Rows[n])
	}
}
