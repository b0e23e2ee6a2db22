// Package dashboards owns the HTTP side: go-echarts pages (national overview,
// completeness and timeliness, fertility, mortality, causes of death, data
// quality, ETL runs, linkage review; in English and Khmer), their tables
// and CSV downloads, the handlers with their roles, and the assets embedded
// in the binary so that no request leaves the server.
//
// dashboards takes plain tables (the root package's vocabulary), so its pages
// test without a database. It must not import warehouse, etl, reports or
// synth, nor compute a statistic: it shows what the marts hold.
//
// Files: data.go (what the pages read, Needs and Data), pages.go (the pages
// as frames), frame.go (a chart's values, its table and CSV), chart.go (the
// go-echarts options), view.go (the page layout, links for the server and
// the static copy), server.go (routes, cache, assets), auth.go (accounts,
// sessions, CSRF), downloads.go (releases' files, the audit log), review.go
// (record linkage's review queue and analysts' decisions), static.go (the
// static copy), i18n.go (labels), format.go (units: how numbers, intervals
// and changes read), states.go (a chart point's state and text: <5, 0, no
// data, provisional; completeness bars), defs.go (each card's and chart's
// definition, the flags' meanings, the methods page).
package dashboards
