package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vitalstats/reports"
	"vitalstats/warehouse"
)

// TestAsOfIsTheDataDate: a lake whose registrations end in the past (the
// generator observes its registry on 2025-12-31; the clock is later) is
// dated by its latest registration, not by the clock, in build_info, in
// the dashboards' footer and in a release (release.json and the annual
// report's metadata sheet); a later rebuild keeps the date; a date the site
// sets wins everywhere.
func TestAsOfIsTheDataDate(t *testing.T) {
	releases := t.TempDir()
	var cfg string
	db, _ := pipeline(t, 20_000, fmt.Sprintf("\n[export]\nreleases = %q\n", releases), &cfg)
	db.Close() // one configuration per file and process: the commands below open it
	readInfo := func() (asOf, source string, built time.Time) {
		t.Helper()
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var path string
		for _, l := range strings.Split(string(b), "\n") {
			if p, ok := strings.CutPrefix(l, "path = "); ok {
				path = strings.Trim(p, `"`)
			}
		}
		w, err := warehouse.Open(path, warehouse.Options{Threads: 1, MemoryLimit: "256MB", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		var d time.Time
		if err := w.DB.QueryRow("select as_of, as_of_source, built_at from build_info").Scan(&d, &source, &built); err != nil {
			t.Fatal(err)
		}
		return d.Format(time.DateOnly), source, built
	}
	asOf, source, built := readInfo()
	t.Logf("as_of %s (%s), built %v", asOf, source, built)
	// Registrations arrive most days (about two a day at this scale) up to
	// the generator's as_of, and never after it.
	if source != "data" || asOf > "2025-12-31" || asOf < "2025-12-20" {
		t.Fatalf("build_info.as_of %s (%s); the registry was observed on 2025-12-31", asOf, source)
	}
	if today := time.Now().UTC().Format(time.DateOnly); asOf == today {
		t.Fatalf("as_of is the clock's date %s", today)
	}

	// The dashboards' footer.
	site := t.TempDir()
	if code, _, stderr := runCLI(t, "serve", "-config", cfg, "-export-site", site); code != 0 {
		t.Fatalf("export-site: %s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(site, "en", "overview", "KH.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "Data as of "+asOf+" ·") {
		t.Errorf("the overview's footer does not say \"Data as of %s\"", asOf)
	}

	// A release, built again later: the same date, in release.json and the metadata sheet.
	release := func(wantAsOf, wantSource string) {
		t.Helper()
		if code, _, stderr := runCLI(t, "export", "-config", cfg); code != 0 {
			t.Fatalf("export: %s", stderr)
		}
		log, err := reports.Releases(releases)
		if err != nil || len(log) == 0 {
			t.Fatalf("releases: %v %v", log, err)
		}
		dir := filepath.Join(releases, log[len(log)-1].ID)
		b, err := os.ReadFile(filepath.Join(dir, "release.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rel struct {
			AsOf       string `json:"as_of"`
			AsOfSource string `json:"as_of_source"`
		}
		if err := json.Unmarshal(b, &rel); err != nil {
			t.Fatal(err)
		}
		if rel.AsOf != wantAsOf || rel.AsOfSource != wantSource {
			t.Errorf("release.json as_of %s (%s), want %s (%s)", rel.AsOf, rel.AsOfSource, wantAsOf, wantSource)
		}
		xl, _ := filepath.Glob(filepath.Join(dir, "tables", "annual_report_*.xlsx"))
		if len(xl) != 1 {
			t.Fatalf("workbook: %v", xl)
		}
		wb, err := excelize.OpenFile(xl[0])
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		rows, err := wb.GetRows("metadata")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows {
			if len(r) >= 2 && strings.HasPrefix(r[0], "Data as of") {
				found = strings.HasPrefix(r[1], wantAsOf+" ")
			}
		}
		if !found {
			t.Errorf("the metadata sheet has no row \"Data as of\" %s: %v", wantAsOf, rows)
		}
		got, source, _ := readInfo()
		if got != wantAsOf || source != wantSource {
			t.Errorf("after the export's build, build_info.as_of %s (%s), want %s (%s)", got, source, wantAsOf, wantSource)
		}
	}
	release(asOf, "data")
	if _, _, rebuilt := readInfo(); !rebuilt.After(built) {
		t.Errorf("the export did not rebuild the warehouse (built_at %v, before %v)", rebuilt, built)
	}

	// The site's date wins.
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "[warehouse]\n", "[warehouse]\nas_of = \"2025-06-30\"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, "build", "-config", cfg); code != 0 || !strings.Contains(out, "data as of 2025-06-30 (set by the site") {
		t.Fatalf("build with as_of set: exit %d, %s\n%s", code, stderr, out)
	}
	if got, source, _ := readInfo(); got != "2025-06-30" || source != "config" {
		t.Errorf("build_info.as_of %s (%s), want the site's 2025-06-30 (config)", got, source)
	}
	release("2025-06-30", "config")
}
