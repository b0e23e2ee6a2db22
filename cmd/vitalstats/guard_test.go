package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitalstats/internal/jobs"
	"vitalstats/warehouse"
)

// closedPort is a local TCP address nothing listens on: a registry that
// cannot be reached.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// lakeEntries is the number of committed batches of a lake.
func lakeEntries(t *testing.T, dir string) int {
	t.Helper()
	n, err := lakeEntryCount(dir)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestETLFailsOnAMissingSource: a configured source that is missing (the
// registry's port closed, a managed registry folder with no cluster, an
// inbox folder that does not exist) fails etl with one line naming it, and
// nothing is committed; allowed by the flag or by etl.allow_missing, the run
// goes on without it and its summary says so.
func TestETLFailsOnAMissingSource(t *testing.T) {
	addr := closedPort(t)
	for _, tc := range []struct {
		name, registry string
		noInbox        bool
		want, source   string
	}{
		{"registry unreachable", fmt.Sprintf("dsn = \"postgres://reader:s3cret@%s/crvs\"", addr), false, "registry unreachable at " + addr, "registry"},
		{"no managed cluster", "managed_dir = \"%s/registry-pg\"", false, "holds no PostgreSQL cluster", "registry"},
		// the registry missing too, but allowed: the inbox is what fails
		{"no inbox", fmt.Sprintf("dsn = \"postgres://reader@%s/crvs\"", addr), true, "does not exist", "inbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			inbox := filepath.Join(dir, "inbox")
			if !tc.noInbox {
				os.MkdirAll(inbox, 0o755)
			}
			registry := tc.registry
			if strings.Contains(registry, "%s") {
				registry = fmt.Sprintf(registry, dir)
			}
			allowed := ""
			if tc.source == "inbox" {
				allowed = `"registry"`
			}
			body := fmt.Sprintf("data_dir = %q\n[log]\nlevel = \"warn\"\n[registry]\n%s\n[etl]\nlake = %q\ninbox = %q\nsecret_file = %q\nallow_missing = [%s]\n",
				dir, registry, filepath.Join(dir, "lake"), inbox, filepath.Join(dir, "secret.key"), allowed)
			cfg := writeConfig(t, body)
			code, out, stderr := runCLI(t, "etl", "-config", cfg, "-init")
			if code != 1 || out != "" {
				t.Errorf("etl: exit %d, stdout %q; want 1 and nothing", code, out)
			}
			if tc.source == "inbox" { // after the warning that the (allowed) registry is missing
				stderr = stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:]
			}
			oneLine(t, stderr, tc.want)
			if !strings.Contains(stderr, "-allow-missing "+tc.source) {
				t.Errorf("the error does not say how to allow the missing %s: %s", tc.source, stderr)
			}
			if strings.Contains(stderr, "s3cret") {
				t.Errorf("the error shows the registry's password: %s", stderr)
			}
			if n := lakeEntries(t, filepath.Join(dir, "lake")); n != 0 {
				t.Errorf("the failed run committed %d batches", n)
			}
			// The run history records the failure.
			runs, err := jobs.ReadHistory(filepath.Join(dir, "jobs", "runs.jsonl"))
			if err != nil || len(runs) != 1 || runs[0].Outcome != "failed" {
				t.Errorf("history %+v %v, want one failed run", runs, err)
			}

			// Allowed: by the flag, and by the config key.
			for _, args := range [][]string{
				{"etl", "-config", cfg, "-allow-missing", tc.source},
				{"etl", "-config", writeConfig(t, strings.Replace(body, "allow_missing = [", fmt.Sprintf("allow_missing = [%q, ", tc.source), 1))},
			} {
				code, out, stderr = runCLI(t, args...)
				if code != 0 || !strings.Contains(out, "MISSING "+tc.source) {
					t.Errorf("%v: exit %d, stderr %s, stdout:\n%s", args[3:], code, stderr, out)
				}
			}
			if n := lakeEntries(t, filepath.Join(dir, "lake")); n != 2 {
				t.Errorf("the allowed runs committed %d batches, want 2", n)
			}
		})
	}
	code, _, stderr := runCLI(t, "etl", "-config", exampleConfig, "-allow-missing", "registry,files")
	if code != 2 {
		t.Errorf("-allow-missing files: exit %d", code)
	}
	oneLine(t, stderr, `"files" is not a source`)
}

// TestScheduledETLFailsWithoutBuild: serve's scheduled ETL with the
// registry unreachable is recorded as failed, every attempt, and no build
// follows it: the warehouse is not made from a lake missing a source.
func TestScheduledETLFailsWithoutBuild(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "inbox"), 0o755)
	os.MkdirAll(filepath.Join(dir, "lake", lakeManifest), 0o755) // the site's lake, empty
	wh := filepath.Join(dir, "warehouse.duckdb")
	cfgPath := writeConfig(t, fmt.Sprintf(`data_dir = %q
[log]
level = "warn"
[registry]
dsn = "postgres://reader@%s/crvs"
[etl]
lake = %q
inbox = %q
secret_file = %q
[warehouse]
path = %q
[jobs]
retries = 1
backoff = "10ms"
`, dir, closedPort(t), filepath.Join(dir, "lake"), filepath.Join(dir, "inbox"), filepath.Join(dir, "secret.key"), wh))
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	srv, err := cfg.dashboardServer(e, false)
	if err != nil {
		t.Fatal(err)
	}
	scheduled := cfg.scheduledJobs(e, srv)
	if scheduled[0].Name != "etl" || scheduled[0].Then == nil || scheduled[0].Then.Name != "build" {
		t.Fatalf("serve's first job is %s then %v; want etl then build", scheduled[0].Name, scheduled[0].Then)
	}
	runner, err := cfg.jobRunner(e, jobs.Options{Retries: cfg.Jobs.Retries, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// No run yet: the ETL is due at once (catch-up).
	if err := runner.Start(ctx, scheduled[:1]); err != nil {
		t.Fatal(err)
	}
	var runs []jobs.Run
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if runs, err = runner.History(); err != nil {
			t.Fatal(err)
		}
		if len(runs) >= 2 {
			break
		}
	}
	time.Sleep(200 * time.Millisecond) // a build, if one wrongly followed, would be recorded by now
	runner.Stop()
	if runs, err = runner.History(); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("history %+v, want the ETL's two attempts", runs)
	}
	for _, r := range runs {
		if r.Job != "etl" || r.Outcome != "failed" || !strings.Contains(r.Error, "registry unreachable") {
			t.Errorf("run %+v, want a failed etl naming the registry", r)
		}
	}
	if _, err := os.Stat(wh); !os.IsNotExist(err) {
		t.Errorf("a warehouse was built after the failed ETL: %v", err)
	}
}

// copyTree copies the files below src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestShortLakeIsStopped replays issue 14's example end to end: a site's
// lake is made again while its registry is unreachable. etl fails instead
// of committing the file drops alone; allowed to go on, it makes a lake
// short of the registry's records, which the build refuses against the
// previous warehouse (kept as it was), naming the figures; accepted on
// purpose, the short warehouse goes in and check reports the fall.
func TestShortLakeIsStopped(t *testing.T) {
	pgDir := managedDir(t, "vitalstats-short-test-")
	out := t.TempDir()
	wh := filepath.Join(out, "warehouse.duckdb")
	config := func(registry, lake, inbox string) string {
		return writeConfig(t, fmt.Sprintf(`
data_dir = %q
[log]
level = "error"
[registry]
%s
[etl]
lake = %q
inbox = %q
secret_file = %q
[warehouse]
path = %q
threads = 2
memory_limit = "1GB"
population = %q
[gen]
seed = 14
inbox = %q
truth = %q
`, out, registry, lake, inbox, filepath.Join(out, "secret.key"), wh, filepath.Join(out, "truth_population.csv"),
			inbox, filepath.Join(out, "truth.json")))
	}
	full := config(fmt.Sprintf("managed_dir = %q", filepath.Join(pgDir, "registry-pg")), filepath.Join(out, "lake"), filepath.Join(out, "inbox"))
	mustRun := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\nstderr: %s", args, code, stderr)
		}
		return stdout
	}
	mustRun("gen", "-config", full, "-scale", "40000", "-to", "both")
	// The same file drops, for the lake made again.
	copyTree(t, filepath.Join(out, "inbox"), filepath.Join(out, "inbox2"))
	mustRun("etl", "-config", full)
	mustRun("build", "-config", full)
	if s := mustRun("check", "-config", full); !strings.Contains(s, "the first build, nothing to compare with") {
		t.Errorf("check after the first build:\n%s", s)
	}
	const year = 2015
	// The TFR of a year, and build_totals' cells (event type and year).
	readWarehouse := func() (tfr float64, totals map[string]int64) {
		t.Helper()
		w, err := warehouse.Open(wh, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close() // before the next build: one configuration per file and process
		if err := w.DB.QueryRow(`select value from fertility_rates where year = ? and area_code = 'KH' and measure = 'tfr'`, year).Scan(&tfr); err != nil {
			t.Fatal(err)
		}
		rows, err := w.DB.Query(`select event_type || ' ' || year, events from build_totals`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		totals = map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			totals[k] = n
		}
		return tfr, totals
	}
	tfr0, totals0 := readWarehouse()
	before, err := os.ReadFile(wh)
	if err != nil {
		t.Fatal(err)
	}

	// The registry unreachable: etl fails, commits nothing.
	addr := closedPort(t)
	short := config(fmt.Sprintf("dsn = \"postgres://reader@%s/crvs\"", addr), filepath.Join(out, "lake2"), filepath.Join(out, "inbox2"))
	code, stdout, stderr := runCLI(t, "etl", "-config", short, "-init")
	if code != 1 || stdout != "" {
		t.Errorf("etl with the registry unreachable: exit %d, stdout %q", code, stdout)
	}
	oneLine(t, stderr, "registry unreachable at "+addr)
	if n := lakeEntries(t, filepath.Join(out, "lake2")); n != 0 {
		t.Fatalf("etl with the registry unreachable committed %d batches", n)
	}

	// Allowed to go on: the lake holds the file drops only.
	if s := mustRun("etl", "-config", short, "-allow-missing", "registry"); !strings.Contains(s, "MISSING registry") {
		t.Errorf("etl -allow-missing registry does not say the registry is missing:\n%s", s)
	}
	code, stdout, stderr = runCLI(t, "build", "-config", short)
	if code != 1 || stdout != "" {
		t.Errorf("build of the short lake: exit %d, stdout %q", code, stdout)
	}
	oneLine(t, stderr, "in the previous build")
	for _, want := range []string{wh + " is kept", "-accept-changes"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal does not say %q: %s", want, stderr)
		}
	}
	named := regexp.MustCompile(`build_totals (\w+) (\d{4}): (\d+) events, (\d+) in the previous build`).FindAllStringSubmatch(stderr, -1)
	if len(named) == 0 {
		t.Fatalf("the refusal names no event type and year: %s", stderr)
	}
	after, err := os.ReadFile(wh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the refused build changed the warehouse")
	}

	// Accepted on purpose: what the short lake publishes, and check says so.
	if s := mustRun("build", "-config", short, "-accept-changes"); !strings.Contains(s, "ACCEPTED") {
		t.Errorf("build -accept-changes does not list what it accepted:\n%s", s)
	}
	tfr1, totals1 := readWarehouse()
	k := fmt.Sprint("birth ", year)
	t.Logf("%d: TFR %.2f from %d births in the full lake, %.2f from %d in the lake without the registry", year, tfr0, totals0[k], tfr1, totals1[k])
	if tfr1 > 0.5*tfr0 {
		t.Errorf("the lake without the registry is not short: TFR %.2f against %.2f", tfr1, tfr0)
	}
	// The figures the refusal named are the two builds' counts.
	for _, m := range named {
		k := m[1] + " " + m[2]
		if m[3] != fmt.Sprint(totals1[k]) || m[4] != fmt.Sprint(totals0[k]) {
			t.Errorf("the refusal says %s; the builds counted %d and before %d", m[0], totals1[k], totals0[k])
		}
	}
	s := mustRun("check", "-config", short)
	for _, want := range []string{fmt.Sprintf("build_totals %s: %d events, %d in the previous build", k, totals1[k], totals0[k]), "accepted when it was built"} {
		if !strings.Contains(s, want) {
			t.Errorf("check does not report %q:\n%s", want, s)
		}
	}
}
