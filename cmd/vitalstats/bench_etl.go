package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/jackc/pgx/v5/pgconn"

	"vitalstats"
	"vitalstats/etl"
	"vitalstats/etl/lake"
	"vitalstats/etl/source"
	"vitalstats/internal/benchreport"
	"vitalstats/internal/jobs"
	"vitalstats/internal/progress"
)

// The ETL steps of the benchmark (issue #3's figures): the source's limit,
// the backfill of the registry and of the file drops, and the daily
// increment on the national lake and on a small one.

// dailyBirths is the size of the daily increment (DESIGN.md section 6:
// about 1,500 events a day) and incrementCycles how often it is measured.
const (
	dailyBirths     = 1500
	incrementCycles = 3
)

var stepCopy = benchStep{
	name:  "copy",
	title: "binary COPY of the registry (the source's limit)",
	how: "every registry extract query (sql/extract/*.sql, from the beginning) as `COPY (query) TO STDOUT (FORMAT binary)` " +
		"in one read-only repeatable-read transaction, streamed to nowhere by a child process (pgx CopyTo). Before it, each query " +
		"is counted once, untimed, so that COPY and the ETL after it both read a warm cache, and the counts are checked " +
		"against the cached registry.",
	run: func(ctx context.Context, b *bencher) error {
		reg, err := b.registry(ctx, b.opt.scale)
		if err != nil {
			return err
		}
		if err := warmUp(ctx, b.log.With("registry", reg.label), reg); err != nil {
			return err
		}
		run, err := b.child(ctx, "copy", "bench", "-copy-from", reg.srv.DSN())
		if err != nil {
			return err
		}
		var res copyResult
		if err := json.Unmarshal(run.stdout, &res); err != nil {
			return fmt.Errorf("the COPY child's output: %w", err)
		}
		var rows int64
		for _, s := range source.Schemas {
			if res.Rows[s.Table] != reg.meta.Rows[s.Table] {
				return fmt.Errorf("COPY of %s gave %d rows, the registry holds %d", s.Table, res.Rows[s.Table], reg.meta.Rows[s.Table])
			}
			rows += res.Rows[s.Table]
		}
		l := reg.label
		return b.res.Add(
			benchreport.Figure{Name: "copy.registry.seconds", Label: "binary COPY, registry " + l, Value: run.seconds(), Unit: benchreport.Seconds},
			benchreport.Figure{Name: "copy.registry.rows", Label: "registry rows copied, " + l, Value: float64(rows), Unit: benchreport.Rows},
			benchreport.Figure{Name: "copy.registry.rss", Label: "peak RSS of the COPY client", Value: run.rssMiB(), Unit: benchreport.MiB},
		)
	},
}

var stepETLRegistry = benchStep{
	name:  "etl-registry",
	title: "backfill ETL of the registry",
	how: "`vitalstats etl` in a child process into a fresh lake, the inbox empty: every registry row extracted (one snapshot), " +
		"validated and written to Parquet. Its time is compared with the binary COPY of the same queries.",
	run: func(ctx context.Context, b *bencher) error {
		l, err := b.nationalLake(ctx)
		if err != nil {
			return err
		}
		reg := l.reg
		run, sum, err := b.etl(ctx, l, "etl-registry")
		if err != nil {
			return err
		}
		got := sourceTotal(sum, "registry")
		if got.Extracted != reg.meta.registryRows() || sourceTotal(sum, "file").Extracted != 0 {
			return fmt.Errorf("the backfill extracted %d registry rows and %d file rows; the registry holds %d and the inbox was empty",
				got.Extracted, sourceTotal(sum, "file").Extracted, reg.meta.registryRows())
		}
		return b.res.Add(append([]benchreport.Figure{
			benchreport.Figure{Name: "etl.registry.seconds", Label: "backfill ETL, registry " + reg.label, Value: run.seconds(), Unit: benchreport.Seconds,
				Peer:   "copy.registry.seconds",
				Target: &benchreport.Target{RatioMax: 1.5, Stretch: &benchreport.Target{RatioMax: 1.3}}},
			benchreport.Figure{Name: "etl.registry.run_seconds", Label: "backfill ETL, registry: etl.Run alone (no process start or exit)",
				Value: sum.Finished.Sub(sum.Started).Seconds(), Unit: benchreport.Seconds},
			benchreport.Figure{Name: "etl.registry.rows_per_s", Label: "backfill ETL, registry rows per second", Value: float64(got.Extracted) / run.seconds(), Unit: benchreport.RowsPerSec},
			benchreport.Figure{Name: "etl.registry.rss", Label: "peak RSS of the registry backfill", Value: run.rssMiB(), Unit: benchreport.MiB,
				Target: &benchreport.Target{ValueMax: 1024}},
		}, linkFigures("link.registry", "registry backfill", sum)...)...,
		)
	},
}

var stepETLFiles = benchStep{
	name:  "etl-files",
	title: "backfill ETL of the file drops",
	how: "the cached registry's file drops (CSV and NDJSON) are put in the inbox of the same lake and a second `vitalstats etl` " +
		"in a child process loads them; the full backfill is both runs.",
	run: func(ctx context.Context, b *bencher) error {
		l, err := b.nationalLake(ctx)
		if err != nil {
			return err
		}
		reg := l.reg
		files, err := linkInbox(reg.inbox(), l.inbox())
		if err != nil {
			return err
		}
		b.log.Info("file drops in the inbox", "files", files, "rows", reg.meta.FileRows)
		run, sum, err := b.etl(ctx, l, "etl-files")
		if err != nil {
			return err
		}
		got := sourceTotal(sum, "file")
		if sum.FilesTaken+sum.FilesRejected != files || sourceTotal(sum, "registry").Extracted != 0 {
			return fmt.Errorf("the file backfill took %d and rejected %d of %d files, and extracted %d registry rows (want 0)",
				sum.FilesTaken, sum.FilesRejected, files, sourceTotal(sum, "registry").Extracted)
		}
		if reg.meta.FileRows > 0 && got.Extracted == 0 {
			return fmt.Errorf("the file backfill extracted no rows of the %d in the drops", reg.meta.FileRows)
		}
		prev := b.res.Figure("etl.registry.seconds")
		prevRSS := b.res.Figure("etl.registry.rss")
		if prev == nil || prevRSS == nil {
			return fmt.Errorf("step etl-registry must run first")
		}
		err = b.res.Add(append([]benchreport.Figure{
			benchreport.Figure{Name: "etl.files.seconds", Label: "backfill ETL, file drops " + reg.label, Value: run.seconds(), Unit: benchreport.Seconds},
			benchreport.Figure{Name: "etl.files.rows", Label: "file-drop rows extracted", Value: float64(got.Extracted), Unit: benchreport.Rows},
			benchreport.Figure{Name: "etl.files.rows_per_s", Label: "backfill ETL, file-drop rows per second", Value: float64(got.Extracted) / run.seconds(), Unit: benchreport.RowsPerSec},
			benchreport.Figure{Name: "etl.files.rss", Label: "peak RSS of the file-drop backfill", Value: run.rssMiB(), Unit: benchreport.MiB},
			benchreport.Figure{Name: "etl.backfill.seconds", Label: "full backfill ETL (registry + file drops)", Value: prev.Value + run.seconds(), Unit: benchreport.Seconds},
			benchreport.Figure{Name: "etl.backfill.rss", Label: "peak RSS of the full backfill, its record linkage included", Value: max(prevRSS.Value, run.rssMiB()), Unit: benchreport.MiB,
				Target: &benchreport.Target{ValueMax: 2048}},
		}, linkFigures("link.files", "file-drop backfill", sum)...)...,
		)
		if err != nil {
			return err
		}
		return b.res.Add(linkBackfill(b.res)...)
	},
}

var stepIncremental = benchStep{
	name:  "incremental",
	title: "daily cycle, national warehouse against a small one",
	how: fmt.Sprintf("a small lake is loaded (untimed) from the small cached registry and its file drops; then, %d times and "+
		"alternating, the small and the national registry each get %s new birth registrations (copies of the latest ones with new "+
		"ids, created and updated now), `vitalstats etl` runs in a child process on its lake, and then `vitalstats build` rebuilds "+
		"its warehouse, as serve does after every successful ETL run: the daily cycle is both. Each figure is the median run; "+
		"the added births are deleted afterwards.", incrementCycles, thousands(dailyBirths)),
	run: func(ctx context.Context, b *bencher) (err error) {
		big, err := b.registry(ctx, b.opt.scale)
		if err != nil {
			return err
		}
		small, err := b.registry(ctx, b.opt.small)
		if err != nil {
			return err
		}
		national, err := b.lake("national", big)
		if err != nil {
			return err
		}
		sl, err := b.lake("small", small)
		if err != nil {
			return err
		}
		if _, err := linkInbox(small.inbox(), sl.inbox()); err != nil {
			return err
		}
		if _, sum, err := b.etl(ctx, sl, "etl-small-backfill"); err != nil {
			return err
		} else if got := sourceTotal(sum, "registry").Extracted; got != small.meta.registryRows() {
			return fmt.Errorf("the small backfill extracted %d registry rows of %d", got, small.meta.registryRows())
		}
		// The registries go back to what the cache holds and the lakes to
		// what they held, whatever happens: a later run on this lake
		// (-incremental) adds births with the same ids again.
		start := map[*benchLake]int64{}
		for _, l := range []*benchLake{sl, national} {
			if start[l], err = lakeEntryCount(l.lake); err != nil {
				return err
			}
		}
		defer func() {
			for _, r := range []*benchRegistry{small, big} {
				if cerr := r.removeAdded(context.WithoutCancel(ctx), b.log.With("registry", r.label)); cerr != nil && err == nil {
					err = cerr
				}
			}
			for l, seq := range start {
				if cerr := truncateLake(l.lake, seq, b.log); cerr != nil && err == nil {
					err = cerr
				}
			}
		}()
		times, cycles := map[*benchLake][]float64{}, map[*benchLake][]float64{}
		var rss float64
		var linking []float64 // the national increments' record linkage
		for i := range incrementCycles {
			for _, l := range []*benchLake{sl, national} {
				if err := l.reg.addBirths(ctx, dailyBirths); err != nil {
					return err
				}
				run, sum, err := b.etl(ctx, l, fmt.Sprintf("etl-increment-%s-%d", l.name, i+1))
				if err != nil {
					return err
				}
				if t := sum.Total(); t.Extracted != dailyBirths || sum.Counts["registry"]["birth"].Extracted != dailyBirths {
					return fmt.Errorf("the increment on the %s lake extracted %d records, want the %d new births", l.name, t.Extracted, dailyBirths)
				}
				times[l] = append(times[l], run.seconds())
				if l == national {
					rss = max(rss, run.rssMiB())
					if ls := sum.Linked["birth"]; ls != nil {
						linking = append(linking, ls.Seconds)
					}
				}
				// The dashboards show the day's events once the warehouse is
				// rebuilt: the daily cycle is both.
				build, err := b.child(ctx, fmt.Sprintf("build-increment-%s-%d", l.name, i+1), "build", "-config", l.config)
				if err != nil {
					return err
				}
				cycles[l] = append(cycles[l], run.seconds()+build.seconds())
			}
		}
		note := fmt.Sprintf("median of %d", incrementCycles)
		return b.res.Add(
			benchreport.Figure{Name: "etl.incremental.small.seconds", Label: "daily increment, " + small.label + " lake", Value: median(times[sl]), Unit: benchreport.Seconds, Note: note},
			benchreport.Figure{Name: "etl.incremental.seconds", Label: "daily increment, " + big.label + " lake", Value: median(times[national]), Unit: benchreport.Seconds, Note: note,
				Peer: "etl.incremental.small.seconds"},
			benchreport.Figure{Name: "etl.incremental.rss", Label: "peak RSS of the daily increment, " + big.label, Value: rss, Unit: benchreport.MiB},
			benchreport.Figure{Name: "link.incremental.seconds", Label: "record linkage of the daily increment's births with the " + big.label + " lake",
				Value: median(linking), Unit: benchreport.Seconds, Note: note, Target: &benchreport.Target{ValueMax: 2}},
			benchreport.Figure{Name: "cycle.small.seconds", Label: "daily cycle (increment + warehouse build), " + small.label + " warehouse", Value: median(cycles[sl]), Unit: benchreport.Seconds, Note: note},
			benchreport.Figure{Name: "cycle.seconds", Label: "daily cycle (increment + warehouse build), " + big.label + " warehouse", Value: median(cycles[national]), Unit: benchreport.Seconds, Note: note,
				Peer: "cycle.small.seconds", Target: &benchreport.Target{ValueMax: 2, RatioMax: 1.3}},
		)
	},
}

// benchLake is a lake of this run, with the config `vitalstats etl` reads.
type benchLake struct {
	name   string
	dir    string // data/ (the run history) and, made here, everything else
	lake   string
	config string
	reg    *benchRegistry
}

func (l *benchLake) inbox() string { return filepath.Join(l.dir, "inbox") }

// nationalLake is the lake of the national-scale registry, which most
// steps measure.
func (b *bencher) nationalLake(ctx context.Context) (*benchLake, error) {
	if l := b.lakes["national"]; l != nil { // made by an earlier step, or given (-dashboards, -incremental)
		return l, nil
	}
	reg, err := b.registry(ctx, b.opt.scale)
	if err != nil {
		return nil, err
	}
	return b.lake("national", reg)
}

// givenLake makes the national lake the one of an earlier run's config.
// With a registry (the daily cycle), the config is rewritten into tmp: the
// ETL reads the registry's server, which listens on a new port each time it
// starts, and the run history and the warehouse go to tmp/national, leaving
// the given ones as they are; the lake stays the given one.
func (b *bencher) givenLake(config, flag string, reg *benchRegistry, tmp string) error {
	cfg, err := filepath.Abs(config)
	if err != nil {
		return err
	}
	var c map[string]any
	if _, err := toml.DecodeFile(cfg, &c); err != nil {
		return usageError{fmt.Errorf("bench: %s: %w", flag, err)}
	}
	section := func(name string) map[string]any {
		m, _ := c[name].(map[string]any)
		return m
	}
	lakeDir, _ := section("etl")["lake"].(string)
	if !filepath.IsAbs(lakeDir) {
		return usageError{fmt.Errorf("bench: %s: %s names no lake by its whole path ([etl] lake)", flag, cfg)}
	}
	l := &benchLake{name: "national", dir: filepath.Dir(cfg), lake: lakeDir, config: cfg, reg: reg}
	if reg != nil {
		if section("registry") == nil || section("warehouse") == nil {
			return usageError{fmt.Errorf("bench: %s: %s has no [registry] or [warehouse]", flag, cfg)}
		}
		l.dir = filepath.Join(tmp, "national")
		section("registry")["dsn"] = reg.srv.DSN()
		section("warehouse")["path"] = filepath.Join(l.dir, "warehouse.duckdb")
		c["data_dir"] = filepath.Join(l.dir, "data")
		l.config = filepath.Join(tmp, "national.toml")
		if err := writeTOML(l.config, c); err != nil {
			return err
		}
	}
	b.lakes["national"] = l
	return nil
}

// lake returns the lake of that name, created empty on first use with a
// config that points the ETL at the running registry.
func (b *bencher) lake(name string, reg *benchRegistry) (*benchLake, error) {
	if l := b.lakes[name]; l != nil {
		return l, nil
	}
	dir, err := filepath.Abs(filepath.Join(b.runDir, name))
	if err != nil {
		return nil, err
	}
	l := &benchLake{name: name, dir: dir, lake: filepath.Join(dir, "lake"), config: filepath.Join(dir, "vitalstats.toml"), reg: reg}
	if err := os.MkdirAll(l.inbox(), 0o755); err != nil {
		return nil, fmt.Errorf("lake %s: %w", name, err)
	}
	cfg := map[string]any{
		"data_dir": filepath.Join(dir, "data"),
		"log":      map[string]any{"level": "info"},
		"registry": map[string]any{"dsn": reg.srv.DSN()},
		"etl": map[string]any{
			"lake":        l.lake,
			"inbox":       l.inbox(),
			"secret_file": filepath.Join(dir, "secret.key"),
		},
		"warehouse": benchWarehouse(dir, reg),
		"export":    map[string]any{"releases": filepath.Join(dir, "releases")},
	}
	if err := writeTOML(l.config, cfg); err != nil {
		return nil, fmt.Errorf("lake %s: %w", name, err)
	}
	b.lakes[name] = l
	return l, nil
}

// lakeEntryCount is the number of the lake's manifest entries.
func lakeEntryCount(dir string) (int64, error) {
	lk, err := lake.Open(dir, nil)
	if err != nil {
		return 0, err
	}
	defer lk.Close()
	es, err := lk.Entries()
	return int64(len(es)), err
}

// truncateLake takes the lake back to entry seq.
func truncateLake(dir string, seq int64, log *slog.Logger) error {
	lk, err := lake.Open(dir, log)
	if err != nil {
		return err
	}
	defer lk.Close()
	return lk.Truncate(seq)
}

func writeTOML(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = toml.NewEncoder(f).Encode(v)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// etl runs `vitalstats etl` on a lake in a child process and reads the
// run's summary from the run history it keeps.
func (b *bencher) etl(ctx context.Context, l *benchLake, name string) (childRun, etl.Summary, error) {
	// -init: the bench's lakes start empty (on a lake that exists it changes nothing).
	run, err := b.child(ctx, name, "etl", "-init", "-config", l.config)
	if err != nil {
		return run, etl.Summary{}, err
	}
	sum, err := lastETLSummary(filepath.Join(l.dir, "data", "jobs", "runs.jsonl"))
	return run, sum, err
}

func lastETLSummary(path string) (etl.Summary, error) {
	var sum etl.Summary
	return sum, lastSummary(path, "etl", &sum)
}

// lastSummary reads the summary of the last run in a run history, which
// must be a successful run of job.
func lastSummary(path, job string, sum any) error {
	runs, err := jobs.ReadHistory(path)
	if err != nil {
		return fmt.Errorf("read the %s run history: %w", job, err)
	}
	if len(runs) == 0 {
		return fmt.Errorf("the %s left no run history in %s", job, path)
	}
	last := runs[len(runs)-1]
	if last.Job != job || last.Outcome != "ok" {
		return fmt.Errorf("the last run in %s is %s %s: %s", path, last.Job, last.Outcome, last.Error)
	}
	b, err := json.Marshal(last.Summary)
	if err == nil {
		err = json.Unmarshal(b, sum)
	}
	if err != nil {
		return fmt.Errorf("the %s summary in %s: %w", job, path, err)
	}
	return nil
}

// sourceTotal adds up the counts of one source over its event types.
func sourceTotal(sum etl.Summary, src string) etl.Counts {
	var t etl.Counts
	for _, c := range sum.Counts[src] {
		t.Extracted += c.Extracted
		t.Loaded += c.Loaded
		t.Quarantined += c.Quarantined
	}
	return t
}

// copyResult is what the COPY child prints.
type copyResult struct {
	Rows map[string]int64 `json:"rows"` // table -> rows copied
}

// copyRegistry is the child process of the COPY step: the server's own cost
// of the registry's extract queries, from the beginning, in binary, to
// nowhere, in one snapshot as the ETL reads them.
func copyRegistry(ctx context.Context, e *env, dsn string) error {
	log := e.log.With("job", "bench", "step", "copy")
	conn, err := connectRegistry(ctx, dsn, "vitalstats bench copy")
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if err := conn.Exec(ctx, "begin isolation level repeatable read read only").Close(); err != nil {
		return fmt.Errorf("copy: begin: %w", err)
	}
	res := copyResult{Rows: map[string]int64{}}
	for _, s := range source.Schemas {
		q, err := literalExtract(ctx, conn, s.Table)
		if err != nil {
			return err
		}
		t0 := time.Now()
		bar := progress.New("binary COPY "+s.Table+" (bytes)", 0, e.stderr, log)
		tag, err := conn.CopyTo(ctx, counter{bar}, "copy (\n"+q+"\n) to stdout (format binary)")
		bar.Finish()
		if err != nil {
			return fmt.Errorf("copy %s: %w", s.Table, err)
		}
		res.Rows[s.Table] = tag.RowsAffected()
		log.Info("copied", "table", s.Table, "rows", tag.RowsAffected(), "elapsed", time.Since(t0).Round(time.Millisecond).String())
	}
	if err := conn.Exec(ctx, "rollback").Close(); err != nil {
		return fmt.Errorf("copy: end: %w", err)
	}
	return json.NewEncoder(e.stdout).Encode(res)
}

// counter counts the bytes COPY streams, for the progress bar, and drops them.
type counter struct{ bar *progress.Bar }

func (c counter) Write(p []byte) (int, error) { c.bar.Add(int64(len(p))); return len(p), nil }

func connectRegistry(ctx context.Context, dsn, app string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("registry connection string: %w", err)
	}
	// As the ETL's reader sets them (etl/source): the same session.
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["datestyle"] = "ISO, YMD"
	cfg.RuntimeParams["application_name"] = app
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the registry at %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	return conn, nil
}

// paramRef matches $1 and $2 but not $10.
var paramRef = regexp.MustCompile(`\$([12])\b`)

// literalExtract is a table's extract query with the watermark of a first
// run written in (COPY takes no parameters): -infinity and the smallest id
// of the id's type, as the ETL's reader passes them.
func literalExtract(ctx context.Context, conn *pgconn.PgConn, table string) (string, error) {
	b, err := fs.ReadFile(vitalstats.SQL, "sql/extract/"+table+".sql")
	if err != nil {
		return "", fmt.Errorf("extract query of %s: %w", table, err)
	}
	q := strings.TrimRight(strings.TrimSpace(string(b)), ";")
	desc, err := conn.Prepare(ctx, "", q, nil)
	if err != nil {
		return "", fmt.Errorf("extract query of %s: %w", table, err)
	}
	if len(desc.ParamOIDs) != 2 {
		return "", fmt.Errorf("extract query of %s takes %d parameters, want 2", table, len(desc.ParamOIDs))
	}
	minID := "''"
	switch desc.ParamOIDs[1] {
	case 20: // int8
		minID = "'-9223372036854775808'"
	case 23: // int4
		minID = "'-2147483648'"
	case 21: // int2
		minID = "'-32768'"
	}
	return paramRef.ReplaceAllStringFunc(q, func(p string) string {
		if p == "$1" {
			return "'-infinity'"
		}
		return minID
	}), nil
}

// warmUp counts every extract query of the registry once, untimed, and
// checks the counts against the cache: COPY (timed first) and the ETL
// (second) then both read a warm cache, and a registry that is not as
// generated stops the benchmark before it measures anything.
func warmUp(ctx context.Context, log *slog.Logger, reg *benchRegistry) error {
	t0 := time.Now()
	conn, err := connectRegistry(ctx, reg.srv.DSN(), "vitalstats bench warm-up")
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, s := range source.Schemas {
		q, err := literalExtract(ctx, conn, s.Table)
		if err != nil {
			return err
		}
		res := conn.ExecParams(ctx, "select count(*) from (\n"+q+"\n) as q", nil, nil, nil, nil).Read()
		if res.Err != nil {
			return fmt.Errorf("warm-up %s: %w", s.Table, res.Err)
		}
		var n int64
		if len(res.Rows) == 1 {
			fmt.Sscan(string(res.Rows[0][0]), &n)
		}
		if n != reg.meta.Rows[s.Table] {
			return fmt.Errorf("registry %s is not as generated: %s returns %d rows, %s says %d (remove %s to generate it again)",
				reg.label, s.Table, n, cacheMetaFile, reg.meta.Rows[s.Table], reg.dir)
		}
	}
	log.Info("warm-up: every extract query counted", "elapsed", time.Since(t0).Round(time.Millisecond).String())
	return nil
}

// linkFigures are what record linkage did in a backfill run: its time, and
// its pace in seconds per million records (the target, 1 M records a
// minute, is Splink's order of magnitude on a laptop).
func linkFigures(name, label string, sum etl.Summary) []benchreport.Figure {
	var records, earlier int
	var seconds float64
	for _, ls := range sum.Linked {
		records += ls.Records
		earlier += ls.Earlier
		seconds += ls.Seconds
	}
	if records == 0 {
		return nil
	}
	return []benchreport.Figure{
		{Name: name + ".seconds", Label: "record linkage in the " + label + " (births and deaths)", Value: seconds, Unit: benchreport.Seconds},
		{Name: name + ".records", Label: "records linked in the " + label, Value: float64(records), Unit: benchreport.Rows,
			Note: fmt.Sprintf("compared with %d records already linked", earlier)},
		{Name: name + ".seconds_per_million", Label: "record linkage, seconds per million records (" + label + ")",
			Value: seconds / (float64(records) / 1e6), Unit: benchreport.Seconds},
	}
}

// linkBackfill is the pace of record linkage over the full backfill (the
// registry's run and the file drops'), which the target (1 M records a
// minute) is about: a run of file drops alone also compares its records
// with every earlier one they may duplicate.
func linkBackfill(res *benchreport.Results) []benchreport.Figure {
	var seconds, records float64
	for _, run := range []string{"link.registry", "link.files"} {
		s, r := res.Figure(run+".seconds"), res.Figure(run+".records")
		if s == nil || r == nil {
			return nil
		}
		seconds += s.Value
		records += r.Value
	}
	return []benchreport.Figure{
		{Name: "link.backfill.seconds_per_million", Label: "record linkage of the full backfill, seconds per million records",
			Value: seconds / (records / 1e6), Unit: benchreport.Seconds, Target: &benchreport.Target{ValueMax: 60}},
	}
}
