// Package synth generates a synthetic national civil registration system with
// known truth: a Cambodia-like population simulated by commune, sex and single
// year of age; its births, deaths, fetal deaths and marriages; how and when
// they are registered; the defects real records carry; and truth.json, which
// every later computation is checked against.
//
// synth stands for the outside world. The pipeline (etl, warehouse, reports,
// dashboards) must never import it.
package synth
