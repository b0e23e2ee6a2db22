package synth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// loadSchema holds the tables while they load. Each table is created, copied,
// keyed and analyzed in one transaction of its own connection, so a failed
// or aborted load leaves nothing behind; Close then moves the five finished
// tables into public in one transaction, so readers see all or none.
const loadSchema = "synth_load"

const (
	copyBatchRows = 2048 // rows per channel message
	copyQueue     = 4    // batches queued per table: bounds memory
)

// RegistryWriter loads a whole fresh registry into PostgreSQL with COPY, one
// connection and goroutine per table.
type RegistryWriter struct {
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	ctl    *pgx.Conn
	loads  map[*Table]*tableLoad
	counts map[string]int64
	start  time.Time
	once   sync.Once // Close or Abort, whichever comes first
	err    error
}

type tableLoad struct {
	t     *Table
	mu    sync.Mutex
	batch [][]any
	ch    chan [][]any
	done  chan struct{} // closed when the load goroutine returns
	err   error         // valid after done
	rows  int64         // valid after done
	shut  bool          // ch is closed; guarded by mu
}

// NewRegistryWriter connects to dsn, drops the registry tables (the generator
// always writes a whole fresh registry) and starts one COPY per table.
func NewRegistryWriter(ctx context.Context, dsn string, log *slog.Logger) (*RegistryWriter, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctl, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("registry writer: connect: %w", err)
	}
	names := make([]string, len(Tables))
	for i, t := range Tables {
		names[i] = "public." + t.Name
	}
	setup := fmt.Sprintf("drop table if exists %s; drop schema if exists %s cascade; create schema %s",
		strings.Join(names, ", "), loadSchema, loadSchema)
	if _, err := ctl.Exec(ctx, setup); err != nil {
		ctl.Close(context.Background())
		return nil, fmt.Errorf("registry writer: prepare schema: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &RegistryWriter{ctx: wctx, cancel: cancel, log: log, ctl: ctl, loads: map[*Table]*tableLoad{}, start: time.Now()}
	for _, t := range Tables {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			w.Abort()
			return nil, fmt.Errorf("registry writer: connect for %s: %w", t.Name, err)
		}
		l := &tableLoad{t: t, batch: make([][]any, 0, copyBatchRows), ch: make(chan [][]any, copyQueue), done: make(chan struct{})}
		w.loads[t] = l
		go func() {
			defer close(l.done)
			l.rows, l.err = load(wctx, conn, t, l.ch)
			conn.Close(context.Background())
			if l.err != nil {
				l.err = fmt.Errorf("registry writer: %s: %w", t.Name, l.err)
				cancel() // one failed table fails the registry: stop the others
			}
		}()
	}
	return w, nil
}

// load runs one table's transaction: create, copy, key, index, analyze.
func load(ctx context.Context, conn *pgx.Conn, t *Table, ch <-chan [][]any) (int64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, t.CreateSQL(loadSchema)); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	src := &chanSource{ctx: ctx, ch: ch, i: -1}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{loadSchema, t.Name}, t.ColumnNames(), src)
	if err != nil {
		if src.err != nil {
			err = src.err
		}
		return n, fmt.Errorf("copy (after %d rows): %w", src.n, err)
	}
	for _, q := range append(t.IndexSQL(loadSchema), "analyze "+loadSchema+"."+t.Name) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return n, fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return n, fmt.Errorf("commit: %w", err)
	}
	return n, nil
}

// chanSource streams batches from a channel into COPY; the channel's close
// ends the copy, a cancelled context fails it.
type chanSource struct {
	ctx  context.Context
	ch   <-chan [][]any
	rows [][]any
	i    int
	n    int64 // rows handed out, for error messages
	err  error
}

func (s *chanSource) Next() bool {
	s.i++
	for s.i >= len(s.rows) {
		s.rows, s.i = nil, 0
		select {
		case b, ok := <-s.ch:
			if !ok {
				return false
			}
			s.rows = b
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			return false
		}
	}
	s.n++
	return true
}

func (s *chanSource) Values() ([]any, error) { return s.rows[s.i], nil }
func (s *chanSource) Err() error             { return s.err }

// Write queues one record of t; values are t's column values as returned by
// the record's Values, and the writer keeps the slice. It blocks only while
// the table's queue is full, and returns the load's error once it failed.
func (w *RegistryWriter) Write(t *Table, values []any) error {
	l := w.loads[t]
	if l == nil {
		return fmt.Errorf("registry writer: unknown table %q", t.Name)
	}
	if len(values) != len(t.Columns) {
		return fmt.Errorf("registry writer: %s record has %d values, want %d", t.Name, len(values), len(t.Columns))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shut {
		return fmt.Errorf("registry writer: write %s after Close", t.Name)
	}
	l.batch = append(l.batch, values)
	if len(l.batch) < copyBatchRows {
		return nil
	}
	return w.send(l)
}

// send hands the current batch to the load goroutine; l.mu is held.
func (w *RegistryWriter) send(l *tableLoad) error {
	if len(l.batch) == 0 {
		return nil
	}
	select {
	case l.ch <- l.batch:
		l.batch = make([][]any, 0, copyBatchRows)
		return nil
	case <-l.done:
		if l.err != nil {
			return l.err
		}
		return fmt.Errorf("registry writer: %s: load has ended", l.t.Name)
	case <-w.ctx.Done():
		return fmt.Errorf("registry writer: %s: %w", l.t.Name, w.ctx.Err())
	}
}

// Close finishes the copies, waits for keys, indexes and statistics, and
// makes the five tables visible in public at once. It returns the first
// error; after an error nothing of this load is visible.
func (w *RegistryWriter) Close() error {
	done := false
	w.once.Do(func() {
		done = true
		w.err = w.close()
	})
	if !done {
		return errors.New("registry writer: already closed or aborted")
	}
	return w.err
}

func (w *RegistryWriter) close() error {
	defer w.cancel()
	defer w.ctl.Close(context.Background())
	var first error
	for _, t := range Tables {
		l := w.loads[t]
		l.mu.Lock()
		err := w.send(l)
		close(l.ch)
		l.shut = true
		l.mu.Unlock()
		if err != nil && first == nil {
			first = err
		}
	}
	w.counts = map[string]int64{}
	for _, t := range Tables {
		l := w.loads[t]
		<-l.done
		if l.err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = l.err
		}
		w.counts[t.Name] = l.rows
	}
	if first != nil {
		w.dropLoadSchema()
		return first
	}
	ctx := w.ctx
	tx, err := w.ctl.Begin(ctx)
	if err != nil {
		return fmt.Errorf("registry writer: begin publish: %w", err)
	}
	defer tx.Rollback(context.Background())
	for _, t := range Tables {
		if _, err := tx.Exec(ctx, fmt.Sprintf("alter table %s.%s set schema public", loadSchema, t.Name)); err != nil {
			return fmt.Errorf("registry writer: publish %s: %w", t.Name, err)
		}
	}
	if _, err := tx.Exec(ctx, "drop schema "+loadSchema); err != nil {
		return fmt.Errorf("registry writer: drop schema %s: %w", loadSchema, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("registry writer: publish: %w", err)
	}
	var total int64
	attrs := []any{}
	for _, t := range Tables {
		total += w.counts[t.Name]
		attrs = append(attrs, t.Name, w.counts[t.Name])
	}
	elapsed := time.Since(w.start)
	attrs = append(attrs, "rows", total, "elapsed", elapsed.Round(time.Millisecond),
		"rows_per_s", int64(float64(total)/elapsed.Seconds()))
	w.log.Info("registry loaded", attrs...)
	return nil
}

// Abort stops every copy and removes what was loaded; the registry tables
// stay absent. Safe to call after a failed Close and more than once.
func (w *RegistryWriter) Abort() {
	w.once.Do(func() {
		w.err = errors.New("registry writer: aborted")
		w.cancel()
		for _, l := range w.loads {
			<-l.done
		}
		w.dropLoadSchema()
		w.ctl.Close(context.Background())
	})
}

// dropLoadSchema removes the staging schema with a fresh context: the
// writer's own may be cancelled by now.
func (w *RegistryWriter) dropLoadSchema() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := w.ctl.Exec(ctx, "drop schema if exists "+loadSchema+" cascade"); err != nil {
		w.log.Warn("registry writer: drop staging schema", "schema", loadSchema, "err", err)
	}
}

// Counts are the rows loaded per table, valid after Close.
func (w *RegistryWriter) Counts() map[string]int64 { return w.counts }
