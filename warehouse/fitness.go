package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Registered rates are only as good as the registration they count. Every
// row of a rate table whose basis is 'registered' says how complete that
// registration is, by the best completeness estimate of its event type, age
// band, year and area (int_completeness_best): completeness_lt70 below 70%,
// completeness_lt90 below 90%, completeness_unknown without an estimate.
// Dashboards never headline a registered value flagged completeness_lt70.

// The thresholds are in the macro completeness_flags (sql/macros.sql).
const completenessModel = "int_completeness_best"

// markCompleteness adds the completeness flags to the registered rows of
// every indicator whose sidecar names its completeness rule.
func markCompleteness(ctx context.Context, conn *sql.Conn, ms []model) error {
	for _, m := range ms {
		if m.layer != layerIndicators || m.meta == nil || m.meta.Completeness == nil {
			continue
		}
		rule := m.meta.Completeness
		cols, err := tableColumns(ctx, conn, m.name)
		if err != nil {
			return err
		}
		for _, c := range []string{"basis", "year", "area_code", "flags"} {
			if !slices.Contains(cols, c) {
				return fmt.Errorf("%s: a table with a completeness rule needs a %s column", m.name, c)
			}
		}
		q := fmt.Sprintf(`create or replace table %[1]s as
			with banded as (select *, (%[2]s)::varchar as completeness_band__ from %[1]s)
			select t.* exclude (completeness_band__) replace (
			    case when t.basis <> 'registered' then t.flags
			         else list_concat(t.flags, completeness_flags(c.value)) end as flags)
			from banded as t
			left join %[4]s as c
			    on c.event_type = %[3]s and c.age_band = t.completeness_band__
			   and c.year = t.year and c.area_code = t.area_code`,
			m.name, rule.Band, sqlString(rule.Event), completenessModel)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: completeness flags: %w", m.name, err)
		}
	}
	return nil
}
