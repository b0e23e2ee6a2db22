package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"vitalstats"
)

type layer int

const (
	layerStaging layer = iota
	layerIntermediate
	layerMethods // demographic methods in Go, ordered with the intermediate models
	layerIndicators
)

var layerDirs = map[layer]string{
	layerStaging:      "sql/staging",
	layerIntermediate: "sql/intermediate",
	layerIndicators:   "sql/indicators",
}

// A model is one object of the warehouse: a SQL file (a select that the
// runner wraps in create view or create table) or a Go method.
type model struct {
	name  string
	layer layer
	query string     // the select, for SQL models
	table bool       // materialise as a table (indicators, and "-- materialize: table")
	meta  *Indicator // indicators only
	// method computes a Go method's table; nil for SQL models.
	method func(ctx context.Context, conn *sql.Conn) error
	// needs names the models a Go method reads (its SQL is in Go, where the
	// dependency scan of SQL models cannot see it).
	needs []string
}

func (m model) run(ctx context.Context, conn *sql.Conn, keep bool) error {
	if m.method != nil {
		if err := m.method(ctx, conn); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		return nil
	}
	kind := "view"
	if m.table {
		kind = "table"
	}
	// Staging and intermediate objects are scratch of the build unless kept:
	// writing the per-event tables into the file would double the build's
	// time, and what dashboards and exports read is the indicators.
	if m.layer != layerIndicators && !keep {
		kind = "temp " + kind
	}
	q := fmt.Sprintf("create or replace %s %s as\n%s", kind, m.name, m.query)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("model %s (%s/%s.sql): %w", m.name, layerDirs[m.layer], m.name, err)
	}
	return nil
}

// loadModels reads the SQL models of the root package and the Go methods, in
// the order they run: staging, then the intermediate models and the Go
// methods together, then the indicators; inside each, after the models they
// name. Intermediate SQL and methods share one ordering so that a SQL model
// may read a method's table (int_expected_events reads the reference life
// tables) and a method a SQL model's.
func loadModels() ([]model, error) {
	var out []model
	for _, ls := range [][]layer{{layerStaging}, {layerIntermediate, layerMethods}, {layerIndicators}} {
		var ms []model
		for _, l := range ls {
			if l == layerMethods {
				ms = append(ms, methods...)
				continue
			}
			sqlModels, err := readLayer(l)
			if err != nil {
				return nil, err
			}
			ms = append(ms, sqlModels...)
		}
		sorted, err := dependencyOrder(ms)
		if err != nil {
			return nil, err
		}
		out = append(out, sorted...)
	}
	return out, nil
}

// selectModels keeps of ms (in run order) the indicators named in only and
// every model they read, directly or not, in the same order: a build of a
// few indicators. A name that is not an indicator is an error.
func selectModels(ms []model, only []string) ([]model, error) {
	byName := map[string]int{}
	for i, m := range ms {
		byName[m.name] = i
	}
	keep := make([]bool, len(ms))
	var visit func(i int)
	visit = func(i int) {
		if keep[i] {
			return
		}
		keep[i] = true
		for _, w := range ms[i].reads() {
			// A word of an intermediate model that names an indicator (a
			// column called timeliness) is not a dependency: only
			// indicators read indicators.
			if j, ok := byName[w]; ok && j != i && (ms[j].layer != layerIndicators || ms[i].layer == layerIndicators) {
				visit(j)
			}
		}
	}
	for _, name := range only {
		i, ok := byName[name]
		if !ok || ms[i].layer != layerIndicators {
			return nil, fmt.Errorf("%s is not an indicator", name)
		}
		visit(i)
	}
	// every build marks its provisional years, however few tables it makes,
	// and flags registered rates by their completeness
	if i, ok := byName[arrivalTable]; ok {
		visit(i)
	}
	for _, name := range only {
		if m := ms[byName[name]]; m.meta != nil && m.meta.Completeness != nil {
			if i, ok := byName[completenessModel]; ok {
				visit(i)
			}
		}
	}
	var out []model
	for i, m := range ms {
		if keep[i] {
			out = append(out, m)
		}
	}
	return out, nil
}

var materializeTable = regexp.MustCompile(`(?m)^--\s*materialize:\s*table\s*$`)

func readLayer(l layer) ([]model, error) {
	dir := layerDirs[l]
	entries, err := fs.ReadDir(vitalstats.SQL, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var ms []model
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		b, err := vitalstats.SQL.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		q := strings.TrimRight(strings.TrimSpace(string(b)), ";")
		m := model{name: name, layer: l, query: q, table: l == layerIndicators || materializeTable.MatchString(q)}
		if l == layerIndicators {
			if m.meta, err = readIndicator(dir, name); err != nil {
				return nil, err
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// dependencyOrder sorts a layer's models so that each runs after the models
// of its layer that its SQL names (DuckDB binds a view when it is created).
func dependencyOrder(ms []model) ([]model, error) {
	names := map[string]int{}
	for i, m := range ms {
		names[m.name] = i
	}
	deps := make([][]int, len(ms))
	for i, m := range ms {
		for _, w := range m.reads() {
			if j, ok := names[w]; ok && j != i && !slices.Contains(deps[i], j) {
				deps[i] = append(deps[i], j)
			}
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(ms))
	var out []model
	var visit func(i int, chain []string) error
	visit = func(i int, chain []string) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("models depend on each other in a cycle: %s", strings.Join(append(chain, ms[i].name), " -> "))
		}
		state[i] = visiting
		for _, j := range deps[i] {
			if err := visit(j, append(chain, ms[i].name)); err != nil {
				return err
			}
		}
		state[i] = done
		out = append(out, ms[i])
		return nil
	}
	for i := range ms {
		if err := visit(i, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reads lists the names a model may read: the words of its SQL and what it
// declares; the callers keep those that name models.
func (m model) reads() []string {
	declared := m.needs
	if m.meta != nil {
		declared = m.meta.DependsOn
	}
	return append(identifier.FindAllString(stripComments(m.query), -1), declared...)
}

var (
	identifier  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	lineComment = regexp.MustCompile(`--[^\n]*`)
)

func stripComments(q string) string { return lineComment.ReplaceAllString(q, "") }

// execFile runs an embedded SQL file of statements (macros, population).
func execFile(ctx context.Context, conn *sql.Conn, name string) error {
	b, err := vitalstats.SQL.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, string(b)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
