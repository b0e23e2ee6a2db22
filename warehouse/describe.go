package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"vitalstats"
)

// The warehouse describes itself: every table and column of the file an
// analyst opens carries a comment (COMMENT ON, read back by
// duckdb_tables() and duckdb_columns()), the table catalog lists each
// indicator with its titles, unit, grain, bases, flags and methods section,
// and the Go methods' intermediate tables sit in the schema internal, out of
// the way of the published ones. The texts come from the indicator sidecars
// (title, definition, [columns]) and, for everything else and the columns
// many tables share, from sql/columns.toml.

// InternalSchema holds the intermediate tables a build keeps (the Go
// methods' int_* tables, which the indicators were computed from).
const InternalSchema = "internal"

// CatalogTable lists the indicators.
const CatalogTable = "catalog"

const columnDocsFile = "sql/columns.toml"

// columnDocs is sql/columns.toml.
type columnDocs struct {
	// Columns describe the columns many tables share, by name.
	Columns map[string]string `toml:"columns"`
	// Flags explain each flag a row's flags may hold; withheld_<reason>
	// takes the entry withheld_* unless it has its own.
	Flags map[string]string `toml:"flags"`
	// Tables describe the tables that are not indicators.
	Tables map[string]tableDoc `toml:"tables"`
}

type tableDoc struct {
	Description string            `toml:"description"`
	Columns     map[string]string `toml:"columns"`
}

func readColumnDocs() (*columnDocs, error) {
	b, err := vitalstats.SQL.ReadFile(columnDocsFile)
	if err != nil {
		return nil, err
	}
	var d columnDocs
	md, err := toml.Decode(string(b), &d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", columnDocsFile, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", columnDocsFile, und[0])
	}
	return &d, nil
}

// flagText explains a flag, or "".
func (d *columnDocs) flagText(f string) string {
	if t, ok := d.Flags[f]; ok {
		return t
	}
	if strings.HasPrefix(f, "withheld_") {
		return d.Flags["withheld_*"]
	}
	return ""
}

// moveIntermediate moves the intermediate tables left in main (the Go
// methods' int_* tables) into the schema internal. DuckDB cannot alter a
// table's schema, so each is copied and dropped; they are small (life
// tables, reference rates, completeness estimates).
func moveIntermediate(ctx context.Context, conn *sql.Conn) error {
	names, err := queryStrings(ctx, conn, `select table_name from duckdb_tables()
		where database_name = current_database() and schema_name = 'main' and not temporary
		  and table_name like 'int\_%' escape '\' order by 1`)
	if err != nil || len(names) == 0 {
		return err
	}
	stmts := []string{"create schema if not exists " + InternalSchema}
	for _, n := range names {
		stmts = append(stmts,
			fmt.Sprintf(`create or replace table %s."%s" as from main."%s"`, InternalSchema, n, n),
			fmt.Sprintf(`drop table main."%s"`, n))
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("move the intermediate tables to %s: %w", InternalSchema, err)
		}
	}
	return nil
}

// indicatorFlags lists the flags an indicator's rows may carry: those its
// rows carry in this build, those its rules add (provisional years,
// completeness, small counts, suppression on publication) and those of the
// glossary its SQL names.
func indicatorFlags(ctx context.Context, conn *sql.Conn, m model, docs *columnDocs, cols map[string]bool) ([]string, error) {
	set := map[string]bool{}
	if cols["flags"] {
		seen, err := queryStrings(ctx, conn, fmt.Sprintf(`select distinct f from (select unnest(flags) as f from main."%s") where f is not null`, m.name))
		if err != nil {
			return nil, fmt.Errorf("flags of %s: %w", m.name, err)
		}
		for _, f := range seen {
			set[f] = true
		}
		if len(m.meta.Events) > 0 || cols["event_type"] {
			set["provisional"] = true
		}
		if m.meta.Completeness != nil {
			set["completeness_lt70"], set["completeness_lt90"] = true, true
		}
		if strings.Contains(m.query, "small_flags(") {
			set["lt5"], set["lt20"] = true, true
		}
		if p := m.meta.Publish; p != nil && !p.KeepSmall && p.Numerator != "" {
			set[flagSuppressed] = true
		}
		for f := range docs.Flags {
			if !strings.Contains(f, "*") && strings.Contains(m.query, "'"+f+"'") {
				set[f] = true
			}
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for f := range set {
			if !yield(f) {
				return
			}
		}
	}), nil
}

// methodsHeading matches a heading of docs/methods.md.
var methodsHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*$`)

// methodsSection is the heading of docs/methods.md that defines id: the
// deepest heading naming it (or a pattern such as tab_* that covers it),
// else the heading of the first paragraph that names it in backquotes.
func methodsSection(doc, id string) string {
	names := func(text string) bool {
		for _, w := range regexp.MustCompile("[A-Za-z0-9_*]+").FindAllString(text, -1) {
			if w == id || (strings.HasSuffix(w, "_*") && strings.HasPrefix(id, strings.TrimSuffix(w, "*"))) {
				return true
			}
		}
		return false
	}
	best, depth := "", 0
	current, firstMention := "", ""
	fence := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		m := methodsHeading.FindStringSubmatch(line)
		if fence || m == nil {
			if firstMention == "" && current != "" && strings.Contains(line, "`"+id+"`") {
				firstMention = current
			}
			continue
		}
		current = m[2]
		if names(m[2]) && len(m[1]) > depth {
			best, depth = m[2], len(m[1])
		}
	}
	if best != "" {
		return best
	}
	return firstMention
}

// writeCatalog writes the table catalog: one row per indicator built.
func writeCatalog(ctx context.Context, conn *sql.Conn, ms []model, docs *columnDocs) error {
	if _, err := conn.ExecContext(ctx, `create or replace table `+CatalogTable+` (
		indicator varchar primary key, title_en varchar not null, title_km varchar not null, unit varchar not null,
		grain varchar[] not null, basis varchar[] not null, flags varchar[] not null,
		methods_section varchar, published boolean not null, definition varchar not null, source varchar)`); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	for _, m := range ms {
		if m.meta == nil {
			continue
		}
		cols, err := columnSet(ctx, conn, "main", m.name)
		if err != nil {
			return err
		}
		flags, err := indicatorFlags(ctx, conn, m, docs, cols)
		if err != nil {
			return err
		}
		basis := slices.Clone(m.meta.Checks.Accepted["basis"])
		if cols["basis"] {
			seen, err := queryStrings(ctx, conn, fmt.Sprintf(`select distinct basis::varchar from main."%s" where basis is not null`, m.name))
			if err != nil {
				return fmt.Errorf("catalog: %w", err)
			}
			basis = append(basis, seen...)
		}
		slices.Sort(basis)
		basis = slices.Compact(basis)
		var section any
		if s := methodsSection(vitalstats.MethodsDoc, m.name); s != "" {
			section = s
		}
		_, err = conn.ExecContext(ctx, `insert into `+CatalogTable+` values (?, ?, ?, ?, ?::varchar[], ?::varchar[], ?::varchar[], ?, ?, ?, ?)`,
			m.name, m.meta.Title.En, m.meta.Title.Km, m.meta.Unit, sqlList(m.meta.Grain), sqlList(basis), sqlList(flags),
			section, m.meta.Publish != nil, m.meta.Definition, m.meta.Source)
		if err != nil {
			return fmt.Errorf("catalog %s: %w", m.name, err)
		}
	}
	return nil
}

// sqlList renders a list of strings as a DuckDB list literal's text, for
// a ::varchar[] cast (the driver binds no Go slices).
func sqlList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// describeTables writes the comments of every table and column of the
// schemas main and published (and of internal where sql/columns.toml
// describes them); it returns the columns left without a description, as
// table.column, for the build to log (the tests fail on them).
func describeTables(ctx context.Context, conn *sql.Conn, ms []model, docs *columnDocs) ([]string, error) {
	byName := map[string]model{}
	for _, m := range ms {
		if m.meta != nil {
			byName[m.name] = m
		}
	}
	rows, err := conn.QueryContext(ctx, `select schema_name, table_name from duckdb_tables()
		where database_name = current_database() and not temporary and schema_name in ('main', ?, ?) order by 1, 2`,
		PublishedSchema, InternalSchema)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	type tbl struct{ schema, name string }
	var tables []tbl
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.schema, &t.name); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []string
	for _, t := range tables {
		m, isIndicator := byName[t.name]
		doc := docs.Tables[t.name]
		var text string
		switch {
		case isIndicator:
			text = indicatorComment(m)
			if t.schema == PublishedSchema {
				text = "PUBLISHED: the numbers of main." + t.name + " as they leave the product, after disclosure control " +
					"(cell-key noise on counts, rows with a count of 1 to 4 withheld, flag suppressed; docs/methods.md section 12). " + text
			} else if m.meta.Publish != nil {
				text += " These are the true numbers, for the warehouse's own use: what leaves the product is published." + t.name + "."
			}
		case t.schema == InternalSchema && doc.Description == "":
			text = "INTERMEDIATE: a table the indicators are computed from, kept for checking them; not published. See docs/methods.md."
		default:
			text = doc.Description
		}
		if text == "" {
			missing = append(missing, t.schema+"."+t.name)
		} else if _, err := conn.ExecContext(ctx, fmt.Sprintf(`comment on table %s."%s" is %s`, t.schema, t.name, sqlString(text))); err != nil {
			return nil, fmt.Errorf("describe %s.%s: %w", t.schema, t.name, err)
		}
		colNames, err := queryStrings(ctx, conn, `select column_name from duckdb_columns()
			where database_name = current_database() and schema_name = ? and table_name = ? order by column_index`, t.schema, t.name)
		if err != nil {
			return nil, fmt.Errorf("describe %s.%s: %w", t.schema, t.name, err)
		}
		var flagsNote string
		if isIndicator && slices.Contains(colNames, "flags") {
			cols := map[string]bool{}
			for _, c := range colNames {
				cols[c] = true
			}
			fs, err := indicatorFlags(ctx, conn, m, docs, cols)
			if err != nil {
				return nil, err
			}
			var parts []string
			for _, f := range fs {
				if e := docs.flagText(f); e != "" {
					parts = append(parts, f+": "+e)
				} else {
					parts = append(parts, f)
				}
			}
			if len(parts) > 0 {
				flagsNote = " Flags this table's rows may carry: " + strings.Join(parts, "; ") + "."
			}
		}
		for _, c := range colNames {
			var d string
			if isIndicator {
				d = m.meta.Columns[c]
				if d == "" {
					d = m.meta.Labels[c].En
				}
			} else {
				d = doc.Columns[c]
			}
			if d == "" {
				d = docs.Columns[c]
			}
			if d == "" {
				if t.schema != InternalSchema {
					missing = append(missing, t.schema+"."+t.name+"."+c)
				}
				continue
			}
			if c == "flags" {
				d += flagsNote
			}
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`comment on column %s."%s"."%s" is %s`, t.schema, t.name, c, sqlString(d))); err != nil {
				return nil, fmt.Errorf("describe %s.%s.%s: %w", t.schema, t.name, c, err)
			}
		}
	}
	return missing, nil
}

// indicatorComment is an indicator table's comment: its titles, unit,
// grain and definition.
func indicatorComment(m model) string {
	ind := m.meta
	return fmt.Sprintf("%s / %s. Unit: %s. One row per %s. %s Source: %s. Listed in the table catalog; defined in docs/methods.md (%s).",
		ind.Title.En, ind.Title.Km, ind.Unit, strings.Join(ind.Grain, ", "), strings.TrimSpace(ind.Definition),
		ind.Source, methodsSection(vitalstats.MethodsDoc, m.name))
}

// describe writes the catalog and the comments, after moving the
// intermediate tables out of main (unless the build keeps every layer for
// debugging, whose views read them in main).
func describe(ctx context.Context, conn *sql.Conn, ms []model, keep bool, log *slog.Logger) error {
	docs, err := readColumnDocs()
	if err != nil {
		return err
	}
	if !keep {
		if err := moveIntermediate(ctx, conn); err != nil {
			return err
		}
	}
	if err := writeCatalog(ctx, conn, ms, docs); err != nil {
		return err
	}
	missing, err := describeTables(ctx, conn, ms, docs)
	if err != nil {
		return err
	}
	if len(missing) > 0 && !keep {
		log.Warn("tables or columns without a description (add one to the indicator's sidecar [columns] or to sql/columns.toml)",
			"n", len(missing), "first", missing[0])
	}
	return nil
}

func columnSet(ctx context.Context, conn *sql.Conn, schema, table string) (map[string]bool, error) {
	names, err := queryStrings(ctx, conn, `select column_name from duckdb_columns()
		where database_name = current_database() and schema_name = ? and table_name = ?`, schema, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

func queryStrings(ctx context.Context, conn *sql.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
