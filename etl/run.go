package etl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
	"vitalstats/etl/source"
	"vitalstats/internal/progress"
	"vitalstats/refdata"
)

// Config says where the sources and the lake are.
type Config struct {
	Lake      string            // the lake's folder
	Inbox     string            // file drops; empty means none
	DSN       string            // the registry; empty means none
	Extract   map[string]string // registry table -> a site's own extract query file
	Reference refdata.Source
	Secret    []byte // the site secret for identity hashes
	Now       func() time.Time
	Log       *slog.Logger
	Progress  io.Writer // a terminal for the progress bar, or nil
	// CompactFiles: after the commit, partitions with at least this many
	// files are merged into one (0: never). Daily runs add a file a day to
	// the current year's partitions.
	CompactFiles int
}

// State is the sources' committed progress, stored with every batch: a
// batch's data and the progress that produced it commit together, so a
// killed run is redone from where the last commit left off.
type State struct {
	Registry map[string]source.Watermark `json:"registry"` // table -> last row extracted
	Files    map[string]TakenFile        `json:"files"`    // sha256 -> file taken
}

// TakenFile records a file drop the lake has dealt with.
type TakenFile struct {
	Name     string `json:"name"`
	Rejected string `json:"rejected,omitempty"` // why the whole file was refused
	Batch    string `json:"batch"`
}

// Counts reconcile one source and event type: Extracted = Loaded + Quarantined.
type Counts struct {
	Extracted   int64 `json:"extracted"`
	Loaded      int64 `json:"loaded"`
	Quarantined int64 `json:"quarantined"`
}

// Summary is what one run did.
type Summary struct {
	Batch         string                       `json:"batch"`
	Started       time.Time                    `json:"started"`
	Finished      time.Time                    `json:"finished"`
	Counts        map[string]map[string]Counts `json:"counts"` // source -> event -> counts
	FilesTaken    int                          `json:"files_taken"`
	FilesRejected int                          `json:"files_rejected"`
	FilesSeen     int                          `json:"files_seen_before"` // dropped again after being taken
	Reasons       map[string]int64             `json:"quarantine_reasons"`
}

// Total adds up the counts of every source and event.
func (s *Summary) Total() Counts {
	var t Counts
	for _, byEvent := range s.Counts {
		for _, c := range byEvent {
			t.Extracted += c.Extracted
			t.Loaded += c.Loaded
			t.Quarantined += c.Quarantined
		}
	}
	return t
}

// Run extracts every source into the lake as one batch. It either commits
// the whole batch with the sources' new progress, or leaves the lake as it
// was. Files taken are moved out of the inbox only after the commit.
func Run(ctx context.Context, cfg Config) (sum Summary, err error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	sum = Summary{Started: now().UTC(), Counts: map[string]map[string]Counts{}, Reasons: map[string]int64{}}
	lk, err := lake.Open(cfg.Lake, log)
	if err != nil {
		return sum, err
	}
	defer lk.Close()
	var st State
	if raw := lk.State(); len(raw) > 0 {
		if err := json.Unmarshal(raw, &st); err != nil {
			return sum, fmt.Errorf("etl: the lake's committed state is unreadable: %w", err)
		}
	}
	if st.Registry == nil {
		st.Registry = map[string]source.Watermark{}
	}
	if st.Files == nil {
		st.Files = map[string]TakenFile{}
	}
	v, err := canon.NewValidator(cfg.Reference, cfg.Secret, sum.Started)
	if err != nil {
		return sum, err
	}
	sum.Batch = batchID(sum.Started)
	b, err := lk.Begin(sum.Batch)
	if err != nil {
		return sum, err
	}
	committed := false
	defer func() {
		if !committed {
			if aerr := b.Abort(); aerr != nil {
				err = errors.Join(err, aerr)
			}
		}
	}()
	w := newRouter(b, v, &sum, sum.Started)
	bar := progress.New("etl", 0, cfg.Progress, log)
	defer bar.Finish()
	w.progress = bar.Add

	if cfg.DSN != "" {
		if err := extractRegistry(ctx, cfg, w, &st, log); err != nil {
			return sum, err
		}
	}
	var moves []pendingMove
	if cfg.Inbox != "" {
		if moves, err = readInbox(ctx, cfg.Inbox, sum.Batch, w, &st, &sum, log); err != nil {
			return sum, err
		}
	}
	w.summarize()
	sum.Finished = now().UTC()
	raw, err := json.Marshal(st)
	if err != nil {
		return sum, err
	}
	if _, err := b.Commit(raw, sum); err != nil {
		return sum, fmt.Errorf("etl: commit batch %s: %w", sum.Batch, err)
	}
	committed = true
	// After the commit: a crash before or during these moves is mended by the
	// next run, which finds the files' checksums already in the state.
	for _, m := range moves {
		if err := source.Take(cfg.Inbox, m.file, m.to); err != nil {
			log.Warn("etl: file drop not moved; the next run moves it", "file", m.file.Name, "err", err)
		}
	}
	if cfg.CompactFiles > 0 {
		n, err := lk.CompactAll(cfg.CompactFiles)
		if err != nil {
			return sum, fmt.Errorf("etl: batch %s committed, but compaction failed: %w", sum.Batch, err)
		}
		if n > 0 {
			log.Info("compacted", "partitions", n)
		}
	}
	t := sum.Total()
	log.Info("etl done", "batch", sum.Batch, "extracted", t.Extracted, "loaded", t.Loaded,
		"quarantined", t.Quarantined, "files", sum.FilesTaken, "rejected", sum.FilesRejected,
		"elapsed", sum.Finished.Sub(sum.Started).Round(time.Millisecond).String())
	return sum, nil
}

func batchID(t time.Time) string {
	var r [4]byte
	rand.Read(r[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:])
}

// extractRegistry reads every table from one snapshot of the registry.
func extractRegistry(ctx context.Context, cfg Config, w *router, st *State, log *slog.Logger) error {
	reg, err := source.OpenRegistry(ctx, cfg.DSN, cfg.Extract)
	if err != nil {
		return err
	}
	defer reg.Close()
	snap, err := reg.Begin(ctx)
	if err != nil {
		return err
	}
	defer snap.Close(ctx)
	for _, s := range source.Schemas {
		start := time.Now()
		p := newPipe(w.record)
		wm, n, err := snap.Extract(ctx, s, st.Registry[s.Table], p.put)
		werr := p.close()
		if werr == nil {
			// the table's partitions get no more rows from this run
			werr = w.b.EndFiles()
		}
		if werr != nil {
			return fmt.Errorf("etl: registry %s: %w", s.Table, werr)
		}
		if err != nil {
			return fmt.Errorf("etl: registry %s: %w", s.Table, err)
		}
		if n > 0 {
			st.Registry[s.Table] = wm
		}
		log.Info("extracted", "source", "registry", "table", s.Table, "records", n, "elapsed", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

type pendingMove struct {
	file source.DropFile
	to   string // done or rejected
}

// readInbox reads every file drop not taken before.
func readInbox(ctx context.Context, inbox, batch string, w *router, st *State, sum *Summary, log *slog.Logger) ([]pendingMove, error) {
	files, err := source.ScanInbox(inbox)
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	var moves []pendingMove
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if prev, ok := st.Files[f.SHA256]; ok {
			sum.FilesSeen++
			to := "done"
			if prev.Rejected != "" {
				to = "rejected"
			}
			f.Reason = prev.Rejected
			moves = append(moves, pendingMove{f, to})
			continue
		}
		_, err := source.ReadDrop(f, w.record, w.badRow(f))
		if err != nil {
			var unreadable *source.UnreadableError
			if !errors.As(err, &unreadable) {
				return nil, fmt.Errorf("etl: file drop %s: %w", f.Name, err)
			}
			f.Reason = err.Error()
			st.Files[f.SHA256] = TakenFile{Name: f.Name, Rejected: f.Reason, Batch: batch}
			sum.FilesRejected++
			moves = append(moves, pendingMove{f, "rejected"})
			log.Warn("file drop rejected", "file", f.Name, "reason", err.Error())
			continue
		}
		st.Files[f.SHA256] = TakenFile{Name: f.Name, Batch: batch}
		sum.FilesTaken++
		moves = append(moves, pendingMove{f, "done"})
	}
	return moves, nil
}
