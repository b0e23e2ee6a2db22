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
// Disclosure control (disclosure.go): Protect suppresses counts below the
// threshold and the complementary cells that keep them from being derived
// from the totals; Audit attacks the result, and a writer asserts it finds
// nothing before printing.
//
// Files: release.go (releases and the revision log), disclosure.go
// (suppression and its audit), annual.go (the annual report's tables),
// xlsx.go (the workbook writer), whomdb.go (the WHO Mortality Database files),
// sdmx.go (SDMX codes and SDMX-CSV data), sdmx_structure.go (the SDMX-ML 2.1
// structure message), sdmx_check.go (SDMX-CSV read back against it).
package reports
