// Package demog holds demographic methods that SQL expresses badly: life tables with their
// separation-factor (nax) rules and Chiang standard errors, fertility summaries (TFR, GRR, NRR,
// mean ages, the intrinsic growth rate), and the death-registration completeness methods.
// Aggregation stays in SQL; this package takes the aggregated numbers and returns numbers.
//
// It does no I/O and uses only the standard library: it must not import anything of the
// project (not the root package, not warehouse, etl, reports or dashboards), so that every
// method can be checked in isolation against published reference values (testdata/oracles).
// Bad input (mismatched lengths, negative or NaN values, gaps between age groups) is reported
// as an error, never as a panic.
package demog
