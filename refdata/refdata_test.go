package refdata

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGazetteer(t *testing.T) {
	g, err := LoadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Provinces) != 25 || len(g.Districts) != 210 || len(g.Communes) != 1652 {
		t.Fatalf("got %d provinces, %d districts, %d communes; want 25, 210, 1652", len(g.Provinces), len(g.Districts), len(g.Communes))
	}
	provs := map[string]Province{}
	for _, p := range g.Provinces {
		provs[p.Code] = p
	}
	dists := map[string]District{}
	for _, d := range g.Districts {
		if _, ok := provs[d.ProvinceCode]; !ok {
			t.Errorf("district %s: province %s missing", d.Code, d.ProvinceCode)
		}
		dists[d.Code] = d
	}
	for _, c := range g.Communes {
		d, ok := dists[c.DistrictCode]
		if !ok {
			t.Errorf("commune %s: district %s missing", c.Code, c.DistrictCode)
		}
		if _, ok := provs[c.ProvinceCode]; !ok || d.ProvinceCode != c.ProvinceCode {
			t.Errorf("commune %s: province %s missing or not its district's", c.Code, c.ProvinceCode)
		}
	}
	if g.Communes[0].Code != "010201" || g.Provinces[0].Code != "01" {
		t.Errorf("first codes %q, %q: leading zeros lost or not sorted", g.Provinces[0].Code, g.Communes[0].Code)
	}
	if pp := provs["12"]; pp.NameEN != "Phnom Penh" || pp.Type != "capital" || pp.ISO != "KH-12" {
		t.Errorf("province 12 = %+v", pp)
	}
	if tk := provs["25"]; tk.NameEN != "Tboung Khmum" {
		t.Errorf("province 25 = %+v", tk)
	}
	var sangkat int
	for _, c := range g.Communes {
		if c.TypeEN != "commune" {
			sangkat++
		}
	}
	if sangkat != 269 { // README of the source: khum 1,383, sangkat 269
		t.Errorf("%d quarters (sangkat), want 269", sangkat)
	}
}

func TestCensus2008(t *testing.T) {
	provs, dists, err := LoadCensus2008()
	if err != nil {
		t.Fatal(err)
	}
	if len(provs) != 24 || len(dists) != 193 {
		t.Fatalf("%d provinces, %d districts; want 24, 193", len(provs), len(dists))
	}
	var tot, male, female, dtot int
	for _, p := range provs {
		tot += p.PopTotal
		male += p.PopMale
		female += p.PopFemale
		if m := p.Male0_14 + p.Male15_64 + p.Male65plus; m != p.PopMale {
			t.Errorf("province %s: male age groups sum to %d, pop_male %d", p.Code, m, p.PopMale)
		}
		if f := p.Female0_14 + p.Female15_64 + p.Female65plus; f != p.PopFemale {
			t.Errorf("province %s: female age groups sum to %d, pop_female %d", p.Code, f, p.PopFemale)
		}
		if p.Female15_49 <= 0 || p.ChildWomanRatio <= 0 || p.SMAMFemale < 15 || p.SMAMMale < 15 {
			t.Errorf("province %s: implausible %+v", p.Code, p.Census2008Figures)
		}
	}
	for _, d := range dists {
		dtot += d.PopTotal
	}
	if tot != 13395682 || male != 6516054 || female != 6879628 || dtot != tot {
		t.Errorf("census totals %d (m %d, f %d), districts %d; want 13,395,682 (6,516,054 + 6,879,628) both", tot, male, female, dtot)
	}
}

func TestWPP(t *testing.T) {
	years, err := LoadWPPAnnual()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 31 || years[0].Year != 2000 || years[30].Year != 2030 {
		t.Fatalf("WPP years: %d rows from %d", len(years), years[0].Year)
	}
	for i, y := range years {
		if y.Year != 2000+i {
			t.Errorf("row %d is year %d", i, y.Year)
		}
		if want := map[bool]string{true: "estimate", false: "projection_medium"}[y.Year <= 2023]; y.Variant != want {
			t.Errorf("%d: variant %s, want %s", y.Year, y.Variant, want)
		}
	}
	// Values the source README quotes for 2019.
	y := years[19]
	if y.CBR != 22.988 || y.CDR != 6.189 || y.TFR != 2.725 || y.E0Male != 67.53 || y.E0Female != 72.56 {
		t.Errorf("2019 = %+v", y)
	}

	asfr, err := LoadWPPASFR()
	if err != nil {
		t.Fatal(err)
	}
	if len(asfr) != 42 {
		t.Fatalf("%d ASFR rows, want 6 periods × 7 age groups", len(asfr))
	}
	sums := map[string]float64{}
	for _, a := range asfr {
		sums[a.Period] += a.PctOfTFR
		if a.LastYear != a.FirstYear+4 || a.AgeStart < 15 || a.AgeStart > 45 {
			t.Errorf("bad row %+v", a)
		}
	}
	for p, s := range sums {
		if s < 99.9 || s > 100.1 {
			t.Errorf("period %s: pct_of_tfr sums to %g", p, s)
		}
	}

	u5, err := LoadCDHS2010()
	if err != nil {
		t.Fatal(err)
	}
	if len(u5) != 24 || u5[0].Code != "01" || u5[0].NMR != 26 || u5[0].U5MR != 76 {
		t.Errorf("CDHS 2010: %d rows, first %+v", len(u5), u5[0])
	}
}

func TestICD10(t *testing.T) {
	codes, err := LoadICD10()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 12130 {
		t.Errorf("%d ICD-10 codes, want 12,130", len(codes))
	}
	byCode := map[string]ICD10Code{}
	for _, c := range codes {
		byCode[c.Code] = c
	}
	if a := byCode["A000"]; a.Dotted != "A00.0" || a.Level != 4 || a.List1 != "1-002" || a.Chapter != "01" || a.Asterisk {
		t.Errorf("A000 = %+v", a)
	}

	list1, err := LoadWHOList1()
	if err != nil {
		t.Fatal(err)
	}
	if len(list1) != 104 {
		t.Errorf("%d list 1 rows, want 104 (all causes + 1-001..1-103)", len(list1))
	}
	// Every list-1 leaf of a code in chapters I-XVIII must contain that code (the two files agree).
	leaves := map[string]List1Item{}
	for _, it := range list1 {
		if it.Leaf {
			leaves[it.Item] = it
		}
	}
	checked := 0
	for _, c := range []string{"A000", "C349", "I219", "J189", "R99", "E119"} {
		it, ok := leaves[byCode[c].List1]
		if !ok {
			t.Errorf("%s: list 1 item %q is not a leaf", c, byCode[c].List1)
			continue
		}
		in := false
		for _, r := range it.Codes {
			in = in || r.Contains(c)
		}
		if !in {
			t.Errorf("%s is not in the ranges %q of its item %s", c, it.Ranges, it.Item)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no code checked")
	}

	sex, err := LoadSexLimited()
	if err != nil {
		t.Fatal(err)
	}
	var male, female int
	for _, s := range sex {
		if s.Sex == "male" {
			male++
		} else {
			female++
		}
		if s.Code == "N40" && s.Sex != "male" || s.Code == "C53" && s.Sex != "female" {
			t.Errorf("%+v", s)
		}
	}
	if male != 128 || female != 752 {
		t.Errorf("sex-limited: %d male, %d female; want 128, 752", male, female)
	}

	unlikely, err := LoadUnlikelyCauses()
	if err != nil {
		t.Fatal(err)
	}
	if len(unlikely) != 424 {
		t.Errorf("%d unlikely causes, want 424", len(unlikely))
	}
	for _, u := range unlikely {
		if u.CodeOrRange == "F50.1,F50.3-F50.9" {
			if len(u.Codes) != 2 || u.Codes[1] != (CodeRange{"F503", "F509"}) {
				t.Errorf("union parsed as %+v", u.Codes)
			}
		}
	}
}

func TestIllDefinedCases(t *testing.T) {
	ranges, cases, err := LoadIllDefined()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 12 {
		t.Fatalf("%d worked examples, want 12", len(cases))
	}
	for _, c := range cases {
		got := false
		for _, r := range ranges {
			if r.Definition == "codedit_ill_defined_rule" && r.Range.Contains(c.Code) {
				got = true
			}
		}
		if got != c.IllDefined {
			t.Errorf("%s: ill-defined %v, want %v (%s)", c.Code, got, c.IllDefined, c.Why)
		}
	}
	var list1 []CodeRange
	for _, r := range ranges {
		if r.Definition == "who_list1_item_1_094" {
			list1 = append(list1, r.Range)
		}
	}
	if len(list1) != 1 || list1[0] != (CodeRange{"R00", "R99"}) {
		t.Errorf("list 1 definition = %v", list1)
	}
}

func TestCodeRange(t *testing.T) {
	for _, tc := range []struct {
		r    string
		code string
		want bool
	}{
		{"R00-R57.1", "R57.1", true},
		{"R00-R57.1", "R572", false},
		{"R57.8-R64", "R64.9", true},
		{"R57.8-R64", "R65", false},
		{"A09", "A09.9", true},
		{"A09", "A10", false},
		{"I46.1", "I46", false},
		{"C00-D48", "D48.9", true},
		{"C00-D48", "D49", false},
	} {
		rs, err := ParseCodeRanges(tc.r)
		if err != nil {
			t.Fatal(err)
		}
		if got := rs[0].Contains(tc.code); got != tc.want {
			t.Errorf("%s contains %s = %v, want %v", tc.r, tc.code, got, tc.want)
		}
	}
	for _, bad := range []string{"", ",", "A0", "A00-", "R99-R00", "a00", "A00.00"} {
		if _, err := ParseCodeRanges(bad); err == nil {
			t.Errorf("ParseCodeRanges(%q) accepted", bad)
		}
	}
}

func FuzzParseCodeRanges(f *testing.F) {
	for _, s := range []string{"A21-A32, A38", "F50.1,F50.3-F50.9", "L98.0-L98.3,", "I50 (all)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseCodeRanges(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.From > r.To || !r.Contains(r.From) || !r.Contains(r.To) || strings.Contains(r.From+r.To, ".") {
				t.Errorf("%q gave bad range %+v", s, r)
			}
		}
	})
}

func TestWHOStandardPopulation(t *testing.T) {
	groups, err := LoadWHOStandardPopulation()
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 21 {
		t.Fatalf("%d groups, want 21", len(groups))
	}
	sum := 0
	for _, g := range groups {
		sum += g.Weight
	}
	if sum != 100035 {
		t.Errorf("weights sum to %d, want the published 100,035", sum)
	}
	if g := groups[0]; g.AgeGroup != "0-4" || g.Weight != 8860 {
		t.Errorf("first group %+v", g)
	}
	if g := groups[20]; g.AgeGroup != "100+" || g.AgeStart != 100 || g.AgeEnd != -1 || g.Weight != 5 {
		t.Errorf("last group %+v", g)
	}
}

// TestEveryFileDocumented keeps README.md in step with what is embedded.
func TestEveryFileDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	names := Names()
	if len(names) != 18 {
		t.Errorf("%d embedded files: %v", len(names), names)
	}
	for _, n := range names {
		if !bytes.Contains(readme, []byte(n)) {
			t.Errorf("README.md does not mention %s", n)
		}
	}
	if _, err := fs.Stat(FS, "cambodia/admin/villages.csv"); err == nil {
		t.Error("villages.csv is embedded but unused")
	}
	var geo struct {
		Features []struct {
			Properties struct {
				ProvinceCode string `json:"province_code"`
			} `json:"properties"`
		} `json:"features"`
	}
	b, err := Source{}.ReadFile(FileProvinceMap)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &geo); err != nil || len(geo.Features) != 25 {
		t.Errorf("province map: %d features, %v", len(geo.Features), err)
	}
}

// writeFile writes a site file for an override test.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "site.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOverride(t *testing.T) {
	// A site that knows better WPP figures for one year supplies a file of the same shape.
	site := writeFile(t, `year,variant,births_thousands,cbr_per_1000,deaths_thousands,cdr_per_1000,rate_natural_change_per_1000,growth_rate_pct,net_migration_rate_per_1000,tfr,e0_male,e0_female,e0_both,srb_males_per_female
2019,estimate,350,22,95,6,16,1.5,-1,2.5,68,73,70.5,1.05
`)
	src := Source{Overrides: map[string]string{FileWPPAnnual: site}}
	if err := src.Validate(); err != nil {
		t.Fatal(err)
	}
	years, err := src.LoadWPPAnnual()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 1 || years[0].TFR != 2.5 {
		t.Errorf("override not used: %+v", years)
	}
	// Files without an override still come from the embedded copy.
	if asfr, err := src.LoadWPPASFR(); err != nil || len(asfr) != 42 {
		t.Errorf("embedded ASFR through an overriding Source: %d rows, %v", len(asfr), err)
	}
	if err := (Source{Overrides: map[string]string{"cambodia/admin/communes.cvs": site}}).Validate(); err == nil {
		t.Error("override of an unknown file accepted")
	}
	if err := (Source{Overrides: map[string]string{FileCommunes: site + ".missing"}}).Validate(); err == nil {
		t.Error("override with a missing file accepted")
	}
}

func TestStrictErrors(t *testing.T) {
	header := strings.Join(wppAnnualColumns, ",")
	for _, tc := range []struct {
		name, content, want string
	}{
		{"wrong header", strings.Replace(header, "tfr", "TFR", 1) + "\n", "line 1, column 10: header \"TFR\", want \"tfr\""},
		{"short header", "year,variant\n", "wrong number of fields"},
		{"non-numeric", header + "\n2000,estimate,354.758,28.466,108.419,8.7,19.766,1.568,-4.089,three,57.3,61.46,59.49,1.05\n",
			"line 2, column 10 (tfr): \"three\" is not a number"},
		{"bad variant", header + "\n2000,guess,354.758,28.466,108.419,8.7,19.766,1.568,-4.089,3.7,57.3,61.46,59.49,1.05\n",
			"line 2, column 2 (variant)"},
		{"empty", "", "empty file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := writeFile(t, tc.content)
			_, err := Source{Overrides: map[string]string{FileWPPAnnual: site}}.LoadWPPAnnual()
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), FileWPPAnnual) || !strings.Contains(err.Error(), site) {
				t.Errorf("error %q does not name file, line and column (%q)", err, tc.want)
			}
		})
	}

	// A commune whose district does not exist breaks the hierarchy.
	site := writeFile(t, strings.Join(communeColumns, ",")+"\n019901,0199,01,ឃុំ,khum,commune,x,X,,\n")
	_, err := Source{Overrides: map[string]string{FileCommunes: site}}.LoadGazetteer()
	if err == nil || !strings.Contains(err.Error(), "line 2, column 2 (district_code): district 0199 is not in") {
		t.Errorf("orphan commune: %v", err)
	}
	// A code that lost its leading zero (a spreadsheet round trip) is refused.
	site = writeFile(t, strings.Join(communeColumns, ",")+"\n10201,0102,01,ឃុំ,khum,commune,x,X,,\n")
	_, err = Source{Overrides: map[string]string{FileCommunes: site}}.LoadGazetteer()
	if err == nil || !strings.Contains(err.Error(), `"10201" is not a 6-digit code`) {
		t.Errorf("short commune code: %v", err)
	}
}

func TestRegistrationLimits(t *testing.T) {
	rules, err := Source{}.LoadRegistrationLimits()
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]int{}
	for _, r := range rules {
		days[r.EventType+"/"+r.Regime] = r.Days
	}
	if days["birth/ict"] != 30 || days["birth/paper"] != 30 || days["death/ict"] != 15 || days["death/paper"] != 15 {
		t.Errorf("limits %v, want births 30 and deaths 15 days in both regimes", days)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "limits.csv")
	os.WriteFile(bad, []byte("event_type,regime,valid_from,valid_to,limit_days,source\n"+
		"birth,ict,2001-01-01,,30,x\nbirth,ict,2010-01-01,,60,y\n"), 0o644)
	_, err = Source{Overrides: map[string]string{FileRegLimits: bad}}.LoadRegistrationLimits()
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlapping rules: err = %v, want an overlap error naming line 3", err)
	}
}
