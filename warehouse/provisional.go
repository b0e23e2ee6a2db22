package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// A year is provisional while its registrations are still arriving
// (registration_arrival says which). Every row of every indicator that
// counts events of a provisional year carries the flag, so that no table,
// page or export can present a year still filling in as if it were final.
// The flag is added here, once, after the indicators are built, rather than
// in each model: a table added later cannot forget it.

const (
	defaultProvisionalShare = 0.95
	arrivalTable            = "registration_arrival"
	flagProvisional         = "provisional"
)

// provisionalTarget says how to find the year, event types and area of a
// row of one indicator table, as SQL expressions over the alias t.
type provisionalTarget struct {
	table  string
	year   string   // the row's year of occurrence
	typed  bool     // the row says its event type (an event_type column)
	events []string // else the event types the table counts (its sidecar)
	area   string   // the row's area: 'KH', a province, a district or a commune
}

// provisionalTargets lists the indicator tables that carry years, from their
// columns and sidecars. A table with a year but no event_type column must
// say in its sidecar which events it counts.
func provisionalTargets(ctx context.Context, conn *sql.Conn, ms []model) ([]provisionalTarget, error) {
	var out []provisionalTarget
	for _, m := range ms {
		if m.layer != layerIndicators || m.name == arrivalTable {
			continue
		}
		cols, err := tableColumns(ctx, conn, m.name)
		if err != nil {
			return nil, err
		}
		has := func(c string) bool { return slices.Contains(cols, c) }
		t := provisionalTarget{table: m.name, area: "'KH'"}
		switch {
		case has("year"):
			t.year = "t.year"
		case has("month"):
			t.year = "year(t.month)"
		default:
			continue
		}
		if !has("flags") {
			continue // a fixed outside layout (the WHO Mortality Database files): the release lists provisional years
		}
		t.typed, t.events = has("event_type"), m.meta.Events
		if !t.typed && len(t.events) == 0 {
			return nil, fmt.Errorf("%s has a year but no event_type column: its sidecar must list the events it counts (events = [...])", m.name)
		}
		for _, c := range []string{"area_code", "province_code"} {
			if has(c) {
				t.area = "t." + c
				break
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// markProvisional adds the flag provisional to every row of a provisional
// year: the row's own area's flag for the nation and a province, its
// province's for a district or a commune, the nation's for an area not
// stated ('99').
func markProvisional(ctx context.Context, conn *sql.Conn, ms []model) error {
	targets, err := provisionalTargets(ctx, conn, ms)
	if err != nil {
		return err
	}
	for _, t := range targets {
		// A hash join on (event type, year, area): the provisional cells are
		// few, the tables' rows many. A table of several event types is
		// provisional in a year and area where any of them is.
		cells := fmt.Sprintf("select event_type, year, area_code from %s where list_contains(flags, '%s')", arrivalTable, flagProvisional)
		events := "p.event_type = t.event_type"
		if !t.typed {
			quoted := make([]string, len(t.events))
			for i, e := range t.events {
				quoted[i] = sqlString(e)
			}
			cells = fmt.Sprintf("select distinct year, area_code from %s where event_type in (%s) and list_contains(flags, '%s')",
				arrivalTable, strings.Join(quoted, ", "), flagProvisional)
			events = "true"
		}
		q := fmt.Sprintf(`update %[1]s as t set flags = list_append(t.flags, '%[2]s')
			from (%[3]s) as p
			where %[4]s and p.year = %[5]s
			  and p.area_code = case when length(%[6]s) in (4, 6) then left(%[6]s, 2)
			                         when length(%[6]s) = 2 and %[6]s <> '99' then %[6]s
			                         else 'KH' end
			  and not list_contains(t.flags, '%[2]s')`,
			t.table, flagProvisional, cells, events, t.year, t.area)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mark provisional years in %s: %w", t.table, err)
		}
	}
	return nil
}

func tableColumns(ctx context.Context, conn *sql.Conn, table string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "select column_name from duckdb_columns() where table_name = ? and schema_name = 'main' order by column_index", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}
