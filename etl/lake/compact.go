package lake

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"
)

// CompactSummary is the summary of a compaction's manifest entry.
type CompactSummary struct {
	Table    string `json:"table"`
	Year     int    `json:"year"`
	FilesIn  int    `json:"files_in"`
	FilesOut int    `json:"files_out"`
	Rows     int64  `json:"rows"`
}

// Compact merges the files of a partition into one file per schema (one in
// the usual case), atomically: a manifest entry adds the merged files and
// removes the old ones, then the old files are deleted. Every row is kept
// exactly once, in commit order. A partition with fewer than two files of a
// schema is left as it is.
func (l *Lake) Compact(table string, year int) error {
	l.mu.Lock()
	if err := l.usable(); err != nil {
		l.mu.Unlock()
		return fmt.Errorf("compact %s/%d: %w", table, year, err)
	}
	files := l.partitionFiles(table, year)
	l.mu.Unlock()
	if len(files) < 2 {
		return nil
	}
	start := time.Now()

	// Group by schema, so that files from before and after a schema change
	// are never converted into each other (that could turn NULLs into zeros).
	type group struct {
		schema *parquet.Schema
		files  []File
	}
	var groups []*group
	for _, f := range files {
		s, err := l.fileSchema(f)
		if err != nil {
			return fmt.Errorf("compact %s/%d: %w", table, year, err)
		}
		var g *group
		for _, c := range groups {
			if parquet.EqualNodes(c.schema, s) {
				g = c
				break
			}
		}
		if g == nil {
			g = &group{schema: s}
			groups = append(groups, g)
		}
		g.files = append(g.files, f)
	}

	id := fmt.Sprintf("compact.%s.%04d.%s", table, year, start.UTC().Format("20060102T150405.000000000"))
	b, err := l.begin(id, KindCompaction)
	if err != nil {
		return fmt.Errorf("compact %s/%d: %w", table, year, err)
	}
	defer b.Abort()
	sum := CompactSummary{Table: table, Year: year}
	p := partition{table, year}
	for _, g := range groups {
		if len(g.files) < 2 {
			continue
		}
		rows, name, size, err := l.merge(b, g.schema, g.files)
		if err != nil {
			return fmt.Errorf("compact %s/%d: %w", table, year, err)
		}
		b.stage(p, name, rows, size)
		for _, f := range g.files {
			b.removed = append(b.removed, f.Path)
		}
		sum.FilesIn += len(g.files)
		sum.FilesOut++
		sum.Rows += rows
	}
	if sum.FilesOut == 0 {
		return nil
	}
	hook("compaction/written")
	summary, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("compact %s/%d: %w", table, year, err)
	}
	entry, err := b.commit(nil, summary)
	if err != nil {
		return fmt.Errorf("compact %s/%d: %w", table, year, err)
	}
	// The old files are out of the lake now; deleting them is housekeeping
	// that Open redoes if we crash here.
	var errs []error
	for i, rel := range entry.Removed {
		if err := os.Remove(filepath.Join(l.dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		if i == 0 {
			hook("compaction/removed-one")
		}
	}
	if err := syncDir(filepath.Join(l.dir, filepath.FromSlash(partitionDir(table, year)))); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		l.log.Warn("compaction committed, but old files remain; the next Open removes them", "table", table, "year", year, "err", err)
	}
	l.log.Info("compacted", "table", table, "year", year, "files_in", sum.FilesIn, "files_out", sum.FilesOut,
		"rows", sum.Rows, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

func (l *Lake) fileSchema(f File) (*parquet.Schema, error) {
	pf, closer, err := l.openParquet(f)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return pf.Schema(), nil
}

func (l *Lake) openParquet(f File) (*parquet.File, io.Closer, error) {
	path := filepath.Join(l.dir, filepath.FromSlash(f.Path))
	osf, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, nil, err
	}
	pf, err := parquet.OpenFile(osf, st.Size(), parquet.SkipBloomFilters(true))
	if err != nil {
		osf.Close()
		return nil, nil, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if pf.NumRows() != f.Rows {
		osf.Close()
		return nil, nil, fmt.Errorf("%s holds %d rows, the manifest says %d", f.Path, pf.NumRows(), f.Rows)
	}
	return pf, osf, nil
}

// merge copies the rows of files, in order, into one new file of the batch.
// Rows are re-encoded rather than row groups spliced, so the output gets
// compaction-sized row groups.
func (l *Lake) merge(b *Batch, schema *parquet.Schema, files []File) (rows int64, name string, size int64, err error) {
	out, name, err := b.newFile()
	if err != nil {
		return 0, "", 0, err
	}
	defer func() {
		if err != nil {
			out.Close()
		}
	}()
	w := parquet.NewWriter(out, append(b.writerOptions(l.CompactRowGroupRows, false), schema)...)
	var want int64
	for _, f := range files {
		pf, closer, err := l.openParquet(f)
		if err != nil {
			return 0, "", 0, err
		}
		for _, rg := range pf.RowGroups() {
			rr := rg.Rows()
			n, err := parquet.CopyRows(w, rr)
			rr.Close()
			if err != nil {
				closer.Close()
				return 0, "", 0, fmt.Errorf("copy %s: %w", f.Path, err)
			}
			rows += n
		}
		closer.Close()
		want += f.Rows
	}
	if rows != want {
		return 0, "", 0, fmt.Errorf("copied %d rows, the files hold %d", rows, want)
	}
	if err := w.Close(); err != nil {
		return 0, "", 0, fmt.Errorf("close %s: %w", name, err)
	}
	if err := out.Sync(); err != nil {
		return 0, "", 0, fmt.Errorf("sync %s: %w", name, err)
	}
	st, err := out.Stat()
	if err != nil {
		return 0, "", 0, err
	}
	if err := out.Close(); err != nil {
		return 0, "", 0, fmt.Errorf("close %s: %w", name, err)
	}
	return rows, name, st.Size(), nil
}

// CompactAll compacts every partition that has at least minFiles files (at
// least 2), each atomically on its own; it returns how many it compacted.
func (l *Lake) CompactAll(minFiles int) (int, error) {
	type part struct {
		table string
		year  int
	}
	minFiles = max(minFiles, 2)
	l.mu.Lock()
	count := map[part]int{}
	for _, f := range l.live {
		count[part{f.Table, f.Year}]++
	}
	l.mu.Unlock()
	var parts []part
	for p, n := range count {
		if n >= minFiles {
			parts = append(parts, p)
		}
	}
	slices.SortFunc(parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(a.table, b.table), cmp.Compare(a.year, b.year))
	})
	for i, p := range parts {
		if err := l.Compact(p.table, p.year); err != nil {
			return i, err
		}
	}
	return len(parts), nil
}
