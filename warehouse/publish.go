package warehouse

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// The publication layer: every number that leaves the product (pages, API,
// CSV, static site, release tables and aggregates) is read from the schema
// published, which the build fills once from the marts by one policy, the
// cell-key method (docs/methods.md, "Disclosure control"):
//
//   - each count that describes people gets a noise e drawn from a
//     two-sided geometric distribution, P(e = k) = (1-a)/(1+a) a^|k| with
//     a = CellKeyAlpha, by a keyed hash of the count's identity: the same
//     cell gets the same noise in every table, route and build, so
//     differencing two answers or asking again gives nothing new;
//   - a true zero stays zero (no one is described by it), and a published
//     count is never below zero;
//   - a row whose published count (or counted denominator) is 1 to 4 is
//     withheld: value, interval, numerator and a counted denominator;
//   - rates and their intervals are computed from the published counts
//     (the count's Poisson part of the interval is recomputed for the
//     published count), and the small-count flags from the published count.
//
// The noise has no bound, so no combination of published numbers pins a
// count: an estimate is right only by chance (methods section 12 gives the
// odds). ReadSlice reads published tables only, and reference tables that
// count no one (PublicTables).

// CellKeyAlpha is the parameter a of the noise: P(e = 0) = 1/3, the mean
// absolute change of a count far from zero 4/3, its standard deviation 2.
const CellKeyAlpha = 0.5

// PublishedSchema is the schema of the publication layer.
const PublishedSchema = "published"

// PublicTables are the warehouse tables outside the publication layer that
// may leave as they are: reference data and the build's description, which
// count no registered person.
var PublicTables = []string{"ref_provinces", "ref_districts", "ref_who_list1", "build_info", "who_mdb_population", "publication_loss", CatalogTable}

const flagSuppressed = "suppressed"

// publish builds the schema published from the indicator tables whose
// sidecar has a [publish] rule, and the table publication_loss that says
// how much the policy changed. key keys the cell noise (a secret of the
// site: whoever has it could remove the noise); without one nothing is
// published.
func publish(ctx context.Context, conn *sql.Conn, ms []model, key []byte) error {
	if len(key) == 0 {
		return nil
	}
	stmts := []string{
		"drop schema if exists " + PublishedSchema + " cascade",
		"create schema " + PublishedSchema,
		// The key lives in a temporary macro of this connection: never in the file.
		fmt.Sprintf("create or replace temp macro cell_key() as '%s'", hex.EncodeToString(key)),
		// u: uniform on [0, 1) from the keyed hash of an identity (and a
		// second, independent one for the sign).
		`create or replace temp macro cell_u(id, part) as
			('0x' || substr(sha256(cell_key() || '|' || id), 1 + 12 * part, 12))::ubigint / 281474976710656.0`,
		fmt.Sprintf(`create or replace temp macro cell_noise(id) as
			case when id is null then 0
			     when cell_u(id, 0) < (1 - %[1]g) / (1 + %[1]g) then 0
			     else (case when cell_u(id, 1) < 0.5 then -1 else 1 end)
			          * (1 + floor(ln(1 - (cell_u(id, 0) - (1 - %[1]g) / (1 + %[1]g)) / (1 - (1 - %[1]g) / (1 + %[1]g)))
			                       / ln(%[1]g)))::bigint
			end`, CellKeyAlpha),
		// A count n (rounded) as published under identity id.
		`create or replace temp macro cell_count(n, id) as
			case when n is null then null when round(n) = 0 then 0
			     else greatest(0, round(n)::bigint + cell_noise(id)) end`,
		// The interval's half-widths on the log scale with the Poisson part
		// of count n replaced by that of the published count p.
		`create or replace temp macro cell_lo(v, lo, n, p) as
			v * exp(-sqrt(greatest(0, pow(ln(v / lo), 2) - pow(ln(n / poisson_low(n)), 2) + pow(ln(p / poisson_low(p)), 2))))`,
		`create or replace temp macro cell_hi(v, hi, n, p) as
			v * exp(sqrt(greatest(0, pow(ln(hi / v), 2) - pow(ln(poisson_high(n) / n), 2) + pow(ln(poisson_high(p) / p), 2))))`,
		"create or replace temp table cell_identities (id varchar, n double, table_name varchar)",
		`create or replace table publication_loss (table_name varchar, cells bigint, nonzero bigint,
			changed bigint, suppressed bigint, mean_abs_change double)`,
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	for _, m := range ms {
		if m.layer != layerIndicators || m.meta == nil || m.meta.Publish == nil {
			continue
		}
		if err := publishTable(ctx, conn, m); err != nil {
			return err
		}
	}
	// One identity, one count: two different counts under one identity
	// would share their noise, and their published difference be exact.
	var id, tables string
	var lo, hi float64
	err := conn.QueryRowContext(ctx, `select id, min(n), max(n), string_agg(distinct table_name, ', ' order by table_name)
		from cell_identities group by id having min(n) <> max(n) order by id limit 1`).Scan(&id, &lo, &hi, &tables)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("publish: %w", err)
	default:
		return fmt.Errorf("publish: the identity %q names different counts (%g and %g, in %s): a [publish] rule gives two counts one identity", id, lo, hi, tables)
	}
	_, err = conn.ExecContext(ctx, "drop table cell_identities")
	return err
}

type column struct{ name, typ string }

func typedColumns(ctx context.Context, conn *sql.Conn, table string) ([]column, error) {
	rows, err := conn.QueryContext(ctx, "select column_name, data_type from duckdb_columns() where table_name = ? and schema_name = 'main' order by column_index", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// publishTable writes published.<table> by the table's rule.
func publishTable(ctx context.Context, conn *sql.Conn, m model) error {
	r := m.meta.Publish
	cols, err := typedColumns(ctx, conn, m.name)
	if err != nil {
		return err
	}
	typ := map[string]string{}
	for _, c := range cols {
		typ[c.name] = c.typ
	}
	need := func(c string) error {
		if typ[c] == "" {
			return fmt.Errorf("publish %s: the [publish] rule needs a column %s", m.name, c)
		}
		return nil
	}
	kind := r.Value
	if kind == "" {
		kind = "ratio"
	}
	if !slices.Contains([]string{"ratio", "share", "count", "model"}, kind) {
		return fmt.Errorf("publish %s: value %q is not ratio, share, count or model", m.name, kind)
	}
	null := func(s string) string {
		if s == "" {
			return "null::varchar"
		}
		return "(" + s + ")"
	}
	// p: the true counts and their identities; q: the published counts.
	var pre, post []string
	replace := map[string]string{}
	indicator := r.Numerator != ""
	num := "numerator"
	if r.Column != "" {
		num = r.Column
	}
	// A table of another layout (a Column of its own) may lack the value,
	// its interval and the denominator: only those it has are published.
	valued := typ["value"] != "" || r.Column == ""
	if indicator {
		required := []string{num, "flags"}
		if valued {
			required = append(required, "value", "ci_low", "ci_high")
		}
		if r.Column == "" || r.Denominator != "" {
			required = append(required, "denominator")
		}
		for _, c := range required {
			if err := need(c); err != nil {
				return err
			}
		}
		pre = append(pre, fmt.Sprintf(`case when isnan(t."%[1]s"::double) or isinf(t."%[1]s"::double) then null else round(t."%[1]s") end as _n`, num), null(r.Numerator)+" as _nid")
		post = append(post, "case when _nid is null then _n else cell_count(_n, _nid) end as _p")
		if r.Denominator != "" {
			pre = append(pre, "case when isnan(t.denominator::double) or isinf(t.denominator::double) then null else round(t.denominator) end as _d", null(r.Denominator)+" as _did")
			post = append(post, "case when _did is null then _d else cell_count(_d, _did) end as _q")
		} else {
			pre = append(pre, "null::double as _d", "null::varchar as _did")
			post = append(post, "null::double as _q")
		}
	} else {
		pre = append(pre, "null::double as _n", "null::varchar as _nid", "null::double as _d", "null::varchar as _did")
		post = append(post, "null::double as _p", "null::double as _q")
	}
	small := "coalesce((_p between 1 and 4) or (_q between 1 and 4) or (_d > 0 and _q = 0), false)"
	if r.KeepSmall {
		small = "false"
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Counts {
			if !yield(k) {
				return
			}
		}
	})
	for i, c := range keys {
		if err := need(c); err != nil {
			return err
		}
		pre = append(pre, fmt.Sprintf("%s as _cid%d", null(r.Counts[c]), i))
		v := fmt.Sprintf(`cell_count(t."%s", _cid%d)`, c, i)
		if r.KeepSmall {
			replace[c] = fmt.Sprintf("cast(%s as %s)", v, typ[c])
		} else {
			replace[c] = fmt.Sprintf("case when %s then null else cast(%s as %s) end", small, v, typ[c])
		}
	}
	if indicator {
		// f: the published over the true numerator; g: the true over the
		// published denominator (1 where it is not counted).
		f := "(case when _n > 0 and _nid is not null then _p / _n else 1 end)"
		g := "(case when _did is not null and _q > 0 then _d / _q else 1 end)"
		var value, lo, hi string
		switch kind {
		case "ratio":
			value = fmt.Sprintf("t.value * %s * %s", f, g)
			if r.Model != "" {
				value = fmt.Sprintf("case when (%s) then t.value else %s end", r.Model, value)
			}
			// A Poisson-based interval (and the Poisson part of a log-normal
			// one) recomputed for the published count; for a zero published
			// count the upper bound of 0 events on the row's scale.
			lo = fmt.Sprintf(`case when t.ci_low is null or t.value is null then t.ci_low
				when _nid is null or _n = 0 then t.ci_low
				when _p = 0 then 0
				when t.ci_low <= 0 then 0
				else cell_lo(%[1]s, t.ci_low * %[2]s * %[3]s, _n, _p) end`, "t.value * "+f+" * "+g, f, g)
			hi = fmt.Sprintf(`case when t.ci_high is null or t.value is null then t.ci_high
				when _nid is null or _n = 0 then t.ci_high
				when _p = 0 then poisson_high(0) * t.value / _n * %[2]s
				when t.value <= 0 then t.ci_high
				else cell_hi(%[1]s, t.ci_high * %[3]s * %[2]s, _n, _p) end`, "t.value * "+f+" * "+g, g, f)
		case "share":
			value = "case when t.value is null then null when _q is null then t.value when _q = 0 then null else _p / _q end"
			lo = "case when t.ci_low is null or _q is null then t.ci_low else wilson_low(_p, _q) end"
			hi = "case when t.ci_high is null or _q is null then t.ci_high else wilson_high(_p, _q) end"
		case "count":
			value = "case when t.value is null then null else _p end"
			lo, hi = "t.ci_low", "t.ci_high"
		case "model":
			value, lo, hi = "t.value", "t.ci_low", "t.ci_high"
		}
		replace[num] = fmt.Sprintf(`case when %s then null when _nid is null or _n is null then t."%s" else cast(_p as %s) end`, small, num, typ[num])
		if r.Denominator != "" {
			replace["denominator"] = fmt.Sprintf("case when _did is null or _d is null then t.denominator when %s then null else cast(_q as %s) end", small, typ["denominator"])
		}
		if valued {
			replace["value"] = fmt.Sprintf("case when %s then null else cast(%s as %s) end", small, value, typ["value"])
			replace["ci_low"] = fmt.Sprintf("case when %s then null else cast(%s as %s) end", small, lo, typ["ci_low"])
			replace["ci_high"] = fmt.Sprintf("case when %s then null else cast(%s as %s) end", small, hi, typ["ci_high"])
		}
		for c, mult := range r.Shift {
			if err := need(c); err != nil {
				return err
			}
			replace[c] = fmt.Sprintf(`case when %s then null else cast(t."%s" + (%s) * coalesce(_p - _n, 0) as %s) end`, small, c, mult, typ[c])
		}
		// The small-count flags say what the published count is; the row
		// withheld says so.
		replace["flags"] = fmt.Sprintf(`list_concat(
			case when _nid is null then t.flags else list_filter(t.flags, x -> x not in ('lt5', 'lt20')) end,
			case when _nid is null then []::varchar[] else small_flags(_p) end,
			case when %s then ['%s'] else []::varchar[] end)`, small, flagSuppressed)
	}
	var sel []string
	for _, c := range cols {
		if e, ok := replace[c.name]; ok {
			sel = append(sel, fmt.Sprintf(`%s as "%s"`, e, c.name))
		} else {
			sel = append(sel, fmt.Sprintf(`t."%s"`, c.name))
		}
	}
	// A share's published part never exceeds its published whole.
	clamp := "_p"
	if kind == "share" {
		clamp = "least(_p, coalesce(_q, _p))"
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = `"` + c.name + `"`
	}
	stmts := []string{
		fmt.Sprintf(`create or replace temp table publishing as
			with p as (select t.*, %s from main."%s" t),
			q0 as (select p.*, %s from p),
			q as (select * replace (%s as _p) from q0)
			select %s, _n, _p, _nid, _d, _did, %s as _small from q t`, strings.Join(pre, ", "), m.name, strings.Join(post, ", "), clamp, strings.Join(sel, ", "), small),
		fmt.Sprintf(`insert into cell_identities select _nid, _n, '%[1]s' from publishing where _nid is not null and _n is not null
			union all select _did, _d, '%[1]s' from publishing where _did is not null and _d is not null`, m.name),
		fmt.Sprintf(`create table %s."%s" as select %s from publishing`, PublishedSchema, m.name, strings.Join(names, ", ")),
		// The information loss of the numerators, for the bench and the
		// release's README: numbers of cells, never a cell's value.
		fmt.Sprintf(`insert into publication_loss select '%s', count(*) filter (_n is not null),
			count(*) filter (_n > 0), count(*) filter (_n is not null and _p is distinct from _n),
			count(*) filter (_small and _n is not null),
			coalesce(avg(abs(_p - _n)) filter (_n > 0 and not _small), 0)
			from publishing`, m.name),
		"drop table publishing",
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("publish %s: %w", m.name, err)
		}
	}
	return nil
}
