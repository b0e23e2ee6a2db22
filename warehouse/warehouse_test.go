package warehouse

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTest(t *testing.T, opt Options) *Warehouse {
	t.Helper()
	if opt.Threads == 0 {
		opt.Threads = 1 // the test machine is shared
	}
	if opt.MemoryLimit == "" {
		opt.MemoryLimit = "512MB"
	}
	w, err := Open("", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	return w
}

func TestOpenSettings(t *testing.T) {
	w := openTest(t, Options{Threads: 1, MemoryLimit: "300MB"})
	settings := map[string]string{}
	rows, err := w.DB.Query(`select name, value from duckdb_settings() where name in
		('threads', 'memory_limit', 'autoinstall_known_extensions', 'autoload_known_extensions', 'extension_directory')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		settings[n] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if settings["threads"] != "1" || settings["autoinstall_known_extensions"] != "false" ||
		settings["autoload_known_extensions"] != "false" || settings["extension_directory"] != w.ExtensionDir() {
		t.Errorf("settings %v", settings)
	}
	// DuckDB reports the limit in its own units (300MB = 286.1 MiB).
	if !strings.Contains(settings["memory_limit"], "MiB") {
		t.Errorf("memory_limit %q", settings["memory_limit"])
	}

	// A work folder made by Open goes away with Close.
	w2, err := Open("", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := w2.WorkDir()
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("work dir %s left behind: %v", dir, err)
	}
}

func TestOpenFile(t *testing.T) {
	for _, name := range []string{"w.duckdb", "with space.duckdb"} {
		p := filepath.Join(t.TempDir(), name)
		w, err := Open(p, Options{Threads: 1, MemoryLimit: "256MB", WorkDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.Exec("create table t as select 42 as x"); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		w, err = Open(p, Options{Threads: 1, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var x int
		if err := w.DB.QueryRow("select x from t").Scan(&x); err != nil || x != 42 {
			t.Errorf("%s: reopened x = %d, %v", name, x, err)
		}
		w.Close()
	}
}

// TestParquetBuiltInNothingDownloaded proves the warehouse runs offline: Parquet is statically
// linked, nothing is installed or loaded on demand, and the extension directory stays empty.
func TestParquetBuiltInNothingDownloaded(t *testing.T) {
	work := t.TempDir()
	w := openTest(t, Options{WorkDir: work})
	ctx := context.Background()
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	pq := filepath.Join(t.TempDir(), "x.parquet")
	if _, err := conn.ExecContext(ctx, `copy (select range as id, 'c' || range as code from range(1000)) to `+
		sqlString(pq)+` (format parquet, compression zstd)`); err != nil {
		t.Fatal(err)
	}
	var n, sum int64
	if err := conn.QueryRowContext(ctx, `select count(*), sum(id) from read_parquet(`+sqlString(pq)+`)`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 1000 || sum != 499500 {
		t.Errorf("read back %d rows summing to %d", n, sum)
	}
	var codec string
	if err := conn.QueryRowContext(ctx, `select distinct compression from parquet_metadata(`+sqlString(pq)+`)`).Scan(&codec); err != nil || codec != "ZSTD" {
		t.Errorf("compression %q, %v", codec, err)
	}

	var loaded bool
	var mode string
	if err := conn.QueryRowContext(ctx, `select loaded, install_mode::varchar from duckdb_extensions() where extension_name = 'parquet'`).Scan(&loaded, &mode); err != nil {
		t.Fatal(err)
	}
	if !loaded || mode != "STATICALLY_LINKED" {
		t.Errorf("parquet: loaded %v, install_mode %s", loaded, mode)
	}
	for _, stmt := range []string{"install spatial", "load spatial"} {
		if _, err := conn.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s succeeded: an extension was fetched or found", stmt)
		}
	}
	// Nothing may have been loaded behind our back either (json and icu are built in, not loaded on demand).
	var onDemand int64
	if err := conn.QueryRowContext(ctx, `select count(*) from duckdb_extensions() where loaded and install_mode::varchar <> 'STATICALLY_LINKED'`).Scan(&onDemand); err != nil || onDemand != 0 {
		t.Errorf("%d extensions loaded that are not built in (%v)", onDemand, err)
	}

	// DuckDB may create empty version/platform folders when asked to install; no file may appear.
	var files []string
	err = filepath.WalkDir(w.ExtensionDir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) != 0 {
		t.Errorf("extension directory holds %v (%v)", files, err)
	}
}

// Scratch folders of killed processes go at the next RemoveLeftovers; those
// in use, however old, stay.
func TestRemoveLeftovers(t *testing.T) {
	const prefix = "vitalstats-test-leftover-"
	live, release, err := NewScratch(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	dead, releaseDead, err := NewScratch(prefix)
	if err != nil {
		t.Fatal(err)
	}
	// A killed process's folder: its lock file is there, and free.
	if err := os.Rename(dead, dead+"-killed"); err != nil {
		t.Fatal(err)
	}
	releaseDead() // removes nothing now: the folder has moved
	dead += "-killed"
	young, releaseYoung, err := NewScratch(prefix)
	if err != nil {
		t.Fatal(err)
	}
	releaseYoung()
	if err := os.MkdirAll(young, 0o755); err != nil { // a folder just made, not locked yet
		t.Fatal(err)
	}
	defer os.RemoveAll(young)
	old := time.Now().Add(-2 * time.Hour)
	for _, d := range []string{live, dead} {
		if err := os.Chtimes(filepath.Join(d, scratchLock), old, old); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveLeftovers(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != dead {
		t.Errorf("removed %v, want only %s", removed, dead)
	}
	if _, err := os.Stat(dead); err == nil {
		t.Errorf("%s, a killed process's, is still there", dead)
	}
	for _, d := range []string{live, young} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s, in use or just made, was removed", d)
		}
	}
	// Open's work folder is one of these, held while the warehouse is open.
	w, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if filepath.Base(w.WorkDir())[:len(WorkDirPrefix)] != WorkDirPrefix {
		t.Errorf("work folder %s", w.WorkDir())
	}
	if _, err := os.Stat(filepath.Join(w.WorkDir(), scratchLock)); err != nil {
		t.Errorf("the work folder has no owner's lock: %v", err)
	}
}
