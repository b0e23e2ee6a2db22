package nowcast

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBuildMonthly(t *testing.T) {
	recs := []Record{
		{day("2024-01-10"), day("2024-01-20"), 5}, // Jan, delay 0
		{day("2024-01-31"), day("2024-02-01"), 3}, // Jan, delay 1
		{day("2024-01-05"), day("2024-03-31"), 2}, // Jan, delay 2, on the as-of day
		{day("2024-01-05"), day("2024-04-01"), 7}, // after as-of: held back
		{day("2024-01-05"), day("2024-06-01"), 1}, // after as-of too
		{day("2024-02-03"), day("2024-02-03"), 4}, // Feb, delay 0
		{day("2024-03-03"), day("2024-03-30"), 6}, // Mar, delay 0
		{day("2023-12-30"), day("2024-01-02"), 9}, // before the first period
	}
	b, err := Build(recs, Month, day("2024-01-01"), day("2024-03-31"), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := Triangle{
		{5, 3, 2, Missing},
		{4, 0, Missing, Missing},
		{6, Missing, Missing, Missing},
	}
	sameTriangle(t, b.Triangle, want)
	if b.HeldBack != 8 || b.Before != 9 || b.Late != 0 {
		t.Errorf("held back %g, before %g, late %g; want 8, 9, 0", b.HeldBack, b.Before, b.Late)
	}
	if !b.Periods[1].Equal(day("2024-02-01")) {
		t.Errorf("period 1 starts %v", b.Periods[1])
	}
	// Built again as of the end of April, the held-back records arrive;
	// with a maximum delay of 2 the one 3 months late is left out.
	b, err = Build(recs, Month, day("2024-01-01"), day("2024-04-30"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if b.Late != 7 || b.HeldBack != 1 || b.Triangle[0][2] != 2 || len(b.Triangle) != 4 {
		t.Errorf("as of April: late %g, held back %g, cell (0,2) %g, %d rows", b.Late, b.HeldBack, b.Triangle[0][2], len(b.Triangle))
	}
}

func TestBuildWeekly(t *testing.T) {
	// 2024-01-01 is a Monday; 2024-01-07 a Sunday, same ISO week.
	recs := []Record{
		{day("2024-01-07"), day("2024-01-08"), 1}, // week 0, delay 1
		{day("2024-01-01"), day("2024-01-07"), 2}, // week 0, delay 0
		{day("2024-01-09"), day("2024-01-10"), 3}, // week 1, delay 0
	}
	b, err := Build(recs, Week, day("2024-01-03"), day("2024-01-14"), 2)
	if err != nil {
		t.Fatal(err)
	}
	sameTriangle(t, b.Triangle, Triangle{{2, 1, Missing}, {3, Missing, Missing}})
	if !b.Periods[0].Equal(day("2024-01-01")) || b.Periods[0].Weekday() != time.Monday {
		t.Errorf("week 0 starts %v", b.Periods[0])
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build([]Record{{day("2024-02-01"), day("2024-01-01"), 1}}, Month, day("2024-01-01"), day("2024-03-01"), 2); err == nil {
		t.Error("report before reference: want an error")
	}
	if _, err := Build(nil, Month, day("2024-03-01"), day("2024-01-01"), 2); err == nil {
		t.Error("as-of before the first period: want an error")
	}
	if _, err := Build(nil, Month, day("2024-01-01"), day("2024-03-01"), -1); err == nil {
		t.Error("negative maximum delay: want an error")
	}
	if _, err := Build([]Record{{day("2024-01-01"), day("2024-01-01"), math.NaN()}}, Month, day("2024-01-01"), day("2024-03-01"), 2); err == nil {
		t.Error("NaN count: want an error")
	}
	gap := Triangle{{1, 2}, {1, Missing}, {3, 3}, {4, Missing}}
	if _, err := Nowcast(gap, Options{DelayPMF: []float64{0.5, 0.5}, Dispersion: []float64{10, 10}, NHistoryDelay: 2, NRetro: 2}); err == nil || !strings.Contains(err.Error(), "gaps must be its latest rows") {
		t.Errorf("a gap above a complete row: got %v, want the gaps error", err)
	}
}

func sameTriangle(t *testing.T, got, want Triangle) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for r := range want {
		for d := range want[r] {
			if IsMissing(got[r][d]) != IsMissing(want[r][d]) || (!IsMissing(want[r][d]) && got[r][d] != want[r][d]) {
				t.Errorf("cell (%d,%d) = %v, want %v", r, d, got[r][d], want[r][d])
			}
		}
	}
}

// Pooling: a small area's nowcast takes the pool's delay, in the nowcast and
// in its retrospective nowcasts, and its 95 % intervals still cover.
func TestPooledSmallArea(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 20))
	D := len(coverageDelay) - 1
	const rows, areas, reps = 40, 20, 150
	covered, total := 0, 0
	for rep := 0; rep < reps; rep++ {
		full := make([]Triangle, areas)
		asOf := make([]Triangle, areas)
		for a := range full {
			mean := 2.0 + 3*float64(a)
			full[a] = make(Triangle, rows)
			for r := range full[a] {
				full[a][r] = make([]float64, D+1)
				for d, p := range coverageDelay {
					full[a][r][d] = poisson(rng, mean*p)
				}
			}
			asOf[a] = full[a].Clone()
			for r := range asOf[a] {
				for d := range asOf[a][r] {
					if r+d > rows-1 {
						asOf[a][r][d] = Missing
					}
				}
			}
		}
		pool, err := Pool(asOf...)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := Nowcast(asOf[0], Options{Pool: pool, ScaleFactor: 6})
		if err != nil {
			t.Fatalf("replicate %d: %v", rep, err)
		}
		if rep == 0 {
			want, _ := EstimateDelay(pool, nc.NHistoryDelay)
			for d := range want {
				if nc.PMF[d] != want[d] {
					t.Fatalf("the area's delay %v is not the pool's %v", nc.PMF, want)
				}
			}
			if _, err := Nowcast(asOf[0], Options{Pool: pool[1:]}); err == nil {
				t.Error("a pool of another shape: want an error")
			}
		}
		for _, row := range nc.Rows {
			if row.Horizon < 0 {
				continue
			}
			truth := full[0].RowSum(row.Index)
			total++
			if truth >= row.Lower && truth <= row.Upper {
				covered++
			}
		}
	}
	rate := float64(covered) / float64(total)
	t.Logf("area of mean 2 per period, delay from a pool of %d areas: 95 %% intervals cover %.3f (%d/%d)", areas, rate, covered, total)
	if rate < 0.91 || rate > 0.995 {
		t.Errorf("pooled small area: coverage %.3f, want 0.91..0.995", rate)
	}
}
