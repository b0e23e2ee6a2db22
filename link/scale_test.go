package link

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// scaleN reads LINK_SCALE_N (records), default def.
func scaleN(def int) int {
	if n, err := strconv.Atoi(os.Getenv("LINK_SCALE_N")); err == nil && n > 0 {
		return n
	}
	return def
}

// TestSyntheticScale deduplicates synthetic births and reports the rate
// and the quality against their truth. For the national-scale figure:
//
//	LINK_SCALE_N=1000000 /usr/bin/time -v go test ./link -run TestSyntheticScale -count=1 -v
func TestSyntheticScale(t *testing.T) {
	n := scaleN(50_000)
	cfg := SyntheticConfig()
	start := time.Now()
	tab, truth, err := SyntheticBirths(cfg, n, 0.15, 1, testKey)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	res, err := Dedupe(context.Background(), tab, Prior{})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cl := map[string]string{}
	for _, a := range res.Clusters {
		cl[a.ID] = a.Cluster
	}
	pw, bc := ClusterScores(cl, truth)
	t.Logf("%d records: generated and encoded in %s; %s", n, gen.Round(time.Millisecond), res)
	t.Logf("rate %.0f records/min (Dedupe alone, GOMAXPROCS %d); Go heap peak-ish %d MiB (sys %d MiB)",
		float64(n)/res.Stats.Elapsed.Minutes(), runtime.GOMAXPROCS(0), ms.HeapInuse>>20, ms.Sys>>20)
	t.Logf("cluster pairs P %.4f R %.4f F1 %.4f; B-cubed P %.4f R %.4f F1 %.4f",
		pw.Precision, pw.Recall, pw.F1, bc.Precision, bc.Recall, bc.F1)
	if bc.F1 < 0.9 {
		t.Errorf("synthetic births: B-cubed F1 %.4f < 0.9", bc.F1)
	}
}

// BenchmarkDedupe measures Dedupe on LINK_SCALE_N synthetic births
// (default 100 000), generation excluded.
func BenchmarkDedupe(b *testing.B) {
	n := scaleN(100_000)
	cfg := SyntheticConfig()
	tab, _, err := SyntheticBirths(cfg, n, 0.15, 1, testKey)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Dedupe(context.Background(), tab, Prior{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Minutes(), "records/min")
}
