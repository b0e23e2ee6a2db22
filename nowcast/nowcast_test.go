package nowcast

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// Nowcast end to end on a simulated triangle: the estimate is the point
// matrix's row sum, the interval brackets it, complete rows are left as
// they are, and draws agree with the exact quantiles.
func TestNowcastWorkflow(t *testing.T) {
	s := coverageScenarios()[0]
	rng := rand.New(rand.NewPCG(3, 20))
	D := len(s.pmf) - 1
	tri := make(Triangle, 30)
	for r := range tri {
		tri[r] = make([]float64, D+1)
		for d, p := range s.pmf {
			tri[r][d] = poisson(rng, 80*p)
			if r+d > len(tri)-1 {
				tri[r][d] = Missing
			}
		}
	}
	nc, err := Nowcast(tri, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if nc.NHistoryDelay != 9 || nc.NRetro != 9 || len(nc.Dispersion) != D {
		t.Errorf("allocation %+v, %d dispersions; want 9 and 9 (scale factor 3 × D = 6), %d", nc.Allocation, len(nc.Dispersion), D)
	}
	for _, row := range nc.Rows {
		if math.Abs(row.Estimate-nc.Point.RowSum(row.Index)) > 1e-9 {
			t.Errorf("row %d: estimate %g, point matrix %g", row.Index, row.Estimate, nc.Point.RowSum(row.Index))
		}
		if row.Horizon < 0 {
			if row.Lower != row.Observed || row.Upper != row.Observed || row.Expected != 0 {
				t.Errorf("complete row %d: %+v", row.Index, row)
			}
			continue
		}
		if row.Horizon != len(tri)-1-row.Index || !(row.Lower <= row.Estimate && row.Estimate <= row.Upper) || row.Upper <= row.Lower {
			t.Errorf("row %d: %+v", row.Index, row)
		}
	}
	draws := nc.SampleTotals(rand.New(rand.NewPCG(4, 20)), 4000)
	last := len(tri) - 1
	col := make([]float64, len(draws))
	for i := range draws {
		col[i] = draws[i][last]
	}
	sort.Float64s(col)
	lo, hi := col[int(0.025*float64(len(col)))], col[int(0.975*float64(len(col)))]
	row := nc.Rows[last]
	if math.Abs(lo-row.Lower) > 3 || math.Abs(hi-row.Upper) > 3 {
		t.Errorf("latest period: draws' 95 %% range %g..%g, exact %g..%g", lo, hi, row.Lower, row.Upper)
	}

	// Downward corrections kept: the retrospective sums go negative.
	neg := tri.Clone()
	for r := 0; r < 20; r++ {
		neg[r][2] = -40
	}
	if _, err := Nowcast(neg, Options{KeepNegatives: true}); err == nil {
		t.Error("negative values kept into the dispersion fit: want an error")
	}
	if _, err := Nowcast(neg, Options{}); err != nil {
		t.Errorf("negative values preprocessed: %v", err)
	}
	if _, err := Nowcast(tri[len(tri)-8:], Options{}); err == nil {
		t.Error("8 rows for a delay of 6: want an error (9 are needed)")
	}
}
