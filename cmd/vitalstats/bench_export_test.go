package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"vitalstats/internal/benchreport"
	"vitalstats/warehouse"
)

// TestExtractFigures: the bench reports each extract's size and utility
// from its codebook and files, and refuses a release without extracts.
func TestExtractFigures(t *testing.T) {
	rel := t.TempDir()
	if _, err := extractFigures(rel); err == nil {
		t.Error("a release without research extracts gave figures")
	}
	dir := filepath.Join(rel, "research", "deaths")
	os.MkdirAll(dir, 0o755)
	for name, n := range map[string]int{"deaths_2020.parquet": 1536, "deaths_2021.parquet": 512} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cb := warehouse.Codebook{Event: "deaths", K: 5, Compression: "snappy", Files: []string{"deaths_2020.parquet", "deaths_2021.parquet"},
		Utility: warehouse.Utility{Records: 10, AllDetails: 2, Kept: []warehouse.AttributeKept{
			{Attribute: "event_month", Records: 2, Share: 0.2}, {Attribute: "district_code", Records: 6, Share: 0.6}}}}
	b, _ := json.Marshal(cb)
	if err := os.WriteFile(filepath.Join(dir, "codebook.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	figs, err := extractFigures(rel)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"export.extract.deaths.kib": 2, "export.extract.deaths.whole": 0.2, "export.extract.deaths.kept": 0.4}
	if len(figs) != len(want) {
		t.Fatalf("%d figures, want %d: %+v", len(figs), len(want), figs)
	}
	res := &benchreport.Results{}
	if err := res.Add(figs...); err != nil {
		t.Fatal(err)
	}
	for name, v := range want {
		if f := res.Figure(name); f == nil || math.Abs(f.Value-v) > 1e-9 {
			t.Errorf("%s: %+v, want %v", name, f, v)
		}
	}
	// A codebook without its utility (an older release) is refused, not read as 0.
	cb.Utility = warehouse.Utility{}
	b, _ = json.Marshal(cb)
	os.WriteFile(filepath.Join(dir, "codebook.json"), b, 0o644)
	if _, err := extractFigures(rel); err == nil {
		t.Error("a codebook without utility gave figures")
	}
}
