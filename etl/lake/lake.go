package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

const (
	manifestDir = "_manifest"
	stagingDir  = "_staging"
	lockFile    = "LOCK"
)

// YearKey is the partition key of the tables partitioned by year ([Writer]):
// the name of the column that holds the year in their rows. A partition key
// is always a column of the files too, with the value the folder names, so
// that a Hive reader sees one column, not a second copy under another name
// (DuckDB, given a key named like a file column, returns one column and
// takes its value from the path).
const YearKey = "occurrence_year"

// legacyYearKey is the partition key of the old layout, in which no file
// column had the key's name. Lakes written then are still read; compaction
// moves their year partitions into the current layout (see Lake.Compact).
const legacyYearKey = "occ_year"

// partition is a folder of a table's files whose rows share the value of one
// column: <table>/<key>=<value>.
type partition struct {
	table string
	key   string // the column: YearKey, a DATE column, or legacyYearKey
	value string // YYYY for a year, YYYY-MM-DD for a date
}

func (p partition) dir() string { return p.table + "/" + p.key + "=" + p.value }

// name is the folder's own name, key=value, as File.Partition holds it.
func (p partition) name() string { return p.key + "=" + p.value }

// year returns the year of a year partition (current or old layout).
func (p partition) year() (int, bool) {
	if p.key != YearKey && p.key != legacyYearKey {
		return 0, false
	}
	y, err := strconv.Atoi(p.value)
	return y, err == nil
}

// PartitionYear returns the year of the year partition a lake file's path
// is in, in either layout, and false for a path in no year partition.
func PartitionYear(path string) (int, bool) {
	m := partDirRe.FindStringSubmatch(filepath.Base(filepath.Dir(path)))
	if m == nil {
		return 0, false
	}
	return partition{key: m[1], value: m[2]}.year()
}

// Lake is an open Parquet lake. One process at a time may have it open (an
// exclusive flock on dir/LOCK). Its methods are safe for concurrent use; a
// Batch and its writers are used by one goroutine.
type Lake struct {
	// RowGroupRows caps the rows of a row group written by a batch: the rows
	// a partition writer holds in memory before they go to disk.
	RowGroupRows int64
	// FileRows caps the rows of one data file; a partition writer then starts
	// the next file.
	FileRows int64
	// CompactRowGroupRows caps the row groups that compaction writes.
	CompactRowGroupRows int64
	// PageMemory is how many bytes of compressed pages a batch's unfinished
	// row groups keep in memory before the rest wait in temporary files.
	PageMemory int64

	dir  string
	log  *slog.Logger
	lock *os.File

	mu      sync.Mutex
	entries []Entry
	live    map[string]File // relative path -> file, the lake's content
	state   json.RawMessage
	open    *Batch // the batch in progress, if any
	broken  error  // set when a commit's outcome is unknown; the lake must be reopened
	closed  bool
}

// Open opens the lake in dir, creating it if needed. It takes the lake's
// lock, reads the manifest, checks that every committed file is there, and
// removes what unfinished batches and interrupted compactions left behind.
func Open(dir string, log *slog.Logger) (*Lake, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open lake %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open lake: %w", err)
	}
	lock, err := takeLock(abs)
	if err != nil {
		return nil, err
	}
	l := &Lake{
		RowGroupRows:        64 * 1024,
		FileRows:            4 << 20,
		CompactRowGroupRows: 128 * 1024,
		PageMemory:          128 << 20,
		dir:                 abs,
		log:                 log.With("lake", abs),
		lock:                lock,
		live:                map[string]File{},
	}
	if err := l.load(); err != nil {
		l.unlock()
		return nil, fmt.Errorf("open lake %s: %w", abs, err)
	}
	return l, nil
}

// takeLock flocks dir/LOCK without waiting, so that a second writer fails at
// once with a message naming the holder instead of hanging.
func takeLock(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lake %s: lock: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("open lake %s: already open in another process or handle (%s holds %s): %w",
				dir, strings.TrimSpace(string(holder)), path, ErrLocked)
		}
		return nil, fmt.Errorf("open lake %s: lock %s: %w", dir, path, err)
	}
	// The pid is only a hint for the message above; the flock is the lock.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d\n", os.Getpid())
	}
	return f, nil
}

// ErrLocked is returned by Open when another process (or another Lake value
// of this process) has the lake open.
var ErrLocked = errors.New("lake is locked")

func (l *Lake) unlock() {
	if l.lock != nil {
		// Closing the descriptor releases the flock. The file stays: removing
		// it would let two processes lock two different inodes.
		l.lock.Close()
		l.lock = nil
	}
}

// Close aborts a batch still open and releases the lock.
func (l *Lake) Close() error {
	l.mu.Lock()
	b := l.open
	l.mu.Unlock()
	var err error
	if b != nil {
		l.log.Warn("closing the lake with a batch open: aborting it", "batch", b.id)
		err = b.Abort()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.unlock()
	return err
}

// Dir returns the lake's absolute path.
func (l *Lake) Dir() string { return l.dir }

// State returns the progress stored with the latest committed entry, in
// compact JSON (nil before the first commit). An ETL resumes from it.
func (l *Lake) State() json.RawMessage {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.state)
}

// Entries returns the manifest, oldest first.
func (l *Lake) Entries() ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return nil, err
	}
	out := make([]Entry, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.clone()
	}
	return out, nil
}

// Files returns the absolute paths of the committed data files of a table,
// by year and then in commit order: the list to give DuckDB's read_parquet.
// It is empty (not an error) for a table with no data.
func (l *Lake) Files(table string) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return nil, err
	}
	var files []File
	for _, f := range l.live {
		if f.Table == table {
			files = append(files, f)
		}
	}
	l.sortFiles(files)
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(l.dir, filepath.FromSlash(f.Path))
	}
	return out, nil
}

// Tables returns the names of the tables that have committed files.
func (l *Lake) Tables() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, f := range l.live {
		if !slices.Contains(out, f.Table) {
			out = append(out, f.Table)
		}
	}
	slices.Sort(out)
	return out
}

// partitionFiles returns the live files of one partition in commit order.
func (l *Lake) partitionFiles(p partition) []File {
	var files []File
	for _, f := range l.live {
		if f.part == p {
			files = append(files, f)
		}
	}
	l.sortFiles(files)
	return files
}

// sortFiles orders files by table, partition value (year or date, so that a
// year's files of both layouts sit together), the entry that added them,
// then path.
func (l *Lake) sortFiles(files []File) {
	slices.SortFunc(files, func(a, b File) int {
		if c := strings.Compare(a.Table, b.Table); c != 0 {
			return c
		}
		if c := strings.Compare(a.part.value, b.part.value); c != 0 {
			return c
		}
		if a.seq != b.seq {
			return int(a.seq - b.seq)
		}
		return strings.Compare(a.Path, b.Path)
	})
}

func (l *Lake) usable() error {
	switch {
	case l.closed:
		return errors.New("lake is closed")
	case l.broken != nil:
		return fmt.Errorf("lake must be reopened: %w", l.broken)
	}
	return nil
}

// load reads the manifest, checks the committed files and cleans up.
func (l *Lake) load() error {
	for _, d := range []string{manifestDir, stagingDir} {
		if err := os.MkdirAll(filepath.Join(l.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	entries, err := readManifest(filepath.Join(l.dir, manifestDir), l.log)
	if err != nil {
		return err
	}
	l.entries = entries
	removedEver := map[string]bool{}
	committed := map[string]bool{}
	for _, e := range entries {
		if err := l.apply(e); err != nil {
			return err
		}
		for _, p := range e.Removed {
			removedEver[p] = true
		}
		committed[e.Batch] = true
	}
	legacy := map[string]int{}
	for _, f := range l.live {
		if f.part.key == legacyYearKey {
			legacy[f.Table]++
		}
	}
	for _, t := range slices.Sorted(maps.Keys(legacy)) {
		l.log.Warn("table has files in the old layout (occ_year=YYYY), read as they are; compaction moves those holding "+
			YearKey+" to "+YearKey+"=YYYY, the others stay", "table", t, "files", legacy[t])
	}
	for _, f := range l.live {
		st, err := os.Stat(filepath.Join(l.dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return fmt.Errorf("committed file of entry %d: %w", f.seq, err)
		}
		if st.Size() != f.Bytes {
			return fmt.Errorf("committed file %s of entry %d: %d bytes on disk, %d in the manifest",
				f.Path, f.seq, st.Size(), f.Bytes)
		}
	}

	// Unfinished batches are those whose staging folder survives; their
	// files may be in staging and, if the crash came during step 4, in
	// partition folders too.
	staging := filepath.Join(l.dir, stagingDir)
	des, err := os.ReadDir(staging)
	if err != nil {
		return err
	}
	unfinished := map[string]bool{}
	for _, de := range des {
		if !committed[de.Name()] {
			unfinished[de.Name()] = true
		}
	}
	if err := l.sweepPartitions(unfinished, removedEver); err != nil {
		return err
	}
	for _, de := range des {
		if err := os.RemoveAll(filepath.Join(staging, de.Name())); err != nil {
			return fmt.Errorf("remove staging of batch %s: %w", de.Name(), err)
		}
		if unfinished[de.Name()] {
			l.log.Info("removed an unfinished batch", "batch", de.Name())
		}
	}
	if len(des) > 0 {
		if err := syncDir(staging); err != nil {
			return err
		}
	}
	l.log.Debug("lake open", "entries", len(entries), "files", len(l.live))
	return nil
}

// apply adds an entry's effect to the in-memory view of the lake.
func (l *Lake) apply(e Entry) error {
	for _, p := range e.Removed {
		if _, ok := l.live[p]; !ok {
			return fmt.Errorf("manifest entry %d removes %s, which is not in the lake", e.Seq, p)
		}
		delete(l.live, p)
	}
	for _, f := range e.Files {
		if _, dup := l.live[f.Path]; dup {
			return fmt.Errorf("manifest entry %d adds %s a second time", e.Seq, f.Path)
		}
		f.seq = e.Seq
		l.live[f.Path] = f
	}
	if e.State != nil {
		l.state = slices.Clone(e.State)
	}
	return nil
}

// partDirRe matches a partition folder's name: key=YYYY or key=YYYY-MM-DD.
var partDirRe = regexp.MustCompile(`^([a-z][a-z0-9_]{0,62})=([0-9]{4}(?:-[0-9]{2}-[0-9]{2})?)$`)

// sweepPartitions deletes the files of unfinished batches and the files that
// compactions replaced, and reports any other stranger.
func (l *Lake) sweepPartitions(unfinished, removed map[string]bool) error {
	tables, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !t.IsDir() || strings.HasPrefix(t.Name(), "_") {
			continue
		}
		parts, err := os.ReadDir(filepath.Join(l.dir, t.Name()))
		if err != nil {
			return err
		}
		for _, p := range parts {
			if !p.IsDir() || !partDirRe.MatchString(p.Name()) {
				continue
			}
			pdir := filepath.Join(l.dir, t.Name(), p.Name())
			files, err := os.ReadDir(pdir)
			if err != nil {
				return err
			}
			deleted := false
			for _, f := range files {
				rel := t.Name() + "/" + p.Name() + "/" + f.Name()
				if _, ok := l.live[rel]; ok || f.IsDir() {
					continue
				}
				batch, ok := batchOfFile(f.Name())
				switch {
				case ok && unfinished[batch]:
					l.log.Info("removing a file of an unfinished batch", "file", rel, "batch", batch)
				case removed[rel]:
					l.log.Info("removing a file replaced by compaction", "file", rel)
				default:
					l.log.Warn("file in a partition folder is not in the manifest; left alone, never read", "file", rel)
					continue
				}
				if err := os.Remove(filepath.Join(pdir, f.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("remove %s: %w", rel, err)
				}
				deleted = true
			}
			if deleted {
				if err := syncDir(pdir); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// batchOfFile parses "<batch>-<n>.parquet".
func batchOfFile(name string) (string, bool) {
	stem, ok := strings.CutSuffix(name, ".parquet")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(stem, '-')
	if i <= 0 {
		return "", false
	}
	if _, err := strconv.Atoi(stem[i+1:]); err != nil {
		return "", false
	}
	return stem[:i], true
}

// syncDir fsyncs a directory so that the names created, renamed or removed
// in it survive a power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// crashHook, when set by a test, is called at the named points of the commit
// protocol; the crash test kills the process there.
var crashHook func(point string)

func hook(point string) {
	if crashHook != nil {
		crashHook(point)
	}
}
