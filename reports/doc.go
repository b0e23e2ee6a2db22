// Package reports owns what the statistics office publishes from the marts:
// the NIS exports (WHO Mortality Database files, the XLSX workbook of the UN
// core tabulations, CSV and SDMX-CSV), researcher extracts (de-identified
// Parquet microdata and aggregate tables, each with a data dictionary) and
// the disclosure control every published cell passes through.
//
// reports takes plain tables (the root package's vocabulary), so it tests
// without a database. It must not import warehouse, etl, dashboards or synth,
// nor re-implement a formula: every number it writes comes from a mart.
//
// The code arrives with issue #6.
package reports
