package vitalstats

import "embed"

// SQL holds the SQL models below sql/ (reference/, staging/, intermediate/, indicators/, checks/),
// by their path, e.g. "sql/reference/ref_communes.sql". The warehouse runs them unchanged.
//
//go:embed sql
var SQL embed.FS
