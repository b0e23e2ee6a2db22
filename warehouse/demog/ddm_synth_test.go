package demog

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// ddmWorld is a closed population on a Lexis surface with known mortality and births, from
// which counts and registered deaths are computed by numerical integration (no method
// formula is used to build it). Mortality is constant in time: Siler-type hazard
// μ(x) = a·e^(−b·x) + c + g·e^(θ·x). Births B(s) = e^(ρ·s)·(1 + amp·sin(2πs/period)); with amp
// = 0 the population is stable with growth rate ρ.
type ddmWorld struct {
	a, b, c, g, theta float64
	rho, amp, period  float64
}

func (w ddmWorld) hazard(x float64) float64 {
	return w.a*math.Exp(-w.b*x) + w.c + w.g*math.Exp(w.theta*x)
}

func (w ddmWorld) surv(x float64) float64 {
	h := w.a/w.b*(1-math.Exp(-w.b*x)) + w.c*x + w.g/w.theta*math.Expm1(w.theta*x)
	return math.Exp(-h)
}

func (w ddmWorld) births(s float64) float64 {
	b := math.Exp(w.rho * s)
	if w.amp != 0 {
		b *= 1 + w.amp*math.Sin(2*math.Pi*s/w.period)
	}
	return b
}

const (
	ddmWorldTop  = 130.0 // oldest age simulated
	ddmWorldStep = 0.02  // integration step in age and time (midpoint rule)
)

// pop returns the population by 5-year group (open at open) at time t.
func (w ddmWorld) pop(t float64, open int) []float64 {
	out := make([]float64, open/5+1)
	for x := ddmWorldStep / 2; x < ddmWorldTop; x += ddmWorldStep {
		out[min(int(x/5), open/5)] += w.births(t-x) * w.surv(x) * ddmWorldStep
	}
	return out
}

// deaths returns the deaths by 5-year group between times t1 and t2.
func (w ddmWorld) deaths(t1, t2 float64, open int) []float64 {
	out := make([]float64, open/5+1)
	for t := t1 + ddmWorldStep/2; t < t2; t += ddmWorldStep {
		for x := ddmWorldStep / 2; x < ddmWorldTop; x += ddmWorldStep {
			out[min(int(x/5), open/5)] += w.hazard(x) * w.births(t-x) * w.surv(x) * ddmWorldStep * ddmWorldStep
		}
	}
	return out
}

// lifeExp returns the true life expectancy at age x.
func (w ddmWorld) lifeExp(x float64) float64 {
	var s float64
	for y := x + ddmWorldStep/2; y < ddmWorldTop; y += ddmWorldStep {
		s += w.surv(y) * ddmWorldStep
	}
	return s / w.surv(x)
}

// intercensal makes the two-count input: counts at t=0 and t=years with coverages k1 and k2,
// deaths registered with completeness c.
func (w ddmWorld) intercensal(years, k1, k2, c float64, open int) Intercensal {
	in := Intercensal{Years: years, Pop1: w.pop(0, open), Pop2: w.pop(years, open),
		Deaths: w.deaths(0, years, open)}
	for i := range in.Pop1 {
		in.AgeStart = append(in.AgeStart, 5*i)
		in.Pop1[i] *= 1e6 * k1
		in.Pop2[i] *= 1e6 * k2
		in.Deaths[i] *= 1e6 * c
	}
	return in
}

// A high-mortality schedule (e0 about 60) like Cambodia's in the 2000s, and a growing
// population.
var ddmTestWorld = ddmWorld{a: 0.06, b: 1.2, c: 0.002, g: 0.00012, theta: 0.088, rho: 0.02}

// TestDDMSyntheticTruth: counts and deaths generated from known mortality, with registration
// completeness c, must give back c. Tolerances are relative and stated per method:
//   - GGB 3%: the published method estimates the people reaching age a from 5-year groups
//     (geometric mean of the neighbouring groups), which ignores the curvature of the age
//     distribution; with this Gompertz slope it understates the entry rate by 1–2% at 70–80
//     and so overstates completeness by 2.6% over ages 5–80 (0.8% over 15–55). Measured, not
//     tuned: the test world was chosen before the methods were run;
//   - k1/k2 within 0.006;
//   - SEG 2% with the true e(open), 3% with the Coale–Demeny West estimate (the synthetic
//     hazard is not a West table);
//   - GGB-SEG 3%: SEG is sensitive to the small bias of GGB's k1/k2.
func TestDDMSyntheticTruth(t *testing.T) {
	const open = 85
	cases := []struct {
		name   string
		w      ddmWorld
		k1, k2 float64
		c      float64
		tol    float64 // relative tolerance of GGB and GGB-SEG
	}{
		{"stable, complete counts, c=0.8", ddmTestWorld, 1, 1, 0.8, 0.03},
		{"stable, complete counts, c=1", ddmTestWorld, 1, 1, 1, 0.03},
		{"stable, c=0.6", ddmTestWorld, 1, 1, 0.6, 0.03},
		// Cohort sizes waving ±15% break the smooth age distribution the birthdays estimate
		// assumes: measured bias +3.3%.
		{"births fluctuating, c=0.8", func() ddmWorld { w := ddmTestWorld; w.amp, w.period = 0.15, 17; return w }(), 1, 1, 0.8, 0.04},
		{"slow growth, c=0.9", func() ddmWorld { w := ddmTestWorld; w.rho = 0.005; return w }(), 1, 1, 0.9, 0.03},
		{"second count 5% short, c=0.8", ddmTestWorld, 1, 0.95, 0.8, 0.03},
		{"first count 4% short, c=0.7", ddmTestWorld, 0.96, 1, 0.7, 0.03},
	}
	trueE := ddmTestWorld.lifeExp(open)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.w.intercensal(5.353425, tc.k1, tc.k2, tc.c, open)
			g, err := GeneralGrowthBalance(in, GGBOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantRatio := tc.k1 / tc.k2
			// GGB reports completeness relative to the better count, here the true population.
			if ddmRelErr(g.Completeness, tc.c) > tc.tol || math.Abs(g.K1OverK2-wantRatio) > 0.006 {
				t.Errorf("GGB completeness %.4f (want %.2f), k1/k2 %.4f (want %.4f)", g.Completeness, tc.c, g.K1OverK2, wantRatio)
			}
			if want := tc.c / tc.k1; ddmRelErr(g.CompletenessVsPop1, want) > tc.tol {
				t.Errorf("GGB vs first count %.4f, want %.4f", g.CompletenessVsPop1, want)
			}
			hyb, err := GGBSEG(in, GGBSEGOptions{SEG: SEGOptions{OpenAgeE: trueE}})
			if err != nil {
				t.Fatal(err)
			}
			if ddmRelErr(hyb.CompletenessVsBetterCount, tc.c) > tc.tol || ddmRelErr(hyb.Completeness, tc.c/tc.k2) > tc.tol {
				t.Errorf("GGB-SEG %.4f vs better count %.4f, want %.4f and %.2f", hyb.Completeness, hyb.CompletenessVsBetterCount, tc.c/tc.k2, tc.c)
			}
			s, err := SyntheticExtinctGenerations(in, SEGOptions{OpenAgeE: trueE})
			if err != nil {
				t.Fatal(err)
			}
			m, err := SyntheticExtinctGenerations(in, SEGOptions{Sex: Male})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("GGB %.4f k1/k2 %.4f | SEG true e %.4f, West e %.4f (e85 %.2f vs true %.2f) | GGB-SEG %.4f",
				g.Completeness, g.K1OverK2, s.Completeness, m.Completeness, m.OpenAgeE, trueE, hyb.CompletenessVsBetterCount)
			if tc.k1 != tc.k2 {
				// SEG assumes equally complete counts: a coverage change must bias it, which is
				// what the hybrid corrects.
				if ddmRelErr(s.Completeness, tc.c) < 0.05 {
					t.Errorf("SEG %.4f unaffected by unequal coverage (c %.2f)", s.Completeness, tc.c)
				}
				return
			}
			if ddmRelErr(s.Completeness, tc.c) > 0.02 {
				t.Errorf("SEG (true e) %.4f, want %.2f ± 2%%", s.Completeness, tc.c)
			}
			if ddmRelErr(m.Completeness, tc.c) > 0.03 {
				t.Errorf("SEG (West e) %.4f, want %.2f ± 3%%", m.Completeness, tc.c)
			}
		})
	}
}

// TestBGBSyntheticTruth: in a stable population Brass's method recovers completeness within
// 2% (the same birthdays approximation as GGB, measured bias +1.3%) and the growth rate within
// 0.002; with complete registration it gives 1 within 0.02.
func TestBGBSyntheticTruth(t *testing.T) {
	const open = 75
	for _, tc := range []struct {
		rho, c float64
	}{{0.02, 1}, {0.02, 0.75}, {0.03, 0.5}, {0.01, 0.9}} {
		w := ddmTestWorld
		w.rho = tc.rho
		pop := w.pop(0, open)
		// Deaths in the year centred on the count.
		d := w.deaths(-0.5, 0.5, open)
		in := PopDeaths{Pop: pop, Deaths: d}
		for i := range pop {
			in.AgeStart = append(in.AgeStart, 5*i)
			in.Deaths[i] *= tc.c
		}
		r, err := BrassGrowthBalance(in, BGBOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rho %.3f c %.2f: BGB completeness %.4f growth %.4f", tc.rho, tc.c, r.Completeness, r.GrowthRate)
		if ddmRelErr(r.Completeness, tc.c) > 0.02 {
			t.Errorf("rho %.3f: completeness %.4f, want %.2f ± 2%%", tc.rho, r.Completeness, tc.c)
		}
		if math.Abs(r.GrowthRate-tc.rho) > 0.002 {
			t.Errorf("rho %.3f: growth %.4f, want ± 0.002", tc.rho, r.GrowthRate)
		}
	}
}

// TestBGBElSalvador runs the El Salvador 1961 females example (input only, no published
// result): the method must run and give a completeness and growth rate plausible for 1961
// El Salvador (growth near 3% a year; registration fairly complete but not perfect).
func TestBGBElSalvador(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "oracles", "completeness_bgb_el_salvador_1961_females_input_only.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		AgeStart []int `json:"age_start"`
		Input    struct {
			Population []float64 `json:"population"`
			Deaths     []float64 `json:"deaths"`
		} `json:"input"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	r, err := BrassGrowthBalance(PopDeaths{AgeStart: o.AgeStart, Pop: o.Input.Population, Deaths: o.Input.Deaths}, BGBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("El Salvador 1961 females: completeness %.3f, growth %.4f, ages %d–%d, RMSE %.5f", r.Completeness, r.GrowthRate, r.MinAge, r.MaxAge, r.RMSE)
	if r.Completeness < 0.6 || r.Completeness > 1.1 || r.GrowthRate < 0.015 || r.GrowthRate > 0.045 {
		t.Errorf("completeness %.3f or growth %.4f implausible", r.Completeness, r.GrowthRate)
	}
	if r.MaxAge != 65 || len(r.Points) != len(o.AgeStart)-1 {
		t.Errorf("fitted to %d with %d points", r.MaxAge, len(r.Points))
	}
	// Errors, not panics.
	if _, err := BrassGrowthBalance(PopDeaths{AgeStart: o.AgeStart, Pop: o.Input.Population[:4], Deaths: o.Input.Deaths}, BGBOptions{}); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := BrassGrowthBalance(PopDeaths{AgeStart: o.AgeStart, Pop: o.Input.Population, Deaths: make([]float64, len(o.AgeStart))}, BGBOptions{}); err == nil {
		t.Error("no deaths: no error")
	}
	if _, err := BrassGrowthBalance(PopDeaths{AgeStart: o.AgeStart, Pop: o.Input.Population, Deaths: o.Input.Deaths}, BGBOptions{MinAge: 2}); err == nil {
		t.Error("fit from age 2: no error")
	}
}

func ddmRelErr(got, want float64) float64 { return math.Abs(got/want - 1) }
