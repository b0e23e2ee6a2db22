package main

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vitalstats/reports"
)

// TestExportPublishesReleases: export builds the warehouse and publishes a
// release whose WHO file reconciles with the warehouse and whose research
// extracts open in DuckDB; a final release is read-only and the next one
// revises it.
func TestExportPublishesReleases(t *testing.T) {
	releases := t.TempDir()
	var cfg string
	db, _ := pipeline(t, 30_000, fmt.Sprintf("\n[export]\nreleases = %q\nwho_country = \"9999\"\n", releases), &cfg)
	var deaths int64
	if err := db.QueryRow(`select sum(numerator)::bigint from mortality_rates where measure = 'cdr' and area_code = 'KH' and sex = 'T'`).Scan(&deaths); err != nil {
		t.Fatal(err)
	}
	var nProv int
	if err := db.QueryRow(`select count(*) filter (where list_contains(flags, 'provisional')) from registration_arrival where area_code = 'KH'`).Scan(&nProv); err != nil {
		t.Fatal(err)
	}
	// What the release must hold: the publication layer's counts (the
	// export's build of the same lake with the same secret gives the same).
	var whoPublished, whoRows int64
	if err := db.QueryRow(`select sum(deaths1)::bigint, count(*) from published.who_mdb_deaths where list = '104' and cause = 'AAA'`).Scan(&whoPublished, &whoRows); err != nil {
		t.Fatal(err)
	}
	// The nation's monthly surveillance counts as published, with their status.
	survPublished := map[string][2]string{}
	srows, err := db.Query(`select period, coalesce(observed::varchar, ''), status from published.surveillance
		where period_type = 'month' and area_code = 'KH' and sex = 'T' and age_group = 'all'`)
	if err != nil {
		t.Fatal(err)
	}
	for srows.Next() {
		var period, obs, status string
		if err := srows.Scan(&period, &obs, &status); err != nil {
			t.Fatal(err)
		}
		survPublished[period] = [2]string{obs, status}
	}
	srows.Close()
	birthsPublished, birthCells := map[int]int64{}, map[int]int64{}
	rows, err := db.Query(`select year(month), sum(numerator)::bigint, count(*) filter (where numerator > 0) from published.events_by_month
		where event_type = 'birth' and measure = 'occurred' and length(area_code) = 2 and area_code <> 'KH' group by all`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var y int
		var n, c int64
		if err := rows.Scan(&y, &n, &c); err != nil {
			t.Fatal(err)
		}
		birthsPublished[y], birthCells[y] = n, c
	}
	rows.Close()
	db.Close() // DuckDB opens a file in one configuration per process

	// The binary knows its version (make build stamps main.version).
	defer func(v string) { version = v }(version)
	version = "v1.2.3-test"
	code, out, stderr := runCLI(t, "export", "-config", cfg, "-final", "-note", "first")
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	log, err := reports.Releases(releases)
	if err != nil || len(log) != 1 || log[0].Status != reports.Final || log[0].Note != "first" || !strings.Contains(log[0].LakeSnapshot, "manifest entry") {
		t.Fatalf("revision log: %+v %v\n%s", log, err, out)
	}
	dir := filepath.Join(releases, log[0].ID)
	if _, err := reports.Verify(dir); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "who", "Morticd10.csv")); err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("the final release's WHO file: %v %v", st, err)
	}

	// provisional_years.csv says which national years are still filling in, as the warehouse does.
	b, err := os.ReadFile(filepath.Join(dir, "provisional_years.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if got := strings.Count(string(b), ",provisional"); lines[0] != reports.BOM+"event_type,year,arrived_share,status" || got != nProv || nProv == 0 {
		t.Errorf("provisional_years.csv: %d provisional rows, the warehouse %d:\n%s", got, nProv, b)
	}

	// The WHO file's all-cause rows (list 104) hold every death the warehouse counts.
	b, err = os.ReadFile(filepath.Join(dir, "who", "Morticd10.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var who int64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, ",")
		if f[4] == "104" && f[5] == "AAA" {
			var n int64
			fmt.Sscan(f[9], &n)
			who += n
		}
	}
	// mortality_rates' T counts deaths of sex not stated too, as the WHO file
	// (sex 9) does; the file's counts are the publication layer's, each
	// within the noise (sd 2) of the true count.
	if who != whoPublished || who == 0 || math.Abs(float64(who-deaths)) > 6*2*math.Sqrt(float64(whoRows)) {
		t.Errorf("WHO file: %d deaths, published %d, warehouse %d", who, whoPublished, deaths)
	}

	if b, err := os.ReadFile(filepath.Join(dir, "research", "README.md")); err != nil || !strings.Contains(string(b), "births/") {
		t.Errorf("research/README.md: %v\n%s", err, b)
	}
	// The research extracts open in DuckDB and hold no identifier column.
	x, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var n int64
	if err := x.QueryRow(fmt.Sprintf("select count(*) from read_parquet('%s')", filepath.Join(dir, "research", "deaths", "*.parquet"))).Scan(&n); err != nil || n == 0 {
		t.Errorf("research deaths: %d rows, %v", n, err)
	}
	rows, err = x.Query(fmt.Sprintf("select column_name from (describe select * from read_parquet('%s'))", filepath.Join(dir, "research", "births", "*.parquet")))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		if strings.Contains(c, "id") && c != "provenance" || strings.Contains(c, "hash") || strings.Contains(c, "commune") {
			t.Errorf("research births has a column %s", c)
		}
	}
	rows.Close()

	// The annual report: the workbook opens in excelize; every shown count in
	// every table is 0 or at least 5; SDMX-CSV marks suppressed cells C with no value.
	xl, err := filepath.Glob(filepath.Join(dir, "tables", "annual_report_*.xlsx"))
	if err != nil || len(xl) != 1 {
		t.Fatalf("workbook: %v %v", xl, err)
	}
	wb, err := excelize.OpenFile(xl[0])
	if err != nil {
		t.Fatal(err)
	}
	if sheets := wb.GetSheetList(); len(sheets) != len(reports.Tabulations)+2 || sheets[0] != "summary" {
		t.Errorf("sheets %v", sheets)
	}
	// The summary: values at their published precision (2 decimals at most),
	// whole event counts; the metadata: the code version and the population
	// source by its name, not its path.
	summary, err := wb.GetRows("summary")
	if err != nil || len(summary) < 10 {
		t.Fatalf("summary sheet: %v %v", summary, err)
	}
	shown := 0
	for _, r := range summary[3:] {
		for i := 2; i < 6 && i < len(r); i++ {
			if r[i] == "" {
				continue
			}
			shown++
			if dot := strings.IndexByte(r[i], '.'); dot >= 0 && (i == 5 || len(r[i])-dot-1 > 2) {
				t.Errorf("summary %q: %q is not at published precision (or a whole count)", r[0], r[i])
			}
		}
	}
	if shown < 20 {
		t.Errorf("summary: %d values shown", shown)
	}
	meta, _ := wb.GetRows("metadata")
	got := map[string]string{}
	for _, r := range meta {
		if len(r) > 1 {
			got[r[0]] = r[1]
		}
	}
	if got["Code version"] != "v1.2.3-test" {
		t.Errorf("metadata: code version %q", got["Code version"])
	}
	if p := got["Population denominators"]; !strings.Contains(p, "(file truth_population.csv)") || strings.Contains(p, "/") {
		t.Errorf("metadata: population %q, want its description and file name without a path", p)
	}
	// A table's sheet: its header in the row the README names, as in its
	// CSV, the data below it to the last row; a suppressed cell empty, with
	// its comment.
	tab := reports.Tabulations[0].ID
	sheet, _ := wb.GetRows(tab)
	csvFile, _ := filepath.Glob(filepath.Join(dir, "tables", "csv", tab+"_*.csv"))
	if len(csvFile) != 1 {
		t.Fatalf("%s CSV: %v", tab, csvFile)
	}
	b, _ = os.ReadFile(csvFile[0])
	tabRecs, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), reports.BOM))).ReadAll()
	if len(sheet) != len(tabRecs)+reports.HeaderRow-1 || !slices.Equal(sheet[reports.HeaderRow-1], tabRecs[0]) {
		t.Errorf("sheet %s: %d rows, header %q; its CSV %d rows, header %q", tab, len(sheet), sheet[reports.HeaderRow-1], len(tabRecs), tabRecs[0])
	}
	comments, _ := wb.GetComments(tab)
	empty := 0
	for _, r := range tabRecs[1:] {
		for _, v := range r {
			if v == reports.SuppressedMark {
				empty++
			}
		}
	}
	if len(comments) != empty {
		t.Errorf("sheet %s: %d comments, its CSV %d suppressed cells", tab, len(comments), empty)
	}
	if props, err := wb.GetDocProps(); err != nil || props.Identifier != log[0].ID || !strings.Contains(props.Title, "annual report") {
		t.Errorf("workbook properties %+v %v, want release %s", props, err, log[0].ID)
	}
	wb.Close()
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	for _, want := range []string{"row 3 the header", "header=2", "skip = 2", "?bom=0", "byte-order mark"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("the release README does not say %q", want)
		}
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "tables", "csv", "*.csv"))
	if len(tables) != len(reports.Tabulations) {
		t.Errorf("%d CSV tables", len(tables))
	}
	// The research extracts' aggregates: the births of each year by province
	// and month add up to the extract's births of that year.
	aggregates, _ := filepath.Glob(filepath.Join(dir, "research", "aggregates", "csv", "*.csv"))
	checked := 0
	for _, f := range aggregates {
		var year int
		if _, err := fmt.Sscanf(filepath.Base(f), "births_province_month_%d.csv", &year); err != nil {
			continue
		}
		b, _ := os.ReadFile(f)
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if h := recs[0]; len(h) < 3 || !strings.HasPrefix(h[1], fmt.Sprint(year, "-")) {
			t.Errorf("%s: header %v, want months of %d", filepath.Base(f), h, year)
		}
		total := recs[len(recs)-1][len(recs[0])-1]
		var want int64
		if err := x.QueryRow(fmt.Sprintf("select count(*) from read_parquet('%s') where year = %d", filepath.Join(dir, "research", "births", "*.parquet"), year)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		// The table totals its published cells: the layer's counts, within
		// the noise of its cells (sd 2 each) of the births the extract holds.
		if total != strconv.FormatInt(birthsPublished[year], 10) && total != reports.SuppressedMark ||
			math.Abs(float64(birthsPublished[year]-want)) > 6*2*math.Sqrt(float64(birthCells[year])) {
			t.Errorf("%s: total %s, published %d, the extract holds %d births of %d", filepath.Base(f), total, birthsPublished[year], want, year)
		}
		checked++
	}
	if checked == 0 || len(aggregates) <= checked {
		t.Errorf("research aggregates: %d files, %d of births", len(aggregates), checked)
	}
	// Every CSV table starts with a byte-order mark, its first column is
	// headed as what it holds (provinces by name in the aggregates, not
	// area_code), and a suppressed cell is empty.
	suppressed := 0
	for _, f := range append(tables, aggregates...) {
		b, _ := os.ReadFile(f)
		text, bom := strings.CutPrefix(string(b), reports.BOM)
		if !bom {
			t.Errorf("%s does not start with a byte-order mark", filepath.Base(f))
		}
		recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if h := recs[0][0]; strings.Contains(f, "aggregates") && !strings.HasPrefix(h, "Province of usual residence") {
			t.Errorf("%s: the provinces' column is headed %q", filepath.Base(f), h)
		}
		for _, rec := range recs[1:] {
			for _, v := range rec[1:] {
				if v == reports.SuppressedMark {
					suppressed++
					continue
				}
				if n, err := strconv.Atoi(v); err != nil || n > 0 && n < 5 {
					t.Errorf("%s: a published cell %q", filepath.Base(f), v)
				}
			}
		}
	}
	if suppressed == 0 {
		t.Error("nothing suppressed on a small registry: the control is not applied")
	}
	checkReleaseSDMX(t, dir, len(tables), len(aggregates))
	checkReleaseSurveillance(t, dir, survPublished)

	// A second export revises the first; the first is unchanged.
	if code, _, stderr := runCLI(t, "export", "-config", cfg); code != 0 {
		t.Fatalf("second export: %s", stderr)
	}
	log, _ = reports.Releases(releases)
	if len(log) != 2 || log[1].Previous != log[0].ID || log[1].Status != reports.Provisional {
		t.Errorf("after a second export: %+v", log)
	}
	if _, err := reports.Verify(dir); err != nil {
		t.Errorf("the final release changed: %v", err)
	}
}

// checkReleaseSurveillance: the release's surveillance series, as SDMX that
// the schemas accept and that reads back against its structure, carry the
// published counts (the nation's months: published, KH, T, all -> count,
// status), OBS_STATUS P on the count of a provisional period, A on a
// complete one, E on every estimated value; and the plain CSV has a row
// per series and period of the SDMX file, after a byte-order mark.
func checkReleaseSurveillance(t *testing.T, dir string, published map[string][2]string) {
	t.Helper()
	sd := filepath.Join(dir, "surveillance", "sdmx")
	if _, err := exec.LookPath("xmllint"); err == nil {
		schema := filepath.Join("..", "..", "reports", "testdata", "sdmx-ml-2.1", "schemas", "SDMXMessage.xsd")
		if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", schema, filepath.Join(sd, reports.SDMXStructureFile)).CombinedOutput(); err != nil {
			t.Errorf("xmllint surveillance: %v\n%s", err, out)
		}
	}
	got, err := reports.CheckSDMXDir(sd)
	if err != nil {
		t.Fatalf("SDMX of surveillance: %v", err)
	}
	t.Logf("SDMX of surveillance: %+v", got)
	if got.Files != 1 || got.Dataflows != 1 || got.Suppressed == 0 {
		t.Errorf("SDMX of surveillance: %+v, want 1 file, 1 dataflow, some suppressed", got)
	}
	name := strings.ToLower(reports.SurveillanceFlow) + ".csv"
	sb, err := os.ReadFile(filepath.Join(sd, name))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(sb))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%s: %v, %d records", name, err, len(recs))
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	keys := map[string]bool{}
	seen, status := 0, map[string]int{}
	for _, r := range recs[1:] {
		keys[strings.Join([]string{r[col["FREQ"]], r[col["REF_AREA"]], r[col["SEX"]], r[col["AGE"]], r[col["TIME_PERIOD"]]}, ",")] = true
		m, st := r[col["MEASURE"]], r[col["OBS_STATUS"]]
		status[m+" "+st]++
		if m != "OBS" && st != "E" {
			t.Errorf("%s: an estimate without OBS_STATUS E: %v", name, r)
		}
		if m != "OBS" || r[col["FREQ"]] != "M" || r[col["REF_AREA"]] != "KH" || r[col["SEX"]] != "_T" || r[col["AGE"]] != "_T" {
			continue
		}
		p, ok := published[r[col["TIME_PERIOD"]]]
		want := map[string]string{"complete": "A", "provisional": "P"}[p[1]]
		if !ok || r[col["OBS_VALUE"]] != p[0] || st != want && !(p[1] == "complete" && st == "P") {
			t.Errorf("%s: %v, published %v", name, r, p)
		}
		seen++
	}
	if seen != len(published) || status["OBS P"] == 0 || status["OBS A"] == 0 || status["NOWCAST E"] == 0 || status["EXPECTED E"] == 0 {
		t.Errorf("%s: %d of the nation's %d months; statuses %v", name, seen, len(published), status)
	}
	b, err := os.ReadFile(filepath.Join(dir, "surveillance", name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), reports.BOM) {
		t.Errorf("surveillance/%s has no byte-order mark", name)
	}
	if n := strings.Count(string(b), "\n") - 1; n != len(keys) {
		t.Errorf("surveillance/%s: %d rows, the SDMX file %d series and periods", name, n, len(keys))
	}
}

// checkReleaseSDMX: each SDMX folder of a release (the annual report's
// tables, the research aggregates) holds a structure message that the
// SDMX-ML 2.1 schemas accept (xmllint, where installed: scripts/prereqs.sh
// installs it for make test), and SDMX-CSV files that conform to it
// (reports.CheckSDMXDir): one file per CSV table, a dataflow per table, the
// suppressed cells' CONF_STATUS C (primary) or D (complementary).
func checkReleaseSDMX(t *testing.T, dir string, tables, aggregates int) {
	t.Helper()
	schema := filepath.Join("..", "..", "reports", "testdata", "sdmx-ml-2.1", "schemas", "SDMXMessage.xsd")
	_, lintErr := exec.LookPath("xmllint")
	for _, c := range []struct {
		sub   string
		files int
		flows int
	}{{"tables", tables, len(reports.Tabulations)}, {filepath.Join("research", "aggregates"), aggregates, 4}} {
		sd := filepath.Join(dir, c.sub, "sdmx")
		if lintErr == nil {
			if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", schema, filepath.Join(sd, reports.SDMXStructureFile)).CombinedOutput(); err != nil {
				t.Errorf("xmllint %s: %v\n%s", c.sub, err, out)
			}
		}
		got, err := reports.CheckSDMXDir(sd)
		if err != nil {
			t.Errorf("SDMX of %s: %v", c.sub, err)
			continue
		}
		t.Logf("SDMX of %s: %+v", c.sub, got)
		if got.Files != c.files || got.Dataflows != c.flows || got.Suppressed == 0 {
			t.Errorf("SDMX of %s: %+v, want %d files, %d dataflows, some suppressed", c.sub, got, c.files, c.flows)
		}
	}
	if lintErr != nil {
		t.Log("xmllint not installed (Debian: libxml2-utils): the structure messages were not validated against the schemas")
	}
}
