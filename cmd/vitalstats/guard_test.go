package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitalstats/etl/lake"
	"vitalstats/internal/jobs"
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
	l, err := lake.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	es, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
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
			code, out, stderr := runCLI(t, "etl", "-config", cfg)
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
