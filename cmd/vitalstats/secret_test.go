package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPipelineFilesPrivate: everything gen, etl and build create (the file
// drops with names and identity numbers, the lake, the warehouse, the site
// secret, the job history, the registry's PostgreSQL folder) is for the
// owner only: no folder or file has a group or other permission bit,
// whatever the umask of the shell that ran them (here, the test's, 022).
func TestPipelineFilesPrivate(t *testing.T) {
	var cfgPath string
	_, truth := pipeline(t, 3000, "", &cfgPath)
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, root := range []string{truth.dir, cfg.Registry.ManagedDir} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			seen++
			if perm := info.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s: mode %04o, open to group or others", p, perm)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The walk saw what matters, so that an empty folder cannot pass.
	for _, p := range []string{cfg.ETL.SecretFile, cfg.Warehouse.Path, filepath.Join(cfg.ETL.Lake, "_manifest"),
		filepath.Join(cfg.ETL.Inbox, "done"), filepath.Join(cfg.Registry.ManagedDir, "pgpass")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the pipeline did not make %s: %v", p, err)
		}
	}
	if seen < 50 {
		t.Errorf("only %d files and folders seen", seen)
	}
}

// secretSite is a site whose ETL takes file drops only (the registry left
// out), with gen's drops in its inbox: a lake in seconds.
func secretSite(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	cfg = writeConfig(t, fmt.Sprintf(`data_dir = %q
[log]
level = "warn"
[registry]
managed_dir = %q
[etl]
lake = %q
inbox = %q
secret_file = %q
allow_missing = ["registry"]
[warehouse]
path = %q
[gen]
seed = 5
inbox = %q
truth = %q
[gen.profile]
first_year = 2021
last_year = 2022
`, dir, filepath.Join(dir, "registry-pg"), filepath.Join(dir, "lake"), inbox, filepath.Join(dir, "secret.key"),
		filepath.Join(dir, "warehouse.duckdb"), inbox, filepath.Join(dir, "truth.json")))
	if code, _, stderr := runCLI(t, "gen", "-config", cfg, "-scale", "300", "-to", "files"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	return cfg, dir
}

// TestSiteSecret: the first run of a lake makes the key (0600) and records
// its fingerprint in the lake; from then on a missing key, a key others may
// read, or another key stops etl and build with a message saying what to
// do, and nothing is made or committed; etl -new-secret changes the key
// knowingly, and is recorded.
func TestSiteSecret(t *testing.T) {
	t.Setenv("VITALSTATS_SECRET", "") // the file, not the environment
	cfg, dir := secretSite(t)
	key, lakeDir := filepath.Join(dir, "secret.key"), filepath.Join(dir, "lake")

	if code, _, stderr := runCLI(t, "build", "-config", cfg); code != 1 || !strings.Contains(stderr, "no site secret") {
		t.Errorf("build before any etl: exit %d, %s; want the missing key refused", code, stderr)
	}
	if _, err := os.Stat(key); err == nil {
		t.Fatal("build made a site secret")
	}

	// First use: made, owner-only, recorded.
	if code, _, stderr := runCLI(t, "etl", "-config", cfg); code != 0 {
		t.Fatalf("first etl: exit %d: %s", code, stderr)
	}
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatalf("the first run made no site secret: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("new site secret: mode %04o, want 0600", perm)
	}
	original, _ := os.ReadFile(key)
	rec := records(t, lakeDir)
	if len(rec) != 1 || rec[0].Event != "created" || rec[0].Fingerprint != secretFingerprint([]byte(strings.TrimSpace(string(original)))) {
		t.Fatalf("record after the first run: %+v", rec)
	}
	if strings.Contains(readAll(t, filepath.Join(lakeDir, secretLog)), strings.TrimSpace(string(original))) {
		t.Fatal("the record holds the secret itself")
	}
	entries := lakeEntries(t, lakeDir)

	refused := func(when, want string) {
		t.Helper()
		for _, cmd := range []string{"etl", "build"} {
			code, out, stderr := runCLI(t, cmd, "-config", cfg)
			if code != 1 || out != "" {
				t.Errorf("%s, %s: exit %d, stdout %q; want 1 and nothing", when, cmd, code, out)
			}
			oneLine(t, stderr, want)
		}
		if n := lakeEntries(t, lakeDir); n != entries {
			t.Errorf("%s: the lake went from %d to %d entries", when, entries, n)
		}
	}

	// A missing key on a lake with data.
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	refused("key missing", "does not exist")
	if _, err := os.Stat(key); err == nil {
		t.Fatal("a missing key was replaced by a new one")
	}
	_, _, stderr := runCLI(t, "etl", "-config", cfg)
	for _, want := range []string{"restore", rec[0].Fingerprint, "etl -new-secret"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the missing key's message does not say %q: %s", want, stderr)
		}
	}

	// A key others may read.
	if err := os.WriteFile(key, original, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	refused("key mode 0644", "chmod 600")
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "-config", cfg); code != 0 {
		t.Fatalf("etl with the key restored: exit %d: %s", code, stderr)
	}
	entries = lakeEntries(t, lakeDir)

	// Another key, in the file or in the environment.
	other := []byte("another secret, not the lake's one\n")
	if err := os.WriteFile(key, other, 0o600); err != nil {
		t.Fatal(err)
	}
	refused("another key", "is not the one the lake")
	if err := os.WriteFile(key, original, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VITALSTATS_SECRET", "a secret from the environment, not the lake's")
	refused("another key in $VITALSTATS_SECRET", "is not the one the lake")
	t.Setenv("VITALSTATS_SECRET", "")

	// Knowingly: -new-secret makes a key where none is, and records it.
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "-config", cfg, "-new-secret"); code != 0 {
		t.Fatalf("etl -new-secret: exit %d: %s", code, stderr)
	}
	renewed, err := os.ReadFile(key)
	if err != nil || string(renewed) == string(original) {
		t.Fatalf("etl -new-secret made no new key: %v", err)
	}
	rec = records(t, lakeDir)
	if last := rec[len(rec)-1]; len(rec) != 2 || last.Event != "renewed" || last.Fingerprint != secretFingerprint([]byte(strings.TrimSpace(string(renewed)))) {
		t.Fatalf("record after -new-secret: %+v", rec)
	}
	if code, _, stderr := runCLI(t, "etl", "-config", cfg); code != 0 {
		t.Fatalf("etl after -new-secret: exit %d: %s", code, stderr)
	}
}

func records(t *testing.T, lakeDir string) []secretRecord {
	t.Helper()
	r, err := readSecretLog(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
