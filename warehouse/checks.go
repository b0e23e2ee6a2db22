package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"vitalstats"
)

// Indicator is the sidecar of an indicator model.
type Indicator = vitalstats.Indicator

func readIndicator(dir, name string) (*Indicator, error) {
	return vitalstats.ReadIndicator(vitalstats.SQL, dir, name)
}

// A check is a query returning failing rows.
type check struct {
	name  string
	query string
}

// indicatorChecks derives the generic checks of an indicator from its
// sidecar: the grain unique and not null, listed columns not null, accepted
// values and ranges.
func indicatorChecks(m model, hasFlags bool) []check {
	ind := m.meta
	var cs []check
	grain := strings.Join(ind.Grain, ", ")
	cs = append(cs, check{
		name:  m.name + ".grain_unique",
		query: fmt.Sprintf("select %s, count(*) as n from %s group by all having count(*) > 1", grain, m.name),
	})
	notNull := slices.Concat(ind.Grain, ind.Checks.NotNull)
	for _, c := range notNull {
		cs = append(cs, check{
			name:  m.name + ".not_null." + c,
			query: fmt.Sprintf("select * from %s where %s is null", m.name, c),
		})
	}
	cols := make([]string, 0, len(ind.Checks.Accepted))
	for c := range ind.Checks.Accepted {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		vals := ind.Checks.Accepted[c]
		quoted := make([]string, len(vals))
		for i, v := range vals {
			quoted[i] = sqlString(v)
		}
		cs = append(cs, check{
			name:  m.name + ".accepted." + c,
			query: fmt.Sprintf("select * from %s where %s::varchar not in (%s)", m.name, c, strings.Join(quoted, ", ")),
		})
	}
	cols = cols[:0]
	for c := range ind.Checks.Range {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		r := ind.Checks.Range[c]
		// Small numbers (flag lt20) may fall anywhere: a district with two
		// women of an age makes any rate; the range guards the rest.
		small := ""
		if hasFlags {
			small = " and not coalesce(list_contains(flags, 'lt20'), false)"
		}
		cs = append(cs, check{
			name:  m.name + ".range." + c,
			query: fmt.Sprintf("select * from %s where (%s < %v or %s > %v)%s", m.name, c, r[0], c, r[1], small),
		})
	}
	return cs
}

// sqlChecks reads sql/checks/*.sql: each returns the rows that fail it.
func sqlChecks() ([]check, error) {
	entries, err := fs.ReadDir(vitalstats.SQL, "sql/checks")
	if err != nil {
		return nil, err
	}
	var cs []check
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		b, err := vitalstats.SQL.ReadFile(path.Join("sql/checks", e.Name()))
		if err != nil {
			return nil, err
		}
		cs = append(cs, check{name: "checks/" + name, query: strings.TrimRight(strings.TrimSpace(string(b)), ";")})
	}
	return cs, nil
}

// flagged lists the tables that have a flags column.
func flagged(ctx context.Context, conn *sql.Conn) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, "select table_name from information_schema.columns where column_name = 'flags'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// runChecks runs every check and returns a *CheckError listing the failures.
func runChecks(ctx context.Context, conn *sql.Conn, ms []model, skip func(check) bool) (int, error) {
	cs, err := allChecks(ctx, conn, ms, skip)
	if err != nil {
		return 0, err
	}
	return len(cs), runAll(ctx, conn, cs)
}

// allChecks lists the checks of every indicator and of sql/checks; skip, if
// not nil, leaves out sql/checks it returns true for.
func allChecks(ctx context.Context, conn *sql.Conn, ms []model, skip func(check) bool) ([]check, error) {
	hasFlags, err := flagged(ctx, conn)
	if err != nil {
		return nil, err
	}
	var cs []check
	for _, m := range ms {
		if m.meta != nil {
			cs = append(cs, indicatorChecks(m, hasFlags[m.name])...)
		}
	}
	more, err := sqlChecks()
	if err != nil {
		return nil, err
	}
	for _, c := range more {
		if skip == nil || !skip(c) {
			cs = append(cs, c)
		}
	}
	return cs, nil
}

// runAll runs checks and returns a *CheckError listing the failures.
func runAll(ctx context.Context, conn *sql.Conn, cs []check) error {
	var failed []CheckFailure
	for _, c := range cs {
		f, err := runCheck(ctx, conn, c)
		if err != nil {
			return err
		}
		if f != nil {
			failed = append(failed, *f)
		}
	}
	if len(failed) > 0 {
		return &CheckError{Failures: failed}
	}
	return nil
}

func runCheck(ctx context.Context, conn *sql.Conn, c check) (*CheckFailure, error) {
	q := fmt.Sprintf("with failing as (%s) select count(*), (select string_agg(r::varchar, ' | ') from (select failing as r from failing limit 3)) from failing", c.query)
	var n int64
	var example sql.NullString
	if err := conn.QueryRowContext(ctx, q).Scan(&n, &example); err != nil {
		return nil, fmt.Errorf("check %s: %w", c.name, err)
	}
	if n == 0 {
		return nil, nil
	}
	return &CheckFailure{Check: c.name, Rows: n, Example: example.String}, nil
}

// Check runs the checks of every indicator, and those of sql/checks whose
// tables the warehouse kept, on an opened, built warehouse (vitalstats
// check). The others read the build's temporary intermediate tables: they
// ran when the warehouse was built, and buildOnly counts them.
func Check(ctx context.Context, db *sql.DB) (ran, buildOnly int, err error) {
	ms, err := loadModels()
	if err != nil {
		return 0, 0, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	// The checks name tables unqualified; the intermediate ones a build
	// keeps are in the schema internal.
	var internal int
	if err := conn.QueryRowContext(ctx, "select count(*) from duckdb_schemas() where database_name = current_database() and schema_name = ?", InternalSchema).Scan(&internal); err != nil {
		return 0, 0, err
	}
	if internal > 0 {
		if _, err := conn.ExecContext(ctx, "set search_path = 'main,"+InternalSchema+"'"); err != nil {
			return 0, 0, err
		}
	}
	kept := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "select table_name from information_schema.tables")
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, 0, err
		}
		kept[n] = true
	}
	rows.Close()
	cs, err := allChecks(ctx, conn, ms, func(c check) bool {
		if missingModel(c.query, ms, kept) != "" {
			buildOnly++
			return true
		}
		return false
	})
	if err != nil {
		return 0, 0, err
	}
	return len(cs), buildOnly, runAll(ctx, conn, cs)
}

// missingModel names a model the query reads that the warehouse did not keep.
func missingModel(q string, ms []model, kept map[string]bool) string {
	names := map[string]bool{}
	for _, m := range ms {
		names[m.name] = true
	}
	for _, w := range identifier.FindAllString(stripComments(q), -1) {
		if names[w] && !kept[w] {
			return w
		}
	}
	return ""
}
