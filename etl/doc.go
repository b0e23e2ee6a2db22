// Package etl owns the way in: the sources (the PostgreSQL registry, read
// incrementally by watermark in one read-only REPEATABLE READ transaction per
// run; CSV and NDJSON file drops in the inbox, each taken once by checksum;
// health notifications by either route), validation of every record into a
// canonical row or a quarantine row with its reason, the Parquet lake writer
// and the manifest that makes a batch visible only once it is committed.
//
// etl may import the root package vitalstats and refdata. It must not import
// warehouse, reports, dashboards or synth: cmd/vitalstats wires the steps
// together, and the generator stands for the outside world.
//
// The code arrives with issue #3.
package etl
