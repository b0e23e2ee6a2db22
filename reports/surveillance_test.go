package reports

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vitalstats"
)

// surveillanceMart is a published surveillance table in small: a complete
// month, a provisional month, a withheld row (its count 1 to 4), a row
// without a P-score (fewer than 20 expected) and a negative excess, weeks
// of the nation and of a province by sex and age (which a release leaves
// out).
func surveillanceMart() *vitalstats.Table {
	t := &vitalstats.Table{Name: "surveillance", Columns: []string{"period_type", "period", "year", "period_no", "area_code", "sex", "age_group",
		"observed", "nowcast", "nowcast_low", "nowcast_high", "expected", "expected_low", "expected_high",
		"excess", "excess_low", "excess_high", "p_score", "p_score_low", "p_score_high",
		"completeness", "excess_adjusted", "excess_adjusted_low", "excess_adjusted_high", "status", "flags"}}
	f := func(v float64) any { return v }
	row := func(pt, period, area, sex, age string, obs any, now, exp any, ps any, status string, flags ...string) {
		var nowV, expV float64
		if now != nil {
			nowV = now.(float64)
		}
		if exp != nil {
			expV = exp.(float64)
		}
		var excess, lo, hi any
		if now != nil && exp != nil {
			excess, lo, hi = nowV-expV, nowV-expV-3, nowV-expV+3
		}
		var nl, nh, el, eh any
		if now != nil {
			nl, nh = f(nowV-1), f(nowV+2)
		}
		if exp != nil {
			el, eh = f(expV-4), f(expV+4)
		}
		var pl, ph any
		if ps != nil {
			pl, ph = f(ps.(float64)-5), f(ps.(float64)+5)
		}
		// completeness 0.5 in the nation, unknown in the province
		var c, adj, al, ah any
		if excess != nil && area == "KH" {
			c, adj, al, ah = f(0.5), f(excess.(float64)/0.5), f(lo.(float64)/0.4), f(hi.(float64)/0.4)
		}
		t.Rows = append(t.Rows, []any{pt, period, int64(2024), int64(3), area, sex, age, obs, now, nl, nh, exp, el, eh,
			excess, lo, hi, ps, pl, ph, c, adj, al, ah, status, append([]string{}, flags...)})
	}
	row("month", "2024-03", "KH", "T", "all", int64(412), f(412), f(380.25), f(8.4), "complete")
	row("month", "2024-11", "KH", "T", "all", int64(300), f(371.6), f(390), f(-4.7), "provisional", "nowcast", "provisional")
	row("month", "2024-03", "07", "F", "0-4", nil, nil, nil, nil, "complete", "suppressed")
	row("month", "2024-03", "07", "T", "all", int64(12), f(12), f(14.5), nil, "complete", "expected_lt20", "lt20")
	row("week", "2024-W05", "KH", "M", "65+", int64(40), f(40), f(38), f(5.3), "complete")
	row("week", "2024-W05", "07", "T", "all", int64(9), f(9), f(7.5), nil, "complete", "expected_lt20", "lt20")
	row("week", "2024-W05", "07", "M", "65+", int64(6), f(6), f(4), nil, "complete", "expected_lt20", "lt20")
	return t
}

// surveillanceDir writes the release's surveillance SDMX of the mart.
func surveillanceDir(t *testing.T) string {
	t.Helper()
	tab, err := SurveillanceReleased(surveillanceMart())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var d, st bytes.Buffer
	if err := (SDMX{}).WriteSurveillanceData(&d, tab); err != nil {
		t.Fatal(err)
	}
	h := StructureHeader{ID: "20250601T040000Z", Prepared: time.Date(2025, 6, 1, 4, 0, 0, 0, time.UTC)}
	if err := (SDMX{}).WriteSurveillanceStructure(&st, h, tab, Labels(nil, nil)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "deaths_surveillance.csv"), d.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, SDMXStructureFile), st.Bytes(), 0o644)
	return dir
}

func TestSurveillanceSDMX(t *testing.T) {
	dir := surveillanceDir(t)
	xmllint(t, filepath.Join(dir, SDMXStructureFile))
	got, err := CheckSDMXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "deaths_surveillance.csv"))
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"DATAFLOW", "FREQ", "REF_AREA", "SEX", "AGE", "MEASURE", "TIME_PERIOD",
		"OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT"}) {
		t.Fatalf("header %v", recs[0])
	}
	obs := map[string][]string{} // FREQ,AREA,SEX,AGE,MEASURE,PERIOD -> value, status, conf, unit
	for _, r := range recs[1:] {
		obs[strings.Join(r[1:7], ",")] = r[7:11]
	}
	if got.Observations != len(recs)-1 || got.Suppressed != 1 || got.Dataflows != 1 {
		t.Errorf("check %+v, %d observations written", got, len(recs)-1)
	}
	for key, want := range map[string][]string{
		"M,KH,_T,_T,OBS,2024-03":             {"412", "A", "F", "NUMBER"},
		"M,KH,_T,_T,NOWCAST,2024-03":         {"412.0", "E", "F", "NUMBER"},
		"M,KH,_T,_T,EXPECTED_LOW,2024-03":    {"376.2", "E", "F", "NUMBER"},
		"M,KH,_T,_T,P_SCORE,2024-03":         {"8.4", "E", "F", "PERCENT"},
		"M,KH,_T,_T,OBS,2024-11":             {"300", "P", "F", "NUMBER"}, // a provisional period's count
		"M,KH,_T,_T,NOWCAST_HIGH,2024-11":    {"373.6", "E", "F", "NUMBER"},
		"M,KH,_T,_T,EXCESS,2024-11":          {"-18.4", "E", "F", "NUMBER"},
		"M,KH-7,F,Y0T4,OBS,2024-03":          {"", "A", "C", "NUMBER"}, // withheld
		"M,KH-7,_T,_T,EXCESS,2024-03":        {"-2.5", "E", "F", "NUMBER"},
		"W,KH,M,Y_GE65,OBS,2024-W05":         {"40", "A", "F", "NUMBER"},
		"W,KH-7,_T,_T,EXPECTED,2024-W05":     {"7.5", "E", "F", "NUMBER"},
		"W,KH,M,Y_GE65,P_SCORE_LOW,2024-W05": {"0.3", "E", "F", "PERCENT"},
		"M,KH,_T,_T,EXCESS_ADJ,2024-03":      {"63.5", "E", "F", "NUMBER"},
		"M,KH,_T,_T,EXCESS_ADJ_HIGH,2024-11": {"-38.5", "E", "F", "NUMBER"},
	} {
		if !slices.Equal(obs[key], want) {
			t.Errorf("%s: %v, want %v", key, obs[key], want)
		}
	}
	for key := range obs {
		switch {
		case strings.HasPrefix(key, "M,KH-7,F,Y0T4,") && !strings.HasPrefix(key, "M,KH-7,F,Y0T4,OBS,"):
			t.Errorf("%s: a measure of a withheld row is written", key)
		case strings.HasPrefix(key, "M,KH-7,_T,_T,P_SCORE"):
			t.Errorf("%s: a P-score the model does not give is written", key)
		case strings.HasPrefix(key, "M,KH-7,_T,_T,EXCESS_ADJ"):
			t.Errorf("%s: an adjusted excess without a completeness is written", key)
		case strings.HasPrefix(key, "W,KH-7,M,"):
			t.Errorf("%s: a province's week by sex and age is in the release", key)
		}
	}
}

// The checker reads the new flow's rules: a decimal only where the DSD's
// measure is Decimal, a week only under FREQ W.
func TestCheckSDMXDirCatchesSurveillanceBreaches(t *testing.T) {
	checkCatches(t, surveillanceDir, []sdmxBreach{
		{"a week under FREQ M", "deaths_surveillance.csv", ",W,KH,M,Y_GE65,OBS,2024-W05,", ",M,KH,M,Y_GE65,OBS,2024-W05,"},
		{"week 54", "deaths_surveillance.csv", ",2024-W05,", ",2024-W54,"},
		{"a value in exponent form", "deaths_surveillance.csv", ",412.0,E,", ",4.12e2,E,"},
		{"a withheld count shown", "deaths_surveillance.csv", ",,A,C,", ",3,A,C,"},
		{"an unknown measure", "deaths_surveillance.csv", ",NOWCAST,", ",NOWCASTED,"},
		{"a decimal in an Integer measure", SDMXStructureFile, `textType="Decimal"`, `textType="Integer"`},
	})
}

// The plain CSV: the byte-order mark, a row per series and period, a
// withheld row's values all empty and flagged.
func TestSurveillanceCSV(t *testing.T) {
	tab, err := SurveillanceReleased(surveillanceMart())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSurveillanceCSV(&b, tab); err != nil {
		t.Fatal(err)
	}
	s, ok := strings.CutPrefix(b.String(), BOM)
	if !ok {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+6 {
		t.Fatalf("%d rows, want 6 (the province's week by sex and age left out)", len(recs)-1)
	}
	for _, r := range recs[1:] {
		withheld := strings.Contains(r[len(r)-1], "suppressed")
		for i, v := range r[6 : len(r)-1] {
			if withheld && v != "" {
				t.Errorf("withheld row %v shows %s", r, recs[0][6+i])
			}
		}
		if withheld && r[2] != "07" {
			t.Errorf("row %v withheld", r)
		}
	}
}
