package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"vitalstats/etl"
	"vitalstats/internal/jobs"
	"vitalstats/internal/pgserver"
	"vitalstats/internal/progress"
)

// runETL extracts every source (registry, file drops, notifications) into
// the lake, incrementally, as one batch. It takes the same run lock as the
// scheduled jobs of vitalstats serve and is recorded in the same history.
func runETL(ctx context.Context, e *env, args []string) error {
	fs := newFlags("etl")
	configPath := configFlag(fs)
	init := fs.Bool("init", false, "start a new lake if there is none at etl.lake (the first run of a site); without it a missing lake stops the run")
	allow := fs.String("allow-missing", "", "run without these `SOURCES` (registry, inbox; comma-separated) if they are missing, as [etl] allow_missing does; otherwise a missing source fails the run")
	newSecret := fs.Bool("new-secret", false, "make a new site secret when etl.secret_file is missing (or carry on with a secret other than the one the lake records), although the lake holds data: identity hashes before and after differ, and duplicates across the change are not found")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadFor(e, "etl", *configPath)
	if err != nil {
		return err
	}
	boundHeap()
	if *allow != "" {
		more := strings.Split(*allow, ",")
		if err := checkSources(more); err != nil {
			return usageError{fmt.Errorf("etl: -allow-missing: %w", err)}
		}
		cfg.ETL.AllowMissing = append(cfg.ETL.AllowMissing, more...)
	}
	cfg.initLake = *init
	if err := cfg.expectLake(); err != nil { // before the run history is started there
		return fmt.Errorf("etl: %w", err)
	}
	runner, err := cfg.jobRunner(e, jobs.Options{Retries: -1})
	if err != nil {
		return err
	}
	var sum etl.Summary
	use := secretFirstUse
	if *newSecret {
		use = secretRenew
	}
	job := cfg.etlJobWith(e, &sum, use)
	if err := runner.Do(ctx, job); err != nil {
		if m := (*etl.MissingSourceError)(nil); errors.As(err, &m) {
			return fmt.Errorf("etl: %w (nothing committed; etl -allow-missing %s runs without it)", err, m.Source)
		}
		return fmt.Errorf("etl: %w", err)
	}
	printETLSummary(e.stdout, cfg, sum)
	return nil
}

// etlJob is the ETL as a job: the function both etl and serve run. The last
// summary is left in *last.
func (c *Config) etlJob(e *env, last *etl.Summary) jobs.Job {
	return c.etlJobWith(e, last, secretFirstUse)
}

// etlJobWith is etlJob with what the run may do about the site secret.
func (c *Config) etlJobWith(e *env, last *etl.Summary, use secretUse) jobs.Job {
	return jobs.Job{Name: "etl", Schedule: c.ETL.Schedule, Run: func(ctx context.Context) (any, error) {
		sum, err := c.runETLOnce(ctx, e, use)
		if last != nil {
			*last = sum
		}
		return sum, err
	}}
}

// jobRunner keeps the run lock and history under data_dir/jobs.
func (c *Config) jobRunner(e *env, opt jobs.Options) (*jobs.Runner, error) {
	opt.TimeZone = c.Jobs.TimeZone
	return jobs.New(filepath.Join(c.DataDir, "jobs"), e.log, opt)
}

func (c *Config) runETLOnce(ctx context.Context, e *env, use secretUse) (etl.Summary, error) {
	log := e.log.With("job", "etl")
	if err := c.expectLake(); err != nil {
		return etl.Summary{}, err
	}
	secret, err := c.siteSecret(use, log)
	if err != nil {
		return etl.Summary{}, err
	}
	ec := etl.Config{
		Lake:         c.ETL.Lake,
		Inbox:        c.ETL.Inbox,
		Extract:      c.ETL.Extract,
		Reference:    c.referenceSource(),
		Secret:       secret,
		Log:          log,
		CompactFiles: c.ETL.CompactFiles,
		Optional:     map[string]bool{},
		// validate has checked it
		InboxRequireMarker: c.ETL.InboxRequireMarker,
		LinkDecisions:      c.ETL.LinkDecisions,
	}
	ec.InboxSettle, _ = time.ParseDuration(c.ETL.InboxSettle)
	for _, s := range c.ETL.AllowMissing {
		ec.Optional[s] = true
	}
	if progress.IsTerminal(e.stderr) {
		ec.Progress = e.stderr
	}
	stop, err := c.registryDSN(ctx, e, &ec)
	if err != nil {
		return etl.Summary{}, err
	}
	sum, runErr := etl.Run(ctx, ec)
	if err := stop(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return sum, runErr
}

// registryDSN sets the run's registry: the configured DSN, or that of the
// managed server, which it starts (if its folder holds a cluster) and which
// the returned function stops. A managed folder with no cluster is a missing
// registry, which the run fails on unless the site allows it.
func (c *Config) registryDSN(ctx context.Context, e *env, ec *etl.Config) (stop func() error, err error) {
	stop = func() error { return nil }
	if c.Registry.DSN != "" {
		ec.DSN = c.Registry.DSN
		return stop, nil
	}
	if _, err := os.Stat(filepath.Join(c.Registry.ManagedDir, "data", "PG_VERSION")); err != nil {
		ec.RegistryMissing = fmt.Sprintf("no registry: registry.dsn is empty and registry.managed_dir %s holds no PostgreSQL cluster (vitalstats gen makes one)", c.Registry.ManagedDir)
		return stop, nil
	}
	srv, err := pgserver.StartWith(ctx, c.Registry.ManagedDir, pgserver.Options{Log: e.log})
	if err != nil {
		return nil, fmt.Errorf("start the registry's PostgreSQL in %s (registry.managed_dir): %w", c.Registry.ManagedDir, err)
	}
	ec.DSN = srv.DSN()
	return srv.Stop, nil
}

// checkSources fails on a name that is not a source etl may go without.
func checkSources(names []string) error {
	for _, n := range names {
		if n != etl.SourceRegistry && n != etl.SourceInbox {
			return fmt.Errorf("%q is not a source (registry or inbox)", n)
		}
	}
	return nil
}

// printETLSummary reconciles the run: extracted = loaded + quarantined.
func printETLSummary(w io.Writer, cfg *Config, s etl.Summary) {
	fmt.Fprintf(w, "vitalstats etl: batch %s committed in %s\n\n", s.Batch, s.Finished.Sub(s.Started).Round(100*time.Millisecond))
	fmt.Fprintf(w, "  %-9s %-13s %12s %12s %12s\n", "source", "event", "extracted", "loaded", "quarantined")
	var sources []string
	for src := range s.Counts {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	for _, src := range sources {
		for _, ev := range eventOrder(s.Counts[src]) {
			c := s.Counts[src][ev]
			fmt.Fprintf(w, "  %-9s %-13s %12s %12s %12s\n", src, ev, thousands(c.Extracted), thousands(c.Loaded), thousands(c.Quarantined))
		}
	}
	t := s.Total()
	fmt.Fprintf(w, "  %-23s %12s %12s %12s\n\n", "total", thousands(t.Extracted), thousands(t.Loaded), thousands(t.Quarantined))
	fmt.Fprintf(w, "  file drops: %d taken, %d rejected, %d seen before, %d left for the next run, %d refused\n",
		s.FilesTaken, s.FilesRejected, s.FilesSeen, len(s.FilesWaiting), len(s.FilesRefused))
	for _, m := range []struct {
		what  string
		files map[string]string
	}{{"WAITING (not complete yet)", s.FilesWaiting}, {"REFUSED (not read; remove it)", s.FilesRefused}} {
		names := make([]string, 0, len(m.files))
		for n := range m.files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %s %s: %s\n", m.what, n, m.files[n])
		}
	}
	for _, src := range []string{etl.SourceRegistry, etl.SourceInbox} {
		if why, ok := s.Missing[src]; ok {
			fmt.Fprintf(w, "  MISSING %s (allowed by -allow-missing or etl.allow_missing): %s\n", src, why)
		}
	}
	if len(s.Reasons) > 0 {
		fmt.Fprintf(w, "  quarantine reasons:")
		for _, r := range sortedByCount(s.Reasons) {
			fmt.Fprintf(w, " %s %s;", r, thousands(s.Reasons[r]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  lake: %s\n", cfg.ETL.Lake)
}

func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// etlHeap is the Go heap the ETL keeps to unless GOMEMLIMIT says
// otherwise. Without a limit the collector lets the heap grow to twice what
// is live: a national backfill (names encoded, then linked a year at a time
// with the lake's records of the years around) peaked at 2.7 GiB. Beside it
// the linkage's DuckDB holds at most 512 MB.
const etlHeap = 1200 << 20

// boundHeap sets the ETL's soft memory limit.
func boundHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(etlHeap)
	}
}
