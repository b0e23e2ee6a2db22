package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzDrop reads arbitrary bytes as a file drop of the corpus's formats:
// it never panics, a refused file delivers nothing and names itself, and a
// read file's records, bad rows and blank lines add up to its data lines.
func fuzzDrop(f *testing.F, format, name string) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "bad", format, "*"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	formats, err := ReadFormats(filepath.Join("testdata", "bad"))
	if err != nil {
		f.Fatal(err)
	}
	var ff *FileFormat
	for i := range formats {
		if formats[i].Name == format {
			ff = &formats[i]
		}
	}
	if ff == nil {
		f.Fatalf("no format %s", format)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "drop")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		df := DropFile{Name: format + "/" + name, Path: p, Format: ff, Schema: SchemaFor(strings.SplitN(name, "_2", 2)[0])}
		var records, bad int64
		st, err := ReadDrop(df, func(r *Record) error {
			records++
			if len(r.Values) != len(r.Schema.Columns) || len(r.Null) != len(r.Values) {
				t.Fatalf("record %s of %d values", r.Ref, len(r.Values))
			}
			for i, v := range r.Values {
				if r.Null[i] && v != "" {
					t.Fatalf("record %s: null %s holds %q", r.Ref, r.Schema.Columns[i], v)
				}
				if !r.Null[i] && !utf8Valid(v) && !IsName(r.Schema.Columns[i]) { // a name goes on as it is: the validator flags it
					t.Fatalf("record %s: %s is not UTF-8", r.Ref, r.Schema.Columns[i])
				}
			}
			return nil
		}, func(b BadLine) error {
			line, reason, raw := b.Line, b.Reason, b.Raw
			bad++
			if reason != ReasonWrongFieldCount && reason != ReasonMalformedRow && reason != ReasonBadEncoding {
				t.Fatalf("line %d: reason %q", line, reason)
			}
			if !utf8Valid(raw) || strings.ContainsRune(raw, 0) {
				t.Fatalf("line %d: raw is not UTF-8 without NUL", line)
			}
			return nil
		})
		if err != nil {
			var u *UnreadableError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), df.Name) {
				t.Fatalf("error %v is not a refusal naming the file", err)
			}
			if records+bad > 0 {
				t.Fatalf("refused after %d records and %d bad rows", records, bad)
			}
			return
		}
		lines, blank := dataLines(data, ff.Kind == "csv" && ff.Header, ff.Kind == "ndjson")
		if st.Records != records || st.Bad != bad || st.Lines != records+bad+st.Blank+st.Joined || st.Lines != lines || st.Blank != blank {
			t.Fatalf("stats %+v; delivered %d records, %d bad rows; the data has %d lines, %d blank", st, records, bad, lines, blank)
		}
	})
}

func FuzzReadCSV(f *testing.F)    { fuzzDrop(f, "contractor_a_csv", "birth_2021-01.csv") }
func FuzzReadNDJSON(f *testing.F) { fuzzDrop(f, "contractor_b_ndjson", "death_2021-01.ndjson") }
