package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"vitalstats/synth"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/formats.json from synth.Formats()")

// The corpus's formats.json is the generator's.
func TestCorpusFormats(t *testing.T) {
	p := filepath.Join("testdata", "bad", FormatsFile)
	if *update {
		b, err := json.MarshalIndent(struct {
			About   string             `json:"about"`
			Formats []synth.FileFormat `json:"formats"`
		}{"Batch file formats of the digitization contractors: each file field and the registry column it holds.", synth.Formats()}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadFormats(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	var want []FileFormat
	b, _ := json.Marshal(synth.Formats())
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs from synth.Formats(); rewrite it with -update", p)
	}
	// Every schema column is a field of every format, and every field
	// outside the schema is a person's name.
	for _, f := range got {
		for _, s := range Schemas {
			cols := map[string]bool{}
			for _, fc := range f.Tables[s.Table].Fields {
				cols[fc.Column] = true
				if s.Index(fc.Column) < 0 && !strings.HasSuffix(fc.Column, "_name") {
					t.Errorf("%s %s: field %s (%s) is neither in the schema nor a name", f.Name, s.Table, fc.Field, fc.Column)
				}
			}
			for _, c := range s.Columns {
				if !cols[c] {
					t.Errorf("%s %s: no field for column %s", f.Name, s.Table, c)
				}
			}
		}
	}
}

// copyCorpus copies testdata/bad (less its README) into a fresh inbox.
func copyCorpus(t *testing.T) string {
	t.Helper()
	inbox := t.TempDir()
	src := filepath.Join("testdata", "bad")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(inbox, rel), 0o755)
		}
		if rel == "README.md" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(inbox, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return inbox
}

// outcome is what reading one file gave.
type outcome struct {
	stats   Stats
	err     error
	records []Record // copies
	bad     map[string]int
	badAt   map[int64]string // line -> reason
}

func read(t testing.TB, f DropFile) outcome {
	t.Helper()
	o := outcome{bad: map[string]int{}, badAt: map[int64]string{}}
	o.stats, o.err = ReadDrop(f, func(r *Record) error {
		c := *r
		c.Values = slices.Clone(r.Values)
		c.Null = slices.Clone(r.Null)
		o.records = append(o.records, c)
		return nil
	}, func(b BadLine) error {
		line, reason, raw, detail := b.Line, b.Reason, b.Raw, b.Detail
		if reason != ReasonWrongFieldCount && reason != ReasonMalformedRow && reason != ReasonBadEncoding {
			return fmt.Errorf("line %d: reason %q is not in the list", line, reason)
		}
		if _, dup := o.badAt[line]; dup {
			return fmt.Errorf("line %d reported twice", line)
		}
		if detail == "" || !utf8Valid(raw) || strings.ContainsRune(raw, 0) {
			return fmt.Errorf("line %d: detail %q, raw %q", line, detail, raw)
		}
		o.bad[reason]++
		o.badAt[line] = reason
		return nil
	})
	if o.err == nil {
		s := o.stats
		if s.Records != int64(len(o.records)) || s.Bad != int64(len(o.badAt)) || s.Lines != s.Records+s.Bad+s.Blank+s.Joined {
			t.Errorf("%s: stats %+v, %d records and %d bad rows delivered", f.Name, s, len(o.records), len(o.badAt))
		}
	}
	return o
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// dataLines counts a file's lines the way ReadDrop must, independently:
// lines after a CSV header, and of them the blank ones.
func dataLines(b []byte, header, ndjson bool) (lines, blank int64) {
	b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
	if len(b) == 0 {
		return 0, 0
	}
	parts := bytes.Split(b, []byte{'\n'})
	if len(parts[len(parts)-1]) == 0 {
		parts = parts[:len(parts)-1]
	}
	if header && len(parts) > 0 {
		parts = parts[1:]
	}
	for _, p := range parts {
		p = bytes.TrimSuffix(p, []byte{'\r'})
		if len(p) == 0 || (ndjson && len(bytes.TrimSpace(p)) == 0) {
			blank++
		}
	}
	return int64(len(parts)), blank
}

// Every file of the corpus either gives records and bad rows that add up
// to its lines, or is refused with an error naming it; nothing panics.
func TestBadCorpus(t *testing.T) {
	inbox := copyCorpus(t)
	// Too big to keep in the repository: a 1 MB field, a 17 MiB line.
	header, _ := os.ReadFile(filepath.Join(inbox, "contractor_a_csv", "birth_headeronly.csv"))
	good, _ := os.ReadFile(filepath.Join(inbox, "contractor_a_csv", "birth_bom.csv"))
	row := bytes.Split(bytes.TrimPrefix(good, []byte{0xef, 0xbb, 0xbf}), []byte{'\n'})[1]
	huge := bytes.Repeat([]byte("x"), 1<<20)
	hugeRow := append(append(bytes.TrimSuffix(row, []byte("traditional")), huge...), '\n')
	os.WriteFile(filepath.Join(inbox, "contractor_a_csv", "birth_hugefield.csv"),
		slices.Concat(header, hugeRow, row, []byte{'\n'}), 0o644)
	os.WriteFile(filepath.Join(inbox, "contractor_a_csv", "birth_longline.csv"),
		slices.Concat(header, row, []byte(","), bytes.Repeat([]byte("y"), 17<<20), []byte{'\n'}, row, []byte{'\n'}), 0o644)

	type want struct {
		refused string // a phrase of the reason; empty when readable
		records int
		bad     map[string]int
		blank   int64
		extra   []string
	}
	wfc, mal, enc := ReasonWrongFieldCount, ReasonMalformedRow, ReasonBadEncoding
	wants := map[string]want{
		"contractor_a_csv/birth_truncated.csv":          {records: 3, bad: map[string]int{wfc: 1}},
		"contractor_a_csv/birth_latin1.csv":             {records: 2, bad: map[string]int{enc: 1}},
		"contractor_a_csv/birth_bom.csv":                {records: 2},
		"contractor_a_csv/birth_semicolon.csv":          {refused: `the delimiter is not ","`},
		"contractor_a_csv/birth_noheader.csv":           {refused: "missing header"},
		"contractor_a_csv/birth_extra.csv":              {records: 2, extra: []string{"Operator", "Remarks"}},
		"contractor_a_csv/birth_quotes.csv":             {records: 2, bad: map[string]int{mal: 3}},
		"contractor_a_csv/birth_fieldcount.csv":         {records: 2, bad: map[string]int{wfc: 2}},
		"contractor_a_csv/birth_duplicates.csv":         {records: 3},
		"contractor_a_csv/birth_empty.csv":              {refused: "empty"},
		"contractor_a_csv/birth_headeronly.csv":         {records: 0},
		"contractor_a_csv/birth_crlf.csv":               {records: 3},
		"contractor_a_csv/birth_blanklines.csv":         {records: 3, blank: 3},
		"contractor_a_csv/birth_hugefield.csv":          {records: 2},
		"contractor_a_csv/birth_longline.csv":           {records: 1, bad: map[string]int{mal: 1}},
		"contractor_a_csv/death_binary.csv":             {refused: "binary"},
		"contractor_a_csv/death_utf16.csv":              {refused: "UTF-16"},
		"contractor_a_csv/wedding_2021-01.csv":          {refused: "event"},
		"unknown_contractor/birth_2021-01.csv":          {refused: "not the name of a format"},
		"contractor_b_ndjson/death_malformed.ndjson":    {records: 2, bad: map[string]int{mal: 5}},
		"contractor_b_ndjson/death_types.ndjson":        {records: 2},
		"contractor_b_ndjson/death_truncated.ndjson":    {records: 2, bad: map[string]int{mal: 1}},
		"contractor_b_ndjson/death_notjson.ndjson":      {refused: "JSON object"},
		"contractor_b_ndjson/death_latin1.ndjson":       {records: 2, bad: map[string]int{enc: 1}},
		"contractor_b_ndjson/death_bom.ndjson":          {records: 2},
		"contractor_b_ndjson/death_extra.ndjson":        {records: 2, extra: []string{"operator", "remarks"}},
		"contractor_b_ndjson/death_blank.ndjson":        {refused: "blank"},
		"contractor_b_ndjson/death_garbledfirst.ndjson": {records: 1, bad: map[string]int{mal: 1}},
	}
	files, err := scanAll(inbox)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	var wantNames []string
	for n := range wants {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("ScanInbox listed\n%v\nwant\n%v", names, wantNames)
	}
	for _, f := range files {
		w := wants[f.Name]
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 || f.Size != int64(len(b)) {
			t.Errorf("%s: checksum %s, size %d", f.Name, f.SHA256, f.Size)
		}
		o := read(t, f)
		if w.refused != "" {
			var u *UnreadableError
			if !errors.As(o.err, &u) || !strings.Contains(o.err.Error(), f.Name) || !strings.Contains(u.Reason, w.refused) {
				t.Errorf("%s: error %v, want it refused saying %q", f.Name, o.err, w.refused)
			}
			if len(o.records) > 0 || len(o.badAt) > 0 {
				t.Errorf("%s: refused after delivering %d records and %d bad rows", f.Name, len(o.records), len(o.badAt))
			}
			continue
		}
		if o.err != nil {
			t.Errorf("%s: %v", f.Name, o.err)
			continue
		}
		if w.bad == nil {
			w.bad = map[string]int{}
		}
		if len(o.records) != w.records || !reflect.DeepEqual(o.bad, w.bad) || o.stats.Blank != w.blank || !slices.Equal(o.stats.Extra, w.extra) {
			t.Errorf("%s: %d records, bad %v, %d blank, extra %v; want %d, %v, %d, %v",
				f.Name, len(o.records), o.bad, o.stats.Blank, o.stats.Extra, w.records, w.bad, w.blank, w.extra)
		}
		lines, blank := dataLines(b, f.Format.Kind == "csv", f.Format.Kind == "ndjson")
		if o.stats.Lines != lines || o.stats.Blank != blank {
			t.Errorf("%s: %d lines (%d blank), the file has %d (%d blank)", f.Name, o.stats.Lines, o.stats.Blank, lines, blank)
		}
		for _, r := range o.records {
			if r.Source != "file" || r.Schema != f.Schema || !strings.HasPrefix(r.Ref, f.Name+":") {
				t.Errorf("%s: record %q of %s from %s", f.Name, r.Ref, r.Schema.Table, r.Source)
			}
			if _, ok := r.Value(0); !ok {
				t.Errorf("%s: record %s has no id", f.Name, r.Ref)
			}
		}
	}
}

// value finds a record's value of a column.
func value(r Record, col string) (string, bool) { return r.Value(r.Schema.Index(col)) }

// Values reach their columns through the format, names too, and
// values of the wrong JSON type arrive as their text.
func TestDropValues(t *testing.T) {
	inbox := copyCorpus(t)
	files, err := scanAll(inbox)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]DropFile{}
	for _, f := range files {
		byName[f.Name] = f
	}

	// CSV: the first row of birth_extra.csv, field by field against the
	// header, through encoding/csv reading the whole file.
	f := byName["contractor_a_csv/birth_extra.csv"]
	o := read(t, f)
	raw, _ := os.ReadFile(f.Path)
	all, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, fc := range f.Format.Tables["births"].Fields {
		fields[fc.Field] = fc.Column
	}
	r := o.records[0]
	if r.Ref != f.Name+":2" || o.records[1].Ref != f.Name+":3" {
		t.Errorf("refs %q %q", r.Ref, o.records[1].Ref)
	}
	checked := 0
	for i, h := range all[0] {
		col, ok := fields[h]
		if !ok || Births.Index(col) < 0 {
			continue
		}
		got, present := value(r, col)
		if all[1][i] == "" && present || all[1][i] != "" && got != all[1][i] {
			t.Errorf("birth %s: %s = %q (%v), the file says %q", r.Ref, col, got, present, all[1][i])
		}
		checked++
	}
	// the file predates the romanization columns (child_name_latin...):
	// every other column is in it
	if want := len(Births.Columns) - 3; checked != want {
		t.Errorf("%d columns checked, want %d", checked, want)
	}
	for _, col := range []string{"child_name_latin", "mother_name_latin", "father_name_latin"} {
		if _, present := value(r, col); present {
			t.Errorf("%s delivered, the file has no such field", col)
		}
	}
	if got, _ := value(r, "child_name"); got != "Chan Piseth" {
		t.Errorf("child_name %q: names are delivered (the validator encodes them)", got)
	}
	for _, v := range r.Values {
		if strings.Contains(v, "late, by mother") {
			t.Errorf("an extra field was delivered: %q", v)
		}
	}

	// NDJSON: values of the wrong type.
	o = read(t, byName["contractor_b_ndjson/death_types.ndjson"])
	r = o.records[0]
	for col, want := range map[string]string{
		"age_value": "sixty", "sex": "1", "cause_a": `{"x":[1,2]}`, "age_unit": "true", "residence_commune": "350.0",
	} {
		if got, ok := value(r, col); !ok || got != want {
			t.Errorf("death_types: %s = %q (%v), want %q", col, got, ok, want)
		}
	}
	for _, col := range []string{"place_commune", "facility_type", "facility_id"} { // "", absent, null
		if got, ok := value(r, col); ok {
			t.Errorf("death_types: %s = %q, want null", col, got)
		}
	}
	if got, _ := value(r, "id"); got != "200000000320" {
		t.Errorf("death_types: id %q", got)
	}
	if got, _ := value(r, "created_at"); got != "2020-03-22T11:29:50Z" {
		t.Errorf("death_types: created_at %q", got)
	}
}

// ScanInbox leaves out what is not a complete data file and refuses an
// inbox without formats.json.
func TestScanInbox(t *testing.T) {
	inbox := copyCorpus(t)
	for _, p := range []string{"done/contractor_a_csv/birth_x.csv", "rejected/contractor_a_csv/birth_y.csv", ".hidden/birth_z.csv"} {
		os.MkdirAll(filepath.Join(inbox, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(inbox, p), []byte("x\n"), 0o644)
	}
	files, err := scanAll(inbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f.Name, "/.") || strings.HasPrefix(f.Name, "done/") || strings.HasPrefix(f.Name, "rejected/") ||
			strings.HasPrefix(f.Name, ".") || f.Name == FormatsFile {
			t.Errorf("listed %s", f.Name)
		}
		if (f.Format == nil) != (f.Problem != "") {
			t.Errorf("%s: format %v, problem %q", f.Name, f.Format, f.Problem)
		}
	}
	os.Remove(filepath.Join(inbox, FormatsFile))
	if _, err := scanAll(inbox); err == nil || !strings.Contains(err.Error(), FormatsFile) {
		t.Errorf("inbox without formats.json: %v", err)
	}
	empty := t.TempDir()
	if files, err := scanAll(empty); err != nil || len(files) != 0 {
		t.Errorf("empty inbox: %v, %v", files, err)
	}
	if _, err := scanAll(filepath.Join(empty, "nowhere")); err == nil {
		t.Error("a missing inbox is no error")
	}
}

// Take moves every file out of the inbox, with a reason beside the
// rejected ones, and keeps an earlier file of the same name.
func TestTake(t *testing.T) {
	inbox := copyCorpus(t)
	files, err := scanAll(inbox)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, f := range files {
		_, err := ReadDrop(f, func(*Record) error { return nil }, func(BadLine) error { return nil })
		to := DoneDir
		if err != nil {
			to = RejectedDir
			rejected++
		}
		if err := Take(inbox, f, to); err != nil {
			t.Fatal(err)
		}
		moved := filepath.Join(inbox, to, filepath.FromSlash(f.Name))
		if _, err := os.Stat(moved); err != nil {
			t.Errorf("%s: not in %s: %v", f.Name, to, err)
		}
		if to == RejectedDir {
			reason, err := os.ReadFile(moved + ".reason.txt")
			if err != nil {
				t.Errorf("%s: no reason file: %v", f.Name, err)
				continue
			}
			var u *UnreadableError
			_, rerr := ReadDrop(DropFile{Name: f.Name, Path: moved, Format: f.Format, Schema: f.Schema, Problem: f.Problem},
				func(*Record) error { return nil }, func(BadLine) error { return nil })
			if !errors.As(rerr, &u) || !strings.Contains(string(reason), "reason: "+u.Reason) {
				t.Errorf("%s: reason file %q does not give the reason (%v)", f.Name, reason, rerr)
			}
		}
	}
	if rejected == 0 {
		t.Fatal("nothing rejected")
	}
	if left, err := scanAll(inbox); err != nil || len(left) != 0 {
		t.Errorf("after Take: %d files left, %v", len(left), err)
	}
	// The same name again, other content: both kept.
	p := filepath.Join(inbox, "contractor_a_csv", "birth_bom.csv")
	os.WriteFile(p, []byte("new\n"), 0o644)
	again, err := scanAll(inbox)
	if err != nil || len(again) != 1 {
		t.Fatalf("%v, %v", again, err)
	}
	if err := Take(inbox, again[0], DoneDir); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(inbox, DoneDir, "contractor_a_csv", "birth_bom.csv"))
	renamed, _ := os.ReadFile(filepath.Join(inbox, DoneDir, "contractor_a_csv", "birth_bom."+again[0].SHA256[:12]+".csv"))
	if string(renamed) != "new\n" || len(old) < 100 {
		t.Errorf("same name taken twice: old %d bytes, new %q", len(old), renamed)
	}
	if err := Take(inbox, again[0], "elsewhere"); err == nil {
		t.Error("Take to an unknown folder")
	}
}

// The generator's own file drops: every damaged row it planted (wrong field
// counts, open quotes, cut lines) is a bad row of the right reason at the
// right line, and every other row is a record; a name that is not UTF-8 is
// dropped with the name, so its row is a record.
func TestReadSynthInbox(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	truth, err := synth.Generate(context.Background(), synth.Options{
		Profile: synth.DefaultProfile(), Events: 30_000, Seed: 11, InboxDir: inbox, Truth: filepath.Join(dir, "truth.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defects, err := os.ReadFile(filepath.Join(dir, "truth_defects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(defects))
	// synth writes an invalid ICD code such as "J18,9" unquoted: the detail
	// may spill into a fifth field. Only the file defects matter here.
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // file:line -> reason
	for _, r := range rows[1:] {
		switch r[2] {
		case synth.DefectWrongFieldCount:
			want[r[3]] = ReasonWrongFieldCount
		case synth.DefectUnterminatedQuote, synth.DefectGarbledLine:
			want[r[3]] = ReasonMalformedRow
		}
	}
	files, err := scanAll(inbox)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != truth.FileDrops.Files {
		t.Fatalf("%d files listed, the generator wrote %d", len(files), truth.FileDrops.Files)
	}
	got := map[string]string{}
	perTable := map[string]int64{}
	for _, f := range files {
		o := read(t, f)
		if o.err != nil {
			t.Fatalf("%s: %v", f.Name, o.err)
		}
		for line, reason := range o.badAt {
			got[fmt.Sprintf("%s:%d", f.Name, line)] = reason
		}
		if len(o.stats.Extra) > 0 || len(o.stats.Missing) > 0 {
			t.Errorf("%s: extra %v, missing %v", f.Name, o.stats.Extra, o.stats.Missing)
		}
		perTable[f.Schema.Table] += o.stats.Records + o.stats.Bad
	}
	if len(want) == 0 {
		t.Fatal("the generator planted no row damage")
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: want %s, got %q", k, v, got[k])
			}
		}
		for k, v := range got {
			if want[k] == "" {
				t.Errorf("%s: %s, but the generator planted nothing there", k, v)
			}
		}
	}
	for table, byFormat := range truth.FileDrops.Rows {
		var n int64
		for _, k := range byFormat {
			n += k
		}
		if perTable[table] != n {
			t.Errorf("%s: %d rows read, the generator wrote %d", table, perTable[table], n)
		}
	}
}
