// Package source reads registration records from their sources (the
// registry in PostgreSQL, file drops of digitized records, health-facility
// notifications by either route) as text records of a fixed schema per
// event type. It owns the extract queries' contract (sql/extract/), the
// reading of formats.json and the moving of taken files to done/ or
// rejected/. It validates no value (etl/canon does) and writes nothing else.
// It must not import synth, the other etl packages, warehouse, reports or
// dashboards.
package source
