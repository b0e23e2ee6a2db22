package source

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dropOf writes data as a file of the corpus's format and returns it, as a
// scan lists it.
func dropOf(t *testing.T, name string, data []byte) DropFile {
	t.Helper()
	inbox := newInbox(t)
	if err := os.WriteFile(filepath.Join(inbox, filepath.FromSlash(name)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := scanAll(inbox)
	if err != nil || len(files) != 1 {
		t.Fatalf("%v, %v", files, err)
	}
	return files[0]
}

// A NUL byte is a fault of its line or value, never of the file: in the
// first 8 KiB or later, the other rows are read; a NUL in a value reaches
// the record (etl/canon quarantines it naming the field); a line that is
// bad anyway shows it as \x00.
func TestNULCostsItsLineNotTheFile(t *testing.T) {
	rows := birthRows(t, 0, 200)
	lines := bytes.SplitAfter(rows, []byte("\n"))
	// Line 3 (in the first 8 KiB) and line 150: a NUL in the facility id
	// (field 14, empty in the template). Line 5: a NUL in a row of too many fields.
	lines[2] = bytes.Replace(lines[2], []byte(",,home,"), []byte(",F\x00X,home,"), 1)
	lines[149] = bytes.Replace(lines[149], []byte(",,home,"), []byte(",\x00,home,"), 1)
	lines[4] = append(bytes.TrimSuffix(lines[4], []byte("\n")), []byte(",\x00\n")...)
	f := dropOf(t, "contractor_a_csv/birth_2021-03.csv", bytes.Join(lines, nil))
	o := read(t, f)
	if o.err != nil {
		t.Fatalf("a file with NUL bytes refused: %v", o.err)
	}
	if len(o.records) != 199 || o.badAt[5] != ReasonWrongFieldCount || len(o.badAt) != 1 {
		t.Fatalf("%d records, bad %v", len(o.records), o.badAt)
	}
	nul := map[string]string{}
	for _, r := range o.records {
		if v, ok := value(r, "facility_id"); ok {
			nul[r.Ref] = v
		}
	}
	if len(nul) != 2 || nul[f.Name+":3"] != "F\x00X" || nul[f.Name+":150"] != "\x00" {
		t.Errorf("facility ids delivered: %q", nul)
	}
	// NDJSON: a raw NUL is not JSON (the line is malformed), an escaped
	// one reaches the value.
	nd, _ := os.ReadFile(filepath.Join("testdata", "bad", "contractor_b_ndjson", "death_bom.ndjson"))
	nd = bytes.TrimPrefix(nd, []byte{0xef, 0xbb, 0xbf})
	first := bytes.SplitN(nd, []byte("\n"), 2)[0]
	withRaw := bytes.Replace(first, []byte(`"facilityId":null`), []byte("\"facilityId\":\"A\x00\""), 1)
	withEsc := bytes.Replace(first, []byte(`"facilityId":null`), []byte(`"facilityId":"A\u0000"`), 1)
	f = dropOf(t, "contractor_b_ndjson/death_2021-03.ndjson", bytes.Join([][]byte{withRaw, withEsc, nd}, []byte("\n")))
	o = read(t, f)
	if o.err != nil || o.badAt[1] != ReasonMalformedRow || len(o.records) != 3 {
		t.Fatalf("NDJSON with NUL: %v, bad %v, %d records", o.err, o.badAt, len(o.records))
	}
	if v, _ := value(o.records[0], "facility_id"); v != "A\x00" {
		t.Errorf("escaped NUL: facility_id %q", v)
	}
}

// A first NDJSON line over 4 MiB (and one over the 16 MiB line limit) does
// not refuse the file: the long object is read, the overlong line is
// quarantined, the other lines are records.
func TestLongFirstNDJSONLine(t *testing.T) {
	nd, _ := os.ReadFile(filepath.Join("testdata", "bad", "contractor_b_ndjson", "death_bom.ndjson"))
	nd = bytes.TrimPrefix(nd, []byte{0xef, 0xbb, 0xbf})
	first := bytes.SplitN(nd, []byte("\n"), 2)[0]
	big := bytes.Replace(first, []byte(`"causeB":null`), []byte(`"causeB":"`+strings.Repeat("x", 5<<20)+`"`), 1)
	f := dropOf(t, "contractor_b_ndjson/death_2021-03.ndjson", slices2(big, []byte("\n"), nd))
	o := read(t, f)
	if o.err != nil || len(o.records) != 3 || len(o.badAt) != 0 {
		t.Fatalf("a 5 MiB first line: %v, %d records, bad %v", o.err, len(o.records), o.badAt)
	}
	huge := append([]byte(`{"recordId":1,"x":"`), bytes.Repeat([]byte("y"), 17<<20)...)
	f = dropOf(t, "contractor_b_ndjson/death_2021-03.ndjson", slices2(huge, []byte("\"}\n"), nd))
	o = read(t, f)
	if o.err != nil || len(o.records) != 2 || o.badAt[1] != ReasonMalformedRow {
		t.Fatalf("a 17 MiB first line: %v, %d records, bad %v", o.err, len(o.records), o.badAt)
	}
	// A file of nothing but overlong lines: each quarantined, not refused.
	f = dropOf(t, "contractor_b_ndjson/death_2021-03.ndjson", slices2(huge, []byte("\"}\n")))
	if o = read(t, f); o.err != nil || o.badAt[1] != ReasonMalformedRow {
		t.Errorf("a file of one overlong line: %v, bad %v", o.err, o.badAt)
	}
}

func slices2(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// RFC 4180: a quoted field may hold line breaks. Such a record is one
// record, referred to by its first line; a quote left open by mistake still
// costs only its own line.
func TestCSVQuotedNewline(t *testing.T) {
	rows := bytes.SplitAfter(birthRows(t, 0, 6), []byte("\n"))
	// Row 2: a facility id over two lines (CRLF inside, as RFC 4180 writes
	// it); row 4: a name over three lines with an escaped quote.
	rows[2] = bytes.Replace(rows[2], []byte(",,home,"), []byte(",\"F-1\r\nannex\",home,"), 1)
	rows[4] = bytes.Replace(rows[4], []byte(",Chan Rotha,"), []byte(",\"Chan\n\"\"Rotha\"\"\n\","), 1)
	// Row 6: a quote left open; the rows after it are rows of their own.
	rows[6] = bytes.Replace(rows[6], []byte(",Chan Rotha,"), []byte(",\"Chan Rotha,"), 1)
	data := bytes.Join(rows, nil)
	data = append(data, birthRows(t, 6, 2)...)
	f := dropOf(t, "contractor_a_csv/birth_2021-03.csv", data)
	o := read(t, f)
	if o.err != nil {
		t.Fatal(o.err)
	}
	var refs []string
	for _, r := range o.records {
		refs = append(refs, strings.TrimPrefix(r.Ref, f.Name+":"))
	}
	// Lines: 1 header; 2 row 1; 3-4 row 2; 5 row 3; 6-8 row 4; 9 row 5;
	// 10 row 6 (open quote); 11, 12 rows 7, 8.
	if got := strings.Join(refs, " "); got != "2 3 5 6 9 11 12" || len(o.badAt) != 1 || o.badAt[10] != ReasonMalformedRow {
		t.Fatalf("records at lines %s, bad %v", got, o.badAt)
	}
	if v, _ := value(o.records[1], "facility_id"); v != "F-1\nannex" {
		t.Errorf("the quoted line break: facility_id %q", v)
	}
	if o.stats.Joined != 3 || o.stats.Lines != 11 {
		t.Errorf("stats %+v", o.stats)
	}
}

// A JSON string with half a UTF-16 surrogate pair is quarantined with its
// field, not turned into U+FFFD; a whole pair and an escaped backslash
// followed by "ud800" are text.
func TestJSONLoneSurrogate(t *testing.T) {
	nd, _ := os.ReadFile(filepath.Join("testdata", "bad", "contractor_b_ndjson", "death_bom.ndjson"))
	nd = bytes.TrimPrefix(nd, []byte{0xef, 0xbb, 0xbf})
	first := bytes.SplitN(nd, []byte("\n"), 2)[0]
	with := func(v string) []byte {
		return append(bytes.Replace(first, []byte(`"facilityId":null`), []byte(`"facilityId":"`+v+`"`), 1), '\n')
	}
	f := dropOf(t, "contractor_b_ndjson/death_2021-03.ndjson",
		slices2(with(`A\ud800`), with(`\uDC00B`), with(`\ud83d\ude00`), with(`\\ud800`), with(`\ud800\u0041`)))
	var bad []BadLine
	var got []string
	_, err := ReadDrop(f, func(r *Record) error {
		v, _ := r.Value(r.Schema.Index("facility_id"))
		got = append(got, v)
		return nil
	}, func(b BadLine) error { bad = append(bad, b); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != `😀|\ud800` {
		t.Errorf("values %q", got)
	}
	if len(bad) != 3 {
		t.Fatalf("bad rows %+v", bad)
	}
	for i, b := range bad {
		if b.Line != []int64{1, 2, 5}[i] || b.Reason != ReasonBadEncoding || b.Field != "facility_id" || !strings.Contains(strings.ToLower(b.Detail), `\ud`) {
			t.Errorf("bad row %+v", b)
		}
	}
}
