package lake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Truncate takes the lake back to what it was after entry seq: the later
// batches' manifest entries and files are deleted, and the state is that of
// entry seq again. It is how a benchmark takes out the day's registrations
// it added; a compaction cannot be undone (the files it replaced are gone),
// so an entry after seq that removes files is refused and nothing changes.
// The manifest goes first, newest entry first: a crash in between leaves a
// shorter manifest and files no entry names, which Open reports.
func (l *Lake) Truncate(seq int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if l.open != nil {
		return fmt.Errorf("truncate lake %s: batch %s is open", l.dir, l.open.id)
	}
	if seq < 0 || seq > int64(len(l.entries)) {
		return fmt.Errorf("truncate lake %s: no entry %d (the manifest has %d)", l.dir, seq, len(l.entries))
	}
	later := l.entries[seq:]
	for _, e := range later {
		if len(e.Removed) > 0 {
			return fmt.Errorf("truncate lake %s to entry %d: entry %d is a %s that replaced files; it cannot be undone", l.dir, seq, e.Seq, e.Kind)
		}
	}
	mdir := filepath.Join(l.dir, manifestDir)
	for i := len(later) - 1; i >= 0; i-- {
		if err := os.Remove(filepath.Join(mdir, entryName(later[i].Seq))); err != nil {
			l.broken = fmt.Errorf("truncate: %w", err)
			return fmt.Errorf("truncate lake %s: %w", l.dir, err)
		}
	}
	if err := syncDir(mdir); err != nil {
		l.broken = err
		return err
	}
	var errs []error
	for _, e := range later {
		for _, f := range e.Files {
			if err := os.Remove(filepath.Join(l.dir, filepath.FromSlash(f.Path))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			delete(l.live, f.Path)
		}
	}
	l.entries = l.entries[:seq]
	l.state = nil
	for _, e := range l.entries {
		if e.State != nil {
			l.state = slices.Clone(e.State)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("truncate lake %s: the manifest is back at entry %d; files left behind: %w", l.dir, seq, errors.Join(errs...))
	}
	l.log.Info("lake truncated", "entry", seq, "entries_removed", len(later))
	return nil
}
