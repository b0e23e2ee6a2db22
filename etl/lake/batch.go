package lake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// Batch is a set of files that becomes part of the lake all at once, with
// the progress State that goes with it, or not at all. Writers of different
// partitions may be used from different goroutines; one PartitionWriter must
// not be.
type Batch struct {
	l     *Lake
	id    string
	dir   string // _staging/<id>, absolute
	kind  string
	pages *pagePool // where partition writers keep a row group's pages

	mu        sync.Mutex
	writers   map[partition]partWriter
	order     []partition
	nextFile  int
	staged    []File   // closed and synced files in staging (Path = file name)
	published []string // absolute paths renamed into partition folders so far
	removed   []string // for a compaction: the files it replaces
	done      bool     // committed, aborted or failed: no more writes
}

// partWriter is what a batch needs of a PartitionWriter[T] whatever T is.
type partWriter interface {
	finish() error // close the current file and stage it
	discard()      // close without caring, for Abort
}

var (
	batchIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	tableRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// Begin starts a batch. The id names the batch's files and its manifest
// entry; it must be new (a timestamp and a random suffix will do), and only
// one batch may be open at a time.
func (l *Lake) Begin(id string) (*Batch, error) {
	return l.begin(id, KindBatch)
}

func (l *Lake) begin(id, kind string) (*Batch, error) {
	if !batchIDRe.MatchString(id) {
		return nil, fmt.Errorf("begin batch %q: an id is 1 to 128 letters, digits, '.', '_' or '-', not starting with '.', '_' or '-'", id)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return nil, fmt.Errorf("begin batch %s: %w", id, err)
	}
	if l.open != nil {
		return nil, fmt.Errorf("begin batch %s: batch %s is still open", id, l.open.id)
	}
	for _, e := range l.entries {
		if e.Batch == id {
			return nil, fmt.Errorf("begin batch %s: committed already, as entry %d", id, e.Seq)
		}
	}
	staging := filepath.Join(l.dir, stagingDir)
	dir := filepath.Join(staging, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("begin batch %s: %w", id, err)
	}
	// The staging folder is what marks the batch unfinished after a crash;
	// it must be durable before any of its files can reach a partition.
	if err := syncDir(staging); err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("begin batch %s: %w", id, err)
	}
	b := &Batch{l: l, id: id, dir: dir, kind: kind, pages: newPagePool(dir, l.PageMemory), writers: map[partition]partWriter{}}
	l.open = b
	hook(kind + "/begun")
	return b, nil
}

// ID returns the batch id.
func (b *Batch) ID() string { return b.id }

// PartitionWriter writes the rows of one partition of a table for a batch,
// into one file or, past Lake.FileRows rows, several.
type PartitionWriter[T any] struct {
	b     *Batch
	part  partition
	key   []int // index of the partition key's field in T
	want  int64 // the value every row holds there: the year, or the Date
	f     *os.File
	w     *parquet.GenericWriter[T]
	name  string
	rows  int64 // rows in the current file
	total int64 // rows in all files of this writer
	err   error // sticky: a failed write poisons the writer and the batch's commit
	buf   []T   // rows not yet given to parquet-go
}

// Writer returns the writer of the year partition <table>/occurrence_year=<year>
// for this batch, creating it on first use; later calls with the same table
// and year return the same writer. T is a struct whose fields carry parquet
// tags; nullable fields are pointers. T must have a required integer column
// named occurrence_year (YearKey), and every row written must hold year there.
func Writer[T any](b *Batch, table string, year int) (*PartitionWriter[T], error) {
	if year < 0 || year > 9999 {
		return nil, fmt.Errorf("writer %s/%s=%d: year out of range", table, YearKey, year)
	}
	return writer[T](b, partition{table, YearKey, fmt.Sprintf("%04d", year)}, int64(year))
}

// DateWriter returns the writer of the date partition <table>/<column>=<day>
// (YYYY-MM-DD) for this batch, as Writer does for a year. T must have a
// required DATE column of that name (a Date field tagged "date"), and every
// row written must hold day there.
func DateWriter[T any](b *Batch, table, column string, day Date) (*PartitionWriter[T], error) {
	if !tableRe.MatchString(column) || column == YearKey || column == legacyYearKey {
		return nil, fmt.Errorf("writer %s/%s=%s: a date partition's column is lowercase letters, digits and '_', and not %s or %s",
			table, column, day, YearKey, legacyYearKey)
	}
	if y := day.Time().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("writer %s/%s: date out of range", table, column)
	}
	return writer[T](b, partition{table, column, day.String()}, int64(day))
}

func writer[T any](b *Batch, p partition, want int64) (*PartitionWriter[T], error) {
	if !tableRe.MatchString(p.table) {
		return nil, fmt.Errorf("writer %s: a table name is lowercase letters, digits and '_'", p.dir())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return nil, fmt.Errorf("writer %s: batch %s is finished", p.dir(), b.id)
	}
	if w, ok := b.writers[p]; ok {
		pw, ok := w.(*PartitionWriter[T])
		if !ok {
			return nil, fmt.Errorf("writer %s: opened before with another row type than %v", p.dir(), reflect.TypeFor[T]())
		}
		return pw, nil
	}
	for q := range b.writers {
		if q.table == p.table && q.key != p.key {
			return nil, fmt.Errorf("writer %s: the batch writes %s partitioned by %s already", p.dir(), p.table, q.key)
		}
	}
	key, err := checkRowType[T](p.key)
	if err != nil {
		return nil, fmt.Errorf("writer %s: %w", p.dir(), err)
	}
	pw := &PartitionWriter[T]{b: b, part: p, key: key, want: want}
	b.writers[p] = pw
	b.order = append(b.order, p)
	return pw, nil
}

type rowKey struct {
	t   reflect.Type
	key string
}

type rowCheck struct {
	index []int
	err   error
}

var schemaChecked sync.Map // rowKey -> rowCheck

// checkRowType refuses non-struct types, struct tags parquet-go rejects (it
// panics on them), time.Time DATE columns (see Date) and types without the
// partition key's column, and returns the index of that column's field. The
// key of a year partition is a required integer; any other is a required
// DATE.
func checkRowType[T any](key string) (index []int, err error) {
	t := reflect.TypeFor[T]()
	if v, ok := schemaChecked.Load(rowKey{t, key}); ok {
		c := v.(rowCheck)
		return c.index, c.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("row type %v: %v", t, r)
		}
		schemaChecked.Store(rowKey{t, key}, rowCheck{index, err})
	}()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("row type %v is not a struct", t)
	}
	if err := checkNoTimeDates(t); err != nil {
		return nil, err
	}
	col, ok := parquet.SchemaOf(new(T)).Lookup(key)
	if !ok {
		return nil, fmt.Errorf("row type %v has no column %s, the partition key: a key is a column of the files too", t, key)
	}
	n := col.Node
	var logical format.LogicalTypeValue
	if lt := n.Type().LogicalType(); lt != nil {
		logical = lt.Value
	}
	_, isInt := logical.(*format.IntType)
	_, isDate := logical.(*format.DateType)
	if key == YearKey {
		kind := n.Type().Kind()
		if !n.Required() || (kind != parquet.Int32 && kind != parquet.Int64) || (logical != nil && !isInt) {
			return nil, fmt.Errorf("row type %v: column %s, the partition key, is not a required integer", t, key)
		}
	} else if !n.Required() || !isDate {
		return nil, fmt.Errorf("row type %v: column %s, the partition key, is not a required DATE", t, key)
	}
	for _, f := range reflect.VisibleFields(t) { // with the fields of embedded structs
		if f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		if name == "" {
			name = f.Name
		}
		if name == key && f.IsExported() {
			switch f.Type.Kind() {
			case reflect.Int32, reflect.Int64:
				return f.Index, nil
			}
		}
	}
	return nil, fmt.Errorf("row type %v: column %s, the partition key, is not an int32, int64 or Date field", t, key)
}

// zstdCodec is shared so that its pooled encoders are too. The fastest
// level: on 5 M birth-shaped rows the default wrote 19% smaller files 25% more slowly
// (go test ./etl/lake -bench Backfill: 140 against 166 bytes a row, 213-232k
// against 279-290k rows/s), and the backfill is held to COPY's pace.
var zstdCodec = &zstd.Codec{Level: zstd.SpeedFastest}

// pageBytes bounds the uncompressed values a column buffers before it
// encodes a page. Each column of each open partition holds one such buffer,
// so with ~30 columns and ~120 partitions open in a backfill this is the
// memory that stays resident (the default 256 KiB would be ~1 GiB).
const pageBytes = 32 * 1024

// CodeVersion is the code writing the lake, recorded in each Parquet file's
// created_by; the binary sets it (vitalstats version) before any run.
var CodeVersion = "unknown"

// createdBy sets a Parquet file's created_by as it is: parquet.CreatedBy
// glues its parts without a space ("version X(build Y)").
type createdBy string

func (c createdBy) ConfigureWriter(w *parquet.WriterConfig) { w.CreatedBy = string(c) }

// writerOptions configures parquet-go. A partition writer's compressed pages
// wait for the end of their row group in the batch's page pool (pooled):
// in memory up to Lake.PageMemory, in temporary files of the staging folder
// beyond it, whatever the row group size and however many partitions are
// open; a crash leaves the files where Open cleans up.
func (b *Batch) writerOptions(rowGroupRows int64, pooled bool) []parquet.WriterOption {
	opts := []parquet.WriterOption{
		parquet.Compression(zstdCodec),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.PageBufferSize(pageBytes),
		createdBy("vitalstats version " + CodeVersion + " (lake)"),
	}
	if pooled {
		opts = append(opts, parquet.ColumnPageBuffers(b.pages))
	}
	return opts
}

// newFile creates the next file of the batch in its staging folder.
func (b *Batch) newFile() (*os.File, string, error) {
	b.mu.Lock()
	name := fmt.Sprintf("%s-%d.parquet", b.id, b.nextFile)
	b.nextFile++
	b.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(b.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, "", fmt.Errorf("batch %s: %w", b.id, err)
	}
	return f, name, nil
}

// stage records a closed and synced file of the batch.
func (b *Batch) stage(p partition, name string, rows, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	year, _ := p.year()
	b.staged = append(b.staged, File{Table: p.table, Partition: p.name(), Year: year, Path: name, Rows: rows, Bytes: bytes, part: p})
}

// bufRows is how many rows a PartitionWriter collects before it hands them
// to parquet-go: one call per row costs more than encoding the row, and
// rows held longer leave the cache before parquet-go copies their strings
// (the 16 M registry's backfill: 79-85 s with 64, 88 s with 512; 16 to 128
// all did as well as 64).
const bufRows = 64

// Write appends rows to the partition. A row whose partition key column
// does not hold the partition's value is refused (and poisons the writer):
// a Hive reader would see the folder's value instead of the row's.
func (w *PartitionWriter[T]) Write(rows ...T) error {
	if w.err != nil {
		return w.err
	}
	for i := range rows {
		if v := reflect.ValueOf(&rows[i]).Elem().FieldByIndex(w.key).Int(); v != w.want {
			got := fmt.Sprint(v)
			if w.part.key != YearKey {
				got = Date(v).String()
			}
			w.err = fmt.Errorf("write %s: a row holds %s=%s", w.part.dir(), w.part.key, got)
			return w.err
		}
	}
	if len(w.buf) == 0 && len(rows) >= bufRows {
		if err := w.checkOpen(); err != nil {
			return err
		}
		return w.writeThrough(rows)
	}
	for len(rows) > 0 {
		if w.buf == nil {
			if err := w.checkOpen(); err != nil {
				return err
			}
			w.buf = make([]T, 0, bufRows)
		}
		n := min(cap(w.buf)-len(w.buf), len(rows))
		w.buf = append(w.buf, rows[:n]...)
		rows = rows[n:]
		if len(w.buf) == cap(w.buf) {
			if err := w.flushBuf(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *PartitionWriter[T]) checkOpen() error {
	w.b.mu.Lock()
	done := w.b.done
	w.b.mu.Unlock()
	if done {
		return fmt.Errorf("write %s: batch %s is finished", w.part.dir(), w.b.id)
	}
	return nil
}

func (w *PartitionWriter[T]) flushBuf() error {
	if len(w.buf) == 0 {
		return nil
	}
	err := w.writeThrough(w.buf)
	clear(w.buf) // let go of what the rows point to
	w.buf = w.buf[:0]
	return err
}

// writeThrough hands rows to parquet-go, starting a new file at FileRows.
func (w *PartitionWriter[T]) writeThrough(rows []T) error {
	fileRows := w.b.l.FileRows
	for len(rows) > 0 {
		if w.w == nil {
			f, name, err := w.b.newFile()
			if err != nil {
				w.err = err
				return err
			}
			w.f, w.name = f, name
			w.w = parquet.NewGenericWriter[T](f, w.b.writerOptions(w.b.l.RowGroupRows, true)...)
		}
		n := int(min(int64(len(rows)), fileRows-w.rows))
		if _, err := w.w.Write(rows[:n]); err != nil {
			w.err = fmt.Errorf("write %s to %s: %w", w.part.dir(), w.name, err)
			return w.err
		}
		w.rows += int64(n)
		w.total += int64(n)
		rows = rows[n:]
		if w.rows >= fileRows {
			if err := w.closeFile(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Rows returns the number of rows written so far.
func (w *PartitionWriter[T]) Rows() int64 { return w.total + int64(len(w.buf)) }

// finish writes the buffered rows and closes the current file.
func (w *PartitionWriter[T]) finish() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flushBuf(); err != nil {
		return err
	}
	return w.closeFile()
}

// closeFile closes the current file (footer), fsyncs it and stages it; a
// file that got no row is dropped.
func (w *PartitionWriter[T]) closeFile() error {
	if w.err != nil {
		return w.err
	}
	if w.w == nil {
		return nil
	}
	path := filepath.Join(w.b.dir, w.name)
	err := w.w.Close()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(path); err == nil {
			size = st.Size()
		}
	}
	if err != nil {
		w.err = fmt.Errorf("close %s file %s: %w", w.part.dir(), w.name, err)
		return w.err
	}
	if w.rows == 0 {
		os.Remove(path)
	} else {
		w.b.stage(w.part, w.name, w.rows, size)
	}
	w.w, w.f, w.name, w.rows = nil, nil, "", 0
	return nil
}

func (w *PartitionWriter[T]) discard() {
	if w.f != nil {
		w.f.Close()
	}
	w.w, w.f, w.buf = nil, nil, nil
}

// writersInOrder returns the batch's partition writers in the order they
// were opened; b.mu is held.
func (b *Batch) writersInOrder() []partWriter {
	writers := make([]partWriter, len(b.order))
	for i, p := range b.order {
		writers[i] = b.writers[p]
	}
	return writers
}

// EndFiles closes the current file of every partition the batch has
// written, so that their unfinished row groups leave the page pool. A source
// done with its partitions calls it; a partition's next row starts a new
// file.
func (b *Batch) EndFiles() error {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return fmt.Errorf("end files of batch %s: finished already", b.id)
	}
	writers := b.writersInOrder()
	b.mu.Unlock()
	for _, w := range writers {
		if err := w.finish(); err != nil {
			return err
		}
	}
	return nil
}

// Staged ends the current files of every partition (EndFiles) and returns
// the files the batch has written to a year-partitioned table so far, by
// year, as absolute paths in its staging folder: a step of the batch may read
// back what an earlier step wrote before the batch commits.
func (b *Batch) Staged(table string) (map[int][]string, error) {
	if err := b.EndFiles(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[int][]string{}
	for _, f := range b.staged {
		if f.Table == table {
			y, ok := f.part.year()
			if !ok {
				return nil, fmt.Errorf("staged files of %s: %s is not a year partition", table, f.Partition)
			}
			out[y] = append(out[y], filepath.Join(b.dir, f.Path))
		}
	}
	return out, nil
}

// Commit makes the batch part of the lake together with state, the sources'
// progress that goes with these rows (nil keeps the previous state), and a
// summary (any JSON-encodable value, for the run history). See the package
// comment for the protocol. On error the batch is rolled back, except when
// the error says the outcome is unknown: then the lake refuses further work
// until it is reopened, and reopening tells.
func (b *Batch) Commit(state json.RawMessage, summary any) (Entry, error) {
	var sum json.RawMessage
	if summary != nil {
		var err error
		if sum, err = json.Marshal(summary); err != nil {
			b.Abort()
			return Entry{}, fmt.Errorf("commit batch %s: summary: %w", b.id, err)
		}
	}
	return b.commit(state, sum)
}

func (b *Batch) commit(state, summary json.RawMessage) (Entry, error) {
	l := b.l
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return Entry{}, fmt.Errorf("commit batch %s: finished already", b.id)
	}
	b.done = true
	writers := b.writersInOrder()
	b.mu.Unlock()

	fail := func(err error) (Entry, error) {
		b.rollback()
		return Entry{}, fmt.Errorf("commit batch %s: %w", b.id, err)
	}
	if state != nil {
		var err error
		if state, err = compactJSON(state); err != nil {
			return fail(fmt.Errorf("state: %w", err))
		}
	}
	// Step 3: close and fsync every file.
	for _, w := range writers {
		if err := w.finish(); err != nil {
			return fail(err)
		}
	}
	hook(b.kind + "/files-synced")

	// Step 4: move the files into their partitions and make the names durable.
	files := make([]File, len(b.staged))
	dirs := map[string]bool{}
	for i, s := range b.staged {
		rel := s.part.dir() + "/" + s.Path
		dst := filepath.Join(l.dir, filepath.FromSlash(rel))
		pdir := filepath.Dir(dst)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return fail(err)
		}
		if err := os.Rename(filepath.Join(b.dir, s.Path), dst); err != nil {
			return fail(fmt.Errorf("publish %s: %w", rel, err))
		}
		b.published = append(b.published, dst)
		dirs[pdir] = true
		dirs[filepath.Dir(pdir)] = true
		s.Path = rel
		files[i] = s
		if i == 0 {
			hook(b.kind + "/renamed-one")
		}
	}
	if len(files) > 0 {
		dirs[l.dir] = true
	}
	// Deepest first, so that a new partition folder is durable before the
	// name of its table folder is.
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, d := range sorted {
		if err := syncDir(d); err != nil {
			return fail(err)
		}
	}
	hook(b.kind + "/renamed")

	// Step 5: the manifest entry, the commit point.
	l.mu.Lock()
	if err := l.usable(); err != nil {
		l.mu.Unlock()
		return fail(err)
	}
	for _, p := range b.removed {
		if _, ok := l.live[p]; !ok {
			l.mu.Unlock()
			return fail(fmt.Errorf("%s is no longer in the lake", p))
		}
	}
	if state == nil {
		state = l.state
	}
	e := Entry{
		Seq:     int64(len(l.entries)) + 1,
		Batch:   b.id,
		Kind:    b.kind,
		Time:    time.Now().UTC(),
		Files:   files,
		Removed: b.removed,
		State:   state,
		Summary: summary,
	}
	if err := writeEntry(filepath.Join(l.dir, manifestDir), e); err != nil {
		var unknown *outcomeUnknownError
		if errors.As(err, &unknown) {
			// The entry is in place and may well survive: removing the files
			// could destroy committed data. Leave everything to the next Open.
			l.broken = err
			l.open = nil
			l.mu.Unlock()
			return Entry{}, fmt.Errorf("commit batch %s: %w", b.id, err)
		}
		l.mu.Unlock()
		return fail(err)
	}
	if err := l.apply(e); err != nil { // cannot happen: checked above
		l.broken = err
	}
	l.entries = append(l.entries, e)
	l.open = nil
	l.mu.Unlock()
	hook(b.kind + "/committed")

	// Step 6.
	if err := os.RemoveAll(b.dir); err != nil {
		l.log.Warn("could not remove the staging folder of a committed batch; the next Open will", "batch", b.id, "err", err)
	}
	return e.clone(), nil
}

// Abort discards the batch: its files, staged or published, and its staging
// folder. It is a no-op on a batch that is committed or already rolled back,
// so `defer b.Abort()` after Begin is the usual way to use it.
func (b *Batch) Abort() error {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return nil
	}
	b.done = true
	b.mu.Unlock()
	return b.rollback()
}

// rollback removes everything of an uncommitted batch, partition files first
// and the staging folder last (the folder is what lets Open finish the job if
// we crash half-way).
func (b *Batch) rollback() error {
	b.mu.Lock()
	for _, w := range b.writers {
		w.discard()
	}
	published := b.published
	b.published = nil
	b.mu.Unlock()
	var errs []error
	dirs := map[string]bool{}
	for _, p := range published {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if err := os.RemoveAll(b.dir); err != nil {
			errs = append(errs, err)
		}
	}
	b.l.mu.Lock()
	if b.l.open == b {
		b.l.open = nil
	}
	b.l.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("abort batch %s (the next Open removes what is left): %w", b.id, err)
	}
	return nil
}

// compactJSON validates a JSON value and removes its insignificant
// whitespace, so that State returns the same bytes before and after the
// entry has been through its (indented) file.
func compactJSON(v json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
