package demog_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"vitalstats/warehouse/demog"
)

// ltReadOracle decodes testdata/oracles/<name> (copies of published reference cases; see the
// README there) into v.
func ltReadOracle(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "oracles", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// ltOracle is the shape shared by the lifetable_*.json oracle files.
type ltOracle struct {
	ID          string `json:"id"`
	Sex         string `json:"sex"`
	AgeGroups   []int  `json:"age_groups"`
	AgeInterval []*int `json:"age_interval"`
	Input       struct {
		NMx        []float64 `json:"nMx"`
		Mx         []float64 `json:"mx"`
		Ax         []float64 `json:"ax"`
		Nax        []float64 `json:"nax"`
		Deaths     []float64 `json:"deaths"`
		Exposures  []float64 `json:"exposures"`
		Population []float64 `json:"population"`
		IMR        float64   `json:"IMR"`
		Region     string    `json:"region"`
	} `json:"input"`
	PublishedNax []float64 `json:"published_nax"`
	Expected     struct {
		Ex  []float64 `json:"ex"`
		Lx  []float64 `json:"lx"`
		Qx  []float64 `json:"qx"`
		Ndx []float64 `json:"ndx"`
		NLx []float64 `json:"nLx"`
		// HMD's "Lx" and "Tx" need fields of their own: encoding/json would otherwise fold
		// "Lx" onto the "lx" field and overwrite the survivors.
		HMDLx     []float64 `json:"Lx"`
		HMDTx     []float64 `json:"Tx"`
		ExDerived []float64 `json:"ex_derived_from_book_nLx"`
		Q0        float64   `json:"q0_infant"`
		Q5        float64   `json:"5q0_under5_from_lx"`
	} `json:"expected"`
	Tolerance map[string]float64 `json:"tolerance"`
}

func (o ltOracle) groups(t testing.TB) []demog.Group {
	t.Helper()
	if len(o.AgeGroups) != len(o.AgeInterval) {
		t.Fatalf("%s: %d age groups, %d intervals", o.ID, len(o.AgeGroups), len(o.AgeInterval))
	}
	g := make([]demog.Group, len(o.AgeGroups))
	for i, x := range o.AgeGroups {
		g[i].Start = x
		if w := o.AgeInterval[i]; w != nil {
			g[i].Width = *w
		}
	}
	return g
}

func ltSex(t testing.TB, s string) demog.Sex {
	t.Helper()
	switch s {
	case "m":
		return demog.Male
	case "f":
		return demog.Female
	}
	t.Fatalf("unknown sex %q in oracle", s)
	return 0
}

func ltTol(t testing.TB, o ltOracle, key string) float64 {
	t.Helper()
	tol, ok := o.Tolerance[key]
	if !ok || !(tol > 0) {
		t.Fatalf("%s: no tolerance %q in the oracle file", o.ID, key)
	}
	return tol
}

// ltClose fails for each element of got farther than tol from want, and returns the largest
// absolute difference so that tests can log how close they came.
func ltClose(t *testing.T, what string, groups []demog.Group, got, want []float64, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	worst := 0.0
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if !(d <= tol) {
			t.Errorf("%s at %v: got %.6f, want %.6f (|diff| %.6f > %g)", what, groups[i], got[i], want[i], d, tol)
		}
		if d > worst || math.IsNaN(d) {
			worst = d
		}
	}
	return worst
}

func TestLifeTableUN1982(t *testing.T) {
	var o ltOracle
	ltReadOracle(t, "lifetable_un1982_latam_model_males.json", &o)
	groups := o.groups(t)
	sex := ltSex(t, o.Sex)

	cases := []struct {
		name string
		opt  demog.Options
		tol  string
	}{
		{"published nax", demog.Options{Sex: sex, Rule: demog.AxGiven, Ax: o.PublishedNax}, "ex_abs_with_published_nax"},
		{"UN rule", demog.Options{Sex: sex, Rule: demog.AxUN}, "ex_abs_with_UN_rules"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lt, err := demog.NewLifeTable(groups, o.Input.NMx, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			tol := ltTol(t, o, c.tol)
			worst := ltClose(t, "ex", groups, lt.Ex, o.Expected.Ex, tol)
			t.Logf("max |ex diff| %.4f (tolerance %g)", worst, tol)
		})
	}

	// The UN rule must give the published nax themselves: a0, 4a1, 5a5 and 5a10 exactly, ages
	// 15-75 to the 3 decimals printed. Age 80 is the documented exception (published 2.295,
	// Greville 2.307), hence the published nax for the table above.
	lt, err := demog.NewLifeTable(groups, o.Input.NMx, demog.Options{Sex: sex, Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range groups {
		if g.Open() || g.Start == 80 {
			continue
		}
		if d := math.Abs(lt.Ax[i] - o.PublishedNax[i]); d > 0.0005+1e-12 {
			t.Errorf("UN nax at %v: got %.4f, published %.3f", g, lt.Ax[i], o.PublishedNax[i])
		}
	}
	// The open group's nax is 1/M, printed as 4.211.
	if last := len(groups) - 1; math.Abs(lt.Ax[last]-o.PublishedNax[last]) > 0.0005 {
		t.Errorf("open nax %.4f, published %.3f", lt.Ax[last], o.PublishedNax[last])
	}
}

func TestLifeTableMortPak1988(t *testing.T) {
	var o ltOracle
	ltReadOracle(t, "lifetable_mortpak1988_females.json", &o)
	groups := o.groups(t)
	lt, err := demog.NewLifeTable(groups, o.Input.NMx, demog.Options{Sex: ltSex(t, o.Sex), Rule: demog.AxUN})
	if err != nil {
		t.Fatal(err)
	}
	// MortPak's q0 from M0 is above 0.1, so the constant West female branch applies.
	if lt.Ax[0] != 0.35 || lt.Ax[1] != 1.361 {
		t.Errorf("a0, 4a1 = %v, %v; want the West female constants 0.35, 1.361", lt.Ax[0], lt.Ax[1])
	}
	tol := ltTol(t, o, "ex_abs_with_UN_rules")
	worst := ltClose(t, "ex", groups, lt.Ex, o.Expected.Ex, tol)
	t.Logf("max |ex diff| %.4f (tolerance %g)", worst, tol)
}

func TestLifeTablePASNorthMales(t *testing.T) {
	var o ltOracle
	ltReadOracle(t, "lifetable_pas_ltpopdth_north_males.json", &o)
	if o.Input.Region != "north" {
		t.Fatalf("oracle region %q, this test assumes north", o.Input.Region)
	}
	groups := o.groups(t)
	opt := demog.Options{Sex: ltSex(t, o.Sex), Rule: demog.AxCoaleDemeny, Region: demog.North, IMR: o.Input.IMR}
	lt, err := demog.LifeTableFromDeaths(groups, o.Input.Deaths, o.Input.Exposures, opt)
	if err != nil {
		t.Fatal(err)
	}
	if lt.Qx[0] != o.Input.IMR {
		t.Errorf("q0 = %v, want the IMR %v", lt.Qx[0], o.Input.IMR)
	}
	tol := ltTol(t, o, "ex_abs")
	worst := ltClose(t, "ex", groups, lt.Ex, o.Expected.Ex, tol)
	t.Logf("max |ex diff| %.4f (tolerance %g)", worst, tol)

	// Without the IMR convention q0 comes from M0 and e0 is far off (the oracle's warning):
	// this guards against the test passing for the wrong reason.
	opt.IMR = 0
	lt2, err := demog.LifeTableFromDeaths(groups, o.Input.Deaths, o.Input.Exposures, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := lt2.Ex[0] - o.Expected.Ex[0]; d < 1 {
		t.Errorf("e0 with q0 from M0 is %.3f, expected it more than a year above %.2f", lt2.Ex[0], o.Expected.Ex[0])
	}
}

func TestLifeTablePrestonAustria1992(t *testing.T) {
	var o ltOracle
	ltReadOracle(t, "lifetable_preston_austria1992_males.json", &o)
	groups := o.groups(t)
	lt, err := demog.LifeTableFromDeaths(groups, o.Input.Deaths, o.Input.Population,
		demog.Options{Sex: ltSex(t, o.Sex), Rule: demog.AxGiven, Ax: o.Input.Nax})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want []float64
		tol       string
	}{
		{"lx", lt.Lx, o.Expected.Lx, "lx_abs"},
		// ndx is printed as integers like lx and has no tolerance of its own in the file.
		{"ndx", lt.Dx, o.Expected.Ndx, "lx_abs"},
		{"nLx", lt.NLx, o.Expected.NLx, "nLx_abs"},
		{"ex", lt.Ex, o.Expected.ExDerived, "ex_abs"},
	} {
		tol := ltTol(t, o, c.tol)
		worst := ltClose(t, c.name, groups, c.got, c.want, tol)
		t.Logf("max |%s diff| %.4f (tolerance %g)", c.name, worst, tol)
	}
}

func TestLifeTableHMDGreatBritainFemales(t *testing.T) {
	for _, file := range []string{"lifetable_hmd_gbr_females_2018_1x1.json", "lifetable_hmd_gbr_females_1922_1x1.json"} {
		t.Run(file, func(t *testing.T) {
			var o ltOracle
			ltReadOracle(t, file, &o)
			groups := o.groups(t)
			sex := ltSex(t, o.Sex)
			lt, err := demog.NewLifeTable(groups, o.Input.Mx, demog.Options{Sex: sex, Rule: demog.AxGiven, Ax: o.Input.Ax})
			if err != nil {
				t.Fatal(err)
			}
			qtol, ltol, etol := ltTol(t, o, "qx_abs"), ltTol(t, o, "lx_abs"), ltTol(t, o, "ex_abs")
			t.Logf("max |qx diff| %.6f (tolerance %g)", ltClose(t, "qx", groups, lt.Qx, o.Expected.Qx, qtol), qtol)
			t.Logf("max |lx diff| %.3f (tolerance %g)", ltClose(t, "lx", groups, lt.Lx, o.Expected.Lx, ltol), ltol)
			t.Logf("max |ex diff| %.4f (tolerance %g)", ltClose(t, "ex", groups, lt.Ex, o.Expected.Ex, etol), etol)

			q0, err := lt.ProbDying(0, 1)
			if err != nil {
				t.Fatal(err)
			}
			q5, err := lt.ProbDying(0, 5)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(q0-o.Expected.Q0) > qtol || math.Abs(q5-o.Expected.Q5) > qtol {
				t.Errorf("q0, 5q0 = %.5f, %.5f; want %.5f, %.5f", q0, q5, o.Expected.Q0, o.Expected.Q5)
			}

			// The HMD rule itself: Andreev-Kingkade a0 from m0 rounds to the published a0, and
			// the table built with the rule (not the rounded ax) still meets the tolerances.
			ak, err := demog.NewLifeTable(groups, o.Input.Mx, demog.Options{Sex: sex, Rule: demog.AxAndreevKingkade})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ak.Ax[0]-o.Input.Ax[0]) > 0.005 {
				t.Errorf("Andreev-Kingkade a0 %.4f, published %.2f", ak.Ax[0], o.Input.Ax[0])
			}
			ltClose(t, "qx (AK rule)", groups, ak.Qx, o.Expected.Qx, qtol)
			ltClose(t, "ex (AK rule)", groups, ak.Ex, o.Expected.Ex, etol)
		})
	}
}

func TestLifeTableHMDSwedenAbridged(t *testing.T) {
	var o struct {
		ltOracle
		Tables []struct {
			Sex    string `json:"sex"`
			Period string `json:"period"`
			Input  struct {
				Nmx []float64 `json:"nmx"`
				Nax []float64 `json:"nax"`
			} `json:"input"`
			Expected struct {
				Nqx []float64 `json:"nqx"`
				Ex  []float64 `json:"ex"`
			} `json:"expected"`
		} `json:"tables"`
	}
	ltReadOracle(t, "lifetable_hmd_swe_5x5_abridged.json", &o)
	groups := o.groups(t)
	if len(o.Tables) != 4 {
		t.Fatalf("%d tables in the oracle, want 4", len(o.Tables))
	}
	qtol, etol := ltTol(t, o.ltOracle, "nqx_abs"), ltTol(t, o.ltOracle, "ex_abs")
	for _, tab := range o.Tables {
		t.Run(tab.Sex+" "+tab.Period, func(t *testing.T) {
			lt, err := demog.NewLifeTable(groups, tab.Input.Nmx,
				demog.Options{Sex: ltSex(t, tab.Sex), Rule: demog.AxGiven, Ax: tab.Input.Nax})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("max |nqx diff| %.5f (tolerance %g)", ltClose(t, "nqx", groups, lt.Qx, tab.Expected.Nqx, qtol), qtol)
			t.Logf("max |ex diff| %.4f (tolerance %g)", ltClose(t, "ex", groups, lt.Ex, tab.Expected.Ex, etol), etol)
		})
	}
}
