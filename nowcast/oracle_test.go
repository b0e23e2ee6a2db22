package nowcast

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// oracleFile is the layout of testdata/baselinenowcast_*.json: a triangle
// (null = not yet reported) and the cases published for it.
type oracleFile struct {
	Input struct {
		Triangle [][]*float64 `json:"triangle"`
	} `json:"input"`
	Cases []struct {
		Call  string `json:"call"`
		Input struct {
			N          int          `json:"n"`
			Triangle   [][]*float64 `json:"triangle"`
			DelayPMF   []float64    `json:"delay_pmf"`
			Preprocess bool         `json:"preprocess_negative_values"`
		} `json:"input"`
		Expected struct {
			DelayPMF []float64   `json:"delay_pmf"`
			Matrix   [][]float64 `json:"point_nowcast_matrix"`
		} `json:"expected"`
		Tolerance float64 `json:"tolerance"`
	} `json:"cases"`
}

func toTriangle(rows [][]*float64) Triangle {
	t := make(Triangle, len(rows))
	for r, row := range rows {
		t[r] = make([]float64, len(row))
		for d, v := range row {
			if v == nil {
				t[r][d] = Missing
			} else {
				t[r][d] = *v
			}
		}
	}
	return t
}

// TestOracles reproduces every published case of testdata/ (baselinenowcast's
// reference pages) within the tolerance the case states, and logs the largest
// deviation of each.
func TestOracles(t *testing.T) {
	files, err := filepath.Glob("testdata/baselinenowcast_*.json")
	if err != nil || len(files) != 3 {
		t.Fatalf("want the 3 oracle files in testdata, got %v (%v)", files, err)
	}
	ncases := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var o oracleFile
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		base := toTriangle(o.Input.Triangle)
		for _, c := range o.Cases {
			ncases++
			tri := base
			if c.Input.Triangle != nil {
				tri = toTriangle(c.Input.Triangle)
			}
			if c.Input.Preprocess {
				tri = PreprocessNegativeValues(tri)
			}
			if c.Tolerance <= 0 {
				t.Fatalf("%s %q: no tolerance", f, c.Call)
			}
			name := filepath.Base(f) + ": " + c.Call
			switch {
			case c.Expected.DelayPMF != nil:
				pmf, err := EstimateDelay(tri, c.Input.N)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				dev := maxDev(t, name, pmf, c.Expected.DelayPMF, c.Tolerance)
				t.Logf("%s: pmf max |dev| %.2g (tolerance %g)", name, dev, c.Tolerance)
			case c.Expected.Matrix != nil:
				var m Triangle
				if c.Input.DelayPMF != nil {
					m, err = ApplyDelay(tri, c.Input.DelayPMF)
				} else {
					m, _, err = EstimateAndApplyDelay(tri, c.Input.N)
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(m) != len(c.Expected.Matrix) {
					t.Fatalf("%s: %d rows, want %d", name, len(m), len(c.Expected.Matrix))
				}
				dev := 0.0
				for r := range m {
					dev = math.Max(dev, maxDev(t, name, m[r], c.Expected.Matrix[r], c.Tolerance))
				}
				t.Logf("%s: matrix max |dev| %.2g (tolerance %g)", name, dev, c.Tolerance)
			default:
				t.Fatalf("%s: a case with nothing expected", name)
			}
		}
	}
	if ncases != 9 {
		t.Errorf("ran %d oracle cases, the three files hold 9", ncases)
	}
}

func maxDev(t *testing.T, name string, got, want []float64, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	dev := 0.0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if !(d <= tol) { // NaN fails too
			t.Errorf("%s: value %d = %.9g, want %.9g (tolerance %g)", name, i, got[i], want[i], tol)
		}
		dev = math.Max(dev, d)
	}
	return dev
}

// The rules the oracles guard, on the smallest case: the plain chain ladder
// x/F would be 14.32836 where the package publishes 14.33572.
func TestModifiedExpectationNotPlainChainLadder(t *testing.T) {
	tri := Triangle{
		{80, 50, 25, 10},
		{100, 50, 30, 20},
		{90, 45, 25, Missing},
		{80, 40, Missing, Missing},
		{70, Missing, Missing, Missing},
	}
	m, pmf, err := EstimateAndApplyDelay(tri, 5)
	if err != nil {
		t.Fatal(err)
	}
	F := pmf[0] + pmf[1] + pmf[2]
	plain := pmf[3] * (90 + 45 + 25) / F
	if math.Abs(plain-14.32836) > 5e-6 {
		t.Fatalf("plain chain ladder %.6f, the oracle note says 14.32836", plain)
	}
	if math.Abs(m[2][3]-14.33572) > 5e-6 {
		t.Errorf("cell (2,3) = %.6f, want the modified expectation 14.33572", m[2][3])
	}
}

func TestPreprocessNegativeValues(t *testing.T) {
	tri := Triangle{
		{5, 2, -4, -6, 1}, // -6 → 0 carry -6; -4-6 = -10 → 0; 2-10 = -8 → 0; 5-8 = -3 → 0, deficit dropped
		{10, -3, Missing, Missing, Missing},
		{4, 3, -1, 2, Missing},
	}
	got := PreprocessNegativeValues(tri)
	want := Triangle{
		{0, 0, 0, 0, 1},
		{7, 0, Missing, Missing, Missing},
		{4, 2, 0, 2, Missing},
	}
	for r := range want {
		for d := range want[r] {
			if IsMissing(want[r][d]) != IsMissing(got[r][d]) || (!IsMissing(want[r][d]) && got[r][d] != want[r][d]) {
				t.Errorf("cell (%d,%d) = %v, want %v", r, d, got[r][d], want[r][d])
			}
		}
	}
	if tri[0][2] != -4 {
		t.Error("the input triangle was modified")
	}
}

func TestDelayErrors(t *testing.T) {
	tri := Triangle{{1, 2}, {3, Missing}}
	if _, err := EstimateDelay(tri, 1); err == nil {
		t.Error("n = 1 on a row with a gap: want an error")
	}
	if _, err := EstimateDelay(tri, 3); err == nil {
		t.Error("n > rows: want an error")
	}
	if _, err := EstimateDelay(Triangle{{0, 0}, {0, Missing}}, 2); err == nil {
		t.Error("no counts: want an error")
	}
	if _, err := ApplyDelay(tri, []float64{1}); err == nil {
		t.Error("pmf of the wrong length: want an error")
	}
	if _, err := ApplyDelay(tri, []float64{0, 1}); err == nil {
		t.Error("F = 0: want an error")
	}
	if _, err := ApplyDelay(Triangle{{1, 2}, {3}}, []float64{0.5, 0.5}); err == nil {
		t.Error("ragged triangle: want an error")
	}
}

// The chain-ladder factor divides by max(Σ columns < d, 1): a column whose
// earlier delays hold nothing yet gets a finite factor, not 0/0.
func TestChainLadderFactorFloor(t *testing.T) {
	pmf, err := EstimateDelay(Triangle{{0, 2}, {0, Missing}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if pmf[0] != 0 || pmf[1] != 1 {
		t.Errorf("pmf = %v, want [0 1]", pmf)
	}
}
