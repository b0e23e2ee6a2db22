package benchreport

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample(t *testing.T, etlSeconds, incr float64) *Results {
	t.Helper()
	r := New(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), "v1", 16_000_000,
		Machine{CPU: "Test CPU", Cores: 2, MemBytes: 24 << 30, OS: "TestOS", Go: "go1.26"})
	err := r.Add(
		Figure{Name: "copy.seconds", Label: "binary COPY", Value: 40, Unit: Seconds},
		Figure{Name: "etl.seconds", Label: "backfill ETL", Value: etlSeconds, Unit: Seconds, Peer: "copy.seconds",
			Target: &Target{RatioMax: 1.5, Stretch: &Target{RatioMax: 1.3}}},
		Figure{Name: "etl.rss", Label: "peak RSS", Value: 900, Unit: MiB, Target: &Target{ValueMax: 1024}},
		Figure{Name: "incr.small", Label: "increment 1 M", Value: 0.5, Unit: Seconds},
		Figure{Name: "incr.big", Label: "increment 16 M", Value: incr, Unit: Seconds, Peer: "incr.small",
			Target: &Target{ValueMax: 2, RatioMax: 1.3}},
		Figure{Name: "rows", Label: "rows", Value: 13_070_000, Unit: Rows},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRatiosAndTargets(t *testing.T) {
	r := sample(t, 50, 0.6) // 1.25× COPY: stretch met; increment 1.2×
	etl := r.Figure("etl.seconds")
	if etl.Ratio == nil || *etl.Ratio != 1.25 || !*etl.Pass || !*etl.StretchPass {
		t.Errorf("etl: ratio %v pass %v stretch %v", etl.Ratio, etl.Pass, etl.StretchPass)
	}
	if f := r.Figure("incr.big"); !*f.Pass || *f.Ratio != 1.2 {
		t.Errorf("incr.big: %+v", f)
	}
	if f := r.Figure("rows"); f.Pass != nil || f.Ratio != nil {
		t.Errorf("a figure without target or peer got pass %v ratio %v", f.Pass, f.Ratio)
	}
	if len(r.Missed()) != 0 || r.Targets() != 3 {
		t.Errorf("missed %v of %d", r.Missed(), r.Targets())
	}

	r = sample(t, 64, 2.5) // 1.6× COPY; increment over 2 s although only 5× the small one... 5× too
	if f := r.Figure("etl.seconds"); *f.Pass || *f.StretchPass {
		t.Errorf("1.6× passes a 1.5× target")
	}
	if f := r.Figure("incr.big"); *f.Pass {
		t.Errorf("2.5 s passes a 2 s target")
	}
	r = sample(t, 56, 0.7) // 1.4×: target met, stretch not; increment 1.4× the small one
	if f := r.Figure("etl.seconds"); !*f.Pass || *f.StretchPass {
		t.Errorf("1.4×: pass %v stretch %v", *f.Pass, *f.StretchPass)
	}
	if f := r.Figure("incr.big"); *f.Pass {
		t.Errorf("0.7 s at 1.4× the small lake passes a 1.3× ratio target")
	}
	text := r.Text()
	if !strings.Contains(text, "MISSED") || !strings.Contains(text, "1 of 3 targets MISSED: increment 16 M") {
		t.Errorf("the table does not say what is missed:\n%s", text)
	}
}

func TestFinishRefusesMistakes(t *testing.T) {
	r := New(time.Now(), "v", 1, Machine{})
	r.Add(Figure{Name: "a", Label: "a", Value: 1, Unit: Seconds, Peer: "nothing"})
	if err := r.Finish(time.Second); err == nil {
		t.Errorf("a peer that is not measured is accepted")
	}
	r = New(time.Now(), "v", 1, Machine{})
	r.Add(Figure{Name: "a", Label: "a", Value: 1, Unit: Seconds, Target: &Target{RatioMax: 2}})
	if err := r.Finish(time.Second); err == nil {
		t.Errorf("a ratio target without a peer is accepted")
	}
	if err := r.Add(Figure{Name: "a", Label: "again", Value: 2, Unit: Seconds}); err == nil {
		t.Errorf("a figure added twice is accepted")
	}
	if err := r.Add(Figure{Name: "b", Label: "b", Value: 2}); err == nil {
		t.Errorf("a figure without a unit is accepted")
	}
}

func TestWriteLoadCompare(t *testing.T) {
	dir := t.TempDir()
	jsonPath, mdPath := filepath.Join(dir, "bench", "results.json"), filepath.Join(dir, "BENCHMARKS.md")
	if prev, err := Load(jsonPath); prev != nil || err != nil {
		t.Fatalf("a missing results.json: %v, %v", prev, err)
	}
	first := sample(t, 64, 0.6)
	if err := first.Write(jsonPath, mdPath); err != nil {
		t.Fatal(err)
	}
	// results.json holds each figure with name, value, unit, target, ratio, peer and pass.
	var raw struct {
		Figures []map[string]any `json:"figures"`
	}
	b, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, f := range raw.Figures {
		if f["name"] == "etl.seconds" {
			for _, k := range []string{"name", "value", "unit", "target", "ratio", "peer", "pass"} {
				if _, ok := f[k]; !ok {
					t.Errorf("results.json: figure etl.seconds has no %q: %v", k, f)
				}
			}
		}
	}

	prev, err := Load(jsonPath)
	if err != nil || prev == nil {
		t.Fatal(err)
	}
	second := sample(t, 48, 0.6)
	second.Compare(prev)
	if err := second.Write(jsonPath, mdPath); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(mdPath)
	for _, want := range []string{
		"| backfill ETL | 48.0 s | 1.20× binary COPY | ≤ 1.5× (stretch ≤ 1.3×) | ok, stretch met | 64.0 s (-25.0%), MISSED |",
		"| peak RSS | 900 MiB |  | ≤ 1024 MiB | ok | 900 MiB (+0.0%) |",
		"Previous column: the run of 2026-05-01 10:00 UTC",
		"- CPU: Test CPU, 2 logical cores", "- RAM: 24.0 GiB", "3 of 3 targets met.",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("BENCHMARKS.md does not hold %q:\n%s", want, md)
		}
	}

	// Another scale is not compared.
	other := sample(t, 48, 0.6)
	other.Scale = 1_000_000
	other.Compare(prev)
	if text := other.Text(); strings.Contains(text, "(-25.0%)") || !strings.Contains(text, "another scale (16,000,000 events)") {
		t.Errorf("a run at another scale is compared:\n%s", text)
	}

	// A results.json of another layout is refused, not misread.
	os.WriteFile(jsonPath, []byte(`{"schema": 99, "figures": []}`), 0o644)
	if _, err := Load(jsonPath); err == nil {
		t.Errorf("schema 99 is read")
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.412, Seconds, "0.41 s"}, {41.26, Seconds, "41.3 s"}, {140.4, Seconds, "140 s"},
		{1023.6, MiB, "1024 MiB"}, {13069876, Rows, "13,069,876 rows"}, {133765.4, RowsPerSec, "133,765 rows/s"},
		{1.5, "x", "1.5 x"},
	} {
		if got := FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%v, %s) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	m := Describe()
	if m.Cores < 1 || m.Go == "" || m.Arch == "" {
		t.Errorf("Describe() = %+v", m)
	}
	if _, err := os.Stat("/proc/meminfo"); err == nil && (m.MemBytes < 64<<20 || m.CPU == "" || m.Kernel == "") {
		t.Errorf("on Linux, Describe() = %+v", m)
	}
}
