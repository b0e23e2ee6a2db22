package demog_test

import (
	"math"
	"testing"

	"vitalstats/warehouse/demog"
)

// TestAxRuleTestPoints checks every published test point of lifetable_a0_rules.json.
func TestAxRuleTestPoints(t *testing.T) {
	var o struct {
		TestPoints []struct {
			Rule      string             `json:"rule"`
			Sex       string             `json:"sex"`
			Region    string             `json:"region"`
			M0        *float64           `json:"m0"`
			Q0        *float64           `json:"q0"`
			Q0Ge01    bool               `json:"q0_ge_0.1"`
			Expected  map[string]float64 `json:"expected"`
			Tolerance *float64           `json:"tolerance"`
			Source    string             `json:"source"`
		} `json:"test_points"`
	}
	ltReadOracle(t, "lifetable_a0_rules.json", &o)
	if len(o.TestPoints) == 0 {
		t.Fatal("no test points in the oracle")
	}
	regions := map[string]demog.Region{"west": demog.West, "north": demog.North, "south": demog.South, "east": demog.East}
	for _, p := range o.TestPoints {
		name := p.Rule + " " + p.Sex + " " + p.Region
		t.Run(name, func(t *testing.T) {
			// A point without a tolerance states constants; they must come out exactly.
			tol := 1e-12
			if p.Tolerance != nil {
				tol = *p.Tolerance
			}
			// rule evaluates the point's rule for one sex, returning a0 and 4a1 (NaN if the
			// rule has no 4a1).
			var rule func(sex demog.Sex) (float64, float64, error)
			switch p.Rule {
			case "preston2001_table3_3_from_m0":
				rule = func(sex demog.Sex) (float64, float64, error) { return demog.PrestonAx(sex, *p.M0) }
			case "andreev_kingkade_from_m0":
				rule = func(sex demog.Sex) (float64, float64, error) {
					a0, err := demog.AndreevKingkadeA0(sex, *p.M0)
					return a0, math.NaN(), err
				}
			case "coale_demeny_from_q0_by_region":
				region, ok := regions[p.Region]
				if !ok {
					t.Fatalf("unknown region %q", p.Region)
				}
				q0 := 0.0
				switch {
				case p.Q0 != nil:
					q0 = *p.Q0
				case p.Q0Ge01:
					q0 = 0.15 // any q0 above the switch
				default:
					t.Fatal("test point has neither q0 nor q0_ge_0.1")
				}
				rule = func(sex demog.Sex) (float64, float64, error) { return demog.CoaleDemenyAx(region, sex, q0) }
			default:
				t.Fatalf("unknown rule %q", p.Rule)
			}
			var a0, a1 float64
			switch p.Sex {
			case "m", "f":
				var err error
				if a0, a1, err = rule(ltSex(t, p.Sex)); err != nil {
					t.Fatal(err)
				}
			case "both (mean of m,f)":
				// demCore's both-sexes convention: the simple mean of the two.
				m0, m1, err := rule(demog.Male)
				if err != nil {
					t.Fatal(err)
				}
				f0, f1, err := rule(demog.Female)
				if err != nil {
					t.Fatal(err)
				}
				a0, a1 = (m0+f0)/2, (m1+f1)/2
			default:
				t.Fatalf("unknown sex %q", p.Sex)
			}
			for key, want := range p.Expected {
				var got float64
				switch key {
				case "1a0", "1a0_2dp":
					got = a0
				case "4a1":
					got = a1
				default:
					t.Fatalf("unknown expected key %q", key)
				}
				if !(math.Abs(got-want) <= tol) {
					t.Errorf("%s = %.5f, want %v ± %g (%s)", key, got, want, tol, p.Source)
				}
			}
		})
	}
}

// TestAndreevKingkadeContinuity checks the segments join where the HMD code says they do: the
// upper joins are continuous (this is what fixes the male slope 3.26021, not 3.26201), the
// lower ones within 1e-4.
func TestAndreevKingkadeContinuity(t *testing.T) {
	for _, c := range []struct {
		sex   demog.Sex
		knots []float64
		tol   []float64
	}{
		{demog.Male, []float64{0.023, 0.08307}, []float64{1e-4, 1e-5}},
		{demog.Female, []float64{0.01724, 0.06891}, []float64{1e-4, 1e-5}},
	} {
		for i, k := range c.knots {
			below, err := demog.AndreevKingkadeA0(c.sex, k-1e-12)
			if err != nil {
				t.Fatal(err)
			}
			at, err := demog.AndreevKingkadeA0(c.sex, k)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(at-below) > c.tol[i] {
				t.Errorf("%v a0 jumps at m0 = %v: %.6f → %.6f", c.sex, k, below, at)
			}
		}
	}
}

// TestCoaleDemenyQ0 checks that the PAS quadratic returns a q0 consistent with its own a0:
// q0 = M0/(1+(1−a0)·M0) with a0 on the linear branch.
func TestCoaleDemenyQ0(t *testing.T) {
	for _, region := range []demog.Region{demog.West, demog.North, demog.South, demog.East} {
		for _, sex := range []demog.Sex{demog.Male, demog.Female} {
			for _, m0 := range []float64{0.002, 0.02, 0.05, 0.09, 0.13846} {
				q0, err := demog.CoaleDemenyQ0(region, sex, m0)
				if err != nil {
					t.Fatal(err)
				}
				// Evaluate the linear branch explicitly with a q0 below the switch, then extend.
				lo, _, err := demog.CoaleDemenyAx(region, sex, 0)
				if err != nil {
					t.Fatal(err)
				}
				hi, _, err := demog.CoaleDemenyAx(region, sex, 0.1)
				if err != nil {
					t.Fatal(err)
				}
				a0 := lo + (hi-lo)/0.1*q0
				if want := m0 / (1 + (1-a0)*m0); math.Abs(q0-want) > 1e-12 {
					t.Errorf("%v %v m0=%v: q0 %.8f, self-consistent %.8f", region, sex, m0, q0, want)
				}
			}
		}
	}
}

// TestUNRuleGreville checks the UN rule against a Greville nax computed by hand for one group
// and the fallback to n/2 when a neighbouring rate is 0.
func TestUNRuleGreville(t *testing.T) {
	groups, err := demog.AbridgedGroups(25)
	if err != nil {
		t.Fatal(err)
	}
	mx := []float64{0.05, 0.004, 0.001, 0.0008, 0.0012, 0.002, 0.01}
	lt, err := demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	// 15-19: neighbours 10-14 and 20-24.
	want := 2.5 - 25.0/12*(0.0012-0.1*math.Log(0.002/0.0008))
	if math.Abs(lt.Ax[4]-want) > 1e-12 {
		t.Errorf("5a15 = %v, want %v", lt.Ax[4], want)
	}
	// 20-24 is the last closed group: its upper neighbour is the open group.
	want = 2.5 - 25.0/12*(0.002-0.1*math.Log(0.01/0.0012))
	if math.Abs(lt.Ax[5]-want) > 1e-12 {
		t.Errorf("5a20 = %v, want %v", lt.Ax[5], want)
	}
	if lt.Ax[2] != 2.5 || lt.Ax[3] != 2.5 {
		t.Errorf("5a5, 5a10 = %v, %v; want 2.5", lt.Ax[2], lt.Ax[3])
	}
	// West female linear branch (q0 < 0.1): a0 = 0.05 + 3·q0.
	if want := 0.05 + 3*lt.Qx[0]; math.Abs(lt.Ax[0]-want) > 1e-12 {
		t.Errorf("a0 = %v, want %v", lt.Ax[0], want)
	}

	mx[3] = 0 // 10-14 without deaths: Greville for 15-19 is undefined
	lt, err = demog.NewLifeTable(groups, mx, demog.Options{Sex: demog.Female, Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	if lt.Ax[4] != 2.5 {
		t.Errorf("5a15 with a zero neighbour = %v, want the fallback 2.5", lt.Ax[4])
	}
}
