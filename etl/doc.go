// Package etl runs one extraction: every source (the registry in PostgreSQL,
// file drops of digitized records, health-facility notifications by either
// route) into the Parquet lake, incrementally, through validation, with every
// record ending either as a canonical row or in quarantine.
//
// Its sub-packages hold the pieces: source reads records, canon validates
// them into canonical rows, lake stores them and commits batches. etl must
// not import warehouse, reports, dashboards or synth.
package etl
