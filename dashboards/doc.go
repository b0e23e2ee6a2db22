// Package dashboards owns the HTTP side: go-echarts pages (national overview,
// completeness and timeliness, fertility, mortality, causes of death, data
// quality, ETL runs; in English and Khmer), their tables and CSV downloads,
// the handlers with their roles, and the assets embedded in the binary so
// that no request leaves the server.
//
// dashboards takes plain tables (the root package's vocabulary), so its pages
// test without a database. It must not import warehouse, etl, reports or
// synth, nor compute a statistic: it shows what the marts hold.
//
// The code arrives with issue #5.
package dashboards
