package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"
)

// Guard holds the plausibility limits a build must meet against the
// warehouse it replaces. Registrations only arrive: between two builds the
// events of a year grow, or fall by the few that are cancelled, corrected
// into another year or found to be duplicates. A larger fall means a
// source went missing; a large rise of the total, a source loaded twice.
type Guard struct {
	// MaxFall is the largest share by which the events of an event type and
	// year (among cells of at least MinEvents events in the previous build),
	// or the event type's total, may fall. 0 means DefaultGuard's.
	MaxFall float64
	// MinEvents is the smallest previous count of a cell checked for a
	// fall. 0 means DefaultGuard's.
	MinEvents int64
	// MaxRise is the largest share by which an event type's total may rise.
	// 0 means DefaultGuard's.
	MaxRise float64
	// Accept lets a build beyond the limits through (an operator accepting
	// an intended change); build_info records that it did.
	Accept bool
}

// DefaultGuard: see docs/methods.md section 10 for why these limits.
var DefaultGuard = Guard{MaxFall: 0.10, MinEvents: 100, MaxRise: 0.50}

func (g Guard) withDefaults() Guard {
	if g.MaxFall == 0 {
		g.MaxFall = DefaultGuard.MaxFall
	}
	if g.MinEvents == 0 {
		g.MinEvents = DefaultGuard.MinEvents
	}
	if g.MaxRise == 0 {
		g.MaxRise = DefaultGuard.MaxRise
	}
	return g
}

// Finding is one count beyond the Guard's limits.
type Finding struct {
	EventType string
	Year      int // 0: the event type's total, all years
	Events    int64
	Previous  int64
}

func (f Finding) String() string {
	year := "all years"
	if f.Year != 0 {
		year = fmt.Sprint(f.Year)
	}
	change := "none before"
	if f.Previous > 0 {
		change = fmt.Sprintf("%+.1f%%", 100*(float64(f.Events)/float64(f.Previous)-1))
	}
	return fmt.Sprintf("build_totals %s %s: %d events, %d in the previous build (%s)", f.EventType, year, f.Events, f.Previous, change)
}

// PlausibilityError refuses a build whose counts moved beyond the Guard's
// limits from the previous build's; the previous warehouse stays.
type PlausibilityError struct {
	Guard    Guard
	Previous string // the previous build: when, from which snapshot
	Findings []Finding
}

func (e *PlausibilityError) Error() string {
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "the new warehouse is refused: its counted events moved beyond the limits (a fall of more than %.0f%% in a cell of %d or more events or in a total; a rise of the total of more than %.0f%%) from those of the previous build (%s):",
		100*e.Guard.MaxFall, e.Guard.MinEvents, 100*e.Guard.MaxRise, e.Previous)
	for i, f := range e.Findings {
		if i == shown {
			fmt.Fprintf(&b, " and %d more;", len(e.Findings)-shown)
			break
		}
		fmt.Fprintf(&b, " %s;", f)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// previousBuild is what the warehouse a build replaces recorded.
type previousBuild struct {
	builtAt  time.Time
	snapshot string
	totals   []Total
}

// Total is the number of counted events of an event type and year.
type Total struct {
	EventType string
	Year      int
	Events    int64
}

// readPrevious reads the totals of the warehouse at path, if there is one.
// A warehouse built before build_totals existed has none: the build then
// compares with nothing, and says so.
func readPrevious(ctx context.Context, path string, opt Options, log *slog.Logger) (*previousBuild, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil // the first build
	}
	opt.ReadOnly = true
	w, err := Open(path, opt)
	if err != nil {
		return nil, fmt.Errorf("the previous warehouse, to compare with: %w", err)
	}
	defer w.Close()
	var n int
	if err := w.DB.QueryRowContext(ctx, `select count(*) from information_schema.tables
		where table_name in ('build_totals', 'build_info')`).Scan(&n); err != nil {
		return nil, fmt.Errorf("the previous warehouse %s: %w", path, err)
	}
	if n < 2 {
		log.Warn("the previous warehouse has no build_totals (built by an earlier version): nothing to compare the new build with", "path", path)
		return nil, nil
	}
	p := &previousBuild{}
	if err := w.DB.QueryRowContext(ctx, "select built_at, lake_snapshot from build_info").Scan(&p.builtAt, &p.snapshot); err != nil {
		return nil, fmt.Errorf("the previous warehouse %s: build_info: %w", path, err)
	}
	if p.totals, err = readTotals(ctx, w.DB, "events"); err != nil {
		return nil, fmt.Errorf("the previous warehouse %s: %w", path, err)
	}
	return p, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readTotals reads a column of build_totals (events or previous_events),
// leaving out its NULLs.
func readTotals(ctx context.Context, db queryer, column string) ([]Total, error) {
	rows, err := db.QueryContext(ctx, "select event_type, year, "+column+" from build_totals where "+column+" is not null order by all")
	if err != nil {
		return nil, fmt.Errorf("build_totals: %w", err)
	}
	defer rows.Close()
	var out []Total
	for rows.Next() {
		var t Total
		if err := rows.Scan(&t.EventType, &t.Year, &t.Events); err != nil {
			return nil, fmt.Errorf("build_totals: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// buildTotals counts the events the indicators count (the *_current
// tables) by event type and year of occurrence, beside the previous
// build's count of the same cell (NULL when there was no previous build).
const buildTotals = `create or replace table build_totals as
with counted as (
    select 'birth' as event_type, year, count(*) as events from int_births_current group by all
    union all
    select 'death', year, count(*) from int_deaths_current group by all
    union all
    select 'fetal_death', year, count(*) from int_fetal_deaths_current group by all
    union all
    select 'marriage', year, count(*) from int_marriages_current group by all
)
select
    coalesce(c.event_type, p.event_type) as event_type,
    coalesce(c.year, p.year)::integer as year,
    coalesce(c.events, 0)::bigint as events,
    case when getvariable('has_previous_build') then coalesce(p.events, 0) end::bigint as previous_events
from counted as c
full join previous_totals as p on p.event_type = c.event_type and p.year = c.year`

// guardTotals writes build_totals and compares its counts with the
// previous build's. Beyond the limits it refuses the build, unless
// g.Accept: it then returns what it accepted.
func guardTotals(ctx context.Context, conn *sql.Conn, prev *previousBuild, g Guard, log *slog.Logger) ([]Finding, error) {
	g = g.withDefaults()
	if _, err := conn.ExecContext(ctx, "create or replace temp table previous_totals (event_type varchar, year integer, events bigint)"); err != nil {
		return nil, err
	}
	has := prev != nil
	if has {
		for _, t := range prev.totals {
			if _, err := conn.ExecContext(ctx, "insert into previous_totals values (?, ?, ?)", t.EventType, t.Year, t.Events); err != nil {
				return nil, err
			}
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("set variable has_previous_build = %t", has)); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, buildTotals); err != nil {
		return nil, fmt.Errorf("build_totals: %w", err)
	}
	if !has {
		return nil, nil
	}
	now, err := readTotals(ctx, conn, "events")
	if err != nil {
		return nil, err
	}
	findings := compareTotals(now, prev.totals, g)
	if len(findings) == 0 {
		return nil, nil
	}
	if !g.Accept {
		return nil, &PlausibilityError{Guard: g, Previous: prev.describe(), Findings: findings}
	}
	for _, f := range findings {
		log.Warn("change beyond the plausibility limits, accepted", "change", f.String())
	}
	return findings, nil
}

func (p *previousBuild) describe() string {
	return "built " + p.builtAt.UTC().Format("2006-01-02 15:04 UTC") + " from " + p.snapshot
}

// compareTotals lists the counts beyond g's limits: cells that fell, and
// event types' totals that fell or rose. A cell missing from now counts 0.
func compareTotals(now, prev []Total, g Guard) []Finding {
	type key struct {
		ev   string
		year int
	}
	cur := map[key]int64{}
	totNow, totPrev := map[string]int64{}, map[string]int64{}
	for _, t := range now {
		cur[key{t.EventType, t.Year}] = t.Events
		totNow[t.EventType] += t.Events
	}
	var out []Finding
	for _, t := range prev {
		totPrev[t.EventType] += t.Events
		n := cur[key{t.EventType, t.Year}]
		if t.Events >= g.MinEvents && float64(n) < (1-g.MaxFall)*float64(t.Events) {
			out = append(out, Finding{EventType: t.EventType, Year: t.Year, Events: n, Previous: t.Events})
		}
	}
	types := map[string]bool{}
	for ev := range totNow {
		types[ev] = true
	}
	for ev := range totPrev {
		types[ev] = true
	}
	for ev := range types {
		n, p := totNow[ev], totPrev[ev]
		fell := p >= g.MinEvents && float64(n) < (1-g.MaxFall)*float64(p)
		rose := float64(n) > (1+g.MaxRise)*float64(p) && n-p >= g.MinEvents
		if fell || rose {
			out = append(out, Finding{EventType: ev, Events: n, Previous: p})
		}
	}
	// The largest changes first: they name what went wrong.
	sort.Slice(out, func(i, j int) bool {
		di, dj := abs64(out[i].Events-out[i].Previous), abs64(out[j].Events-out[j].Previous)
		if di != dj {
			return di > dj
		}
		if out[i].EventType != out[j].EventType {
			return out[i].EventType < out[j].EventType
		}
		return out[i].Year < out[j].Year
	})
	return out
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Comparison is a built warehouse's counts against those the previous
// build recorded (vitalstats check).
type Comparison struct {
	Previous string // the previous build; "" when there was none
	Cells    int    // cells (event type and year) compared
	Findings []Finding
	Accepted bool // the build was let through beyond the limits (Guard.Accept)
}

// Compare compares an opened warehouse's build_totals with the previous
// build's counts it recorded, under g's limits.
func Compare(ctx context.Context, db *sql.DB, g Guard) (Comparison, error) {
	g = g.withDefaults()
	var c Comparison
	var n int
	if err := db.QueryRowContext(ctx, `select count(*) from information_schema.tables
		where table_name in ('build_totals', 'build_info')`).Scan(&n); err != nil {
		return c, err
	}
	if n < 2 {
		return c, errors.New("no build_totals: built by an earlier version, or by build -only; rebuild it")
	}
	var built sql.NullTime
	var snap sql.NullString
	var accepted sql.NullBool
	if err := db.QueryRowContext(ctx, "select previous_built_at, previous_snapshot, changes_accepted from build_info").
		Scan(&built, &snap, &accepted); err != nil {
		return c, fmt.Errorf("build_info: %w", err)
	}
	c.Accepted = accepted.Bool
	if !built.Valid {
		return c, nil // the first build: nothing to compare
	}
	c.Previous = (&previousBuild{builtAt: built.Time, snapshot: snap.String}).describe()
	now, err := readTotals(ctx, db, "events")
	if err != nil {
		return c, err
	}
	prev, err := readTotals(ctx, db, "previous_events")
	if err != nil {
		return c, err
	}
	c.Cells = len(prev)
	c.Findings = compareTotals(now, prev, g)
	return c, nil
}
