// Package warehouse owns DuckDB: opening the warehouse database offline, loading the reference
// tables, and (later) building the marts from the lake with the SQL models of the root package.
//
// It may import the root package vitalstats (vocabulary and embedded SQL) and refdata; it must not
// import etl, reports, dashboards or cmd.
package warehouse

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

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

	workDir     string
	ownsWorkDir bool
}

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
		d, err := os.MkdirTemp("", "vitalstats-duckdb-")
		if err != nil {
			return nil, fmt.Errorf("warehouse: open %q: work dir: %w", path, err)
		}
		w.workDir, w.ownsWorkDir = d, true
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
		if _, err := os.Stat(path); err != nil {
			w.cleanup()
			return nil, fmt.Errorf("warehouse: open %q: %w (run vitalstats build first)", path, err)
		}
		q.Set("access_mode", "read_only")
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		w.cleanup()
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
	if w.ownsWorkDir {
		os.RemoveAll(w.workDir)
	}
}
