package synth

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// dropRecord is one record as the test wrote it.
type dropRecord struct {
	table  *Table
	batch  string
	values []any
}

// writeDrops writes n records per table, spread over batches and
// interleaved so that batch files are closed and reopened (more batches than
// open files), and returns them with the stats.
func writeDrops(t *testing.T, dir string, seed uint64, defects FileDefects, n int) ([]dropRecord, FileDropStats) {
	t.Helper()
	d, err := NewFileDrops(dir, seed, defects)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(99, 99))
	var recs []dropRecord
	for i := range n {
		for _, tb := range Tables {
			batch := fmt.Sprintf("%d-%02d", 2019+i%3, 1+(i/3)%12)
			v := recordValues(fakeRecord(rng, tb, int64(i+1)))
			recs = append(recs, dropRecord{tb, batch, v})
			if err := d.Write(tb, batch, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Before Close only hidden temporary files exist.
	if final := dropFiles(t, dir); len(final) != 0 {
		t.Fatalf("files visible before Close: %v", final)
	}
	if len(d.open) > maxOpenFiles {
		t.Fatalf("%d files open, limit %d", len(d.open), maxOpenFiles)
	}
	stats, err := d.Close()
	if err != nil {
		t.Fatal(err)
	}
	return recs, stats
}

// dropFiles lists the data files (not formats.json) under dir; it fails on
// any temporary file left behind once nothing is being written.
func dropFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !e.IsDir() && (strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".ndjson")) {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return files
}

func readFormats(t *testing.T, dir string) map[string]FileFormat {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FormatsFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Formats []FileFormat }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", FormatsFile, err)
	}
	m := map[string]FileFormat{}
	for _, f := range doc.Formats {
		m[f.Name] = f
	}
	return m
}

// parseDropField converts a file value to the registry value, as an ETL would
// from formats.json; ok is false for a value that does not parse.
func parseDropField(typ, s string) (any, bool) {
	if !utf8.ValidString(s) {
		return nil, false
	}
	switch typ {
	case "bigint", "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, false
		}
		if typ == "int" {
			return int32(n), true
		}
		return n, true
	case "date":
		d, err := time.Parse(time.DateOnly, s)
		return d, err == nil
	case "timestamptz":
		d, err := time.Parse(time.RFC3339Nano, s)
		return d, err == nil
	}
	return s, true
}

type fileLine struct {
	file string
	line int64
}

// readDrops reads every file back through formats.json, line by line (the
// formats promise one record per line). It returns the records keyed by
// table and id, and the lines that did not parse.
func readDrops(t *testing.T, dir string) (map[string]map[string][]any, map[fileLine]bool) {
	t.Helper()
	formats := readFormats(t, dir)
	got := map[string]map[string][]any{}
	bad := map[fileLine]bool{}
	for _, rel := range dropFiles(t, dir) {
		format := formats[strings.Split(rel, "/")[0]]
		var table string
		var fields []FieldColumn
		for name, tf := range format.Tables {
			if strings.HasPrefix(filepath.Base(rel), tf.Event+"_") && len(tf.Event) > len(table) {
				table, fields = name, tf.Fields
			}
		}
		if got[table] == nil {
			got[table] = map[string][]any{}
		}
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		var lineNo int64
		var header []string
		for sc.Scan() {
			lineNo++
			line := sc.Bytes()
			vals := make([]any, len(fields))
			ok := true
			if format.Kind == "csv" {
				r := csv.NewReader(bytes.NewReader(line))
				r.FieldsPerRecord = len(fields)
				rec, err := r.Read()
				if lineNo == 1 {
					if err != nil {
						t.Fatalf("%s header: %v", rel, err)
					}
					header = rec
					continue
				}
				if err != nil {
					bad[fileLine{rel, lineNo}] = true
					continue
				}
				for i, h := range header {
					if h != fields[i].Field {
						t.Fatalf("%s: header %q, formats.json says %q", rel, h, fields[i].Field)
					}
					if rec[i] == "" {
						continue // missing
					}
					if vals[i], ok = parseDropField(fields[i].Type, rec[i]); !ok {
						break
					}
				}
			} else {
				var obj map[string]any
				if !utf8.Valid(line) || json.Unmarshal(line, &obj) != nil || len(obj) != len(fields) {
					ok = false
				}
				for i := 0; ok && i < len(fields); i++ {
					raw, present := obj[fields[i].Field]
					switch x := raw.(type) {
					case nil:
						ok = present
					case string:
						if fields[i].Type == "int" || fields[i].Type == "bigint" {
							ok = false
						} else {
							vals[i], ok = parseDropField(fields[i].Type, x)
						}
					case float64:
						vals[i], ok = parseDropField(fields[i].Type, strconv.FormatFloat(x, 'f', -1, 64))
					default:
						ok = false
					}
				}
			}
			if !ok {
				bad[fileLine{rel, lineNo}] = true
				continue
			}
			id := idKey(vals[0])
			if got[table][id] != nil {
				t.Fatalf("%s: record %s read twice (%s line %d: %q)", table, id, rel, lineNo, line)
			}
			got[table][id] = vals
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return got, bad
}

// TestFileDropsRoundTrip: every undamaged record comes back equal through
// formats.json, and the lines that do not parse are exactly the damaged ones.
func TestFileDropsRoundTrip(t *testing.T) {
	for _, defects := range []FileDefects{{}, {WrongFieldCount: 0.03, UnterminatedQuote: 0.03, InvalidDate: 0.03, InvalidUTF8: 0.03, GarbledLine: 0.03, NumberAsText: 0.03}} {
		dir := t.TempDir()
		recs, stats := writeDrops(t, dir, 5, defects, 2000)
		got, bad := readDrops(t, dir)

		damaged := map[fileLine]DamagedRecord{}
		for kind, list := range stats.Damaged {
			if int64(len(list)) != stats.Defects[kind] {
				t.Errorf("%s: %d damaged records listed, %d counted", kind, len(list), stats.Defects[kind])
			}
			for _, d := range list {
				damaged[fileLine{d.File, d.Line}] = d
			}
		}
		for fl := range bad {
			if _, ok := damaged[fl]; !ok {
				t.Errorf("%s line %d does not parse but no defect was injected there", fl.file, fl.line)
			}
		}
		for fl, d := range damaged {
			if !bad[fl] && got[d.Table][d.ID] != nil {
				t.Errorf("%s line %d (%s %s): defect %v not detectable", fl.file, fl.line, d.Table, d.ID, d)
			}
		}
		damagedIDs := map[string]bool{}
		for _, d := range damaged {
			damagedIDs[d.Table+"/"+d.ID] = true
		}
		good := 0
		for _, r := range recs {
			id := idKey(r.values[0])
			g := got[r.table.Name][id]
			if damagedIDs[r.table.Name+"/"+id] {
				continue
			}
			if g == nil {
				t.Fatalf("%s %s: undamaged record not read back", r.table.Name, id)
			}
			for i, c := range r.table.Columns {
				if !sameValue(g[i], r.values[i]) {
					t.Fatalf("%s %s column %s: read %#v, wrote %#v", r.table.Name, id, c.Name, g[i], r.values[i])
				}
			}
			good++
		}
		var rows int64
		for _, m := range stats.Rows {
			for _, n := range m {
				rows += n
			}
		}
		if rows != int64(len(recs)) || good+len(damaged) != len(recs) {
			t.Errorf("rows %d, good %d + damaged %d, written %d", rows, good, len(damaged), len(recs))
		}
		if stats.Files != len(dropFiles(t, dir)) {
			t.Errorf("stats.Files = %d, %d files on disk", stats.Files, len(dropFiles(t, dir)))
		}
		if len(stats.Rows[BirthTable.Name]) != 2 {
			t.Errorf("births in formats %v, want both", stats.Rows[BirthTable.Name])
		}
		t.Logf("defects %v: %d good, %d damaged, %d files", stats.Defects, good, len(damaged), stats.Files)
	}
}

// TestFileDropsDeterministic: the same seed gives the same bytes, another
// seed other defects.
func TestFileDropsDeterministic(t *testing.T) {
	defects := FileDefects{WrongFieldCount: 0.02, UnterminatedQuote: 0.02, InvalidDate: 0.02, InvalidUTF8: 0.02, GarbledLine: 0.02, NumberAsText: 0.02}
	read := func(dir string) map[string][]byte {
		m := map[string][]byte{}
		for _, f := range append(dropFiles(t, dir), FormatsFile) {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			m[f] = b
		}
		return m
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	_, sa := writeDrops(t, a, 11, defects, 600)
	_, sb := writeDrops(t, b, 11, defects, 600)
	_, sc := writeDrops(t, c, 12, defects, 600)
	if !reflect.DeepEqual(read(a), read(b)) {
		t.Error("same seed, different files")
	}
	if !reflect.DeepEqual(sa, sb) {
		t.Error("same seed, different stats")
	}
	if reflect.DeepEqual(read(a), read(c)) || reflect.DeepEqual(sa.Damaged, sc.Damaged) {
		t.Error("different seeds, same files")
	}
}

// TestFileDropsDefectRates: each kind's count is within 4 standard errors of
// its rate times the rows it applies to.
func TestFileDropsDefectRates(t *testing.T) {
	p := FileDefects{WrongFieldCount: 0.01, UnterminatedQuote: 0.005, InvalidDate: 0.02, InvalidUTF8: 0.01, GarbledLine: 0.015, NumberAsText: 0.002}
	dir := t.TempDir()
	d, err := NewFileDrops(dir, 3, p)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	pool := make([][]any, 500)
	for i := range pool {
		pool[i] = recordValues(fakeRecord(rng, BirthTable, int64(i)))
	}
	const n = 200_000
	for i := range n {
		v := append([]any(nil), pool[i%len(pool)]...)
		v[0] = int64(i + 1)
		if err := d.Write(BirthTable, fmt.Sprintf("2020-%02d", 1+i%12), v); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := d.Close()
	if err != nil {
		t.Fatal(err)
	}
	csvRows, ndRows := stats.Rows["births"][formatCSV], stats.Rows["births"][formatNDJSON]
	if csvRows+ndRows != n || csvRows != n/2 {
		t.Fatalf("rows csv %d ndjson %d", csvRows, ndRows)
	}
	for kind, c := range map[string]struct {
		p    float64
		rows int64
	}{
		DefectWrongFieldCount:   {p.WrongFieldCount, csvRows},
		DefectUnterminatedQuote: {p.UnterminatedQuote, csvRows},
		DefectInvalidDate:       {p.InvalidDate, n},
		DefectInvalidUTF8:       {p.InvalidUTF8, n},
		DefectGarbledLine:       {p.GarbledLine, ndRows},
		DefectNumberAsText:      {p.NumberAsText, n},
	} {
		exp := c.p * float64(c.rows)
		sd := math.Sqrt(float64(c.rows) * c.p * (1 - c.p))
		if got := float64(stats.Defects[kind]); math.Abs(got-exp) > 4*sd {
			t.Errorf("%s: %v defects, expected %.0f ± %.0f", kind, got, exp, 4*sd)
		}
	}
}

// TestFileDropsAbort: an aborted run leaves no data file and no temp file,
// and a new run removes temp files a killed run left.
func TestFileDropsAbort(t *testing.T) {
	dir := t.TempDir()
	d, err := NewFileDrops(dir, 1, DefaultFileDefects())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 100 {
		if err := d.Write(DeathTable, "2021-0"+strconv.Itoa(1+i%9), recordValues(fakeRecord(rng, DeathTable, int64(i)))); err != nil {
			t.Fatal(err)
		}
	}
	d.open[0].w.Flush()
	// A killed run: its temp files stay; the next NewFileDrops removes them.
	if _, err := NewFileDrops(dir, 1, DefaultFileDefects()); err != nil {
		t.Fatal(err)
	}
	entries := func() []string {
		var all []string
		filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if !e.IsDir() {
				all = append(all, filepath.Base(p))
			}
			return nil
		})
		return all
	}
	if got := entries(); !reflect.DeepEqual(got, []string{FormatsFile}) {
		t.Errorf("after restart: %v, want only %s", got, FormatsFile)
	}
	d2, _ := NewFileDrops(dir, 1, DefaultFileDefects())
	d2.Write(DeathTable, "2021-01", recordValues(fakeRecord(rng, DeathTable, 1)))
	d2.Abort()
	if got := entries(); !reflect.DeepEqual(got, []string{FormatsFile}) {
		t.Errorf("after Abort: %v, want only %s", got, FormatsFile)
	}
	if err := d2.Write(DeathTable, "2021-01", recordValues(fakeRecord(rng, DeathTable, 2))); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := d2.Write(DeathTable, "../x", recordValues(fakeRecord(rng, DeathTable, 2))); err == nil {
		t.Error("batch with a path accepted")
	}
}

// TestFormatNames pins a few contractor names the ETL mapping will use.
func TestFormatNames(t *testing.T) {
	for col, want := range map[string][2]string{
		"id":             {"Record No", "recordId"},
		"child_name":     {"Child Name", "childName"},
		"date_of_birth":  {"Date of Birth", "dateOfBirth"},
		"child_kidc":     {"Child KIDC", "childKidc"},
		"birth_weight_g": {"Birth Weight (g)", "birthWeightG"},
		"cause_icd10":    {"Cause ICD-10", "causeIcd10"},
	} {
		if got := [2]string{csvField(col), jsonField(col)}; got != want {
			t.Errorf("%s: %v, want %v", col, got, want)
		}
	}
	if formatOf("2021-03") != formatNDJSON || formatOf("2021-04") != formatCSV {
		t.Error("odd months must be NDJSON, even months CSV")
	}
}
