package lake

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// CompactSummary is the summary of a compaction's manifest entry.
type CompactSummary struct {
	Table string `json:"table"`
	// Partition is the partition compacted (key=value); To, when set, the
	// one its rows moved to: an old-layout occ_year=YYYY partition moves to
	// occurrence_year=YYYY.
	Partition string `json:"partition"`
	To        string `json:"to,omitempty"`
	FilesIn   int    `json:"files_in"`
	FilesOut  int    `json:"files_out"`
	Rows      int64  `json:"rows"`
}

// Compact merges the files of a partition (its folder's name, such as
// occurrence_year=2024) into one file per schema (one in the usual case),
// atomically: a manifest entry adds the merged files and removes the old
// ones, then the old files are deleted. Every row is kept exactly once, in
// commit order. A partition with fewer than two files of a schema is left as
// it is.
//
// A partition of the old layout, occ_year=YYYY, is moved (merged, even from
// one file) to occurrence_year=YYYY when every file of it has a required
// integer column occurrence_year whose statistics say it holds YYYY in
// every row; otherwise (the quarantine of old runs, which has no such
// column) it is left as it is and read as it is.
func (l *Lake) Compact(table, partition string) error {
	_, err := l.compact(table, partition)
	return err
}

func (l *Lake) compact(table, part string) (bool, error) {
	p, err := File{Table: table, Partition: part}.partition()
	if err != nil {
		return false, fmt.Errorf("compact %s/%s: %w", table, part, err)
	}
	l.mu.Lock()
	if err := l.usable(); err != nil {
		l.mu.Unlock()
		return false, fmt.Errorf("compact %s: %w", p.dir(), err)
	}
	files := l.partitionFiles(p)
	l.mu.Unlock()
	to := p
	if p.key == legacyYearKey && len(files) > 0 {
		if err := l.holdsYear(files, p.value); err != nil {
			l.log.Debug("old-layout partition stays as it is", "partition", p.dir(), "why", err)
		} else {
			to = partition{p.table, YearKey, p.value}
		}
	}
	if len(files) < 2 && to == p {
		return false, nil
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
			return false, fmt.Errorf("compact %s: %w", p.dir(), err)
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

	id := fmt.Sprintf("compact.%s.%s.%s", table, p.value, start.UTC().Format("20060102T150405.000000000"))
	b, err := l.begin(id, KindCompaction)
	if err != nil {
		return false, fmt.Errorf("compact %s: %w", p.dir(), err)
	}
	defer b.Abort()
	sum := CompactSummary{Table: table, Partition: p.name()}
	if to != p {
		sum.To = to.name()
	}
	for _, g := range groups {
		if len(g.files) < 2 && to == p {
			continue
		}
		rows, name, size, err := l.merge(b, g.schema, g.files)
		if err != nil {
			return false, fmt.Errorf("compact %s: %w", p.dir(), err)
		}
		b.stage(to, name, rows, size)
		for _, f := range g.files {
			b.removed = append(b.removed, f.Path)
		}
		sum.FilesIn += len(g.files)
		sum.FilesOut++
		sum.Rows += rows
	}
	if sum.FilesOut == 0 {
		return false, nil
	}
	hook("compaction/written")
	summary, err := json.Marshal(sum)
	if err != nil {
		return false, fmt.Errorf("compact %s: %w", p.dir(), err)
	}
	entry, err := b.commit(nil, summary)
	if err != nil {
		return false, fmt.Errorf("compact %s: %w", p.dir(), err)
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
	if err := syncDir(filepath.Join(l.dir, filepath.FromSlash(p.dir()))); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		l.log.Warn("compaction committed, but old files remain; the next Open removes them", "partition", p.dir(), "err", err)
	}
	l.log.Info("compacted", "partition", p.dir(), "to", sum.To, "files_in", sum.FilesIn, "files_out", sum.FilesOut,
		"rows", sum.Rows, "elapsed", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// holdsYear checks that every row of files holds year in a required integer
// column occurrence_year, from the column chunks' statistics.
func (l *Lake) holdsYear(files []File, year string) error {
	want, err := strconv.ParseInt(year, 10, 64)
	if err != nil {
		return err
	}
	for _, f := range files {
		pf, closer, err := l.openParquet(f)
		if err != nil {
			return err
		}
		err = chunksHold(pf, YearKey, want)
		closer.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return nil
}

// chunksHold checks from a file's metadata that column col is a required
// integer whose every row group's minimum and maximum are want.
func chunksHold(pf *parquet.File, col string, want int64) error {
	leaf, ok := pf.Schema().Lookup(col)
	if !ok {
		return fmt.Errorf("no column %s", col)
	}
	kind := leaf.Node.Type().Kind()
	if !leaf.Node.Required() || (kind != parquet.Int32 && kind != parquet.Int64) {
		return fmt.Errorf("column %s is not a required integer", col)
	}
	for i, rg := range pf.Metadata().RowGroups {
		if rg.NumRows == 0 {
			continue
		}
		st := rg.Columns[leaf.ColumnIndex].MetaData.Statistics
		lo, lok := statInt(st.MinValue, kind)
		hi, hok := statInt(st.MaxValue, kind)
		if !lok || !hok {
			return fmt.Errorf("row group %d: no statistics for %s", i, col)
		}
		if lo != want || hi != want {
			return fmt.Errorf("row group %d: %s from %d to %d, not %d", i, col, lo, hi, want)
		}
	}
	return nil
}

// statInt decodes a PLAIN-encoded INT32 or INT64 statistic.
func statInt(b []byte, kind parquet.Kind) (int64, bool) {
	switch {
	case kind == parquet.Int32 && len(b) == 4:
		return int64(int32(binary.LittleEndian.Uint32(b))), true
	case kind == parquet.Int64 && len(b) == 8:
		return int64(binary.LittleEndian.Uint64(b)), true
	}
	return 0, false
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
// Every partition of the old layout is tried too, whatever its number of
// files, so that a run moves the old year partitions to the current layout.
func (l *Lake) CompactAll(minFiles int) (int, error) {
	minFiles = max(minFiles, 2)
	l.mu.Lock()
	count := map[partition]int{}
	for _, f := range l.live {
		count[f.part]++
	}
	l.mu.Unlock()
	var parts []partition
	for p, n := range count {
		if n >= minFiles || p.key == legacyYearKey {
			parts = append(parts, p)
		}
	}
	slices.SortFunc(parts, func(a, b partition) int {
		return cmp.Or(cmp.Compare(a.table, b.table), cmp.Compare(a.value, b.value), cmp.Compare(a.key, b.key))
	})
	done := 0
	for _, p := range parts {
		ok, err := l.compact(p.table, p.name())
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}
