// Package vitalstats holds the domain vocabulary of the vital statistics
// warehouse for Cambodia's civil registration system: the event types that
// every source maps to, and (in sql.go) the SQL models embedded from sql/.
//
// The words used across the module:
//   - event: one vital event (a birth, a death, a fetal death, a marriage) as
//     registered, identified by event_id and versioned (a correction appends a
//     new version; a cancellation is a version with status cancelled).
//   - notification: a health facility's report of a birth or death, matched
//     against registrations to measure the Health-CR link.
//   - source: where records come from: the operational registry (PostgreSQL),
//     file drops (CSV/NDJSON batches of digitized paper records) and
//     notifications, by either route.
//   - lake: the committed Parquet files of canonical events; quarantine: the
//     records validation refused, each with its reason.
//   - warehouse: the DuckDB file built from the lake; marts: its indicator
//     tables, the only thing dashboards and exports read.
//   - indicator: a statistic by year, sex, province and district with its
//     numerator, denominator and 95% confidence interval.
//
// This package imports nothing of the module: etl, warehouse, reports and
// dashboards all depend on it, and it must stay free of technology (no
// database, no HTTP, no files beyond the embedded SQL).
package vitalstats

// EventType names a kind of canonical event. Its value is the name used in
// the lake's partitions (event=birth/...), in table names and in truth.json.
type EventType string

// The event types of the canonical data model (DESIGN.md section 3).
const (
	Birth        EventType = "birth"
	Death        EventType = "death"
	FetalDeath   EventType = "fetal_death"
	Marriage     EventType = "marriage"
	Notification EventType = "notification"
)

// EventTypes lists every event type in a fixed order (the order of tables in
// reports and of lines in summaries).
var EventTypes = []EventType{Birth, Death, FetalDeath, Marriage, Notification}

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool {
	for _, e := range EventTypes {
		if t == e {
			return true
		}
	}
	return false
}
