package demog

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ddmSAOracle is testdata/oracles/completeness_ggb_seg_south_africa_males_2001_2007.json.
type ddmSAOracle struct {
	Date1    string  `json:"date1"`
	Date2    string  `json:"date2"`
	Interval float64 `json:"interval_years"`
	AgeStart []int   `json:"age_start"`
	Input    struct {
		Pop1     []float64 `json:"pop1"`
		Pop2     []float64 `json:"pop2"`
		Deaths   []float64 `json:"deaths_total_intercensal"`
		Migrants []float64 `json:"net_migrants_total_intercensal"`
	} `json:"input"`
	Expected map[string]struct {
		NoMig   map[string]float64 `json:"completeness_no_migration"`
		WithMig map[string]float64 `json:"completeness_with_migration"`
	} `json:"expected"`
	Tolerance map[string]float64 `json:"tolerance"`
}

func ddmLoadSA(t *testing.T) (ddmSAOracle, Intercensal) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "oracles", "completeness_ggb_seg_south_africa_males_2001_2007.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o ddmSAOracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	d1, err := time.Parse(time.DateOnly, o.Date1)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := time.Parse(time.DateOnly, o.Date2)
	if err != nil {
		t.Fatal(err)
	}
	in := Intercensal{AgeStart: o.AgeStart, Pop1: o.Input.Pop1, Pop2: o.Input.Pop2,
		Deaths: o.Input.Deaths, Migrants: o.Input.Migrants, Years: IntervalYears(d1, d2)}
	return o, in
}

func TestIntervalYears(t *testing.T) {
	o, in := ddmLoadSA(t)
	if math.Abs(in.Years-o.Interval) > 1e-6 {
		t.Fatalf("IntervalYears = %.7f, file says %.6f", in.Years, o.Interval)
	}
}

// TestDDMSouthAfricaOracle checks GGB, SEG and GGB-SEG against the IUSSP Tools worked example
// as asserted by the DDMethods tests (the published figures of the file).
func TestDDMSouthAfricaOracle(t *testing.T) {
	o, in := ddmLoadSA(t)
	for _, k := range []string{"ggb_abs", "seg_abs", "ggbseg_abs"} {
		if !(o.Tolerance[k] > 0) {
			t.Fatalf("tolerance %s missing", k)
		}
	}
	for _, mig := range []bool{false, true} {
		exp := func(method string) float64 {
			e := o.Expected[method]
			m := e.NoMig
			if mig {
				m = e.WithMig
			}
			v, ok := m["DDMethods_test"]
			if !ok {
				t.Fatalf("%s: no DDMethods_test value", method)
			}
			return v
		}
		name := map[bool]string{false: "no migration", true: "with migration"}[mig]
		t.Run(name, func(t *testing.T) {
			g, err := GeneralGrowthBalance(in, GGBOptions{Migration: mig})
			if err != nil {
				t.Fatal(err)
			}
			want := exp("ggb")
			t.Logf("GGB %.4f (want %.4f) k1/k2 %.4f slope %.4f vsPop1 %.4f", g.Completeness, want, g.K1OverK2, g.Slope, g.CompletenessVsPop1)
			if g.MinAge != 5 || g.MaxAge != 80 {
				t.Errorf("GGB fitted %d–%d, want 5–80", g.MinAge, g.MaxAge)
			}
			if d := math.Abs(g.Completeness - want); d > o.Tolerance["ggb_abs"] {
				t.Errorf("GGB completeness %.4f, want %.4f ± %.2f", g.Completeness, want, o.Tolerance["ggb_abs"])
			}
			// The DDMethods conventions reproduce the figure to its printed precision.
			if d := math.Abs(g.Completeness - want); d > 0.0005 {
				t.Errorf("GGB completeness %.5f differs from %.4f by more than rounding", g.Completeness, want)
			}
			// The IUSSP growth rate is the other published convention (DDM gets 0.940/0.914).
			gi, err := GeneralGrowthBalance(in, GGBOptions{Migration: mig, Growth: GrowthIUSSP})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("GGB IUSSP growth %.4f", gi.Completeness)
			if d := math.Abs(gi.Completeness - want); d > o.Tolerance["ggb_abs"] {
				t.Errorf("GGB (IUSSP growth) %.4f, want %.4f ± %.2f", gi.Completeness, want, o.Tolerance["ggb_abs"])
			}

			s, err := SyntheticExtinctGenerations(in, SEGOptions{Migration: mig, Sex: Male})
			if err != nil {
				t.Fatal(err)
			}
			want = exp("seg")
			t.Logf("SEG %.4f (want %.4f) e(85)=%.3f ratio %.4f", s.Completeness, want, s.OpenAgeE, s.DeathRatio)
			if d := math.Abs(s.Completeness - want); d > o.Tolerance["seg_abs"] {
				t.Errorf("SEG completeness %.4f, want %.4f ± %.2f", s.Completeness, want, o.Tolerance["seg_abs"])
			}
			if !s.OpenAgeEFromModel || s.ModelClamped || s.MinAge != 25 || s.MaxAge != 60 {
				t.Errorf("SEG: model %v clamped %v ages %d–%d", s.OpenAgeEFromModel, s.ModelClamped, s.MinAge, s.MaxAge)
			}

			h, err := GGBSEG(in, GGBSEGOptions{GGB: GGBOptions{Migration: mig}, SEG: SEGOptions{Migration: mig, Sex: Male}})
			if err != nil {
				t.Fatal(err)
			}
			want = exp("ggbseg")
			t.Logf("GGB-SEG %.4f (want %.4f) vs better count %.4f e(85)=%.3f", h.Completeness, want, h.CompletenessVsBetterCount, h.SEG.OpenAgeE)
			if d := math.Abs(h.Completeness - want); d > o.Tolerance["ggbseg_abs"] {
				t.Errorf("GGB-SEG completeness %.4f, want %.4f ± %.2f", h.Completeness, want, o.Tolerance["ggbseg_abs"])
			}
			if h.GGB.Completeness != g.Completeness {
				t.Errorf("GGB-SEG's GGB step %.6f differs from GGB %.6f", h.GGB.Completeness, g.Completeness)
			}
		})
	}
}

// TestGGBPoints checks the diagnostic returned for plotting: one point per exact age n..open,
// the fitted ones lying about the line, and the line's parameters consistent with the result.
func TestGGBPoints(t *testing.T) {
	_, in := ddmLoadSA(t)
	g, err := GeneralGrowthBalance(in, GGBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Points) != len(in.AgeStart)-1 || g.Points[0].Age != 5 || g.Points[len(g.Points)-1].Age != 85 {
		t.Fatalf("points: %d from %d to %d", len(g.Points), g.Points[0].Age, g.Points[len(g.Points)-1].Age)
	}
	var fitted int
	for _, p := range g.Points {
		if p.Fitted != (p.Age >= 5 && p.Age <= 80) {
			t.Errorf("age %d fitted=%v", p.Age, p.Fitted)
		}
		if p.Fitted {
			fitted++
			if res := p.LeftSide - (g.Intercept + g.Slope*p.DeathRate); math.Abs(res) > 0.01 {
				t.Errorf("age %d: residual %.4f is far off the line", p.Age, res)
			}
		}
		if p.MigrationRate != 0 {
			t.Errorf("age %d: migration rate %v without migration", p.Age, p.MigrationRate)
		}
	}
	if fitted != 16 {
		t.Errorf("%d fitted points, want 16", fitted)
	}
	if got := math.Exp(in.Years * g.Intercept); math.Abs(got-g.K1OverK2) > 1e-12 {
		t.Errorf("k1/k2 %v inconsistent with intercept", g.K1OverK2)
	}
	if math.Max(g.K1, g.K2) != 1 || math.Abs(g.K1/g.K2-g.K1OverK2) > 1e-12 {
		t.Errorf("k1 %v k2 %v k1/k2 %v", g.K1, g.K2, g.K1OverK2)
	}
	// Narrower range: the fit must change and report the range used.
	g2, err := GeneralGrowthBalance(in, GGBOptions{MinAge: 15, MaxAge: 65})
	if err != nil {
		t.Fatal(err)
	}
	if g2.MinAge != 15 || g2.MaxAge != 65 || g2.Completeness == g.Completeness {
		t.Errorf("range 15–65: got %d–%d, completeness %v", g2.MinAge, g2.MaxAge, g2.Completeness)
	}
	// A range reaching the open group is cut below it.
	g3, err := GeneralGrowthBalance(in, GGBOptions{MaxAge: 90})
	if err != nil {
		t.Fatal(err)
	}
	if g3.MaxAge != 80 || g3.Completeness != g.Completeness {
		t.Errorf("MaxAge 90: fitted to %d, completeness %v vs %v", g3.MaxAge, g3.Completeness, g.Completeness)
	}
}

// TestDDMZeroMigrants: zero migrants with migration on must equal the no-migration result.
func TestDDMZeroMigrants(t *testing.T) {
	_, in := ddmLoadSA(t)
	in.Migrants = make([]float64, len(in.AgeStart))
	a, err := GeneralGrowthBalance(in, GGBOptions{Migration: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := GeneralGrowthBalance(in, GGBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.Completeness-b.Completeness) > 1e-12 {
		t.Errorf("GGB with zero migrants %v, without %v", a.Completeness, b.Completeness)
	}
	c, err := SyntheticExtinctGenerations(in, SEGOptions{Migration: true, Sex: Male})
	if err != nil {
		t.Fatal(err)
	}
	d, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: Male})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Completeness-d.Completeness) > 1e-12 {
		t.Errorf("SEG with zero migrants %v, without %v", c.Completeness, d.Completeness)
	}
}

// TestSEGOpenAgeE: the open-age life expectancy matters, and a user value replaces the model.
func TestSEGOpenAgeE(t *testing.T) {
	_, in := ddmLoadSA(t)
	m, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: Male})
	if err != nil {
		t.Fatal(err)
	}
	u, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: Male, OpenAgeE: m.OpenAgeE})
	if err != nil {
		t.Fatal(err)
	}
	if u.OpenAgeEFromModel || math.Abs(u.Completeness-m.Completeness) > 1e-12 {
		t.Errorf("same e given by hand: %v vs %v", u.Completeness, m.Completeness)
	}
	hi, err := SyntheticExtinctGenerations(in, SEGOptions{OpenAgeE: m.OpenAgeE + 2})
	if err != nil {
		t.Fatal(err)
	}
	// Growing population: a longer e(A) means more people rebuilt at the open age.
	if !(hi.Completeness > m.Completeness) {
		t.Errorf("e+2 gives %v, not above %v", hi.Completeness, m.Completeness)
	}
	// Plausible open-age e for males at 85 in a West table.
	if m.OpenAgeE < 2.5 || m.OpenAgeE > 5 {
		t.Errorf("e(85) = %v outside 2.5–5", m.OpenAgeE)
	}
	f, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: Female})
	if err != nil {
		t.Fatal(err)
	}
	b, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: BothSexes})
	if err != nil {
		t.Fatal(err)
	}
	if !(f.OpenAgeE > m.OpenAgeE) || math.Abs(b.OpenAgeE-(f.OpenAgeE+m.OpenAgeE)/2) > 1e-9 {
		t.Errorf("e(85): male %v female %v both %v", m.OpenAgeE, f.OpenAgeE, b.OpenAgeE)
	}
}

// TestCDWestModel checks the model life tables against properties of the published tables:
// the ratio 30d10/20d40 of level 25 (DDM's fixed ratios: 0.147 male, 0.117 female), monotone
// ratios and open-age e, and e(x) falling with age.
func TestCDWestModel(t *testing.T) {
	for _, c := range []struct {
		sex   Sex
		ratio float64
	}{{Male, 0.147}, {Female, 0.117}} {
		r := cdWestE10[c.sex]
		top := cdWestModel(c.sex, r[1])
		if math.Abs(top.ratio-c.ratio) > 0.002 {
			t.Errorf("sex %d level 25 ratio %.4f, want %.3f", c.sex, top.ratio, c.ratio)
		}
		prev := cdWestModel(c.sex, r[0])
		for e10 := r[0] + 1; e10 <= r[1]; e10++ {
			m := cdWestModel(c.sex, e10)
			if !(m.ratio < prev.ratio) || !(m.e[5] > prev.e[5]) {
				t.Fatalf("sex %d e10 %.1f: ratio %v (prev %v), e85 %v (prev %v)", c.sex, e10, m.ratio, prev.ratio, m.e[5], prev.e[5])
			}
			for j := 1; j < len(m.e); j++ {
				if !(m.e[j] < m.e[j-1]) {
					t.Fatalf("sex %d e10 %.1f: e not falling with age: %v", c.sex, e10, m.e)
				}
			}
			prev = m
		}
		// The solver inverts the ratio.
		mid := cdWestModel(c.sex, (r[0]+r[1])/2)
		e, clamped, err := cdWestOpenAgeE(c.sex, mid.ratio, 85)
		if err != nil || clamped || math.Abs(e-mid.e[5]) > 1e-6 {
			t.Errorf("sex %d: solved e85 %v (clamped %v, err %v), want %v", c.sex, e, clamped, err, mid.e[5])
		}
		if _, clamped, _ := cdWestOpenAgeE(c.sex, 5, 85); !clamped {
			t.Errorf("sex %d: ratio 5 not flagged as outside the model", c.sex)
		}
	}
}

// TestDDMErrors: bad input gives errors, not panics or NaN.
func TestDDMErrors(t *testing.T) {
	_, good := ddmLoadSA(t)
	mod := func(f func(in *Intercensal)) Intercensal {
		in := good
		in.AgeStart = append([]int(nil), good.AgeStart...)
		in.Pop1 = append([]float64(nil), good.Pop1...)
		in.Pop2 = append([]float64(nil), good.Pop2...)
		in.Deaths = append([]float64(nil), good.Deaths...)
		in.Migrants = append([]float64(nil), good.Migrants...)
		f(&in)
		return in
	}
	cases := []struct {
		name string
		in   Intercensal
		ggb  GGBOptions
		seg  SEGOptions
	}{
		{"short pop2", mod(func(in *Intercensal) { in.Pop2 = in.Pop2[:5] }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"too few groups", mod(func(in *Intercensal) {
			in.AgeStart, in.Pop1, in.Pop2, in.Deaths, in.Migrants = in.AgeStart[:3], in.Pop1[:3], in.Pop2[:3], in.Deaths[:3], in.Migrants[:3]
		}), GGBOptions{}, SEGOptions{Sex: Male}},
		{"zero population", mod(func(in *Intercensal) { in.Pop1[4] = 0 }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"NaN population", mod(func(in *Intercensal) { in.Pop2[4] = math.NaN() }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"negative deaths", mod(func(in *Intercensal) { in.Deaths[7] = -1 }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"infinite deaths", mod(func(in *Intercensal) { in.Deaths[7] = math.Inf(1) }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"gap in ages", mod(func(in *Intercensal) { in.AgeStart[6] = 31 }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"not from 0", mod(func(in *Intercensal) {
			for i := range in.AgeStart {
				in.AgeStart[i] += 5
			}
		}), GGBOptions{}, SEGOptions{Sex: Male}},
		{"zero interval", mod(func(in *Intercensal) { in.Years = 0 }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"NaN interval", mod(func(in *Intercensal) { in.Years = math.NaN() }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"migration without migrants", mod(func(in *Intercensal) { in.Migrants = nil }), GGBOptions{Migration: true}, SEGOptions{Sex: Male, Migration: true}},
		{"NaN migrants", mod(func(in *Intercensal) { in.Migrants[3] = math.NaN() }), GGBOptions{Migration: true}, SEGOptions{Sex: Male, Migration: true}},
		{"empty range", good, GGBOptions{MinAge: 70, MaxAge: 60}, SEGOptions{Sex: Male, MinAge: 70, MaxAge: 60}},
		{"two points", good, GGBOptions{MinAge: 70, MaxAge: 75}, SEGOptions{Sex: Male, MinAge: 0, MaxAge: 0, OpenAgeE: -1}},
		{"no deaths", mod(func(in *Intercensal) { clear(in.Deaths) }), GGBOptions{}, SEGOptions{Sex: Male}},
		{"unknown growth method and sex", good, GGBOptions{Growth: 9}, SEGOptions{Sex: 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r, err := GeneralGrowthBalance(c.in, c.ggb); err == nil {
				t.Errorf("GGB: no error, completeness %v", r.Completeness)
			}
			if r, err := SyntheticExtinctGenerations(c.in, c.seg); err == nil {
				t.Errorf("SEG: no error, completeness %v", r.Completeness)
			}
			if r, err := GGBSEG(c.in, GGBSEGOptions{GGB: c.ggb, SEG: c.seg}); err == nil {
				t.Errorf("GGB-SEG: no error, completeness %v", r.Completeness)
			}
		})
	}
	if _, err := SyntheticExtinctGenerations(good, SEGOptions{}); err == nil {
		t.Error("SEG without sex or open-age e: no error")
	}
	if _, err := SyntheticExtinctGenerations(good, SEGOptions{OpenAgeE: 3.5}); err != nil {
		t.Errorf("SEG with a given open-age e needs no sex: %v", err)
	}
}

// TestDDMMozambique is a smoke test on the DDM package's Mozambique data (input only): the
// methods must run and give values a demographer would accept as plausible for census-based
// deaths. Deaths in the file are annual averages (DDM's default), censuses 1997 and 2007.
func TestDDMMozambique(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "oracles", "completeness_ddm_mozambique_1997_2007_input_only.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "pop1,pop2,deaths,age,sex,year1,year2" {
		t.Fatalf("header %v", rows[0])
	}
	bySex := map[string]*Intercensal{}
	for _, r := range rows[1:] {
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(r[i], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		in := bySex[r[4]]
		if in == nil {
			in = &Intercensal{Years: num(6) - num(5)}
			bySex[r[4]] = in
		}
		in.AgeStart = append(in.AgeStart, int(num(3)))
		in.Pop1 = append(in.Pop1, num(0))
		in.Pop2 = append(in.Pop2, num(1))
		in.Deaths = append(in.Deaths, num(2)*in.Years) // annual → total
	}
	for sex, in := range bySex {
		s := map[string]Sex{"m": Male, "f": Female}[sex]
		g, err := GeneralGrowthBalance(*in, GGBOptions{})
		if err != nil {
			t.Fatalf("%s: %v", sex, err)
		}
		se, err := SyntheticExtinctGenerations(*in, SEGOptions{Sex: s})
		if err != nil {
			t.Fatalf("%s: %v", sex, err)
		}
		h, err := GGBSEG(*in, GGBSEGOptions{SEG: SEGOptions{Sex: s}})
		if err != nil {
			t.Fatalf("%s: %v", sex, err)
		}
		t.Logf("Mozambique %s: GGB %.3f (k1/k2 %.3f, ages %d–%d), SEG %.3f (e%d %.2f), GGB-SEG %.3f",
			sex, g.Completeness, g.K1OverK2, g.MinAge, g.MaxAge, se.Completeness, in.AgeStart[len(in.AgeStart)-1], se.OpenAgeE, h.Completeness)
		for name, v := range map[string]float64{"GGB": g.Completeness, "SEG": se.Completeness, "GGB-SEG": h.Completeness} {
			if v < ddmMozLow || v > ddmMozHigh {
				t.Errorf("%s %s completeness %.3f outside %.1f–%.1f", sex, name, v, ddmMozLow, ddmMozHigh)
			}
		}
		if g.K1OverK2 < 0.85 || g.K1OverK2 > 1.15 {
			t.Errorf("%s: relative census coverage %.3f outside 0.85–1.15", sex, g.K1OverK2)
		}
		if g.MaxAge != 75 {
			t.Errorf("%s: open age 80 should cut the fit at 75, got %d", sex, g.MaxAge)
		}
	}
}

// Plausible range for Mozambique 1997–2007: the deaths come from household reports, not a
// complete registry, so completeness well below 1 but not negligible.
const ddmMozLow, ddmMozHigh = 0.3, 1.2
