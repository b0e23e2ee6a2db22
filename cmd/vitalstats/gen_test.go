package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGenEndToEnd runs `vitalstats gen -to both` as a site would: with a
// managed PostgreSQL (a real one, in a directory user postgres can reach),
// and checks what it leaves behind; then `vitalstats etl` takes all of it
// into the lake, and a second etl finds nothing new.
func TestGenEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and generates data")
	}
	pgDir := managedDir(t, "vitalstats-gen-test-")
	out := t.TempDir()
	inbox, truthPath := filepath.Join(out, "inbox"), filepath.Join(out, "truth.json")
	// data_dir too: the run history must not land in the package's folder.
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir = %q
[log]
level = "warn"
[registry]
managed_dir = %q
[etl]
lake = %q
inbox = %q
secret_file = %q
[gen]
seed = 11
events = 999999999
inbox = %q
truth = %q
[gen.profile]
first_year = 2020
last_year = 2023
`, out, filepath.Join(pgDir, "registry-pg"), filepath.Join(out, "lake"), inbox, filepath.Join(out, "secret.key"), inbox, truthPath))

	code, stdout, stderr := runCLI(t, "gen", "-config", cfg, "-scale", "4000", "-to", "both")
	if code != 0 {
		t.Fatalf("gen: exit %d\nstderr: %s", code, stderr)
	}

	var truth struct {
		Generator struct {
			Seed            uint64 `json:"seed"`
			EventsRequested int64  `json:"events_requested"`
			FirstYear       int    `json:"first_year"`
		} `json:"generator"`
		Events map[string]struct {
			Records      int64 `json:"records"`
			RegistryRows int64 `json:"registry_rows"`
			FileRows     int64 `json:"file_rows"`
		} `json:"events"`
	}
	b, err := os.ReadFile(truthPath)
	if err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	// -scale and the profile override reach the generator; -seed was not
	// given, so the config's seed does.
	if truth.Generator.Seed != 11 || truth.Generator.EventsRequested != 4000 || truth.Generator.FirstYear != 2020 {
		t.Errorf("truth.json generator = %+v", truth.Generator)
	}
	births := truth.Events["birth"]
	if births.RegistryRows == 0 || births.FileRows == 0 {
		t.Errorf("-to both wrote births to registry %d and files %d; want both > 0", births.RegistryRows, births.FileRows)
	}
	if entries, err := os.ReadDir(inbox); err != nil || len(entries) == 0 {
		t.Errorf("inbox %s: %d entries, %v", inbox, len(entries), err)
	}
	// The managed server is stopped at the end, its cluster kept.
	data := filepath.Join(pgDir, "registry-pg", "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		t.Errorf("the registry's cluster is not kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		t.Errorf("the registry's PostgreSQL still runs after gen")
	}
	for _, want := range []string{"birth", "death", truthPath, inbox, "psql 'postgres://"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary does not mention %q:\n%s", want, stdout)
		}
	}

	var records int64
	for _, ev := range truth.Events {
		records += ev.Records
	}
	code, stdout, stderr = runCLI(t, "etl", "-config", cfg)
	if code != 0 {
		t.Fatalf("etl: exit %d\nstderr: %s", code, stderr)
	}
	total := regexp.MustCompile(`(?m)^  total +([0-9,]+) +([0-9,]+) +([0-9,]+)$`).FindStringSubmatch(stdout)
	if total == nil || strings.ReplaceAll(total[1], ",", "") != fmt.Sprint(records) {
		t.Errorf("etl extracted %v, gen wrote %d records:\n%s", total, records, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "secret.key")); err != nil {
		t.Errorf("the site secret was not created: %v", err)
	}
	code, stdout, stderr = runCLI(t, "etl", "-config", cfg)
	if code != 0 || !regexp.MustCompile(`(?m)^  total +0 +0 +0$`).MatchString(stdout) {
		t.Errorf("a second etl: exit %d, stderr %s, stdout:\n%s", code, stderr, stdout)
	}
}
