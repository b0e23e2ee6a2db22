package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"vitalstats"
)

// DefaultExtractK is the smallest number of records a combination of
// quasi-identifiers may hold in a researcher extract.
const DefaultExtractK = 5

const extractsDir = "sql/research"

// ExtractCompression is the Parquet codec of the extracts. Snappy, not
// Zstandard: every Parquet reader opens it without an add-on (parquetjs,
// fastparquet, older Spark and R arrow builds lack or make optional
// Zstandard). The cost, measured on the demo's extracts (docs/methods.md,
// "Research extracts"), is a few kilobytes a file.
const ExtractCompression = "snappy"

// ExtractSummary describes the researcher extracts a build wrote (BuildInput.Extracts).
type ExtractSummary struct {
	Dir      string
	K        int
	Extracts []ExtractResult
	Elapsed  time.Duration
}

// ExtractResult is one event type's extract.
type ExtractResult struct {
	Event string
	Files []string         // Parquet files, one per year, under Dir/Event
	Rows  map[string]int64 // year ("unknown" when NULL) -> records
	// Generalised counts records by the last generalisation step applied to
	// them ("none" for records published as coarsened, unchanged).
	Generalised map[string]int64
	// Residual counts records left rare after every step: suppressed
	// records of a year with fewer than K records in all.
	Residual int64
	// Utility says how many records keep each quasi-identifier.
	Utility Utility
}

// Utility measures what disclosure control left of an extract: how many
// records keep each quasi-identifier (not removed or broadened by a step),
// and how many keep every one. A step removes what its spec's removes
// lists and what every step before it removed; the last step (suppressed)
// removes every quasi-identifier but the year. A value unknown at the
// source (NULL before any step) counts as kept: it is not lost to
// disclosure control.
type Utility struct {
	Records    int64           `json:"records"`
	AllDetails int64           `json:"all_details"` // records no step touched
	Kept       []AttributeKept `json:"kept"`        // one per quasi-identifier but the year, in their order
}

// AttributeKept is how many records keep one quasi-identifier.
type AttributeKept struct {
	Attribute string  `json:"attribute"`
	Records   int64   `json:"records"`
	Share     float64 `json:"share"` // of all records; 0 for an empty extract
}

// Share is the share of the records that keep every quasi-identifier.
func (u Utility) Share() float64 {
	if u.Records == 0 {
		return 0
	}
	return float64(u.AllDetails) / float64(u.Records)
}

// MeanKept is the mean over the quasi-identifiers of the share of records
// that keep it: one figure for an extract, 1 when nothing was generalised.
func (u Utility) MeanKept() float64 {
	if len(u.Kept) == 0 {
		return 0
	}
	var s float64
	for _, k := range u.Kept {
		s += k.Share
	}
	return s / float64(len(u.Kept))
}

// extractUtility counts, from the records by last step, the records that
// keep each quasi-identifier: those whose last step comes before the first
// step that removes it.
func extractUtility(qis []string, steps []extractStep, byStep map[string]int64) (Utility, error) {
	u := Utility{AllDetails: byStep["none"]}
	for _, n := range byStep {
		u.Records += n
	}
	known := map[string]bool{"none": true}
	for _, s := range steps {
		known[s.Name] = true
		for _, a := range s.Removes {
			if a == "year" || !slices.Contains(qis, a) {
				return u, fmt.Errorf("step %s removes %s, which is not a quasi-identifier (or is the year)", s.Name, a)
			}
		}
	}
	for name := range byStep {
		if !known[name] {
			return u, fmt.Errorf("records generalised by %q, which is no step", name)
		}
	}
	for _, a := range qis {
		if a == "year" {
			continue
		}
		k := AttributeKept{Attribute: a, Records: byStep["none"]}
		for _, s := range steps {
			if s.Name == suppressedStep.Name || slices.Contains(s.Removes, a) {
				break
			}
			k.Records += byStep[s.Name]
		}
		if u.Records > 0 {
			k.Share = float64(k.Records) / float64(u.Records)
		}
		u.Kept = append(u.Kept, k)
	}
	return u, nil
}

// extractSpec is sql/research/<event>.toml: the codebook's text.
type extractSpec struct {
	Title            string         `toml:"title"`
	Description      string         `toml:"description"`
	Methods          string         `toml:"methods"`
	QuasiIdentifiers []string       `toml:"quasi_identifiers"`
	Steps            []extractStep  `toml:"steps"`
	Variables        []extractField `toml:"variables"`
}

type extractStep struct {
	Name        string `toml:"name" json:"name"`
	Description string `toml:"description" json:"description"`
	// Removes names the quasi-identifiers this step removes or broadens
	// (those of the steps before it are gone already): what the utility
	// counts as lost.
	Removes []string `toml:"removes" json:"removes,omitempty"`
}

type extractField struct {
	Name        string            `toml:"name"`
	Description string            `toml:"description"`
	Codes       map[string]string `toml:"codes"`
	// CodesFrom names a reference list whose codes and titles label the
	// variable: "who_list1" (ref_who_list1).
	CodesFrom string `toml:"codes_from"`
}

// Codebook is what codebook.json holds for one extract.
type Codebook struct {
	Event            string             `json:"event"`
	Title            string             `json:"title"`
	Description      string             `json:"description"`
	Snapshot         string             `json:"lake_snapshot"`
	CodeVersion      string             `json:"code_version"`
	K                int                `json:"k"`
	QuasiIdentifiers []string           `json:"quasi_identifiers"`
	Steps            []extractStep      `json:"generalisation_steps"`
	Methods          string             `json:"methods"`
	Files            []string           `json:"files"`
	Rows             map[string]int64   `json:"rows_by_year"`
	Generalised      map[string]int64   `json:"records_by_last_step"`
	Residual         int64              `json:"residual_records"`
	Utility          Utility            `json:"utility"`
	Compression      string             `json:"compression"`
	Variables        []CodebookVariable `json:"variables"`
}

// CodebookVariable is one column of an extract.
type CodebookVariable struct {
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Codes       []CodebookCode `json:"codes,omitempty"`
}

// CodebookCode is one value of a coded variable and its label.
type CodebookCode struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// writeExtracts writes the de-identified researcher extracts into abs: for
// each sql/research/<event>.sql, one Parquet file per year under
// abs/<event>, with codebook.json and codebook.md beside them. It runs on
// a build's connection once the checks have passed (BuildInput.Extracts),
// so the extracts hold the very events the indicators count. k (0 means
// DefaultExtractK) is the smallest size of a combination of
// quasi-identifiers.
func writeExtracts(ctx context.Context, conn *sql.Conn, in BuildInput, abs string, k int, log *slog.Logger) (*ExtractSummary, error) {
	start := time.Now()
	if k <= 0 {
		k = DefaultExtractK
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("set variable extract_k = %d", k)); err != nil {
		return nil, fmt.Errorf("extracts: %w", err)
	}
	entries, err := fs.ReadDir(vitalstats.SQL, extractsDir)
	if err != nil {
		return nil, fmt.Errorf("extracts: %w", err)
	}
	sum := &ExtractSummary{Dir: abs, K: k}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		event := strings.TrimSuffix(e.Name(), ".sql")
		t := time.Now()
		res, err := writeExtract(ctx, conn, in, abs, event, k)
		if err != nil {
			return nil, fmt.Errorf("extracts: %s: %w", event, err)
		}
		var rows int64
		for _, n := range res.Rows {
			rows += n
		}
		log.Info("extract written", "event", event, "files", len(res.Files), "rows", rows,
			"generalised", rows-res.Generalised["none"], "residual", res.Residual, "elapsed", time.Since(t).Round(time.Millisecond))
		sum.Extracts = append(sum.Extracts, *res)
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func readExtractSpec(event string) (*extractSpec, error) {
	name := extractsDir + "/" + event + ".toml"
	b, err := vitalstats.SQL.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var s extractSpec
	md, err := toml.Decode(string(b), &s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown keys %v", name, u)
	}
	return &s, nil
}

func writeExtract(ctx context.Context, conn *sql.Conn, in BuildInput, dir, event string, k int) (*ExtractResult, error) {
	spec, err := readExtractSpec(event)
	if err != nil {
		return nil, err
	}
	b, err := vitalstats.SQL.ReadFile(extractsDir + "/" + event + ".sql")
	if err != nil {
		return nil, err
	}
	q := strings.TrimRight(strings.TrimSpace(string(b)), ";")
	table := "extract_" + event
	if _, err := conn.ExecContext(ctx, "create or replace temp table "+table+" as\n"+q); err != nil {
		return nil, fmt.Errorf("%s/%s.sql: %w", extractsDir, event, err)
	}
	defer conn.ExecContext(ctx, "drop table if exists "+table)

	cols, err := extractColumns(ctx, conn, table)
	if err != nil {
		return nil, err
	}
	vars, err := codebookVariables(ctx, conn, spec, cols)
	if err != nil {
		return nil, fmt.Errorf("%s/%s.toml: %w", extractsDir, event, err)
	}
	for _, c := range append(slices.Clone(spec.QuasiIdentifiers), "year", "generalised") {
		if !slices.ContainsFunc(cols, func(x [2]string) bool { return x[0] == c }) {
			return nil, fmt.Errorf("%s/%s.sql has no column %s", extractsDir, event, c)
		}
	}

	if err := suppressRare(ctx, conn, table, spec, k); err != nil {
		return nil, err
	}
	for i := range vars {
		if vars[i].Name == "generalised" {
			vars[i].Codes = append(vars[i].Codes, CodebookCode{Code: suppressedStep.Name, Label: "every quasi-identifier but the year removed"})
		}
	}
	spec.Steps = append(spec.Steps, suppressedStep)

	res := &ExtractResult{Event: event, Rows: map[string]int64{}, Generalised: map[string]int64{}}
	years, err := extractCounts(ctx, conn, "select coalesce(year::varchar, 'unknown'), count(*) from "+table+" group by all order by all")
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, event)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// A rerun replaces the extract: no file of a year that has gone stays.
	old, _ := filepath.Glob(filepath.Join(out, event+"_*.parquet"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return nil, err
		}
	}
	for _, y := range years {
		where := "year is null"
		if y.key != "unknown" {
			if _, err := strconv.Atoi(y.key); err != nil {
				return nil, fmt.Errorf("year %q", y.key)
			}
			where = "year = " + y.key
		}
		file := filepath.Join(out, event+"_"+y.key+".parquet")
		// Sorted by value: the order of registration would hint at identities.
		cp := fmt.Sprintf("copy (select * from %s where %s order by all) to %s (format parquet, compression %s)",
			table, where, sqlString(file), ExtractCompression)
		if _, err := conn.ExecContext(ctx, cp); err != nil {
			return nil, fmt.Errorf("write %s: %w", file, err)
		}
		res.Files = append(res.Files, file)
		res.Rows[y.key] = y.n
	}
	steps, err := extractCounts(ctx, conn, "select generalised, count(*) from "+table+" group by all")
	if err != nil {
		return nil, err
	}
	for _, s := range steps {
		res.Generalised[s.key] = s.n
	}
	if res.Utility, err = extractUtility(spec.QuasiIdentifiers, spec.Steps, res.Generalised); err != nil {
		return nil, fmt.Errorf("%s/%s.toml: %w", extractsDir, event, err)
	}
	// A suppressed record matches every record of its year, so only a year
	// of fewer than k records leaves it rare.
	residual := fmt.Sprintf(`select count(*) from (select generalised, count(*) over (partition by year) as n from %s)
		where generalised = '%s' and n < %d`, table, suppressedStep.Name, k)
	if err := conn.QueryRowContext(ctx, residual).Scan(&res.Residual); err != nil {
		return nil, fmt.Errorf("residual: %w", err)
	}

	cb := Codebook{Event: event, Title: spec.Title, Description: spec.Description, Snapshot: in.Snapshot,
		CodeVersion: in.Version, K: k, QuasiIdentifiers: spec.QuasiIdentifiers, Steps: spec.Steps,
		Methods: spec.Methods, Rows: res.Rows, Generalised: res.Generalised, Residual: res.Residual, Utility: res.Utility,
		Compression: ExtractCompression, Variables: vars}
	for _, f := range res.Files {
		cb.Files = append(cb.Files, filepath.Base(f))
	}
	if err := writeCodebook(out, &cb); err != nil {
		return nil, err
	}
	return res, nil
}

// suppressedStep is the last step of every extract, after those its SQL
// takes: a record still in a combination of fewer than k records loses every
// quasi-identifier but the year (local suppression), so that none is left
// that an outsider could single out and every record still counts in its
// year's totals.
var suppressedStep = extractStep{Name: "suppressed",
	Description: "every quasi-identifier but the year is removed (NULL): the record still counts in its year's totals"}

func suppressRare(ctx context.Context, conn *sql.Conn, table string, spec *extractSpec, k int) error {
	var qis, set []string
	for _, c := range spec.QuasiIdentifiers {
		qis = append(qis, `"`+c+`"`)
		if c != "year" {
			set = append(set, `"`+c+`" = null`)
		}
	}
	if slices.ContainsFunc(spec.Steps, func(s extractStep) bool { return s.Name == suppressedStep.Name }) {
		return fmt.Errorf("%s/%s.toml: step %q is the extracts' own last step", extractsDir, strings.TrimPrefix(table, "extract_"), suppressedStep.Name)
	}
	q := fmt.Sprintf(`update %s set %s, generalised = '%s' where rowid in (
		select rowid from (select rowid, count(*) over (partition by %s) as n from %s) where n < %d)`,
		table, strings.Join(set, ", "), suppressedStep.Name, strings.Join(qis, ", "), table, k)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("suppress rare records: %w", err)
	}
	return nil
}

type extractCount struct {
	key string
	n   int64
}

func extractCounts(ctx context.Context, conn *sql.Conn, q string) ([]extractCount, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []extractCount
	for rows.Next() {
		var p extractCount
		if err := rows.Scan(&p.key, &p.n); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// extractColumns returns a table's columns as (name, type) in order.
func extractColumns(ctx context.Context, conn *sql.Conn, table string) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, "select column_name, column_type from (describe "+table+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// codebookVariables documents every column of the extract, in its order, and
// refuses a column the sidecar does not describe or a description of a column
// that is not there.
func codebookVariables(ctx context.Context, conn *sql.Conn, spec *extractSpec, cols [][2]string) ([]CodebookVariable, error) {
	byName := map[string]extractField{}
	for _, v := range spec.Variables {
		if _, dup := byName[v.Name]; dup {
			return nil, fmt.Errorf("variable %s described twice", v.Name)
		}
		byName[v.Name] = v
	}
	var out []CodebookVariable
	for _, c := range cols {
		v, ok := byName[c[0]]
		if !ok {
			return nil, fmt.Errorf("column %s has no description", c[0])
		}
		delete(byName, c[0])
		cv := CodebookVariable{Name: c[0], Type: c[1], Description: strings.TrimSpace(v.Description)}
		for _, code := range slices.Sorted(maps.Keys(v.Codes)) {
			cv.Codes = append(cv.Codes, CodebookCode{Code: code, Label: v.Codes[code]})
		}
		switch v.CodesFrom {
		case "":
		case "who_list1":
			pairs, err := extractLabels(ctx, conn, "select list1_item, title from ref_who_list1 where list1_item is not null order by list1_item")
			if err != nil {
				return nil, err
			}
			cv.Codes = append(cv.Codes, pairs...)
		default:
			return nil, fmt.Errorf("variable %s: unknown codes_from %q", c[0], v.CodesFrom)
		}
		out = append(out, cv)
	}
	for name := range byName {
		return nil, fmt.Errorf("variable %s is described but not in the extract", name)
	}
	return out, nil
}

func extractLabels(ctx context.Context, conn *sql.Conn, q string) ([]CodebookCode, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CodebookCode
	for rows.Next() {
		var c CodebookCode
		if err := rows.Scan(&c.Code, &c.Label); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func writeCodebook(dir string, cb *Codebook) error {
	j, err := json.MarshalIndent(cb, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "codebook.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", cb.Title, strings.TrimSpace(cb.Description))
	fmt.Fprintf(&b, "Lake snapshot: %s. Code version: %s. k = %d.\n\n", cb.Snapshot, cb.CodeVersion, cb.K)
	b.WriteString("## Files\n\n| file | records |\n|---|---:|\n")
	for _, f := range cb.Files {
		y := strings.TrimSuffix(strings.TrimPrefix(f, cb.Event+"_"), ".parquet")
		fmt.Fprintf(&b, "| %s | %d |\n", f, cb.Rows[y])
	}
	b.WriteString("\n## Variables\n\n| variable | type | description |\n|---|---|---|\n")
	for _, v := range cb.Variables {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", v.Name, v.Type, codebookCell(v.Description))
	}
	for _, v := range cb.Variables {
		if len(v.Codes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### Codes of %s\n\n| code | label |\n|---|---|\n", v.Name)
		for _, c := range v.Codes {
			fmt.Fprintf(&b, "| %s | %s |\n", codebookCell(c.Code), codebookCell(c.Label))
		}
	}
	fmt.Fprintf(&b, "\n## Methods\n\n%s\n\n", strings.TrimSpace(cb.Methods))
	fmt.Fprintf(&b, "### Rare combinations\n\nQuasi-identifiers: %s. A combination of them held by fewer than %d records is generalised, in this order, each step only for the records still rare:\n\n",
		strings.Join(cb.QuasiIdentifiers, ", "), cb.K)
	for i, s := range cb.Steps {
		fmt.Fprintf(&b, "%d. `%s`: %s (%d records)\n", i+1, s.Name, strings.TrimSpace(s.Description), cb.Generalised[s.Name])
	}
	fmt.Fprintf(&b, "\nRecords not generalised: %d. A suppressed record matches every record of its year, so it is rare only in a year of fewer than %d records: %d such records.\n",
		cb.Generalised["none"], cb.K, cb.Residual)
	fmt.Fprintf(&b, "\n### Utility\n\nOf %d records, %d (%.1f%%) keep every quasi-identifier. Records keeping each one (a value unknown at the source counts as kept: disclosure control did not remove it):\n\n| quasi-identifier | records | share |\n|---|---:|---:|\n",
		cb.Utility.Records, cb.Utility.AllDetails, 100*cb.Utility.Share())
	for _, k := range cb.Utility.Kept {
		fmt.Fprintf(&b, "| %s | %d | %.1f%% |\n", k.Attribute, k.Records, 100*k.Share)
	}
	fmt.Fprintf(&b, "\nThe files are Parquet compressed with %s, which every Parquet reader opens without an add-on.\n", cb.Compression)
	return os.WriteFile(filepath.Join(dir, "codebook.md"), []byte(b.String()), 0o644)
}

func codebookCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "\n", " "), "|", `\|`)
}
