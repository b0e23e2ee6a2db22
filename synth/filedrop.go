package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// File drops: digitized paper records reach the warehouse as CSV and NDJSON
// batch files written by two digitization contractors, each with its own
// field names. formats.json in the inbox maps every file field to its
// registry column; the ETL reads that instead of guessing.

// FileDefects are per-row probabilities of malformed rows in file drops. A
// kind applies only to rows of a format and table that can carry it (an
// unterminated quote only in CSV, invalid UTF-8 only where there is a name);
// a row carries at most one defect.
type FileDefects struct {
	WrongFieldCount   float64 `toml:"wrong_field_count"`  // CSV: a field added or dropped
	UnterminatedQuote float64 `toml:"unterminated_quote"` // CSV: a quoted field never closed
	InvalidDate       float64 `toml:"invalid_date"`       // a date that is not a calendar date (2019-02-30)
	InvalidUTF8       float64 `toml:"invalid_utf8"`       // bytes that are not UTF-8 in a name
	GarbledLine       float64 `toml:"garbled_line"`       // NDJSON: a line cut short
	NumberAsText      float64 `toml:"number_as_text"`     // a number field holding text
}

// DefaultFileDefects are small rates: 0.2% of rows for each kind.
func DefaultFileDefects() FileDefects {
	return FileDefects{
		WrongFieldCount:   0.002,
		UnterminatedQuote: 0.002,
		InvalidDate:       0.002,
		InvalidUTF8:       0.002,
		GarbledLine:       0.002,
		NumberAsText:      0.002,
	}
}

// The defect kinds, as named in FileDropStats and truth.json.
const (
	DefectWrongFieldCount   = "wrong_field_count"
	DefectUnterminatedQuote = "unterminated_quote"
	DefectInvalidDate       = "invalid_date"
	DefectInvalidUTF8       = "invalid_utf8"
	DefectGarbledLine       = "garbled_line"
	DefectNumberAsText      = "number_as_text"
)

// FileDropStats is what the file drops hold, for truth.json.
type FileDropStats struct {
	Rows    map[string]map[string]int64 `json:"rows"`    // table → format → rows written (damaged ones included)
	Files   int                         `json:"files"`   // data files written
	Defects map[string]int64            `json:"defects"` // kind → damaged rows
	Damaged map[string][]DamagedRecord  `json:"-"`       // kind → the damaged rows, sorted by file and line (listed in truth_defects.csv)
}

// DamagedRecord locates one damaged row. ID is the record id as written
// before damage; File and Line find the row even when the damage hides its id.
type DamagedRecord struct {
	Table string `json:"table"`
	ID    string `json:"id"`
	File  string `json:"file"` // relative to the inbox, slash-separated
	Line  int64  `json:"line"` // 1-based; a CSV file's header is line 1
}

// FileFormat is one contractor's batch format, as written to formats.json.
type FileFormat struct {
	Name            string                  `json:"name"` // also the folder under the inbox
	Kind            string                  `json:"kind"` // csv or ndjson
	Extension       string                  `json:"extension"`
	Header          bool                    `json:"header"` // CSV: the first line names the fields
	Delimiter       string                  `json:"delimiter,omitempty"`
	Null            string                  `json:"null"`             // how a missing value is written
	DateLayout      string                  `json:"date_layout"`      // YYYY-MM-DD
	TimestampLayout string                  `json:"timestamp_layout"` // RFC 3339, UTC
	OneRecordALine  bool                    `json:"one_record_per_line"`
	FileNames       string                  `json:"file_names"` // <event>_<batch><extension>
	Tables          map[string]FormatFields `json:"tables"`     // registry table → fields
}

// FormatFields are one table's fields in a format, in file order.
type FormatFields struct {
	Event  string        `json:"event"`
	Fields []FieldColumn `json:"fields"`
}

// FieldColumn maps one file field (CSV header or NDJSON key) to its
// registry column.
type FieldColumn struct {
	Field  string `json:"field"`
	Column string `json:"column"`
	Type   string `json:"type"` // the registry column's PostgreSQL type
}

const (
	formatCSV    = "contractor_a_csv"
	formatNDJSON = "contractor_b_ndjson"
	// maxOpenFiles bounds open batch files; a file closed early is reopened
	// in append mode when its batch comes back.
	// A national run has about 400 batches open at once (digitization months
	// × tables); each holds a 64 KiB buffer.
	maxOpenFiles = 512
	// FormatsFile is the name of the format description in the inbox.
	FormatsFile = "formats.json"
)

// titleWords are contractor A's spellings of column-name words.
var titleWords = map[string]string{
	"id": "ID", "kidc": "KIDC", "icd10": "ICD-10", "of": "of", "no": "No",
	"g": "(g)", "part2": "Part II", "prev": "Previous", "a": "(a)", "b": "(b)", "c": "(c)", "d": "(d)",
}

// csvField is contractor A's header for a registry column: English title case.
func csvField(col string) string {
	switch col {
	case "id":
		return "Record No"
	case "reg_no":
		return "Registration No"
	}
	words := strings.Split(col, "_")
	for i, w := range words {
		if s, ok := titleWords[w]; ok {
			words[i] = s
		} else {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// jsonField is contractor B's key for a registry column: camelCase.
func jsonField(col string) string {
	switch col {
	case "id":
		return "recordId"
	case "reg_no":
		return "registrationNumber"
	}
	words := strings.Split(col, "_")
	for i := 1; i < len(words); i++ {
		words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
	}
	return strings.Join(words, "")
}

// Formats describes the two contractors' formats for every registry table.
func Formats() []FileFormat {
	csvF := FileFormat{Name: formatCSV, Kind: "csv", Extension: ".csv", Header: true, Delimiter: ",", Null: "",
		DateLayout: "YYYY-MM-DD", TimestampLayout: "RFC 3339 (UTC, fractional seconds when not zero)",
		OneRecordALine: true, FileNames: "<event>_<batch>.csv", Tables: map[string]FormatFields{}}
	ndF := FileFormat{Name: formatNDJSON, Kind: "ndjson", Extension: ".ndjson", Null: "null",
		DateLayout: "YYYY-MM-DD", TimestampLayout: "RFC 3339 (UTC, fractional seconds when not zero)",
		OneRecordALine: true, FileNames: "<event>_<batch>.ndjson", Tables: map[string]FormatFields{}}
	for _, t := range Tables {
		var cf, nf []FieldColumn
		for _, c := range t.Columns {
			cf = append(cf, FieldColumn{Field: csvField(c.Name), Column: c.Name, Type: c.Type})
			nf = append(nf, FieldColumn{Field: jsonField(c.Name), Column: c.Name, Type: c.Type})
		}
		csvF.Tables[t.Name] = FormatFields{Event: t.Event, Fields: cf}
		ndF.Tables[t.Name] = FormatFields{Event: t.Event, Fields: nf}
	}
	return []FileFormat{csvF, ndF}
}

// formatOf picks a batch's format: month batches alternate (even months CSV,
// odd months NDJSON); any other key by the parity of its hash.
func formatOf(batch string) string {
	if len(batch) == 7 && batch[4] == '-' {
		if m, err := strconv.Atoi(batch[5:]); err == nil && m >= 1 && m <= 12 {
			if m%2 == 0 {
				return formatCSV
			}
			return formatNDJSON
		}
	}
	h := fnv.New32a()
	h.Write([]byte(batch))
	if h.Sum32()%2 == 0 {
		return formatCSV
	}
	return formatNDJSON
}

var batchRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// FileDrops writes registry records as contractor batch files into an inbox.
// Files are written under a hidden temporary name and renamed at Close, so
// an ETL watching the inbox never sees half a file. It is safe for
// concurrent use; output is byte-identical for the same seed as long as each
// table's rows arrive in the same order.
type FileDrops struct {
	dir     string
	defects FileDefects
	mu      sync.Mutex
	rngs    map[*Table]*rand.Rand
	files   map[fileKey]*dropFile
	open    []*dropFile // at most maxOpenFiles
	tick    uint64      // use counter, for closing the least recently used file
	stats   FileDropStats
	buf     []byte
	keys    map[*Table][][]byte // NDJSON keys, by table
	closed  bool
}

type fileKey struct {
	table *Table
	batch string
}

type dropFile struct {
	format string
	rel    string // final path relative to dir
	tmp    string // absolute temp path
	lines  int64
	used   uint64
	f      *os.File
	w      *bufio.Writer
}

// NewFileDrops prepares the inbox dir: creates the format folders, removes
// temporary files a killed run left behind, and writes formats.json.
func NewFileDrops(dir string, seed uint64, defects FileDefects) (*FileDrops, error) {
	if err := defects.validate(); err != nil {
		return nil, err
	}
	formats := Formats()
	for _, f := range formats {
		sub := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, fmt.Errorf("file drops: create %s: %w", sub, err)
		}
		stale, err := filepath.Glob(filepath.Join(sub, ".*.tmp"))
		if err != nil {
			return nil, fmt.Errorf("file drops: list %s: %w", sub, err)
		}
		for _, p := range stale {
			if err := os.Remove(p); err != nil {
				return nil, fmt.Errorf("file drops: remove stale %s: %w", p, err)
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<event>_<batch>.csv" stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		About   string       `json:"about"`
		Formats []FileFormat `json:"formats"`
	}{"Batch file formats of the digitization contractors: each file field and the registry column it holds.", formats}); err != nil {
		return nil, fmt.Errorf("file drops: encode %s: %w", FormatsFile, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, FormatsFile), buf.Bytes()); err != nil {
		return nil, fmt.Errorf("file drops: %w", err)
	}
	d := &FileDrops{
		dir:     dir,
		defects: defects,
		rngs:    map[*Table]*rand.Rand{},
		files:   map[fileKey]*dropFile{},
		stats: FileDropStats{
			Rows:    map[string]map[string]int64{},
			Defects: map[string]int64{},
			Damaged: map[string][]DamagedRecord{},
		},
	}
	// One stream per table, so that tables written from different goroutines
	// still give the same bytes.
	for i, t := range Tables {
		d.rngs[t] = rand.New(rand.NewPCG(seed, 0x66696c6564726f70+uint64(i)))
	}
	return d, nil
}

func (fd FileDefects) validate() error {
	ps := map[string]float64{
		DefectWrongFieldCount: fd.WrongFieldCount, DefectUnterminatedQuote: fd.UnterminatedQuote,
		DefectInvalidDate: fd.InvalidDate, DefectInvalidUTF8: fd.InvalidUTF8,
		DefectGarbledLine: fd.GarbledLine, DefectNumberAsText: fd.NumberAsText,
	}
	for k, p := range ps {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("file defects: %s = %v, want a probability in [0, 1]", k, p)
		}
	}
	csvSum := fd.WrongFieldCount + fd.UnterminatedQuote + fd.InvalidDate + fd.InvalidUTF8 + fd.NumberAsText
	ndSum := fd.GarbledLine + fd.InvalidDate + fd.InvalidUTF8 + fd.NumberAsText
	if csvSum > 1 || ndSum > 1 {
		return fmt.Errorf("file defects: rates of one format sum to more than 1 (csv %v, ndjson %v)", csvSum, ndSum)
	}
	return nil
}

// writeFileAtomic writes path through a hidden temp name in the same folder,
// so that a reader sees the old file or the whole new one.
func writeFileAtomic(path string, b []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	return nil
}

// defect is the damage chosen for one row.
type defect struct {
	kind string
	col  int    // damaged column, -1 for none or whole-row damage
	text []byte // replacement value, unquoted
}

var noDefect = defect{col: -1}

// Write appends one record to the batch file of its table and batch (for
// example the digitization month "2021-03"). values are t's column values,
// as returned by the record's Values.
func (d *FileDrops) Write(t *Table, batch string, values []any) error {
	if len(values) != len(t.Columns) {
		return fmt.Errorf("file drops: %s record has %d values, want %d", t.Name, len(values), len(t.Columns))
	}
	if !batchRE.MatchString(batch) {
		return fmt.Errorf("file drops: %s: batch %q is not a plain name", t.Name, batch)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("file drops: write %s after Close", t.Name)
	}
	rng, ok := d.rngs[t]
	if !ok {
		return fmt.Errorf("file drops: unknown table %q", t.Name)
	}
	f, err := d.file(t, batch)
	if err != nil {
		return err
	}
	df := d.pick(rng, t, f.format, values)
	var line []byte
	if f.format == formatCSV {
		line, err = appendCSVRow(d.buf[:0], t, values, df)
	} else {
		line, err = appendNDJSONRow(d.buf[:0], t, d.jsonKeys(t), values, df, rng)
	}
	d.buf = line
	if err != nil {
		return fmt.Errorf("file drops: %s record %v: %w", t.Name, values[0], err)
	}
	if _, err := f.w.Write(line); err != nil {
		return fmt.Errorf("file drops: write %s: %w", f.tmp, err)
	}
	f.lines++
	rows := d.stats.Rows[t.Name]
	if rows == nil {
		rows = map[string]int64{}
		d.stats.Rows[t.Name] = rows
	}
	rows[f.format]++
	if df.kind != "" {
		d.stats.Defects[df.kind]++
		d.stats.Damaged[df.kind] = append(d.stats.Damaged[df.kind], DamagedRecord{
			Table: t.Name, ID: fmt.Sprint(values[0]), File: f.rel, Line: f.lines,
		})
	}
	return nil
}

// file returns the open batch file for (t, batch), opening or reopening it
// and closing the least recently used one beyond maxOpenFiles.
func (d *FileDrops) file(t *Table, batch string) (*dropFile, error) {
	key := fileKey{t, batch}
	f := d.files[key]
	if f != nil && f.f != nil {
		d.tick++
		f.used = d.tick
		return f, nil
	}
	if len(d.open) >= maxOpenFiles {
		lru := 0
		for i, o := range d.open {
			if o.used < d.open[lru].used {
				lru = i
			}
		}
		if err := d.open[lru].close(); err != nil {
			return nil, err
		}
		d.open = slices.Delete(d.open, lru, lru+1)
	}
	flags := os.O_WRONLY | os.O_APPEND
	if f == nil {
		format := formatOf(batch)
		ext := ".csv"
		if format == formatNDJSON {
			ext = ".ndjson"
		}
		name := t.Event + "_" + batch + ext
		f = &dropFile{
			format: format,
			rel:    format + "/" + name,
			tmp:    filepath.Join(d.dir, format, "."+name+".tmp"),
		}
		d.files[key] = f
		flags |= os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(f.tmp, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("file drops: open %s: %w", f.tmp, err)
	}
	f.f, f.w = fh, bufio.NewWriterSize(fh, 64<<10)
	d.tick++
	f.used = d.tick
	d.open = append(d.open, f)
	if f.lines == 0 && f.format == formatCSV {
		var b []byte
		for i, c := range t.Columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCSVField(b, []byte(csvField(c.Name)))
		}
		b = append(b, '\n')
		if _, err := f.w.Write(b); err != nil {
			return nil, fmt.Errorf("file drops: write %s: %w", f.tmp, err)
		}
		f.lines = 1
	}
	return f, nil
}

func (f *dropFile) close() error {
	if f.f == nil {
		return nil
	}
	err := f.w.Flush()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	f.f, f.w = nil, nil
	if err != nil {
		return fmt.Errorf("file drops: close %s: %w", f.tmp, err)
	}
	return nil
}

// pick draws the row's defect: one uniform draw against the cumulative rates
// of the kinds that apply, so each kind's rate is exactly its configured
// probability.
func (d *FileDrops) pick(rng *rand.Rand, t *Table, format string, values []any) defect {
	u := rng.Float64()
	var kinds []string
	var ps []float64
	if format == formatCSV {
		kinds = []string{DefectWrongFieldCount, DefectUnterminatedQuote, DefectInvalidDate, DefectInvalidUTF8, DefectNumberAsText}
		ps = []float64{d.defects.WrongFieldCount, d.defects.UnterminatedQuote, d.defects.InvalidDate, d.defects.InvalidUTF8, d.defects.NumberAsText}
	} else {
		kinds = []string{DefectGarbledLine, DefectInvalidDate, DefectInvalidUTF8, DefectNumberAsText}
		ps = []float64{d.defects.GarbledLine, d.defects.InvalidDate, d.defects.InvalidUTF8, d.defects.NumberAsText}
	}
	cum := 0.0
	for i, k := range kinds {
		cum += ps[i]
		if u >= cum {
			continue
		}
		df := defect{kind: k, col: -1}
		switch k {
		case DefectWrongFieldCount, DefectGarbledLine:
			return df
		case DefectUnterminatedQuote:
			// Never the last column: a quote left open there would end at
			// the line's end and hide the damage from a line-based reader.
			last := t.Columns[len(t.Columns)-1].Name
			df.col = pickColumn(rng, t, func(c Column) bool { return c.Type == "text" && c.Name != "id" && c.Name != last })
			if s, ok := values[df.col].(string); ok {
				df.text = []byte(s)
			}
		case DefectInvalidDate:
			df.col = pickColumn(rng, t, func(c Column) bool { return c.Type == "date" })
			year := 2019
			if tm, ok := values[df.col].(time.Time); ok {
				year = tm.Year()
			}
			df.text = []byte(impossibleDate(rng, year))
		case DefectInvalidUTF8:
			df.col = pickColumn(rng, t, func(c Column) bool { return strings.HasSuffix(c.Name, "_name") })
			if df.col < 0 {
				return noDefect // no name in this table: the kind does not apply
			}
			name, _ := values[df.col].(string)
			df.text = breakUTF8(rng, name)
		case DefectNumberAsText:
			df.col = pickColumn(rng, t, func(c Column) bool { return c.Type == "int" })
			if df.col < 0 {
				return noDefect
			}
			df.text = []byte(numberTexts[rng.IntN(len(numberTexts))])
		}
		if df.col < 0 {
			return noDefect
		}
		return df
	}
	return noDefect
}

// numberTexts are what a data-entry clerk types into a number box.
var numberTexts = []string{"unknown", "N/A", "?", "3 kg", "twenty", "-", "l2", "1,5"}

func pickColumn(rng *rand.Rand, t *Table, ok func(Column) bool) int {
	var idx []int
	for i, c := range t.Columns {
		if ok(c) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return -1
	}
	return idx[rng.IntN(len(idx))]
}

// impossibleDate is a YYYY-MM-DD string that names no calendar day.
func impossibleDate(rng *rand.Rand, year int) string {
	switch rng.IntN(5) {
	case 0:
		return fmt.Sprintf("%04d-02-30", year)
	case 1:
		return fmt.Sprintf("%04d-%02d-31", year, []int{4, 6, 9, 11}[rng.IntN(4)])
	case 2:
		return fmt.Sprintf("%04d-13-%02d", year, 1+rng.IntN(28))
	case 3:
		return fmt.Sprintf("%04d-%02d-00", year, 1+rng.IntN(12))
	default:
		return fmt.Sprintf("%04d-00-%02d", year, 1+rng.IntN(28))
	}
}

// breakUTF8 puts bytes that are not UTF-8 into a name, at a rune boundary:
// a stray continuation byte, a cut-off Khmer letter, or a Latin-1 byte.
func breakUTF8(rng *rand.Rand, name string) []byte {
	bad := [][]byte{{0x80}, {0xe1, 0x9e}, {0xe9}, {0xff, 0xfe}}[rng.IntN(4)]
	var cuts []int
	for i := range name {
		cuts = append(cuts, i)
	}
	cuts = append(cuts, len(name))
	at := cuts[rng.IntN(len(cuts))]
	out := make([]byte, 0, len(name)+len(bad))
	out = append(out, name[:at]...)
	out = append(out, bad...)
	return append(out, name[at:]...)
}

// appendValue appends a value's text form: dates as YYYY-MM-DD, timestamps
// as RFC 3339 in UTC. ok is false for a missing value.
func appendValue(b []byte, c Column, v any) (_ []byte, ok bool, err error) {
	var want string
	switch v.(type) {
	case string:
		want = "text"
	case int64, int32, int:
		want = "int"
	case time.Time:
		want = "time"
	}
	have := c.Type
	switch c.Type {
	case "bigint":
		have = "int"
	case "date", "timestamptz":
		have = "time"
	}
	if v != nil && want != have {
		return b, false, fmt.Errorf("column %s (%s): unexpected value type %T", c.Name, c.Type, v)
	}
	switch x := v.(type) {
	case nil:
		return b, false, nil
	case string:
		if strings.ContainsAny(x, "\r\n") {
			// One record per line is part of the format contract.
			return b, false, fmt.Errorf("column %s: value %q holds a line break", c.Name, x)
		}
		return append(b, x...), true, nil
	case int64:
		return strconv.AppendInt(b, x, 10), true, nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case time.Time:
		if c.Type == "date" {
			return x.AppendFormat(b, time.DateOnly), true, nil
		}
		return x.UTC().AppendFormat(b, time.RFC3339Nano), true, nil
	default:
		return b, false, fmt.Errorf("column %s: unsupported value type %T", c.Name, v)
	}
}

func appendCSVRow(b []byte, t *Table, values []any, df defect) ([]byte, error) {
	var scratch []byte
	n := len(t.Columns)
	if df.kind == DefectWrongFieldCount && n > 1 && len(values) > 0 {
		// Half the damaged rows lose their last field, half gain one; which
		// one follows from the id, so no extra draw is needed.
		if id, ok := values[0].(int64); ok && id%2 == 0 {
			n--
		}
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		c := t.Columns[i]
		if i == df.col {
			if df.kind == DefectUnterminatedQuote {
				b = append(b, '"')
				b = appendEscapedQuotes(b, df.text)
				continue
			}
			b = appendCSVField(b, df.text)
			continue
		}
		var ok bool
		var err error
		scratch, ok, err = appendValue(scratch[:0], c, values[i])
		if err != nil {
			return b, err
		}
		if ok {
			b = appendCSVField(b, scratch)
		}
	}
	if df.kind == DefectWrongFieldCount && n == len(t.Columns) {
		b = append(b, ",0"...)
	}
	return append(b, '\n'), nil
}

// appendCSVField quotes a field as RFC 4180 requires (and as encoding/csv
// reads it: leading spaces quoted too).
func appendCSVField(b, f []byte) []byte {
	need := len(f) > 0 && (f[0] == ' ' || f[0] == '\t')
	for _, c := range f {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			need = true
			break
		}
	}
	if !need {
		return append(b, f...)
	}
	b = append(b, '"')
	b = appendEscapedQuotes(b, f)
	return append(b, '"')
}

func appendEscapedQuotes(b, f []byte) []byte {
	for _, c := range f {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return b
}

// jsonKeys are the table's NDJSON keys, quoted, each followed by a colon:
// made once per table rather than once per row.
func (d *FileDrops) jsonKeys(t *Table) [][]byte {
	if k, ok := d.keys[t]; ok {
		return k
	}
	k := make([][]byte, len(t.Columns))
	for i, c := range t.Columns {
		k[i] = append(appendJSONString(nil, []byte(jsonField(c.Name))), ':')
	}
	if d.keys == nil {
		d.keys = map[*Table][][]byte{}
	}
	d.keys[t] = k
	return k
}

func appendNDJSONRow(b []byte, t *Table, keys [][]byte, values []any, df defect, rng *rand.Rand) ([]byte, error) {
	var scratch []byte
	b = append(b, '{')
	for i, c := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, keys[i]...)
		if i == df.col {
			b = appendJSONString(b, df.text)
			continue
		}
		var ok bool
		var err error
		scratch, ok, err = appendValue(scratch[:0], c, values[i])
		if err != nil {
			return b, err
		}
		switch {
		case !ok:
			b = append(b, "null"...)
		case c.Type == "int" || c.Type == "bigint":
			b = append(b, scratch...)
		default:
			b = appendJSONString(b, scratch)
		}
	}
	b = append(b, '}')
	if df.kind == DefectGarbledLine {
		// Cut before the closing brace: a prefix of an object is never valid JSON.
		b = b[:1+rng.IntN(len(b)-1)]
	}
	return append(b, '\n'), nil
}

// appendJSONString writes s as a JSON string. Bytes that are not UTF-8 pass
// through raw: an injected defect must reach the file as it is.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Close finishes every batch file, renames them to their final names and
// returns what was written. On error the temporary files are removed.
func (d *FileDrops) Close() (FileDropStats, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return d.stats, errors.New("file drops: closed twice")
	}
	d.closed = true
	var firstErr error
	for _, f := range d.open {
		if err := f.close(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	d.open = nil
	if firstErr != nil {
		d.removeTemps()
		return d.stats, firstErr
	}
	keys := make([]fileKey, 0, len(d.files))
	for k := range d.files {
		keys = append(keys, k)
	}
	// Renames in a fixed order, so that a watcher sees files appear in a
	// reproducible sequence.
	slices.SortFunc(keys, func(a, b fileKey) int {
		return strings.Compare(d.files[a].rel, d.files[b].rel)
	})
	for _, k := range keys {
		f := d.files[k]
		path := filepath.Join(d.dir, filepath.FromSlash(f.rel))
		if err := os.Rename(f.tmp, path); err != nil {
			d.removeTemps()
			return d.stats, fmt.Errorf("file drops: rename %s: %w", f.tmp, err)
		}
		f.tmp = ""
		// The contractors' completion marker (docs/quarantine.md): the ETL
		// takes the file at once instead of waiting for it to settle.
		if err := os.WriteFile(path+".complete", nil, 0o644); err != nil {
			return d.stats, fmt.Errorf("file drops: completion marker of %s: %w", f.rel, err)
		}
	}
	d.stats.Files = len(keys)
	for k, list := range d.stats.Damaged {
		slices.SortFunc(list, func(a, b DamagedRecord) int {
			if c := strings.Compare(a.File, b.File); c != 0 {
				return c
			}
			return int(a.Line - b.Line)
		})
		d.stats.Damaged[k] = list
	}
	return d.stats, nil
}

// Abort closes and removes every unfinished batch file; nothing appears in
// the inbox.
func (d *FileDrops) Abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.open {
		f.close()
	}
	d.open = nil
	d.closed = true
	d.removeTemps()
}

func (d *FileDrops) removeTemps() {
	for _, f := range d.files {
		f.close()
		if f.tmp != "" {
			os.Remove(f.tmp)
		}
	}
}
