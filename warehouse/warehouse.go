// Package warehouse owns DuckDB: opening the warehouse database offline, loading the reference
// tables, and (later) building the marts from the lake with the SQL models of the root package.
//
// It may import the root package vitalstats (vocabulary and embedded SQL) and refdata; it must not
// import etl, reports, dashboards or cmd.
package warehouse

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Options tune the DuckDB instance. Zero values take the defaults named on each field.
type Options struct {
	// Threads is DuckDB's worker thread count; 0 means runtime.GOMAXPROCS(0).
	Threads int
	// MemoryLimit is DuckDB's memory_limit, e.g. "1GB"; "" means DefaultMemoryLimit.
	MemoryLimit string
	// WorkDir holds DuckDB's extension directory (kept empty: nothing is ever installed) and its
	// spill directory. "" means a new temporary folder, removed by Close.
	WorkDir string
	// ReadOnly opens an existing warehouse for reading only, so that several
	// readers (dashboards, check, exports) can share it.
	ReadOnly bool
}

// DefaultMemoryLimit keeps DuckDB well inside the 2 GiB peak RSS target of a full rebuild.
const DefaultMemoryLimit = "1GB"

// Warehouse is an open DuckDB database.
type Warehouse struct {
	// DB is the database handle. Session state (SET VARIABLE, temp tables) lives on one
	// connection: use DB.Conn when statements depend on each other.
	DB *sql.DB

	workDir        string
	releaseWorkDir func() // removes the work folder Open made; nil for the caller's
}

// NotFoundError is Open's error for a warehouse to read that is not there.
type NotFoundError struct{ Path string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("warehouse: no warehouse at %s", e.Path)
}

func (e *NotFoundError) Unwrap() error { return fs.ErrNotExist }

// LockedError is Open's error when another process has the warehouse open
// for writing (DuckDB allows one writer, or readers, never both): an
// analyst's duckdb session, most often.
type LockedError struct {
	Path   string
	Holder string // the program and pid DuckDB names
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is open for writing in another program (%s), and DuckDB lets no one read it meanwhile: close it there, or open it there read-only (duckdb -readonly %s, or ATTACH ... (READ_ONLY)), and try again",
		e.Path, e.Holder, e.Path)
}

// conflictingLock picks the holder out of DuckDB's message for a file
// another process holds: "... Conflicting lock is held in /usr/bin/duckdb (PID 4242)".
var conflictingLock = regexp.MustCompile(`Could not set lock on file .*Conflicting lock is held in (.*?\(PID \d+\))`)

// Open opens the DuckDB database at path ("" = in memory) with threads and memory_limit set
// explicitly and extensions locked down: auto-install and auto-load are off, the extension
// directory is an empty folder of our own, and the repository INSTALL would use is a local path
// that does not exist, so that no statement can download anything. Parquet, JSON and ICU are
// statically linked into duckdb-go and need no installation.
func Open(path string, opt Options) (*Warehouse, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("warehouse: open %q: the path may not contain '?' or '#'", path)
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	memLimit := opt.MemoryLimit
	if memLimit == "" {
		memLimit = DefaultMemoryLimit
	}

	w := &Warehouse{workDir: opt.WorkDir}
	if w.workDir == "" {
		d, release, err := NewScratch(WorkDirPrefix)
		if err != nil {
			return nil, fmt.Errorf("warehouse: open %q: work dir: %w", path, err)
		}
		w.workDir, w.releaseWorkDir = d, release
	}
	extDir := filepath.Join(w.workDir, "duckdb_extensions")
	tmpDir := filepath.Join(w.workDir, "duckdb_tmp")
	for _, d := range []string{extDir, tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			w.cleanup()
			return nil, fmt.Errorf("warehouse: open %q: %w", path, err)
		}
	}
	noRepo := filepath.Join(w.workDir, "no_extension_repository")

	q := url.Values{}
	q.Set("threads", strconv.Itoa(threads))
	q.Set("memory_limit", memLimit)
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	q.Set("allow_community_extensions", "false")
	q.Set("extension_directory", extDir)
	q.Set("custom_extension_repository", noRepo)
	q.Set("autoinstall_extension_repository", noRepo)
	q.Set("temp_directory", tmpDir)
	// Tables are read by key, never in insertion order: not keeping it lets
	// DuckDB write them in parallel and in less memory.
	q.Set("preserve_insertion_order", "false")
	if opt.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			w.cleanup()
			abs, _ := filepath.Abs(path)
			return nil, &NotFoundError{Path: abs}
		} else if err != nil {
			w.cleanup()
			return nil, fmt.Errorf("warehouse: open %q: %w", path, err)
		}
		q.Set("access_mode", "read_only")
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		w.cleanup()
		if m := conflictingLock.FindStringSubmatch(err.Error()); m != nil {
			return nil, &LockedError{Path: path, Holder: m[1]}
		}
		return nil, fmt.Errorf("warehouse: open %q: %w", path, err)
	}
	w.DB = sql.OpenDB(connector)
	return w, nil
}

// WorkDir is the folder holding DuckDB's extension and spill directories.
func (w *Warehouse) WorkDir() string { return w.workDir }

// ExtensionDir is DuckDB's extension_directory; it should hold no file, ever.
func (w *Warehouse) ExtensionDir() string { return filepath.Join(w.workDir, "duckdb_extensions") }

// Close closes the database and removes the work folder if Open created it.
func (w *Warehouse) Close() error {
	err := w.DB.Close()
	w.cleanup()
	if err != nil {
		return fmt.Errorf("warehouse: close: %w", err)
	}
	return nil
}

func (w *Warehouse) cleanup() {
	if w.releaseWorkDir != nil {
		w.releaseWorkDir()
		w.releaseWorkDir = nil
	}
}

// WorkDirPrefix names the work folders Open makes in the system's
// temporary folder.
const WorkDirPrefix = "vitalstats-duckdb-"

// scratchLock is the file a scratch folder's owner holds a flock on for as
// long as it uses the folder: a folder whose lock is free is a leftover.
const scratchLock = "owner.lock"

// NewScratch makes a folder in the system's temporary folder whose name
// starts with prefix, owned by this process until release removes it. A
// process killed meanwhile leaves it, and RemoveLeftovers removes it.
func NewScratch(prefix string) (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, scratchLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		if err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir); f.Close() }, nil
}

// leftoverAge is how old a scratch folder must be before RemoveLeftovers
// takes it for a leftover: a folder just made has no lock yet. A folder
// without a lock file (made by an earlier version) must be a day old.
var leftoverAge, unlockedLeftoverAge = time.Minute, 24 * time.Hour

// RemoveLeftovers removes the scratch folders (of NewScratch, whose names
// start with one of prefixes) that killed processes left in the system's
// temporary folder: those whose owner's lock is free. Folders in use are
// never touched, whichever process, site or user they belong to. It returns
// the folders removed.
func RemoveLeftovers(prefixes ...string) ([]string, error) {
	var removed []string
	var errs []error
	for _, prefix := range prefixes {
		dirs, err := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
		if err != nil {
			return removed, err
		}
		for _, d := range dirs {
			ok, err := removeIfLeftover(d)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				removed = append(removed, d)
			}
		}
	}
	return removed, errors.Join(errs...)
}

func removeIfLeftover(dir string) (bool, error) {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() || st.Sys().(*syscall.Stat_t).Uid != uint32(os.Getuid()) {
		return false, nil // gone meanwhile, not a folder, or another user's
	}
	lock := filepath.Join(dir, scratchLock)
	lst, err := os.Lstat(lock)
	if errors.Is(err, fs.ErrNotExist) {
		if time.Since(st.ModTime()) < unlockedLeftoverAge {
			return false, nil
		}
		return true, os.RemoveAll(dir)
	}
	if err != nil || !lst.Mode().IsRegular() || time.Since(lst.ModTime()) < leftoverAge {
		return false, nil
	}
	f, err := os.OpenFile(lock, os.O_RDWR, 0)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false, nil // in use
	}
	// Holding the lock, the folder is ours: no owner can come back to it.
	return true, os.RemoveAll(dir)
}
