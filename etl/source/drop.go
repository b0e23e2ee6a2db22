package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reason codes of rows ReadDrop cannot turn into records. Values are not
// judged here (etl/canon does that); these are rows that cannot be split
// into fields at all.
const (
	ReasonWrongFieldCount = "wrong_field_count" // a CSV row with more or fewer fields than the header
	ReasonMalformedRow    = "malformed_row"     // a quote left open, invalid JSON, not an object, a line too long
	ReasonBadEncoding     = "bad_encoding"      // a delivered field that is not UTF-8, or a JSON string with a lone surrogate
)

// Limits of one line. A longer line is a bad row, not a record; the raw
// text handed to bad is cut to maxRaw bytes.
const (
	maxLine = 16 << 20
	maxRaw  = 64 << 10
	// sniffLines bounds how many lines of an NDJSON file are read ahead to
	// decide whether it is readable at all.
	sniffLines = 100
	// maxJoin bounds the lines one CSV record may span (RFC 4180: a quoted
	// field may hold line breaks); the record is also at most maxLine bytes.
	maxJoin = 100
)

// UnreadableError is a whole file that cannot be read: ReadDrop delivered
// nothing from it, and the ETL moves it to rejected/.
type UnreadableError struct {
	File   string // relative to the inbox
	Reason string
}

func (e *UnreadableError) Error() string { return "file drop " + e.File + ": " + e.Reason }

// Stats is what ReadDrop found in one file. Lines = Records + Bad + Blank + Joined.
type Stats struct {
	Lines   int64    // data lines (a CSV header is not one)
	Joined  int64    // lines that continue a CSV record's quoted field from the line before
	Records int64    // delivered to fn
	Bad     int64    // handed to bad
	Blank   int64    // empty lines, skipped
	Extra   []string // file fields no format knows, ignored (sorted)
	Missing []string // schema columns no field of the file (CSV header) or format (NDJSON) holds: always null
}

// BadLine is a row that cannot be turned into a record.
type BadLine struct {
	Line   int64  // 1-based, a CSV header is line 1; a record over several lines: its first
	Reason string // one of the Reason codes above
	Field  string // the schema column at fault; "" for the whole row
	Raw    string // the raw row: bytes that are not UTF-8 and NUL written as \xNN, cut to 64 KiB
	Detail string // for people
}

// BadRow receives the rows that cannot be turned into records.
type BadRow func(BadLine) error

// ChangedError is a file that changed while ReadDrop read it: what was
// read is not the file the scan found complete, and must not be kept.
type ChangedError struct {
	File   string
	Detail string
}

func (e *ChangedError) Error() string {
	return "file drop " + e.File + " changed while it was read (" + e.Detail + "): its writer is still at it"
}

// ReadDrop streams the records of one file drop to fn and the rows it
// cannot split to bad. Each file field goes to its schema column through
// the file's format; fields of persons' names are dropped, fields no format
// knows are ignored (listed in Stats.Extra). A missing value (an empty CSV
// field, the format's null text, a JSON null, an empty JSON string or an
// absent key) is Null. A JSON number, boolean, object or array is delivered
// as its JSON text, for validation to judge.
//
// A file that cannot be read at all (unknown format, empty, UTF-16, no
// header, no field of the format) returns an *UnreadableError before fn or
// bad is called; a fault of one line (a NUL byte, bad bytes, a broken
// quote, a line over 16 MiB) costs that line, never the file. A CSV quoted
// field may hold line breaks (RFC 4180). A file whose size or time differ,
// at the end, from what f says (a scan's DropFile) returns a *ChangedError. fn gets the same *Record each time: its slices are reused
// after fn returns, the strings are not. An error from fn or bad stops the
// reading and is returned.
func ReadDrop(f DropFile, fn func(*Record) error, bad BadRow) (Stats, error) {
	if f.Format == nil || f.Schema == nil {
		p := f.Problem
		if p == "" {
			p = "no format of " + FormatsFile + " applies"
		}
		return Stats{}, &UnreadableError{File: f.Name, Reason: p}
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return Stats{}, fmt.Errorf("file drop %s: %w", f.Name, err)
	}
	defer fh.Close()
	cr := &countReader{r: fh}
	d := &dropReader{f: f, r: bufio.NewReaderSize(cr, 256<<10), fn: fn, bad: bad}
	if err := d.start(); err != nil {
		return Stats{}, err
	}
	switch f.Format.Kind {
	case "csv":
		err = d.readCSV()
	case "ndjson":
		err = d.readNDJSON()
	default:
		err = d.unreadable("format %s is of kind %q; csv and ndjson can be read", f.Format.Name, f.Format.Kind)
	}
	if err == nil && !f.ModTime.IsZero() {
		err = changed(f, fh, cr.n)
	}
	return d.stats, err
}

// changed checks, after the last line, that the file read is the one the
// scan found: as many bytes, and the same size and time now.
func changed(f DropFile, fh *os.File, read int64) error {
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("file drop %s: %w", f.Name, err)
	}
	switch {
	case read != f.Size:
		return &ChangedError{f.Name, fmt.Sprintf("%d bytes read, %d when it was found complete", read, f.Size)}
	case st.Size() != f.Size || !st.ModTime().Equal(f.ModTime):
		return &ChangedError{f.Name, fmt.Sprintf("now %d bytes of %s, %d bytes of %s when it was found complete",
			st.Size(), st.ModTime().Format(time.RFC3339Nano), f.Size, f.ModTime.Format(time.RFC3339Nano))}
	}
	return nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type dropReader struct {
	f     DropFile
	r     *bufio.Reader
	fn    func(*Record) error
	bad   BadRow
	stats Stats
	line  int64      // number of the last line read
	at    int64      // line of the current row (its first, when it spans several)
	buf   []byte     // a long line's bytes
	back  []heldLine // lines read ahead and given back, first first
	join  []byte     // a CSV record over several lines
	rec   Record
	extra map[string]bool
}

func (d *dropReader) unreadable(format string, args ...any) error {
	return &UnreadableError{File: d.f.Name, Reason: fmt.Sprintf(format, args...)}
}

// heldLine is a line read ahead, owned.
type heldLine struct {
	b         []byte
	long, cut bool
}

// start refuses an empty or UTF-16 file and skips a UTF-8 byte order mark.
// A NUL byte is no reason to refuse a file: it is a fault of its line.
func (d *dropReader) start() error {
	head, err := d.r.Peek(8 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("file drop %s: %w", d.f.Name, err)
	}
	switch {
	case len(head) == 0:
		return d.unreadable("the file is empty")
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return d.unreadable("the file is UTF-16 (it starts with a UTF-16 byte order mark); UTF-8 is expected")
	}
	if bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}) {
		d.r.Discard(3)
	}
	if len(bytes.TrimSpace(head)) == 0 && len(head) < 8<<10 {
		return d.unreadable("the file holds no data, only blank lines")
	}
	d.rec = Record{Schema: d.f.Schema, Source: "file", Values: make([]string, len(d.f.Schema.Columns)), Null: make([]bool, len(d.f.Schema.Columns))}
	d.extra = map[string]bool{}
	return nil
}

// next reads one line without its line break. long is set when the line
// is over maxLine (its first maxRaw bytes are returned); cut when the file
// ends in it without a line break. It returns io.EOF after the last line.
// The line is valid until the next call.
func (d *dropReader) next() (line []byte, long, cut bool, err error) {
	if len(d.back) > 0 {
		h := d.back[0]
		d.back = d.back[1:]
		d.line++
		return h.b, h.long, h.cut, nil
	}
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, false, false, fmt.Errorf("file drop %s: line %d: %w", d.f.Name, d.line+1, err)
		}
		if err == nil && len(d.buf) == 0 && !long {
			// The common case: the whole line is in the reader's buffer.
			d.line++
			return trimEOL(chunk), false, false, nil
		}
		if !long {
			d.buf = append(d.buf, chunk...)
			if len(d.buf) > maxLine {
				long = true
				d.buf = d.buf[:maxRaw]
			}
		}
		switch {
		case err == nil:
			d.line++
			return trimEOL(d.buf), long, false, nil
		case err == io.EOF:
			if len(d.buf) == 0 {
				return nil, false, false, io.EOF
			}
			d.line++
			return trimEOL(d.buf), long, true, nil
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// reject hands the current row to bad; field is the schema column at
// fault, "" for the whole row.
func (d *dropReader) reject(reason, field string, raw []byte, detail string, cut bool) error {
	if cut {
		detail += "; the file ends in this line without a line break (truncated?)"
	}
	d.stats.Bad++
	if err := d.bad(BadLine{Line: d.at, Reason: reason, Field: field, Raw: printable(raw), Detail: detail}); err != nil {
		return fmt.Errorf("%s:%d: %w", d.f.Name, d.at, err)
	}
	return nil
}

func (d *dropReader) deliver() error {
	d.stats.Records++
	d.rec.Ref = d.f.Name + ":" + strconv.FormatInt(d.at, 10)
	if err := d.fn(&d.rec); err != nil {
		return fmt.Errorf("%s:%d: %w", d.f.Name, d.at, err)
	}
	return nil
}

// printable is a raw line as valid UTF-8 without NUL: bytes that are not
// UTF-8, and NUL, become \xNN, and a line over maxRaw bytes is cut.
func printable(raw []byte) string {
	if len(raw) > maxRaw {
		raw = raw[:maxRaw]
	}
	if utf8.Valid(raw) && bytes.IndexByte(raw, 0) < 0 {
		return string(raw)
	}
	var b strings.Builder
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		if r == utf8.RuneError && n <= 1 || r == 0 {
			fmt.Fprintf(&b, `\x%02x`, raw[0])
			raw = raw[1:]
			continue
		}
		b.Write(raw[:n])
		raw = raw[n:]
	}
	return b.String()
}

// Column positions of a field: a schema column, or one of these.
const (
	fieldDropped = -1 // a format field outside the schema
	fieldExtra   = -2 // no format field: ignored
)

// fieldColumns maps the format's field names to schema columns.
func (d *dropReader) fieldColumns() (map[string]int, error) {
	t, ok := d.f.Format.Tables[d.f.Schema.Table]
	if !ok {
		return nil, d.unreadable("format %s has no fields for table %s", d.f.Format.Name, d.f.Schema.Table)
	}
	m := make(map[string]int, len(t.Fields))
	for _, fc := range t.Fields {
		m[fc.Field] = d.f.Schema.Index(fc.Column)
		if m[fc.Field] < 0 {
			m[fc.Field] = fieldDropped
		}
	}
	return m, nil
}

// finish records the columns no field of the file holds.
func (d *dropReader) finish(held []bool) {
	for i, ok := range held {
		if !ok {
			d.stats.Missing = append(d.stats.Missing, d.f.Schema.Columns[i])
		}
	}
	for k := range d.extra {
		d.stats.Extra = append(d.stats.Extra, k)
	}
	sort.Strings(d.stats.Extra)
}

// lineFeed hands one row at a time to a csv.Reader, so that a quote left
// open ends at its own line instead of swallowing the rest of the file
// (readCSV joins the next lines to a row only when that makes one whole
// record of the right number of fields).
type lineFeed struct{ b []byte }

func (l *lineFeed) Read(p []byte) (int, error) {
	if len(l.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, l.b)
	l.b = l.b[n:]
	return n, nil
}

func (d *dropReader) readCSV() error {
	ff := d.f.Format
	comma := ','
	if ff.Delimiter != "" {
		r, n := utf8.DecodeRuneInString(ff.Delimiter)
		if n != len(ff.Delimiter) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
			return d.unreadable("format %s: delimiter %q is not one character", ff.Name, ff.Delimiter)
		}
		comma = r
	}
	byName, err := d.fieldColumns()
	if err != nil {
		return err
	}
	feed := &lineFeed{}
	cr := csv.NewReader(feed)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var scratch []byte
	split := func(line []byte) ([]string, error) {
		scratch = append(append(scratch[:0], line...), '\n')
		feed.b = scratch
		rec, err := cr.Read()
		feed.b = nil
		return rec, err
	}
	// splitAll splits text of several lines, which must be exactly one
	// record: the csv.Reader is drained, so that nothing of it is left
	// buffered for the next row.
	splitAll := func(text []byte) ([]string, error) {
		rec, err := split(text)
		rec = slices.Clone(rec)
		for {
			_, derr := cr.Read()
			if derr == io.EOF {
				break
			}
			if err == nil {
				err = errors.New("more than one record")
			}
		}
		return rec, err
	}

	// cols[i] is the schema column of the file's field i.
	var cols []int
	if ff.Header {
		line, long, _, err := d.next()
		if err == io.EOF {
			return d.unreadable("the file is empty")
		}
		if err != nil {
			return err
		}
		if long {
			return d.unreadable("the header line is over %d MiB", maxLine>>20)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return d.unreadable("the first line is blank: no header")
		}
		names, err := split(line)
		if err != nil {
			return d.unreadable("the header cannot be read as CSV: %v", err)
		}
		lower := map[string]int{}
		for k, v := range byName {
			lower[strings.ToLower(k)] = v
		}
		seen := map[string]bool{}
		mapped, idSeen := 0, false
		for _, n := range names {
			n = strings.TrimSpace(n)
			c, ok := byName[n]
			if !ok {
				c, ok = lower[strings.ToLower(n)]
			}
			if !ok || seen[strings.ToLower(n)] {
				c = fieldExtra
				d.extra[n] = true
			}
			seen[strings.ToLower(n)] = true
			if c >= 0 {
				mapped++
				idSeen = idSeen || d.f.Schema.Columns[c] == "id"
			}
			cols = append(cols, c)
		}
		if mapped == 0 {
			hint := ""
			if len(names) == 1 {
				for _, sep := range []string{";", "\t", "|"} {
					if strings.Contains(names[0], sep) {
						hint = fmt.Sprintf("; the header is one field holding %q: the delimiter is not %q", sep, string(comma))
						break
					}
				}
			}
			if bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line) {
				return d.unreadable("the first line is not a header of text (NUL bytes or bytes that are not UTF-8): the file is binary?")
			}
			return d.unreadable("no header field names a field of format %s for %s (missing header?): first line %q%s",
				ff.Name, d.f.Schema.Table, printable(line[:min(len(line), 200)]), hint)
		}
		if !idSeen {
			return d.unreadable("the header has no field for the record id")
		}
	} else {
		t := d.f.Format.Tables[d.f.Schema.Table]
		for _, fc := range t.Fields {
			cols = append(cols, byName[fc.Field])
		}
	}
	held := make([]bool, len(d.rec.Values))
	for _, c := range cols {
		if c >= 0 {
			held[c] = true
		}
	}
	d.finish(held)

	for {
		line, long, cut, err := d.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		d.stats.Lines++
		d.at = d.line
		if len(line) == 0 {
			d.stats.Blank++
			continue
		}
		if long {
			if err := d.reject(ReasonMalformedRow, "", line, fmt.Sprintf("line over %d MiB", maxLine>>20), cut); err != nil {
				return err
			}
			continue
		}
		fields, perr := split(line)
		if perr != nil && openQuote(line, comma) {
			// A quoted field may hold line breaks (RFC 4180).
			joined, jcut, ok, err := d.joinQuoted(line, comma, splitAll, len(cols))
			if err != nil {
				return err
			}
			if ok {
				fields, perr, cut = joined, nil, jcut
			}
		}
		if perr != nil {
			detail := perr.Error()
			var pe *csv.ParseError
			if errors.As(perr, &pe) {
				detail = pe.Err.Error()
			}
			if err := d.reject(ReasonMalformedRow, "", line, detail, cut); err != nil {
				return err
			}
			continue
		}
		if len(fields) != len(cols) {
			if err := d.reject(ReasonWrongFieldCount, "", line, fmt.Sprintf("%d fields, the header has %d", len(fields), len(cols)), cut); err != nil {
				return err
			}
			continue
		}
		for i := range d.rec.Values {
			d.rec.Values[i], d.rec.Null[i] = "", true
		}
		badField := -1
		for i, v := range fields {
			c := cols[i]
			if c < 0 {
				continue
			}
			if !utf8.ValidString(v) && !IsName(d.f.Schema.Columns[c]) {
				badField = i
				break
			}
			if v == "" || v == ff.Null {
				continue
			}
			d.rec.Values[c], d.rec.Null[c] = v, false // csv made one fresh string of the row
		}
		if badField >= 0 {
			col := d.f.Schema.Columns[cols[badField]]
			detail := fmt.Sprintf("field %d (%s) is not UTF-8", badField+1, col)
			if err := d.reject(ReasonBadEncoding, col, line, detail, cut); err != nil {
				return err
			}
			continue
		}
		if err := d.deliver(); err != nil {
			return err
		}
	}
}

// joinQuoted reads on after a line that ends inside a quoted field, until
// the quote closes. The lines make one row when they split into exactly one
// record of want fields; otherwise (a quote left open by mistake) they are
// given back, to be read as rows of their own, and ok is false. cut is the
// last line's.
func (d *dropReader) joinQuoted(first []byte, comma rune, splitAll func([]byte) ([]string, error), want int) (fields []string, cut, ok bool, err error) {
	d.join = append(d.join[:0], first...)
	var ahead []heldLine
	for len(ahead) < maxJoin {
		line, long, lcut, err := d.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, false, err
		}
		ahead = append(ahead, heldLine{bytes.Clone(line), long, lcut})
		if long || len(d.join)+1+len(line) > maxLine {
			break
		}
		d.join = append(append(d.join, '\n'), line...)
		if openQuote(d.join, comma) {
			continue
		}
		if f, err := splitAll(d.join); err == nil && len(f) == want {
			fields, cut, ok = f, lcut, true
		}
		break
	}
	if !ok {
		d.line -= int64(len(ahead))
		d.back = append(ahead, d.back...)
		return nil, false, false, nil
	}
	d.stats.Lines += int64(len(ahead))
	d.stats.Joined += int64(len(ahead))
	return fields, cut, true, nil
}

// openQuote reports whether CSV text ends inside a quoted field.
func openQuote(b []byte, comma rune) bool {
	in, start := false, true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if in {
			if r == '"' {
				if i < len(b) && b[i] == '"' {
					i++ // an escaped quote
				} else {
					in = false
				}
			}
			continue
		}
		if start && r == '"' {
			in, start = true, false
			continue
		}
		start = r == comma || r == '\n'
	}
	return in
}

func (d *dropReader) readNDJSON() error {
	byName, err := d.fieldColumns()
	if err != nil {
		return err
	}
	if err := d.sniffNDJSON(byName); err != nil {
		return err
	}
	held := make([]bool, len(d.rec.Values))
	for _, c := range byName {
		if c >= 0 {
			held[c] = true
		}
	}
	d.finish(held)
	obj := map[string]json.RawMessage{}
	for {
		line, long, cut, err := d.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		d.stats.Lines++
		d.at = d.line
		if len(bytes.TrimSpace(line)) == 0 {
			d.stats.Blank++
			continue
		}
		if long {
			if err := d.reject(ReasonMalformedRow, "", line, fmt.Sprintf("line over %d MiB", maxLine>>20), cut); err != nil {
				return err
			}
			continue
		}
		reason, field, detail := d.decodeObject(line, obj, byName)
		if reason != "" {
			if err := d.reject(reason, field, line, detail, cut); err != nil {
				return err
			}
			continue
		}
		if err := d.deliver(); err != nil {
			return err
		}
	}
	// Keys no format knows, met on the way.
	d.stats.Extra = d.stats.Extra[:0]
	for k := range d.extra {
		d.stats.Extra = append(d.stats.Extra, k)
	}
	sort.Strings(d.stats.Extra)
	return nil
}

// decodeObject fills d.rec from one NDJSON line, or says why it cannot
// (and which schema column is at fault, if one is).
func (d *dropReader) decodeObject(line []byte, obj map[string]json.RawMessage, byName map[string]int) (reason, field, detail string) {
	trimmed := bytes.TrimSpace(line)
	if trimmed[0] != '{' {
		return ReasonMalformedRow, "", "not a JSON object"
	}
	clear(obj)
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return ReasonMalformedRow, "", "invalid JSON: " + err.Error()
	}
	for i := range d.rec.Values {
		d.rec.Values[i], d.rec.Null[i] = "", true
	}
	for k, raw := range obj {
		c, ok := byName[k]
		if !ok {
			if len(d.extra) < 1000 {
				d.extra[k] = true
			}
			continue
		}
		if c < 0 {
			continue
		}
		// encoding/json would quietly turn bytes that are not UTF-8 into
		// U+FFFD: a value changed without a trace. Refuse the row instead.
		col := d.f.Schema.Columns[c]
		if !utf8.Valid(raw) {
			if IsName(col) && len(raw) > 0 && raw[0] == '"' {
				// a broken name costs the name, not the record: the
				// validator flags it and keeps nothing of it
				d.rec.Values[c], d.rec.Null[c] = string(raw), false
				continue
			}
			return ReasonBadEncoding, col, fmt.Sprintf("field %q (%s) is not UTF-8", k, col)
		}
		switch raw[0] {
		case 'n': // null
			continue
		case '"':
			// Likewise a \ud800 (half of a UTF-16 pair, alone) is no
			// character: encoding/json would make it U+FFFD.
			if lone := loneSurrogate(raw); lone != "" {
				return ReasonBadEncoding, col, fmt.Sprintf("field %q (%s) holds %s, half of a UTF-16 surrogate pair alone: no character", k, col, lone)
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return ReasonMalformedRow, col, fmt.Sprintf("field %q: %v", k, err)
			}
			if s == "" || (d.f.Format.Null != "null" && s == d.f.Format.Null) {
				continue
			}
			d.rec.Values[c], d.rec.Null[c] = s, false
		default:
			d.rec.Values[c], d.rec.Null[c] = string(raw), false
		}
	}
	return "", "", ""
}

// loneSurrogate returns the first \uXXXX escape of a JSON string literal
// that is a UTF-16 surrogate outside a high-low pair, or "".
func loneSurrogate(lit []byte) string {
	if !bytes.Contains(lit, []byte(`\u`)) {
		return ""
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if i >= len(lit) || lit[i] != 'u' {
			continue
		}
		r := hex4(lit[i+1:])
		if r < 0 {
			continue // not valid JSON: json.Unmarshal says so
		}
		esc := string(lit[i-1 : i+5])
		i += 4 // the last hex digit
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if i+6 < len(lit) && lit[i+1] == '\\' && lit[i+2] == 'u' {
				if lo := hex4(lit[i+3:]); lo >= 0xdc00 && lo < 0xe000 {
					i += 6
					continue
				}
			}
			return esc
		case r >= 0xdc00 && r < 0xe000:
			return esc
		}
	}
	return ""
}

// hex4 is the value of four hex digits at the start of b, or -1.
func hex4(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return -1
	}
	return int(v)
}

// sniffNDJSON decides, before anything is delivered, whether the file is
// NDJSON of its format at all: one of its first lines must be a JSON object
// with the record id among its keys. A line over maxLine is passed over
// (the reading quarantines it), not held against the file.
func (d *dropReader) sniffNDJSON(byName map[string]int) error {
	f, err := os.Open(d.f.Path)
	if err != nil {
		return fmt.Errorf("file drop %s: %w", d.f.Name, err)
	}
	defer f.Close()
	sn := &dropReader{f: d.f, r: bufio.NewReaderSize(f, 64<<10)}
	idKey := map[string]bool{}
	for k, c := range byName {
		if c >= 0 && d.f.Schema.Columns[c] == "id" {
			idKey[k] = true
		}
	}
	var first []byte
	objects, long := 0, 0
	n := 0
	for n < sniffLines {
		line, tooLong, _, err := sn.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte{0xef, 0xbb, 0xbf}))
		if len(line) == 0 {
			continue
		}
		n++
		if first == nil {
			first = append([]byte(nil), line[:min(len(line), 200)]...)
		}
		if tooLong {
			long++
			continue
		}
		var obj map[string]json.RawMessage
		if line[0] != '{' || json.Unmarshal(line, &obj) != nil {
			continue
		}
		objects++
		for k := range obj {
			if idKey[k] {
				return nil
			}
		}
	}
	if first == nil {
		return d.unreadable("the file holds no data, only blank lines")
	}
	if objects == 0 && long > 0 && long == n {
		return nil // only lines too long to judge: each is quarantined, the file is not refused
	}
	if objects == 0 {
		return d.unreadable("none of the first lines is a JSON object (first line %q)", printable(first))
	}
	return d.unreadable("no JSON object among the first lines has the record id field of format %s for %s (first line %q)",
		d.f.Format.Name, d.f.Schema.Table, printable(first))
}
