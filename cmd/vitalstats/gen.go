package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"vitalstats"
	"vitalstats/etl/lake"
	"vitalstats/internal/pgserver"
	"vitalstats/internal/progress"
	"vitalstats/synth"
)

// runGen writes a synthetic registry (PostgreSQL tables and/or file drops)
// and its truth.json. This is the only file of the binary that knows the
// generator: the pipeline's commands must work on a real registry.
func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gen")
	configPath := configFlag(fs)
	scale := fs.Int64("scale", 0, "number of source `events` to generate (default gen.events of the config)")
	seed := fs.Uint64("seed", 0, "random `seed` (default gen.seed of the config)")
	to := fs.String("to", "both", "`where` to write: files (CSV/NDJSON drops in gen.inbox), postgres (the registry) or both")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	toFiles, toPG, err := genTargets(*to)
	if err != nil {
		return err
	}
	if set["scale"] && *scale <= 0 {
		return usageError{fmt.Errorf("gen: -scale %d must be positive", *scale)}
	}
	cfg, err := loadFor(e, "gen", *configPath)
	if err != nil {
		return err
	}
	prof := synth.DefaultProfile()
	if err := cfg.decodeProfile(&prof); err != nil {
		return err
	}
	log := e.log.With("job", "gen")

	opt := synth.Options{
		Profile:   prof,
		Reference: cfg.referenceSource(),
		Events:    cfg.Gen.Events,
		Seed:      cfg.Gen.Seed,
		Truth:     cfg.Gen.Truth,
		Log:       log,
	}
	if set["scale"] {
		opt.Events = *scale
	}
	if set["seed"] {
		opt.Seed = *seed
	}
	if toFiles {
		opt.InboxDir = cfg.Gen.Inbox
	}
	if progress.IsTerminal(e.stderr) {
		opt.Progress = e.stderr
	}

	var managed *pgserver.Server
	if toPG {
		if cfg.Registry.DSN != "" {
			opt.DSN = cfg.Registry.DSN
		} else {
			managed, err = pgserver.StartWith(ctx, cfg.Registry.ManagedDir, pgserver.Options{Log: log})
			if err != nil {
				return fmt.Errorf("gen: start the registry's PostgreSQL in %s (registry.managed_dir): %w", cfg.Registry.ManagedDir, err)
			}
			opt.DSN = managed.DSN()
		}
	}

	start := time.Now()
	truth, genErr := synth.Generate(ctx, opt)
	elapsed := time.Since(start)
	// The managed server stops in every case, so no postgres outlives us;
	// its data stays in managed_dir for vitalstats etl.
	if managed != nil {
		if err := managed.Stop(); err != nil {
			genErr = errors.Join(genErr, fmt.Errorf("stop the registry's PostgreSQL in %s: %w", managed.Dir(), err))
		}
	}
	if genErr != nil {
		return fmt.Errorf("gen: %w", genErr)
	}
	// A generated registry is a new (synthetic) site: its lake is started
	// here, empty, so that vitalstats etl takes it without -init.
	l, err := lake.Open(cfg.ETL.Lake, log)
	if err != nil {
		return fmt.Errorf("gen: start the lake %s (etl.lake): %w", cfg.ETL.Lake, err)
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	log.Info("gen done", "events", opt.Events, "seed", opt.Seed, "elapsed", elapsed.Round(time.Millisecond).String())
	printGenSummary(e.stdout, cfg, opt, truth, managed, elapsed)
	return nil
}

// genTargets parses -to.
func genTargets(to string) (files, postgres bool, err error) {
	switch to {
	case "files":
		return true, false, nil
	case "postgres":
		return false, true, nil
	case "both":
		return true, true, nil
	}
	return false, false, usageError{fmt.Errorf("gen: -to %q: want files, postgres or both", to)}
}

// printGenSummary tells a person what was written and where to look.
func printGenSummary(w io.Writer, cfg *Config, opt synth.Options, truth *synth.Truth, managed *pgserver.Server, elapsed time.Duration) {
	fmt.Fprintf(w, "vitalstats gen: seed %d, %s events requested, done in %s\n\n",
		opt.Seed, thousands(opt.Events), elapsed.Round(100*time.Millisecond))
	row := func(name string, c synth.EventCounts) {
		fmt.Fprintf(w, "  %-13s %12s %12s %12s %12s %12s\n", name, thousands(c.Occurred), thousands(c.Registered),
			thousands(c.Records), thousands(c.RegistryRows), thousands(c.FileRows))
	}
	fmt.Fprintf(w, "  %-13s %12s %12s %12s %12s %12s\n", "event", "occurred", "registered", "records", "registry", "file drops")
	var total synth.EventCounts
	for _, name := range eventOrder(truth.Events) {
		c := truth.Events[name]
		if c == nil {
			continue
		}
		row(name, *c)
		total.Occurred += c.Occurred
		total.Registered += c.Registered
		total.Records += c.Records
		total.RegistryRows += c.RegistryRows
		total.FileRows += c.FileRows
	}
	row("total", total)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  truth     %s\n", opt.Truth)
	if b, d := truth.Events["birth"], truth.Events["death"]; b != nil && d != nil && opt.Truth != "" {
		// The answers a matcher of records without KIDC is checked against.
		fmt.Fprintf(w, "            %s groups of one event recorded twice (truth_duplicates.csv), %s twin pairs (truth_twins.csv)\n",
			thousands(b.DuplicateGroups+d.DuplicateGroups), thousands(b.TwinPairs))
	}
	if opt.InboxDir != "" {
		fmt.Fprintf(w, "  files     %s%c (CSV and NDJSON drops)\n", opt.InboxDir, filepath.Separator)
	}
	switch {
	case managed != nil:
		// The server is stopped so that no postgres outlives the command; the
		// port stays in its config, so the DSN works again once restarted.
		pgctl, pgdata := "/usr/lib/postgresql/15/bin/pg_ctl", filepath.Join(managed.Dir(), "data")
		fmt.Fprintf(w, "  registry  PostgreSQL 15 cluster in %s (stopped again; its data stays for vitalstats etl)\n", cfg.Registry.ManagedDir)
		fmt.Fprintf(w, "            to look inside (as root, prefix pg_ctl with: runuser -u postgres --):\n")
		fmt.Fprintf(w, "              %s -D %s -l %s start\n", pgctl, pgdata, managed.LogPath())
		fmt.Fprintf(w, "              psql '%s'\n", managed.DSN())
		fmt.Fprintf(w, "              %s -D %s stop\n", pgctl, pgdata)
	case opt.DSN != "":
		fmt.Fprintf(w, "  registry  %s (registry.dsn)\n", redactDSN(opt.DSN))
	}
}

// eventOrder lists the event types of truth in the vocabulary's order, then
// any others the generator added, sorted.
func eventOrder[V any](m map[string]V) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range vitalstats.EventTypes {
		if _, ok := m[string(t)]; ok {
			out = append(out, string(t))
			seen[string(t)] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// thousands writes n with comma separators, as tables of counts are read.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// redactDSN hides a password in a connection URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
