package synth

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // an invalid ICD code's detail may hold a comma
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// dropRows reads the file drops of a run (both contractors): table ->
// "file:<id>" -> column -> value, a string or nil when missing. Rows a file
// defect broke are left out.
func dropRows(t *testing.T, dir string) map[string]map[string]map[string]any {
	t.Helper()
	byEvent := map[string]*Table{}
	for _, tbl := range Tables {
		byEvent[tbl.Event] = tbl
	}
	out := map[string]map[string]map[string]any{}
	var files []string
	for _, pat := range []string{formatNDJSON + "/*.ndjson", formatCSV + "/*.csv"} {
		m, err := filepath.Glob(filepath.Join(dir, "inbox", pat))
		if err != nil || len(m) == 0 {
			t.Fatalf("no drops %s (%v)", pat, err)
		}
		files = append(files, m...)
	}
	for _, path := range files {
		base := filepath.Base(path)
		tbl := byEvent[base[:strings.LastIndexByte(base, '_')]]
		if tbl == nil {
			t.Fatalf("%s: no table", base)
		}
		if out[tbl.Name] == nil {
			out[tbl.Name] = map[string]map[string]any{}
		}
		isCSV := strings.HasSuffix(base, ".csv")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		first := true
		for sc.Scan() {
			row := map[string]any{}
			if isCSV {
				if first {
					first = false
					continue
				}
				rec, err := csv.NewReader(strings.NewReader(sc.Text())).Read()
				if err != nil || len(rec) != len(tbl.Columns) {
					continue
				}
				for i, c := range tbl.Columns {
					if rec[i] != "" {
						row[c.Name] = rec[i]
					}
				}
			} else {
				var m map[string]any
				if json.Unmarshal(sc.Bytes(), &m) != nil {
					continue
				}
				for _, c := range tbl.Columns {
					switch v := m[jsonField(c.Name)].(type) {
					case string:
						row[c.Name] = v
					case float64:
						row[c.Name] = strconv.FormatInt(int64(v), 10)
					}
				}
			}
			id, ok := row["id"].(string)
			if !ok {
				continue
			}
			out[tbl.Name]["file:"+id] = row
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var (
	mediumRowsOnce sync.Once
	mediumRows     map[string]map[string]map[string]any
)

// mediumDrops are the NDJSON rows of the shared run, read once.
func mediumDrops(t *testing.T) map[string]map[string]map[string]any {
	r := mediumRun(t)
	mediumRowsOnce.Do(func() { mediumRows = dropRows(t, r.dir) })
	if mediumRows == nil {
		t.Fatal("the shared run's drops could not be read")
	}
	return mediumRows
}

// damagedIDs are the records whose dates a planted defect changed.
func damagedIDs(t *testing.T, dir string) map[string]bool {
	ids := map[string]bool{}
	for _, d := range readCSVFile(t, filepath.Join(dir, "truth_defects.csv")) {
		switch d[2] {
		case "impossible_date", DefectInvalidDate:
			ids["file:"+d[1]] = true
		}
	}
	return ids
}

// dupGroups reads truth_duplicates.csv: group -> its rows.
func dupGroups(t *testing.T, dir string) map[string][][]string {
	groups := map[string][][]string{}
	for _, r := range readCSVFile(t, filepath.Join(dir, "truth_duplicates.csv")) {
		if len(r) != 5 {
			t.Fatalf("truth_duplicates.csv row %v: want table,event_id,group,route,defects", r)
		}
		groups[r[2]] = append(groups[r[2]], r)
	}
	return groups
}

// Each difference of a duplicate from its original occurs at its rate, where
// it can apply: the romanized kinds only on records with romanized names,
// the day-month swap only on days 1-12, date changes only where the date
// stays before the registration.
func TestDuplicateDefectsAtConfiguredRates(t *testing.T) {
	tr := mediumRun(t).truth
	p := DefaultProfile().Defects
	dd := p.DuplicateDefect
	n := float64(tr.Events["birth"].Duplicates + tr.Events["death"].Duplicates)
	if n < 2000 {
		t.Fatalf("only %.0f duplicates", n)
	}
	for _, c := range []struct {
		kind   string
		p      float64
		lo, hi float64 // share of duplicates the kind can apply to
	}{
		{DefectTypoKm, dd.TypoKm, 0.95, 1},
		{DefectNameSwap, dd.NameSwap, 1, 1},
		{DefectMissingField, dd.MissingField, 0.95, 1},
		{DefectDayOff, dd.DayOff, 0.85, 1},
		{DefectYearOff, dd.YearOff, 0.6, 1},
		{DefectTypoLatin, dd.TypoLatin, 0.25, 0.7},
		{DefectRomanization, dd.Romanization, 0.25, 0.7},
		{DefectDayMonthSwap, dd.DayMonthSwap, 0.15, 0.4},
	} {
		got := float64(tr.Defects[c.kind])
		lo, hi := n*c.p*c.lo, n*c.p*c.hi
		se := math.Sqrt(hi)
		if got < lo-4*se || got > hi+4*se {
			t.Errorf("%s: %v duplicates, want %.0f-%.0f (± %.0f)", c.kind, got, lo, hi, 4*se)
		}
	}
	// Routes: a paper record is registered again elsewhere or digitized
	// twice, about equally; ICT copies are rare (few ICT records).
	for _, ev := range []string{"birth", "death"} {
		rt := tr.Events[ev].DuplicateRoutes
		a, b := float64(rt[RouteOccurrenceResidence]), float64(rt[RouteDigitizedTwice])
		if a == 0 || b == 0 || math.Abs(a-b) > 4*math.Sqrt(a+b)+0.1*(a+b) {
			t.Errorf("%s duplicate routes %v: occurrence_residence and digitized_twice should be about equal", ev, rt)
		}
	}
	if tr.Events["birth"].DuplicateRoutes[RouteICTAndPaper] == 0 {
		t.Error("no ICT registration has a paper copy")
	}
}

// truth_duplicates.csv agrees with itself and with truth_defects.csv: each
// group has its original first (event id = group, no defects) and a second
// record of the same table and route, listed as a duplicate of the original
// with exactly the defects the group row names.
func TestDuplicateGroupsAreConsistent(t *testing.T) {
	r := mediumRun(t)
	groups := dupGroups(t, r.dir)
	dupOf := map[string]string{}     // id -> original id
	kindsOf := map[string][]string{} // id -> duplicate defect kinds
	for _, d := range readCSVFile(t, filepath.Join(r.dir, "truth_defects.csv")) {
		switch d[2] {
		case DefectDuplicateKind:
			dupOf[d[1]] = d[3]
		default:
			if slices.Contains(DuplicateDefectKinds, d[2]) {
				kindsOf[d[1]] = append(kindsOf[d[1]], d[2])
			}
		}
	}
	var want int64
	for _, ev := range r.truth.Events {
		want += ev.DuplicateGroups
	}
	if int64(len(groups)) != want || want == 0 {
		t.Fatalf("%d groups in truth_duplicates.csv, truth.json says %d", len(groups), want)
	}
	idOf := func(eid string) string {
		_, id, ok := strings.Cut(eid, ":")
		if !ok || !strings.HasPrefix(eid, "reg:") && !strings.HasPrefix(eid, "file:") {
			t.Fatalf("event id %q is not reg:<id> or file:<id>", eid)
		}
		return id
	}
	seen := map[string]bool{}
	defectsListed := 0
	for g, rows := range groups {
		if len(rows) < 2 {
			t.Fatalf("group %s has %d record", g, len(rows))
		}
		if rows[0][1] != g || rows[0][4] != "" {
			t.Errorf("group %s: the first row %v is not the original", g, rows[0])
		}
		for _, row := range rows {
			if seen[row[1]] {
				t.Errorf("%s in two groups", row[1])
			}
			seen[row[1]] = true
			if row[0] != rows[0][0] || row[3] != rows[0][3] {
				t.Errorf("group %s mixes tables or routes: %v", g, rows)
			}
		}
		for _, row := range rows[1:] {
			id := idOf(row[1])
			if dupOf[id] != idOf(g) {
				t.Errorf("%s is in group %s but truth_defects.csv says it duplicates %q", row[1], g, dupOf[id])
			}
			var kinds []string
			if row[4] != "" {
				kinds = strings.Split(row[4], ";")
			}
			if !slices.Equal(kinds, kindsOf[id]) {
				t.Errorf("%s: defects %v in truth_duplicates.csv, %v in truth_defects.csv", row[1], kinds, kindsOf[id])
			}
			defectsListed += len(kinds)
		}
		if rows[0][3] == RouteDigitizedTwice && (!strings.HasPrefix(rows[0][1], "file:") || !strings.HasPrefix(rows[1][1], "file:")) {
			t.Errorf("group %s digitized twice is not two file drops: %v", g, rows)
		}
	}
	// Duplicates missing from the groups are those the registrar (or the
	// lifecycle of the original) cancelled.
	cancelled := len(dupOf) - len(groups)
	if p := DefaultProfile().Defects.DuplicateCancel; cancelled < 0 || float64(cancelled) > (p+0.05)*float64(len(dupOf)) {
		t.Errorf("%d duplicates, %d groups: %d cancelled, want about %.0f%%", len(dupOf), len(groups), cancelled, 100*p)
	}
	// Where both records are in the NDJSON drops, a duplicate not in a group
	// is cancelled, or its original is.
	rows := mediumDrops(t)
	checked := 0
	for id, orig := range dupOf {
		for _, tbl := range []string{"births", "deaths"} {
			a, b := rows[tbl]["file:"+id], rows[tbl]["file:"+orig]
			if a == nil || b == nil {
				continue
			}
			checked++
			if inGroup := seen["file:"+id]; inGroup == (a["status"] == "cancelled" || b["status"] == "cancelled") {
				t.Errorf("%s file:%s (%v) of file:%s (%v): in a group %v", tbl, id, a["status"], orig, b["status"], inGroup)
			}
		}
	}
	if checked < 100 || defectsListed == 0 {
		t.Errorf("only %d pairs checked in the drops, %d defects listed", checked, defectsListed)
	}
}

// Hard cases exist: two records of one event, neither with the child's
// KIDC, whose names and dates differ.
func TestHardDuplicatesExist(t *testing.T) {
	r := mediumRun(t)
	rows := mediumDrops(t)
	hard := 0
	for g, grp := range dupGroups(t, r.dir) {
		if grp[0][0] != "births" {
			continue
		}
		a, b := rows["births"][g], rows["births"][grp[1][1]]
		if a == nil || b == nil || a["child_kidc"] != nil || b["child_kidc"] != nil {
			continue
		}
		if a["date_of_birth"] != b["date_of_birth"] && (a["child_name"] != b["child_name"] || a["mother_name"] != b["mother_name"]) {
			hard++
		}
	}
	if hard < 5 {
		t.Errorf("%d duplicate pairs without KIDC with names and dates differing", hard)
	}
}

// Paper records registered before paper_kidc_from carry no KIDC for anyone;
// later ones and ICT ones do.
func TestBacklogHasNoKIDC(t *testing.T) {
	rows := mediumDrops(t)
	damaged := damagedIDs(t, mediumRun(t).dir)
	from := DefaultProfile().Registration.PaperKIDCFrom
	kidcCols := map[string][]string{
		"births": {"child_kidc", "mother_kidc"}, "deaths": {"deceased_kidc"},
		"fetal_deaths": {"mother_kidc"}, "marriages": {"groom_kidc", "bride_kidc"},
	}
	for tbl, cols := range kidcCols {
		var backlog, after, withKIDC int
		for id, row := range rows[tbl] {
			reg, _ := row["registration_date"].(string)
			if reg == "" || row["source"] != "digitized" || damaged[id] {
				continue
			}
			has := false
			for _, c := range cols {
				has = has || row[c] != nil
			}
			if reg < from {
				backlog++
				if has {
					t.Errorf("%s %s registered %s on paper has a KIDC", tbl, id, reg)
				}
			} else {
				after++
				if has {
					withKIDC++
				}
			}
		}
		if backlog == 0 || after == 0 || withKIDC == 0 {
			t.Errorf("%s: %d backlog records, %d later (%d with a KIDC)", tbl, backlog, after, withKIDC)
		}
	}
}

// Every name is Khmer script, family name first, and every romanization
// is words of letters; some records have romanized names and some not.
func TestNamesAreKhmerScript(t *testing.T) {
	rows := mediumDrops(t)
	var latin, noLatin int
	for tbl, byID := range rows {
		for id, row := range byID {
			for col, v := range row {
				s, ok := v.(string)
				if !ok || !strings.HasSuffix(col, "_name") && !strings.HasSuffix(col, "_name_latin") {
					continue
				}
				if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
					continue // an invalid_utf8 file defect
				}
				if strings.HasSuffix(col, "_latin") {
					latin++
					if !isLatinName(s) || strings.Count(s, " ") != 1 {
						t.Errorf("%s %s %s = %q is not a romanized name", tbl, id, col, s)
					}
				} else if !validKhmerName(s) || strings.Count(s, " ") != 1 {
					t.Errorf("%s %s %s = %q is not a Khmer name", tbl, id, col, s)
				}
			}
			if byID[id]["child_name"] != nil && row["child_name_latin"] == nil {
				noLatin++
			}
		}
	}
	if latin == 0 || noLatin == 0 {
		t.Errorf("%d romanized names, %d births without", latin, noLatin)
	}
}

func TestNameBook(t *testing.T) {
	for sx := range 2 {
		if n := len(names.given[sx]); n < 150 {
			t.Errorf("sex %d: only %d given names", sx, n)
		}
		for i, g := range names.given[sx] {
			if !validKhmerName(g.km) || strings.Contains(g.km, " ") || !isLatinName(g.latin) {
				t.Errorf("given name %d %q %q", i, g.km, g.latin)
			}
		}
	}
	// Family names are concentrated: the five commonest carry over half.
	top := names.familyCum.cum[4]
	if top < 0.5 || top > 0.8 {
		t.Errorf("the five commonest family names carry %.2f of people", top)
	}
	r := newRNG(1, 2)
	counts := map[string]int{}
	for range 20000 {
		p := r.name(1)
		counts[p.km()]++
		if !validKhmerName(p.km()) || !isLatinName(p.latin()) {
			t.Fatalf("name %q %q", p.km(), p.latin())
		}
	}
	if len(counts) < 1000 {
		t.Errorf("20,000 women share only %d full names", len(counts))
	}
}

func TestNameTypos(t *testing.T) {
	r := newRNG(3, 4)
	for range 2000 {
		p := r.name(r.IntN(2))
		km, latin := p.km(), p.latin()
		if v, ok := typoKhmer(r, km); ok && (v == km || !validKhmerName(v)) {
			t.Errorf("typo_km %q -> %q", km, v)
		}
		if v, ok := typoLatin(r, latin); !ok || v == latin || !isLatinName(v) {
			t.Errorf("typo_latin %q -> %q", latin, v)
		}
		if v, ok := romanize(r, latin); ok && (v == latin || !isLatinName(v)) {
			t.Errorf("romanization %q -> %q", latin, v)
		}
		if v := swapNameParts(km); v == km && !strings.HasPrefix(km, strings.SplitN(km, " ", 2)[1]+" ") {
			t.Errorf("name_swap %q -> %q", km, v)
		}
	}
	for in, want := range map[string][]string{"Chan": {"Chann", "Chanh"}, "Sok": {"Sokh"}, "Chea": {"Chia"}, "Ouch": {"Uch"}, "Sophea": {"Sophia"}} {
		if got := romanizationVariants(in); !slices.Equal(got, want) {
			t.Errorf("variants of %s: %v, want %v", in, got, want)
		}
	}
}

// Twins share mother, date and place, differ by the child's given name,
// and are never a duplicate group.
func TestTwinsAreNotDuplicates(t *testing.T) {
	r := mediumRun(t)
	rows := mediumDrops(t)
	damaged := damagedIDs(t, r.dir)
	inGroup := map[string]string{}
	for g, grp := range dupGroups(t, r.dir) {
		for _, row := range grp {
			inGroup[row[1]] = g
		}
	}
	pairs := map[string][]string{}
	for _, row := range readCSVFile(t, filepath.Join(r.dir, "truth_twins.csv")) {
		pairs[row[2]] = append(pairs[row[2]], row[1])
	}
	if int64(len(pairs)) != r.truth.Events["birth"].TwinPairs {
		t.Fatalf("%d twin pairs listed, truth.json says %d", len(pairs), r.truth.Events["birth"].TwinPairs)
	}
	// About twin_share of deliveries are twins.
	births := float64(r.truth.Events["birth"].Available)
	if ts := DefaultProfile().TwinShare; float64(len(pairs)) < 0.7*births*ts || float64(len(pairs)) > 1.1*births*ts {
		t.Errorf("%d twin pairs among %.0f births", len(pairs), births)
	}
	compared := 0
	for first, ids := range pairs {
		if len(ids) != 2 || ids[0] != first {
			t.Fatalf("twin pair %s: %v", first, ids)
		}
		if g, ok := inGroup[ids[0]]; ok && g == inGroup[ids[1]] {
			t.Errorf("twins %v are a duplicate group", ids)
		}
		a, b := rows["births"][ids[0]], rows["births"][ids[1]]
		if a == nil || b == nil || damaged[ids[0]] || damaged[ids[1]] {
			continue
		}
		compared++
		for _, c := range []string{"mother_name", "registration_date", "registration_commune"} {
			if a[c] != b[c] {
				t.Errorf("twins %v: %s %v and %v", ids, c, a[c], b[c])
			}
		}
		if a["plurality"] != "2" || b["plurality"] != "2" {
			t.Errorf("twins %v: plurality %v, %v", ids, a["plurality"], b["plurality"])
		}
		if a["child_name"] == b["child_name"] {
			t.Errorf("twins %v have the same name %v", ids, a["child_name"])
		}
	}
	if compared < 20 {
		t.Errorf("only %d twin pairs found in the drops", compared)
	}
}

// A mother has the same name and KIDC at each of her births.
func TestMotherKeepsHerName(t *testing.T) {
	rows := mediumDrops(t)
	seen := map[string]string{}
	again, differ := 0, 0
	for _, row := range rows["births"] {
		k, _ := row["mother_kidc"].(string)
		n, _ := row["mother_name"].(string)
		if k == "" {
			continue
		}
		if prev, ok := seen[k]; ok {
			again++
			if prev != n {
				differ++ // a duplicate's typo or swap in her name
			}
		}
		seen[k] = n
	}
	if again < 50 || float64(differ) > 0.2*float64(again) {
		t.Errorf("%d records of a mother seen before, %d with another name", again, differ)
	}
}
