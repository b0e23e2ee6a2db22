package etl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"vitalstats/etl/canon"
	"vitalstats/etl/lake"
	"vitalstats/etl/source"
	"vitalstats/internal/progress"
	"vitalstats/refdata"
)

// Config says where the sources and the lake are.
type Config struct {
	Lake  string // the lake's folder
	Inbox string // file drops; empty means none
	DSN   string // the registry; empty means none
	// RegistryMissing, if set, says why a configured registry is not there
	// (the caller found no managed server to start): the run treats it as
	// an unreachable registry.
	RegistryMissing string
	Extract         map[string]string // registry table -> a site's own extract query file
	Reference       refdata.Source
	Secret          []byte // the site secret for identity hashes
	Now             func() time.Time
	Log             *slog.Logger
	Progress        io.Writer // a terminal for the progress bar, or nil
	// CompactFiles: after the commit, partitions with at least this many
	// files are merged into one (0: never). Daily runs add a file a day to
	// the current year's partitions.
	CompactFiles int
	// Optional names the configured sources a run may go without
	// (SourceRegistry, SourceInbox): one that is missing (the registry cannot
	// be connected to, the inbox folder does not exist) is then left out and
	// named in Summary.Missing. A configured source that is missing and not
	// optional fails the run, so that a lake never silently misses a source.
	Optional map[string]bool
	// InboxSettle: a file drop is taken once its size and modification time
	// have not changed for this long (the run waits, at most this long, to
	// look again at files changed more recently); 0 takes every file at
	// once. A file with a completion marker (<file>.complete) is taken at
	// once; InboxRequireMarker takes only such files.
	InboxSettle        time.Duration
	InboxRequireMarker bool
	// LinkDecisions is the file of analysts' decisions on pairs of records
	// (LinkDecision, one JSON object a line): every run honours all of them.
	LinkDecisions string
}

// The sources a site configures, as Config.Optional and Summary.Missing name them.
const (
	SourceRegistry = "registry"
	SourceInbox    = "inbox"
)

// State is the sources' committed progress, stored with every batch: a
// batch's data and the progress that produced it commit together, so a
// killed run is redone from where the last commit left off.
type State struct {
	Registry map[string]source.Watermark `json:"registry"` // table -> last row extracted
	Files    map[string]TakenFile        `json:"files"`    // sha256 -> file taken
	Link     LinkState                   `json:"link"`     // the record linkage's model
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
	// FilesWaiting are files left in the inbox for a later run because they
	// are not complete yet (still being written, no completion marker), and
	// why; FilesRefused are inbox entries never read (symbolic links, pipes).
	FilesWaiting map[string]string `json:"files_waiting,omitempty"`
	FilesRefused map[string]string `json:"files_refused,omitempty"`
	Reasons      map[string]int64  `json:"quarantine_reasons"`
	// Missing holds the optional sources the run went without, and why.
	Missing map[string]string `json:"missing_sources,omitempty"`
	// Linked is what record linkage did, by event type.
	Linked map[string]*LinkSummary `json:"linked,omitempty"`
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
	decisions, err := readDecisions(cfg.LinkDecisions)
	if err != nil {
		return sum, err
	}
	if w.link, err = newLinker(sum.Batch); err != nil {
		return sum, err
	}
	bar := progress.New("etl", 0, cfg.Progress, log)
	defer bar.Finish()
	w.progress = bar.Add

	if err := sum.skipMissing(extractRegistry(ctx, cfg, w, &st, log), cfg.Optional, log); err != nil {
		return sum, err
	}
	moves, err := readInbox(ctx, cfg, sum.Batch, w, &st, &sum, log)
	if err = sum.skipMissing(err, cfg.Optional, log); err != nil {
		return sum, err
	}
	if err := w.link.finish(ctx, lk, b, &st.Link, decisions, &sum, log); err != nil {
		return sum, err
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
		"waiting", len(sum.FilesWaiting), "refused", len(sum.FilesRefused),
		"elapsed", sum.Finished.Sub(sum.Started).Round(time.Millisecond).String())
	return sum, nil
}

// MissingSourceError is a configured source that a run could not reach and
// that the site did not make optional: the run fails and the lake is left
// as it was.
type MissingSourceError struct {
	Source string // SourceRegistry or SourceInbox
	Err    error
}

func (e *MissingSourceError) Error() string { return e.Err.Error() }
func (e *MissingSourceError) Unwrap() error { return e.Err }

// skipMissing lets the run go on without a missing source that the site
// made optional, noting it in the summary; any other error it returns.
func (s *Summary) skipMissing(err error, optional map[string]bool, log *slog.Logger) error {
	var m *MissingSourceError
	if !errors.As(err, &m) || !optional[m.Source] {
		return err
	}
	if s.Missing == nil {
		s.Missing = map[string]string{}
	}
	why := strings.Join(strings.Fields(m.Error()), " ") // pgconn's errors span lines
	s.Missing[m.Source] = why
	log.Warn("etl: an optional source is missing; the run goes on without it", "source", m.Source, "why", why)
	return nil
}

func batchID(t time.Time) string {
	var r [4]byte
	rand.Read(r[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:])
}

// extractRegistry reads every table from one snapshot of the registry, if
// one is configured.
func extractRegistry(ctx context.Context, cfg Config, w *router, st *State, log *slog.Logger) error {
	if cfg.RegistryMissing != "" {
		return &MissingSourceError{Source: SourceRegistry, Err: errors.New(cfg.RegistryMissing)}
	}
	if cfg.DSN == "" {
		return nil
	}
	reg, err := source.OpenRegistry(ctx, cfg.DSN, cfg.Extract)
	if unreachable := (*source.UnreachableError)(nil); errors.As(err, &unreachable) {
		return &MissingSourceError{Source: SourceRegistry, Err: err}
	}
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

// readInbox reads every complete file drop not taken before, if an inbox is
// configured. Files not complete yet are left for a later run, and inbox
// entries that are not regular files refused; both are logged and named in
// the summary.
func readInbox(ctx context.Context, cfg Config, batch string, w *router, st *State, sum *Summary, log *slog.Logger) ([]pendingMove, error) {
	inbox := cfg.Inbox
	if inbox == "" {
		return nil, nil
	}
	if _, err := os.Stat(inbox); errors.Is(err, fs.ErrNotExist) {
		return nil, &MissingSourceError{Source: SourceInbox, Err: fmt.Errorf("the inbox %s does not exist", inbox)}
	}
	scan, err := source.ScanInbox(ctx, inbox, source.ScanOptions{Settle: cfg.InboxSettle, RequireMarker: cfg.InboxRequireMarker})
	if err != nil {
		return nil, err
	}
	for _, l := range scan.Waiting {
		if sum.FilesWaiting == nil {
			sum.FilesWaiting = map[string]string{}
		}
		sum.FilesWaiting[l.Name] = l.Why
		log.Info("file drop left for the next run: not complete yet", "file", l.Name, "why", l.Why)
	}
	for _, l := range scan.Refused {
		if sum.FilesRefused == nil {
			sum.FilesRefused = map[string]string{}
		}
		sum.FilesRefused[l.Name] = l.Why
		log.Warn("inbox entry refused, not read; remove it", "file", l.Name, "why", l.Why)
	}
	files := scan.Files
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
		if changed := (*source.ChangedError)(nil); errors.As(err, &changed) {
			// Its records are in this batch already: the batch is dropped,
			// and the next run waits for the file to settle.
			return nil, fmt.Errorf("etl: %w; nothing of this run is committed, the next run takes the file once it has stopped changing", err)
		}
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
