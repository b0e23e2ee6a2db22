package reports

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vitalstats"
)

func TestSDMXCodes(t *testing.T) {
	for _, c := range []struct {
		column, cat, code string
	}{
		{"age_group", "85+", "Y_GE85"}, {"mother_age_group", "<15", "Y_LT15"}, {"age_group", "15-19", "Y15T19"},
		{"age_group", "0", "Y0"}, {"age_group", "unknown", "_U"}, {"age_group", "all", "_T"}, {"bride_age_group", "total", "_T"},
		{"sex", "F", "F"}, {"sex", "M", "M"}, {"sex", "T", "_T"}, {"sex", "U", "_U"},
		{"area_code", "KH", "KH"}, {"area_code", "07", "KH-7"}, {"area_code", "12", "KH-12"}, {"area_code", "99", "_U"},
		{"age_at_death", "1-6d", "D1T6"}, {"age_at_death", "0d", "D0"}, {"age_at_death", "neonatal_day_unknown", "NEONATAL_DAY_UNKNOWN"},
		{"gestation", "<28", "W_LT28"}, {"gestation", "42+", "W_GE42"}, {"gestation", "28-31", "W28T31"},
		{"place_of_delivery", "public_hospital", "PUBLIC_HOSPITAL"}, {"list1_item", "1-001", "1-001"}, {"list1_item", "not_ucod", "NOT_UCOD"},
	} {
		got, err := sdmxCode(sdmxColumns[c.column].kind, c.cat)
		if err != nil || got != c.code {
			t.Errorf("%s %q: %q %v, want %q", c.column, c.cat, got, err, c.code)
		}
	}
	for _, c := range []struct{ column, cat string }{{"area_code", "0701"}, {"area_code", "Kampot"}, {"sex", "X"}} {
		if got, err := sdmxCode(sdmxColumns[c.column].kind, c.cat); err == nil {
			t.Errorf("%s %q: %q, want an error", c.column, c.cat, got)
		}
	}
}

// Every category a table's mart accepts (its sidecar) has a code that is an
// SDMX ID and turns back into the category; every tabulation has a layout.
func TestSDMXCodesOfEverySidecar(t *testing.T) {
	inds, err := indicators()
	if err != nil {
		t.Fatal(err)
	}
	tabs := slices.Clone(Tabulations)
	for _, e := range monthlyEvents {
		tabs = append(tabs, Tabulation{ID: e.event + "_province_month", Mart: "events_by_month", Row: "area_code", Col: "month",
			Fixed: map[string]string{"event_type": e.eventType}})
	}
	checked := 0
	for _, tab := range tabs {
		l, err := layoutOf(tab)
		if err != nil {
			t.Errorf("%s: %v", tab.ID, err)
		}
		for _, d := range l.dims() {
			if sdmxCodelists[d.Codelist][0] == "" {
				t.Errorf("%s: code list %s has no name", tab.ID, d.Codelist)
			}
		}
		for col, cats := range inds[tab.Mart].Checks.Accepted {
			dim, ok := sdmxColumns[col]
			if !ok {
				continue
			}
			for _, cat := range cats {
				code, err := sdmxCode(dim.kind, cat)
				if err != nil {
					t.Errorf("%s.%s %q: %v", tab.Mart, col, cat, err)
					continue
				}
				back, err := SDMXCategory(col, code)
				if code != "_T" && (err != nil || back != cat) {
					t.Errorf("%s.%s %q -> %s -> %q %v", tab.Mart, col, cat, code, back, err)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Errorf("%d categories checked", checked)
	}
}

// sdmxRelease writes the SDMX folder of a small release: births by age of
// mother × province (suppression primary and complementary) and the
// monthly tables, births of 2024 provisional.
func sdmxRelease(t *testing.T) (string, []*Published) {
	t.Helper()
	p, err := Tabulate(Tabulations[0], birthsMart(0), 2024, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	m := &vitalstats.Table{Name: "events_by_month", Columns: []string{"event_type", "measure", "month", "area_code", "numerator"}}
	for _, r := range []struct {
		ev   string
		y    int
		mo   time.Month
		area string
		n    int64
	}{{"birth", 2024, 1, "01", 40}, {"birth", 2024, 2, "01", 3}, {"birth", 2024, 1, "02", 20}, {"birth", 2024, 2, "02", 9},
		{"birth", 2024, 1, "99", 6}, {"birth", 2024, 1, "KH", 66}, {"death", 2023, 5, "01", 9}, {"death", 2023, 5, "12", 7},
		{"death", 2023, 5, "KH", 16}} {
		m.Rows = append(m.Rows, []any{r.ev, "occurred", time.Date(r.y, r.mo, 1, 0, 0, 0, 0, time.UTC), r.area, r.n})
	}
	monthly, err := MonthlyTables(m, Disclosure{})
	if err != nil {
		t.Fatal(err)
	}
	tables := append([]*Published{p}, monthly...)
	s := SDMX{Provisional: map[string]map[int]bool{"birth": {2024: true}}}
	dir := t.TempDir()
	for _, q := range tables {
		var b bytes.Buffer
		if err := s.WriteData(&b, q); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, q.Tab.ID+"_"+str(int64(q.Year))+".csv"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	labels := Labels(nil, nil)
	var b bytes.Buffer
	if err := s.WriteStructure(&b, StructureHeader{ID: "2025-06-01T040000Z", Prepared: time.Date(2025, 6, 1, 4, 0, 0, 0, time.UTC)}, tables, labels); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SDMXStructureFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, tables
}

// XMLLint validates an SDMX-ML message against the SDMX-ML 2.1 schemas in
// testdata (skipped where xmllint is not installed: scripts/prereqs.sh
// installs it for make test).
func xmllint(t *testing.T, file string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (Debian: libxml2-utils)")
	}
	out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", filepath.Join("testdata", "sdmx-ml-2.1", "schemas", "SDMXMessage.xsd"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint %s: %v\n%s", file, err, out)
	}
}

func TestSDMXStructureValidates(t *testing.T) {
	dir, _ := sdmxRelease(t)
	xmllint(t, filepath.Join("testdata", "sdmx-ml-2.1", "samples", "demography.xml")) // the schemas are whole
	xmllint(t, filepath.Join(dir, SDMXStructureFile))
}

func TestSDMXDataConformsToStructure(t *testing.T) {
	dir, tables := sdmxRelease(t)
	got, err := CheckSDMXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// 2 DSDs (births by age × province; births, deaths by month: 3), the
	// attributes' and FREQ's 5 code lists, CL_AREA and CL_AGE
	obs, suppressed := 0, 0
	for _, p := range tables {
		for _, row := range p.Protected.Grid {
			obs += len(row)
		}
		pr, co := p.Protected.Suppressions()
		suppressed += pr + co
	}
	if got.Files != 3 || got.Dataflows != 3 || got.Codelists != 7 || got.Observations != obs || got.Suppressed != suppressed || suppressed == 0 {
		t.Errorf("%+v, want 3 files, 3 dataflows, 7 code lists, %d observations, %d suppressed", got, obs, suppressed)
	}
	// Primary and complementary suppression stay apart (C, D); the births
	// of 2024 are provisional, the deaths of 2023 not; months are periods.
	b, _ := os.ReadFile(filepath.Join(dir, "births_age_province_2024.csv"))
	recs, _ := csv.NewReader(bytes.NewReader(b)).ReadAll()
	conf := map[string]int{}
	for _, r := range recs[1:] {
		conf[r[len(r)-3]]++
		if r[len(r)-4] != "P" {
			t.Errorf("births of 2024: OBS_STATUS %s", r[len(r)-4])
		}
	}
	pr, co := tables[0].Protected.Suppressions()
	if conf["C"] != pr || conf["D"] != co || pr == 0 || co == 0 {
		t.Errorf("CONF_STATUS %v, the table has %d primary, %d complementary", conf, pr, co)
	}
	d, _ := os.ReadFile(filepath.Join(dir, "deaths_province_month_2023.csv"))
	if !strings.Contains(string(d), "KH_NIS:DEATHS_PROVINCE_MONTH(1.0),M,KH-12,2023-05,7,A,F,NUMBER,0\n") ||
		!strings.Contains(string(d), "KH_NIS:DEATHS_PROVINCE_MONTH(1.0),M,KH,2023-05,16,A,F,NUMBER,0\n") {
		t.Errorf("deaths by month:\n%s", d)
	}
	// the months' total is the year
	if b, _ := os.ReadFile(filepath.Join(dir, "births_province_month_2024.csv")); !strings.Contains(string(b), "KH_NIS:BIRTHS_PROVINCE_MONTH(1.0),A,KH,2024,") {
		t.Errorf("births by month:\n%s", b)
	}
}

// The check fails on each rule it guards.
func TestCheckSDMXDirCatchesBreaches(t *testing.T) {
	checkCatches(t, func(t *testing.T) string { dir, _ := sdmxRelease(t); return dir }, []sdmxBreach{
		{"a code not in its list", "births_age_province_2024.csv", ",Y_LT15,", ",<15,"},
		{"an unknown DATAFLOW", "births_age_province_2024.csv", "KH_NIS:BIRTHS_AGE_PROVINCE(1.0)", "KH_NIS:BIRTHS(1.0)"},
		{"a mandatory attribute missing", "births_age_province_2024.csv", ",NUMBER,0\n", ",,0\n"},
		{"a column missing", "births_age_province_2024.csv", "OBS_VALUE,OBS_STATUS,CONF_STATUS", "OBS_VALUE,OBS_STATUS"},
		{"a month in an annual period", "deaths_province_month_2023.csv", ",M,KH-12,2023-05,", ",A,KH-12,2023-05,"},
		{"a suppressed value shown", "births_age_province_2024.csv", ",,P,C,", ",2,P,C,"},
		{"an ID breaking the pattern", SDMXStructureFile, `<structure:Code id="Y_LT15">`, `<structure:Code id="&lt;15">`},
	})
}

// sdmxBreach is one edit of a release folder's file that CheckSDMXDir must
// refuse.
type sdmxBreach struct{ name, file, old, new string }

// checkCatches makes a fresh release folder for each breach, edits it, and
// fails if the check passes.
func checkCatches(t *testing.T, release func(*testing.T) string, breaches []sdmxBreach) {
	for _, c := range breaches {
		t.Run(c.name, func(t *testing.T) {
			dir := release(t)
			p := filepath.Join(dir, c.file)
			b, _ := os.ReadFile(p)
			if !strings.Contains(string(b), c.old) {
				t.Fatalf("%s holds no %q", c.file, c.old)
			}
			os.WriteFile(p, []byte(strings.Replace(string(b), c.old, c.new, 1)), 0o644)
			if _, err := CheckSDMXDir(dir); err == nil {
				t.Errorf("%s: %q -> %q passes", c.file, c.old, c.new)
			}
		})
	}
}
