package link

import (
	"context"
	"testing"
)

// synthTable is n synthetic records, the first cut with the clusters of
// cluster (by id).
func synthTable(t *testing.T, cfg *Config, n int, cluster map[string]string) *Table {
	t.Helper()
	tab, err := NewTable(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	err = SyntheticRecords(n, 0.2, 7, testKey, func(r Record, _ int) error {
		r.Cluster = cluster[r.ID]
		return tab.Add(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestIncrementalStable(t *testing.T) {
	ctx := context.Background()
	const n, cut = 6000, 4500
	cfg := SyntheticConfig()
	first := synthTable(t, cfg, cut, nil)
	day1, err := Dedupe(ctx, first, Prior{})
	if err != nil {
		t.Fatal(err)
	}
	cluster := map[string]string{}
	for _, a := range day1.Clusters {
		cluster[a.ID] = a.Cluster
	}
	if len(cluster) != cut {
		t.Fatalf("day 1 assigned %d of %d records", len(cluster), cut)
	}
	// day 2: the same records with their clusters, and the new ones
	t2 := synthTable(t, cfg, n, cluster)
	day2, err := Dedupe(ctx, t2, Prior{Params: day1.Params})
	if err != nil {
		t.Fatal(err)
	}
	if day2.Stats.New != n-cut || day2.Stats.USampled != 0 {
		t.Errorf("day 2: %d new, %d u pairs sampled; want %d and 0 (params given)", day2.Stats.New, day2.Stats.USampled, n-cut)
	}
	changed := map[string]string{}
	newOnes := 0
	for _, a := range day2.Clusters {
		if old, ok := cluster[a.ID]; ok {
			changed[old] = a.Cluster
			if !IDLess(a.Cluster, old) {
				t.Errorf("%s moved from cluster %s to %s, which is not the older", a.ID, old, a.Cluster)
			}
		} else {
			newOnes++
		}
	}
	if newOnes != n-cut {
		t.Errorf("day 2 assigned %d new records, want %d", newOnes, n-cut)
	}
	for _, rn := range day2.Renamed {
		if changed[rn.From] != rn.Into {
			t.Errorf("rename %s → %s not reflected in the assignments", rn.From, rn.Into)
		}
	}
	t.Logf("day 1: %s; day 2: %s; %d existing clusters renamed", day1, day2, len(day2.Renamed))
	// no pair of two existing records was compared
	for _, p := range day2.Pairs {
		_, a := cluster[p.A]
		_, b := cluster[p.B]
		if a && b {
			t.Fatalf("day 2 compared two existing records %s and %s", p.A, p.B)
		}
	}
	// rerunning day 2 with nothing new changes nothing
	final := map[string]string{}
	for id, c := range cluster {
		final[id] = c
	}
	for _, a := range day2.Clusters {
		final[a.ID] = a.Cluster
	}
	t3 := synthTable(t, cfg, n, final)
	day3, err := Dedupe(ctx, t3, Prior{Params: day1.Params})
	if err != nil {
		t.Fatal(err)
	}
	if len(day3.Clusters) != 0 || len(day3.Renamed) != 0 || day3.Stats.Candidates != 0 {
		t.Errorf("a run without new records changed %d assignments, %d clusters, compared %d pairs", len(day3.Clusters), len(day3.Renamed), day3.Stats.Candidates)
	}
}

func TestDecisions(t *testing.T) {
	ctx := context.Background()
	cfg := SyntheticConfig()
	tab, _, err := SyntheticBirths(cfg, 3000, 0.2, 3, testKey)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Dedupe(ctx, tab, Prior{})
	if err != nil {
		t.Fatal(err)
	}
	cl := func(r *Result) map[string]string {
		m := map[string]string{}
		for _, a := range r.Clusters {
			m[a.ID] = a.Cluster
		}
		return m
	}
	before := cl(res)
	var match Pair
	for _, p := range res.Pairs {
		if p.Decision == "match" {
			match = p
			break
		}
	}
	if match.A == "" || before[match.A] != before[match.B] {
		t.Fatalf("no matched pair in one cluster to test with")
	}
	// an unrelated pair, in different clusters
	a, b := tab.ID(0), ""
	for i := 1; i < tab.Len(); i++ {
		if before[tab.ID(i)] != before[a] {
			b = tab.ID(i)
			break
		}
	}
	res2, err := Dedupe(ctx, tab, Prior{Params: res.Params, Decisions: []Decision{{A: match.A, B: match.B}, {A: a, B: b, Same: true}}})
	if err != nil {
		t.Fatal(err)
	}
	after := cl(res2)
	if after[match.A] == after[match.B] {
		t.Errorf("analyst said %s and %s differ; still one cluster", match.A, match.B)
	}
	if after[a] != after[b] {
		t.Errorf("analyst said %s and %s are the same; two clusters", a, b)
	}
	if _, err := Dedupe(ctx, tab, Prior{Params: res.Params, Decisions: []Decision{{A: a, B: b}, {A: b, B: a, Same: true}}}); err == nil {
		t.Error("contradicting decisions accepted")
	}
}

// TestFebrlMutation shows the oracle can fail: with a threshold of 50
// (about agreement on six fields) the duplicates with
// several defects are missed.
func TestFebrlMutation(t *testing.T) {
	cfg, err := LoadConfig("testdata/febrl/febrl1.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Threshold = 50
	res, err := RunCSV(context.Background(), cfg, t.TempDir(), new(nopWriter))
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string]string{}
	var pred [][2]string
	for _, p := range res.Pairs {
		if p.Decision == "match" {
			pred = append(pred, [2]string{p.A, p.B})
		}
	}
	for _, a := range res.Clusters {
		truth[a.ID] = febrlEntity(a.ID)
	}
	s := PairScores(pred, truth)
	t.Logf("threshold 50: P %.4f R %.4f", s.Precision, s.Recall)
	if s.Recall >= 0.95 {
		t.Errorf("a broken config still reaches recall %.4f: the FEBRL assertion could not fail", s.Recall)
	}
}

type nopWriter struct{}

func (*nopWriter) Write(p []byte) (int, error) { return len(p), nil }
