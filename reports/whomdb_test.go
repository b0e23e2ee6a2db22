package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vitalstats"
)

// testCountry is a made-up code of the right form, not Cambodia's WHO code.
const testCountry = "9999"

// whoDeathsTable builds a who_mdb_deaths table by hand: each row's deaths by
// Frmat 01 column (2-26) and IM_Frmat 01 column (1-4); deaths1 is their sum
// and deaths24-25 are NULL, as the mart writes them. The columns are given
// in an order other than the file's, so the writer must place them by name.
func whoDeathsTable(rows []whoDeathRow) *vitalstats.Table {
	t := &vitalstats.Table{Name: "who_mdb_deaths", Columns: []string{"cause", "year", "list", "sex", "im_frmat", "frmat"}}
	for i := 26; i >= 1; i-- {
		t.Columns = append(t.Columns, fmt.Sprintf("deaths%d", i))
	}
	for i := 1; i <= 4; i++ {
		t.Columns = append(t.Columns, fmt.Sprintf("im_deaths%d", i))
	}
	for _, r := range rows {
		row := []any{r.cause, int64(r.year), r.list, r.sex, "01", "01"}
		var all int64
		for _, n := range r.ages {
			all += n
		}
		for i := 26; i >= 1; i-- {
			switch {
			case i == 1:
				row = append(row, all)
			case i == 24 || i == 25:
				row = append(row, nil)
			default:
				row = append(row, r.ages[i])
			}
		}
		for i := 1; i <= 4; i++ {
			row = append(row, r.im[i])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

type whoDeathRow struct {
	year             int
	list, cause, sex string
	ages, im         map[int]int64
}

// whoFixture: 2021, three men (a neonate of 5 days, a boy of 2, a man of
// 30) and three women (an infant of 100 days, a woman of 90 with R99, one of
// unknown age), in lists 104 and 101.
var whoFixture = []whoDeathRow{
	{2021, "104", "AAA", "1", map[int]int64{2: 1, 4: 1, 12: 1}, map[int]int64{2: 1}},
	{2021, "104", "P220", "1", map[int]int64{2: 1}, map[int]int64{2: 1}},
	{2021, "104", "J189", "1", map[int]int64{4: 1}, nil},
	{2021, "104", "X95", "1", map[int]int64{12: 1}, nil},
	{2021, "104", "AAA", "2", map[int]int64{2: 1, 23: 1, 26: 1}, map[int]int64{4: 1}},
	{2021, "104", "A09", "2", map[int]int64{2: 1}, map[int]int64{4: 1}},
	{2021, "104", "R99", "2", map[int]int64{23: 1}, nil},
	{2021, "104", "I64", "2", map[int]int64{26: 1}, nil},
	{2021, "101", "1000", "1", map[int]int64{2: 1, 4: 1, 12: 1}, map[int]int64{2: 1}},
	{2021, "101", "1092", "1", map[int]int64{2: 1}, map[int]int64{2: 1}},
	{2021, "101", "1000", "2", map[int]int64{2: 1, 23: 1, 26: 1}, map[int]int64{4: 1}},
}

// parseWHO reads a WHO file by hand (no quoting is expected in it): the
// header and the records, each a map from the header's names.
func parseWHO(t *testing.T, b []byte) ([]string, []map[string]string) {
	t.Helper()
	s := string(b)
	if strings.ContainsAny(s, "\"\r") {
		t.Fatalf("quotes or CR in the file:\n%s", s)
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatal("the file does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	header := strings.Split(lines[0], ",")
	var recs []map[string]string
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != len(header) {
			t.Fatalf("line %d has %d fields, the header %d", i+2, len(f), len(header))
		}
		m := map[string]string{}
		for j, h := range header {
			m[h] = f[j]
		}
		recs = append(recs, m)
	}
	return header, recs
}

// num is a count cell: empty is 0 (a group the format does not use).
func num(t *testing.T, rec map[string]string, col string) int64 {
	t.Helper()
	v, ok := rec[col]
	if !ok {
		t.Fatalf("no column %s", col)
	}
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", col, v, err)
	}
	return n
}

func TestWriteWHOMortality(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWHOMortality(&buf, whoDeathsTable(whoFixture), testCountry); err != nil {
		t.Fatal(err)
	}
	header, recs := parseWHO(t, buf.Bytes())

	// The WHO layout, spelled out rather than built like the writer's.
	want := "Country,Admin1,SubDiv,Year,List,Cause,Sex,Frmat,IM_Frmat," +
		"Deaths1,Deaths2,Deaths3,Deaths4,Deaths5,Deaths6,Deaths7,Deaths8,Deaths9,Deaths10,Deaths11,Deaths12,Deaths13," +
		"Deaths14,Deaths15,Deaths16,Deaths17,Deaths18,Deaths19,Deaths20,Deaths21,Deaths22,Deaths23,Deaths24,Deaths25," +
		"Deaths26,IM_Deaths1,IM_Deaths2,IM_Deaths3,IM_Deaths4"
	if got := strings.Join(header, ","); got != want {
		t.Fatalf("header\n got %s\nwant %s", got, want)
	}
	if len(header) != 39 || len(recs) != len(whoFixture) {
		t.Fatalf("%d columns, %d records; want 39 and %d", len(header), len(recs), len(whoFixture))
	}

	aaa := map[string]map[string]string{}
	causes := map[string]map[string]int64{} // sex -> column -> sum over list 104 causes
	for _, r := range recs {
		key := r["Year"] + " " + r["List"] + " " + r["Cause"] + " " + r["Sex"]
		if r["Country"] != testCountry || r["Admin1"] != "" || r["SubDiv"] != "" || r["Frmat"] != "01" || r["IM_Frmat"] != "01" {
			t.Errorf("%s: country %q admin1 %q subdiv %q frmat %q im_frmat %q", key, r["Country"], r["Admin1"], r["SubDiv"], r["Frmat"], r["IM_Frmat"])
		}
		if r["Deaths24"] != "" || r["Deaths25"] != "" {
			t.Errorf("%s: Deaths24-25 %q %q, want empty (not in Frmat 01)", key, r["Deaths24"], r["Deaths25"])
		}
		var ages, im int64
		for i := 2; i <= 26; i++ {
			ages += num(t, r, fmt.Sprintf("Deaths%d", i))
		}
		for i := 1; i <= 4; i++ {
			im += num(t, r, fmt.Sprintf("IM_Deaths%d", i))
		}
		if d1 := num(t, r, "Deaths1"); d1 != ages || d1 == 0 {
			t.Errorf("%s: Deaths1 %d, Deaths2-26 add up to %d", key, d1, ages)
		}
		if im > num(t, r, "Deaths2") {
			t.Errorf("%s: IM_Deaths add up to %d, more than Deaths2 %d", key, im, num(t, r, "Deaths2"))
		}
		if r["List"] != "104" {
			continue
		}
		if r["Cause"] == "AAA" {
			aaa[r["Sex"]] = r
			continue
		}
		if causes[r["Sex"]] == nil {
			causes[r["Sex"]] = map[string]int64{}
		}
		for _, h := range header[9:] {
			causes[r["Sex"]][h] += num(t, r, h)
		}
	}
	if len(aaa) != 2 {
		t.Fatalf("AAA rows for sexes %v, want 1 and 2", aaa)
	}
	for sex, r := range aaa {
		for _, h := range header[9:] {
			if got := num(t, r, h); got != causes[sex][h] {
				t.Errorf("sex %s %s: AAA %d, the causes add up to %d", sex, h, got, causes[sex][h])
			}
		}
	}

	// Hand-placed cells land under their own headers.
	for _, c := range []struct{ cause, sex, col, want string }{
		{"P220", "1", "IM_Deaths2", "1"},
		{"P220", "1", "IM_Deaths1", "0"},
		{"X95", "1", "Deaths12", "1"},
		{"R99", "2", "Deaths23", "1"},
		{"I64", "2", "Deaths26", "1"},
		{"A09", "2", "IM_Deaths4", "1"},
		{"AAA", "2", "Deaths1", "3"},
	} {
		found := false
		for _, r := range recs {
			if r["List"] == "104" && r["Cause"] == c.cause && r["Sex"] == c.sex {
				found = true
				if r[c.col] != c.want || r["Year"] != "2021" {
					t.Errorf("%s sex %s: %s = %q in %s, want %s in 2021", c.cause, c.sex, c.col, r[c.col], r["Year"], c.want)
				}
			}
		}
		if !found {
			t.Errorf("%s sex %s: no row", c.cause, c.sex)
		}
	}
}

func TestWriteWHOPopulation(t *testing.T) {
	pop := whoPopulationTable()
	var buf bytes.Buffer
	if err := WriteWHOPopulation(&buf, pop, testCountry); err != nil {
		t.Fatal(err)
	}
	header, recs := parseWHO(t, buf.Bytes())
	want := "Country,Admin1,SubDiv,Year,Sex,Frmat,Pop1,Pop2,Pop3,Pop4,Pop5,Pop6,Pop7,Pop8,Pop9,Pop10,Pop11,Pop12," +
		"Pop13,Pop14,Pop15,Pop16,Pop17,Pop18,Pop19,Pop20,Pop21,Pop22,Pop23,Pop24,Pop25,Pop26,Lb"
	if got := strings.Join(header, ","); got != want {
		t.Fatalf("header\n got %s\nwant %s", got, want)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for _, r := range recs {
		var sum int64
		for i := 2; i <= 26; i++ {
			sum += num(t, r, fmt.Sprintf("Pop%d", i))
		}
		if p1 := num(t, r, "Pop1"); p1 != sum {
			t.Errorf("%s %s: Pop1 %d, groups add up to %d", r["Year"], r["Sex"], p1, sum)
		}
		for _, c := range []string{"Pop4", "Pop5", "Pop6", "Pop24", "Pop25"} {
			if r[c] != "" {
				t.Errorf("%s %s: %s = %q, want empty (not in Frmat 02)", r["Year"], r["Sex"], c, r[c])
			}
		}
	}
	if recs[0]["Pop3"] != "1320" || recs[0]["Pop26"] != "0" || recs[0]["Lb"] != "3" || recs[2]["Lb"] != "" {
		t.Errorf("cells: Pop3 %q Pop26 %q Lb %q; 2022 Lb %q", recs[0]["Pop3"], recs[0]["Pop26"], recs[0]["Lb"], recs[2]["Lb"])
	}
}

// whoPopulationTable builds a who_mdb_population table by hand (Frmat 02:
// 0, 1-4, 4-6 unused, 5-9 ... 80-84, 85+, 24-25 unused, unknown).
func whoPopulationTable() *vitalstats.Table {
	pop := &vitalstats.Table{Name: "who_mdb_population", Columns: []string{"year", "sex", "frmat"}}
	for i := 1; i <= 26; i++ {
		pop.Columns = append(pop.Columns, fmt.Sprintf("pop%d", i))
	}
	pop.Columns = append(pop.Columns, "lb")
	// Frmat 02: 0, 1-4, (4-6 unused), 5-9 ... 80-84, 85+, (24-25 unused), unknown
	mk := func(year int64, sex string, base int64, lb any) []any {
		row := []any{year, sex, "02"}
		groups := []any{base, 4 * base, nil, nil, nil}
		var all int64 = 5 * base
		for i := 7; i <= 23; i++ {
			groups = append(groups, 5*base)
			all += 5 * base
		}
		groups = append(groups, nil, nil, int64(0))
		row = append(row, all)
		row = append(row, groups...)
		return append(row, lb)
	}
	pop.Rows = [][]any{mk(2021, "1", 330, int64(3)), mk(2021, "2", 320, int64(3)), mk(2022, "1", 363, nil)}
	return pop
}

func TestWriteWHORefuses(t *testing.T) {
	good := whoDeathsTable(whoFixture[:1])
	for name, c := range map[string]struct {
		t       *vitalstats.Table
		country string
	}{
		"no country":      {good, ""},
		"ISO code":        {good, "KH"},
		"nil table":       {nil, testCountry},
		"missing column":  {&vitalstats.Table{Name: "x", Columns: good.Columns[1:], Rows: nil}, testCountry},
		"fraction":        {withCell(good, "deaths2", 0.5), testCountry},
		"unexpected type": {withCell(good, "deaths2", true), testCountry},
		"short row":       {&vitalstats.Table{Name: "x", Columns: good.Columns, Rows: [][]any{good.Rows[0][1:]}}, testCountry},
	} {
		if err := WriteWHOMortality(&bytes.Buffer{}, c.t, c.country); err == nil {
			t.Errorf("%s: written without an error", name)
		}
	}
	// A whole float (DuckDB HUGEINT sums arrive as float64 in some paths) is written as an integer.
	var buf bytes.Buffer
	if err := WriteWHOMortality(&buf, withCell(good, "deaths2", 1.0), testCountry); err != nil {
		t.Fatal(err)
	}
	if _, recs := parseWHO(t, buf.Bytes()); recs[0]["Deaths2"] != "1" {
		t.Errorf("Deaths2 %q, want 1", recs[0]["Deaths2"])
	}
}

// withCell copies a table with one cell of its first row replaced.
func withCell(t *vitalstats.Table, col string, v any) *vitalstats.Table {
	c := &vitalstats.Table{Name: t.Name, Columns: t.Columns}
	for _, r := range t.Rows {
		c.Rows = append(c.Rows, append([]any(nil), r...))
	}
	c.Rows[0][t.Col(col)] = v
	return c
}

// whoFormatGroups reads which count columns an age format uses, from the
// WHO MDB format definitions (testdata/oracles): column -> used.
func whoFormatGroups(t *testing.T, kind, format, prefix string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "oracles", "format_who_mdb_age_groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var formats map[string]map[string]any
	if err := json.Unmarshal(doc[kind], &formats); err != nil {
		t.Fatal(err)
	}
	f, ok := formats[format]
	if !ok {
		t.Fatalf("no %s %s in the oracle", kind, format)
	}
	used := map[string]bool{}
	for col, label := range f {
		if n, ok := strings.CutPrefix(col, prefix); ok {
			used[n] = label != nil
		}
	}
	return used
}

// TestWHOFilesFollowTheAgeFormats checks the empty and filled cells of both
// files against the WHO definitions of Frmat 01 (deaths), IM_Frmat 01 and
// Frmat 02 (population).
func TestWHOFilesFollowTheAgeFormats(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWHOMortality(&buf, whoDeathsTable(whoFixture), testCountry); err != nil {
		t.Fatal(err)
	}
	_, recs := parseWHO(t, buf.Bytes())
	check := func(what string, recs []map[string]string, cols string, used map[string]bool, n int) {
		t.Helper()
		if len(used) != n {
			t.Fatalf("%s: %d columns in the oracle, want %d", what, len(used), n)
		}
		for _, r := range recs {
			for i, u := range used {
				if v := r[cols+i]; (v != "") != u {
					t.Errorf("%s: %s%s = %q, the format uses it: %v", what, cols, i, v, u)
				}
			}
		}
	}
	check("Frmat 01", recs, "Deaths", whoFormatGroups(t, "age_formats_Frmat", "01", "Deaths"), 26)
	check("IM_Frmat 01", recs, "IM_Deaths", whoFormatGroups(t, "infant_age_formats_IM_Frmat", "01", "IM_Deaths"), 4)

	buf.Reset()
	if err := WriteWHOPopulation(&buf, whoPopulationTable(), testCountry); err != nil {
		t.Fatal(err)
	}
	_, recs = parseWHO(t, buf.Bytes())
	// The population file's Frmat shares the deaths' column numbering.
	check("Frmat 02", recs, "Pop", whoFormatGroups(t, "age_formats_Frmat", "02", "Deaths"), 26)
}
