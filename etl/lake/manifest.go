package lake

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Entry is one committed manifest entry: a batch or a compaction.
type Entry struct {
	Seq   int64     `json:"seq"`   // 1, 2, 3… without gaps; also the file name
	Batch string    `json:"batch"` // the batch id given to Begin
	Kind  string    `json:"kind"`  // KindBatch or KindCompaction
	Time  time.Time `json:"time"`  // commit time, UTC
	Files []File    `json:"files"` // files this entry adds to the lake
	// Removed lists the files (relative paths) this entry takes out of the
	// lake: the inputs of a compaction.
	Removed []string `json:"removed,omitempty"`
	// State is the sources' progress that goes with the lake's content as of
	// this entry; a compaction carries the previous state unchanged.
	State   json.RawMessage `json:"state,omitempty"`
	Summary json.RawMessage `json:"summary,omitempty"`
}

// Entry kinds.
const (
	KindBatch      = "batch"
	KindCompaction = "compaction"
)

// File is a data file named by an entry.
type File struct {
	Table string `json:"table"`
	// Partition is the name of the file's partition folder, key=value:
	// occurrence_year=2024, run_date=2025-06-01. Entries written before
	// the key was named after its column leave it out; their files are in
	// occ_year=<Year> (the old layout, see the package comment).
	Partition string `json:"partition,omitempty"`
	Year      int    `json:"year,omitempty"` // the year of a year partition, 0 for others
	Path      string `json:"path"`           // relative to the lake, with slashes: <table>/<Partition>/<batch>-<n>.parquet
	Rows      int64  `json:"rows"`
	Bytes     int64  `json:"bytes"`

	seq  int64     // the entry that added it, for ordering
	part partition // parsed from Table and Partition (or Year)
}

func (e Entry) clone() Entry {
	e.Files = slices.Clone(e.Files)
	e.Removed = slices.Clone(e.Removed)
	e.State = slices.Clone(e.State)
	e.Summary = slices.Clone(e.Summary)
	return e
}

var entryNameRe = regexp.MustCompile(`^([0-9]{20})\.json$`)

func entryName(seq int64) string { return fmt.Sprintf("%020d.json", seq) }

// readManifest reads every committed entry in order, removing the temporary
// files of entries that were never committed.
func readManifest(dir string, log *slog.Logger) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var entries []Entry
	removedTmp := false
	for _, de := range des { // ReadDir sorts by name, so by sequence number
		name := de.Name()
		m := entryNameRe.FindStringSubmatch(name)
		if m == nil {
			if len(name) > 5 && name[:5] == ".tmp-" {
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					return nil, fmt.Errorf("remove uncommitted manifest file %s: %w", name, err)
				}
				log.Info("removed an uncommitted manifest entry", "file", name)
				removedTmp = true
				continue
			}
			log.Warn("unknown file in the manifest folder, ignored", "file", name)
			continue
		}
		seq, _ := strconv.ParseInt(m[1], 10, 64)
		want := int64(len(entries)) + 1
		if seq != want {
			return nil, fmt.Errorf("manifest: entry %s found where entry %d was expected (a gap or a stray file)", name, want)
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		var e Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("manifest entry %s: %w", name, err)
		}
		if e.State != nil {
			if e.State, err = compactJSON(e.State); err != nil {
				return nil, fmt.Errorf("manifest entry %s: state: %w", name, err)
			}
		}
		if e.Summary != nil {
			if e.Summary, err = compactJSON(e.Summary); err != nil {
				return nil, fmt.Errorf("manifest entry %s: summary: %w", name, err)
			}
		}
		if e.Seq != seq {
			return nil, fmt.Errorf("manifest entry %s says it is entry %d", name, e.Seq)
		}
		for i := range e.Files {
			f := &e.Files[i]
			p, err := f.partition()
			if err != nil {
				return nil, fmt.Errorf("manifest entry %s: file %s: %w", name, f.Path, err)
			}
			if f.Path != p.dir()+"/"+filepath.Base(f.Path) {
				return nil, fmt.Errorf("manifest entry %s: file %s is not in partition %s", name, f.Path, p.dir())
			}
			f.part = p
		}
		entries = append(entries, e)
	}
	if removedTmp {
		if err := syncDir(dir); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// writeEntry makes an entry durable under its final name: temp file, fsync,
// rename (the commit point), fsync of the folder. An error after the rename
// is reported as errOutcomeUnknown: the entry may or may not survive a crash.
func writeEntry(dir string, e Entry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest entry %d: %w", e.Seq, err)
	}
	data = append(data, '\n')
	final := filepath.Join(dir, entryName(e.Seq))
	tmp := filepath.Join(dir, ".tmp-"+entryName(e.Seq))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write manifest entry: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write manifest entry %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("sync manifest entry %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close manifest entry %s: %w", tmp, err)
	}
	hook(e.Kind + "/manifest-written")
	if _, err := os.Stat(final); err == nil {
		os.Remove(tmp)
		return fmt.Errorf("manifest entry %s exists already", final)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("commit manifest entry %s: %w", final, err)
	}
	hook(e.Kind + "/manifest-renamed")
	if err := syncDir(dir); err != nil {
		return &outcomeUnknownError{err}
	}
	return nil
}

// outcomeUnknownError is a failure after the commit point's rename: the
// entry is visible now, but whether it survives a power loss is unknown.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return "manifest entry renamed but not synced (commit outcome unknown until the lake is reopened): " + e.err.Error()
}
func (e *outcomeUnknownError) Unwrap() error { return e.err }

// partition returns the partition a manifest record names.
func (f File) partition() (partition, error) {
	if f.Partition == "" { // an entry of the old layout
		if f.Year < 0 || f.Year > 9999 {
			return partition{}, fmt.Errorf("year %d out of range", f.Year)
		}
		return partition{f.Table, legacyYearKey, fmt.Sprintf("%04d", f.Year)}, nil
	}
	m := partDirRe.FindStringSubmatch(f.Partition)
	if m == nil {
		return partition{}, fmt.Errorf("partition %q is not key=YYYY or key=YYYY-MM-DD", f.Partition)
	}
	return partition{f.Table, m[1], m[2]}, nil
}
