package demog_test

import (
	"math"
	"testing"

	"vitalstats/warehouse/demog"
)

// fertFiveYear returns 5-year groups starting at the given ages.
func fertFiveYear(starts []int) []demog.Group {
	g := make([]demog.Group, len(starts))
	for i, x := range starts {
		g[i] = demog.Group{Start: x, Width: 5}
	}
	return g
}

func fertCheck(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.7f, want %v ± %g", what, got, want, tol)
	} else {
		t.Logf("%s = %.7f, published %v (|diff| %.2g, tolerance %g)", what, got, want, math.Abs(got-want), tol)
	}
}

func TestTFRPrestonBox51(t *testing.T) {
	var o struct {
		AgeGroups   []int `json:"age_groups"`
		AgeInterval int   `json:"age_interval"`
		Input       struct {
			ASFR []float64 `json:"asfr"`
		} `json:"input"`
		Expected struct {
			TFR float64 `json:"tfr"`
		} `json:"expected"`
		Tolerance struct {
			TFR float64 `json:"tfr_abs"`
		} `json:"tolerance"`
	}
	ltReadOracle(t, "fertility_preston_box5_1_usa1992.json", &o)
	if o.AgeInterval != 5 {
		t.Fatalf("age interval %d, want 5", o.AgeInterval)
	}
	groups := fertFiveYear(o.AgeGroups)
	tfr, err := demog.TFR(groups, o.Input.ASFR)
	if err != nil {
		t.Fatal(err)
	}
	fertCheck(t, "TFR USA 1992", tfr, o.Expected.TFR, o.Tolerance.TFR)

	// GRR has no published value; it is TFR times the female share of births.
	grr, err := demog.GRR(groups, o.Input.ASFR, 1.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(grr-tfr/2.05) > 1e-15 {
		t.Errorf("GRR %v, want TFR/(1+SRB) %v", grr, tfr/2.05)
	}
}

func TestNRRAndIntrinsicRateEgypt(t *testing.T) {
	var o struct {
		AgeGroups   []int `json:"age_groups"`
		AgeInterval int   `json:"age_interval"`
		Input       struct {
			NLx       []float64 `json:"nLx_female_radix1"`
			Maternity []float64 `json:"maternity_function_daughters"`
			Midpoints []float64 `json:"age_midpoints"`
		} `json:"input"`
		Expected struct {
			NRR float64 `json:"nrr"`
			R   float64 `json:"intrinsic_r_coale_method"`
		} `json:"expected"`
		Tolerance struct {
			NRR float64 `json:"nrr_abs"`
			R   float64 `json:"r_abs"`
		} `json:"tolerance"`
	}
	ltReadOracle(t, "fertility_preston_box7_1_egypt_nrr.json", &o)
	groups := fertFiveYear(o.AgeGroups)
	for i, g := range groups {
		if mid := float64(g.Start) + float64(g.Width)/2; mid != o.Input.Midpoints[i] {
			t.Fatalf("group %v midpoint %v, oracle uses %v", g, mid, o.Input.Midpoints[i])
		}
	}
	// The maternity function counts daughters already: SRB 0 leaves it as it is.
	nrr, err := demog.NRR(groups, o.Input.Maternity, o.Input.NLx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	fertCheck(t, "NRR Egypt", nrr, o.Expected.NRR, o.Tolerance.NRR)

	r, err := demog.IntrinsicGrowthRate(groups, o.Input.Maternity, o.Input.NLx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	fertCheck(t, "intrinsic r Egypt", r, o.Expected.R, o.Tolerance.R)
	// r solves Lotka's equation.
	s := 0.0
	for i, mid := range o.Input.Midpoints {
		s += math.Exp(-r*mid) * o.Input.Maternity[i] * o.Input.NLx[i]
	}
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("Σ exp(−r·a)·L·m = %v at r = %v, want 1", s, r)
	}

	// The same from a radix-100000 table: NRR does not depend on the radix.
	big := make([]float64, len(o.Input.NLx))
	for i, L := range o.Input.NLx {
		big[i] = L * 100000
	}
	nrr2, err := demog.NRR(groups, o.Input.Maternity, big, 100000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(nrr2-nrr) > 1e-12 {
		t.Errorf("NRR with radix 100000: %v, with radix 1: %v", nrr2, nrr)
	}
	r2, err := demog.IntrinsicGrowthRate(groups, o.Input.Maternity, big, 100000, 0)
	if err != nil || math.Abs(r2-r) > 1e-12 {
		t.Errorf("r with radix 100000: %v, %v; with radix 1: %v", r2, err, r)
	}
}

func TestMeanAgeAtBirthHFD(t *testing.T) {
	var o struct {
		Cases []struct {
			Country  string    `json:"country"`
			Year     int       `json:"year"`
			Ages     []string  `json:"ages"`
			ASFR     []float64 `json:"asfr"`
			Expected struct {
				MAB   float64 `json:"mab"`
				MAB40 float64 `json:"mab40"`
			} `json:"expected"`
		} `json:"cases"`
		Tolerance struct {
			MAB   float64 `json:"mab_abs"`
			MAB40 float64 `json:"mab40_abs"`
		} `json:"tolerance"`
	}
	ltReadOracle(t, "fertility_hfd_mean_age_at_birth.json", &o)
	if len(o.Cases) != 10 {
		t.Fatalf("%d HFD country-years, want 10", len(o.Cases))
	}
	worst, worst40 := 0.0, 0.0
	for _, c := range o.Cases {
		groups, err := demog.HFDAgeGroups(c.Ages)
		if err != nil {
			t.Fatal(err)
		}
		mab, err := demog.MeanAgeAtChildbearing(groups, c.ASFR)
		if err != nil {
			t.Fatal(err)
		}
		g40, f40, err := demog.SubRange(groups, c.ASFR, groups[0].Start, 40)
		if err != nil {
			t.Fatal(err)
		}
		mab40, err := demog.MeanAgeAtChildbearing(g40, f40)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(mab - c.Expected.MAB); !(d <= o.Tolerance.MAB) {
			t.Errorf("%s %d: MAB %.4f, published %.2f", c.Country, c.Year, mab, c.Expected.MAB)
		} else {
			worst = math.Max(worst, d)
		}
		if d := math.Abs(mab40 - c.Expected.MAB40); !(d <= o.Tolerance.MAB40) {
			t.Errorf("%s %d: MAB40 %.4f, published %.2f", c.Country, c.Year, mab40, c.Expected.MAB40)
		} else {
			worst40 = math.Max(worst40, d)
		}
	}
	t.Logf("max |MAB diff| %.4f, |MAB40 diff| %.4f (tolerances %g, %g)", worst, worst40, o.Tolerance.MAB, o.Tolerance.MAB40)
}

func TestFertilityDemCoreCases(t *testing.T) {
	var o struct {
		Cases []struct {
			Name        string               `json:"name"`
			AgeStart    []int                `json:"age_start"`
			AgeInterval int                  `json:"age_interval"`
			ASFR        []float64            `json:"asfr"`
			ByLocation  map[string][]float64 `json:"asfr_by_location"`
			SRB         float64              `json:"srb"`
			NLx         []float64            `json:"nLx_female_radix1"`
			Expected    struct {
				MAC     *float64           `json:"mac"`
				NRR     *float64           `json:"nrr"`
				TFR1020 map[string]float64 `json:"tfr_10_20"`
			} `json:"expected"`
			Tolerance float64 `json:"tolerance"`
		} `json:"cases"`
	}
	ltReadOracle(t, "fertility_demcore_unit_cases.json", &o)
	checked := 0
	for _, c := range o.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.AgeInterval != 5 || !(c.Tolerance > 0) {
				t.Fatalf("interval %d, tolerance %v", c.AgeInterval, c.Tolerance)
			}
			groups := fertFiveYear(c.AgeStart)
			switch {
			case c.Expected.MAC != nil:
				mac, err := demog.MeanAgeAtChildbearing(groups, c.ASFR)
				if err != nil {
					t.Fatal(err)
				}
				fertCheck(t, "MAC", mac, *c.Expected.MAC, c.Tolerance)
			case c.Expected.NRR != nil:
				nrr, err := demog.NRR(groups, c.ASFR, c.NLx, 1, c.SRB)
				if err != nil {
					t.Fatal(err)
				}
				fertCheck(t, "NRR", nrr, *c.Expected.NRR, c.Tolerance)
			case c.Expected.TFR1020 != nil:
				for loc, want := range c.Expected.TFR1020 {
					asfr, ok := c.ByLocation[loc]
					if !ok {
						t.Fatalf("no rates for %s", loc)
					}
					ptfr, err := demog.PartialTFR(groups, asfr, 10, 20)
					if err != nil {
						t.Fatal(err)
					}
					fertCheck(t, "TFR 10-19 "+loc, ptfr, want, c.Tolerance)
				}
			default:
				t.Fatal("case has no expected value this test knows")
			}
			checked++
		})
	}
	if checked != len(o.Cases) {
		t.Errorf("checked %d of %d cases", checked, len(o.Cases))
	}
}

// TestNRRFromLifeTable takes nLx from a female life table (radix 100000) and compares with
// NRR on that table's nLx scaled to radix 1.
func TestNRRFromLifeTable(t *testing.T) {
	groups, err := demog.AbridgedGroups(85)
	if err != nil {
		t.Fatal(err)
	}
	mx := []float64{0.02, 0.002, 0.001, 0.0008, 0.0012, 0.0015, 0.0018, 0.002, 0.0025,
		0.003, 0.004, 0.006, 0.009, 0.014, 0.022, 0.036, 0.06, 0.1, 0.2}
	lt, err := demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	fg := fertFiveYear([]int{15, 20, 25, 30, 35, 40, 45})
	asfr := []float64{0.05, 0.15, 0.16, 0.12, 0.07, 0.03, 0.005}
	nrr, err := demog.NRRFromLifeTable(fg, asfr, lt, 1.05)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i := range fg {
		want += asfr[i] * lt.NLx[4+i] / lt.Radix / 2.05
	}
	if math.Abs(nrr-want) > 1e-12 {
		t.Errorf("NRR from life table %v, want %v", nrr, want)
	}
	// NRR < GRR: some women die before the end of childbearing.
	grr, err := demog.GRR(fg, asfr, 1.05)
	if err != nil {
		t.Fatal(err)
	}
	if !(nrr < grr) {
		t.Errorf("NRR %v not below GRR %v", nrr, grr)
	}
	// Fertility groups that the life table does not have.
	if _, err := demog.NRRFromLifeTable([]demog.Group{{Start: 15, Width: 10}}, []float64{0.1}, lt, 1.05); err == nil {
		t.Error("10-year group against a 5-year table: no error")
	}
}

func TestFertilityInputErrors(t *testing.T) {
	g := fertFiveYear([]int{15, 20, 25})
	f := []float64{0.05, 0.1, 0.08}
	L := []float64{4.9, 4.9, 4.8}
	gap := fertFiveYear([]int{15, 25, 30})
	open := []demog.Group{{15, 5}, {20, 5}, {25, 0}}
	neg := []float64{0.05, -0.1, 0.08}
	nan := []float64{0.05, math.NaN(), 0.08}

	calls := map[string]func() error{
		"TFR mismatched":      func() error { _, err := demog.TFR(g, f[1:]); return err },
		"TFR negative":        func() error { _, err := demog.TFR(g, neg); return err },
		"TFR NaN":             func() error { _, err := demog.TFR(g, nan); return err },
		"TFR gap":             func() error { _, err := demog.TFR(gap, f); return err },
		"TFR open group":      func() error { _, err := demog.TFR(open, f); return err },
		"TFR no groups":       func() error { _, err := demog.TFR(nil, nil); return err },
		"partial not bounds":  func() error { _, err := demog.PartialTFR(g, f, 15, 22); return err },
		"partial empty":       func() error { _, err := demog.PartialTFR(g, f, 20, 20); return err },
		"partial outside":     func() error { _, err := demog.PartialTFR(g, f, 10, 20); return err },
		"GRR negative SRB":    func() error { _, err := demog.GRR(g, f, -1); return err },
		"NRR short nLx":       func() error { _, err := demog.NRR(g, f, L[1:], 1, 1.05); return err },
		"NRR zero radix":      func() error { _, err := demog.NRR(g, f, L, 0, 1.05); return err },
		"NRR NaN SRB":         func() error { _, err := demog.NRR(g, f, L, 1, math.NaN()); return err },
		"MAC all zero":        func() error { _, err := demog.MeanAgeAtChildbearing(g, []float64{0, 0, 0}); return err },
		"r zero fertility":    func() error { _, err := demog.IntrinsicGrowthRate(g, []float64{0, 0, 0}, L, 1, 1.05); return err },
		"HFD bad label":       func() error { _, err := demog.HFDAgeGroups([]string{"12-", "x"}); return err },
		"HFD plus not last":   func() error { _, err := demog.HFDAgeGroups([]string{"54+", "55"}); return err },
		"HFD minus not first": func() error { _, err := demog.HFDAgeGroups([]string{"12", "13-"}); return err },
		"HFD gap":             func() error { _, err := demog.HFDAgeGroups([]string{"12-", "14"}); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Single-year rates sum without a factor, 5-year ones with 5.
	tfr1, err := demog.TFR([]demog.Group{{20, 1}, {21, 1}}, []float64{0.1, 0.2})
	if err != nil || math.Abs(tfr1-0.3) > 1e-15 {
		t.Errorf("single-year TFR %v, %v; want 0.3", tfr1, err)
	}
	tfr5, err := demog.TFR(g, f)
	if err != nil || math.Abs(tfr5-5*0.23) > 1e-15 {
		t.Errorf("5-year TFR %v, %v; want 1.15", tfr5, err)
	}
}
