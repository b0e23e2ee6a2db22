package demog

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// alCase is one row of testdata/oracles/completeness_adair_lopez_2018_cases.csv: the
// covariates and the paper's own predictions for models 1 and 2.
type alCase struct {
	in           AdairLopezInput
	pred1, pred2 float64
}

func alLoadCases(t *testing.T) []alCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "oracles", "completeness_adair_lopez_2018_cases.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"sex", "year", "country_key", "reg_cdr_per_1000", "u5mr_prob", "u5_completeness", "pct65", "published_pred_model1", "published_pred_model2"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("column %s missing", h)
		}
	}
	var out []alCase
	for _, r := range rows[1:] {
		num := func(h string) float64 {
			v, err := strconv.ParseFloat(r[col[h]], 64)
			if err != nil {
				t.Fatalf("%s: %v", h, err)
			}
			return v
		}
		// Sex codes of the file: 1 male, 2 female, 3 both.
		sex := map[string]Sex{"1": Male, "2": Female, "3": BothSexes}[r[col["sex"]]]
		if sex == 0 {
			t.Fatalf("sex code %q", r[col["sex"]])
		}
		out = append(out, alCase{
			in: AdairLopezInput{Sex: sex, Year: int(num("year")), RegCDR: num("reg_cdr_per_1000"),
				Pct65: num("pct65"), Q5: num("u5mr_prob"), U5Completeness: num("u5_completeness"),
				Country: r[col["country"]]},
			pred1: num("published_pred_model1"), pred2: num("published_pred_model2"),
		})
	}
	return out
}

// TestAdairLopezOracle: with the country random intercept the rounded published coefficients
// reproduce the paper's predictions for all 282 sampled rows within 0.025; without it the
// error is much larger (population-average prediction), which the test also checks.
func TestAdairLopezOracle(t *testing.T) {
	cases := alLoadCases(t)
	if len(cases) != 282 {
		t.Fatalf("%d cases, want 282", len(cases))
	}
	const tol = 0.025
	for _, m := range []ALModel{ALModel1, ALModel2} {
		var maxWith, maxWithout, sumWith float64
		var within int
		for _, c := range cases {
			want := c.pred1
			if m == ALModel2 {
				want = c.pred2
			}
			r, err := AdairLopez(m, c.in)
			if err != nil {
				t.Fatalf("%+v: %v", c.in, err)
			}
			if !r.HasRandomIntercept {
				t.Errorf("model %d: %q (sex %d) has no random intercept", m, c.in.Country, c.in.Sex)
			}
			e := math.Abs(r.Completeness - want)
			if e <= tol {
				within++
			} else {
				t.Errorf("model %d %s %d sex %d: %.4f, paper %.4f (error %.4f)", m, c.in.Country, c.in.Year, c.in.Sex, r.Completeness, want, e)
			}
			maxWith = math.Max(maxWith, e)
			sumWith += e
			noRI := c.in
			noRI.Country = ""
			r0, err := AdairLopez(m, noRI)
			if err != nil {
				t.Fatal(err)
			}
			if r0.HasRandomIntercept || r0.RandomIntercept != 0 || math.Abs(r0.Logit+r.RandomIntercept-r.Logit) > 1e-12 {
				t.Errorf("model %d %s: logit without intercept %v, with %v (u %v)", m, c.in.Country, r0.Logit, r.Logit, r.RandomIntercept)
			}
			maxWithout = math.Max(maxWithout, math.Abs(r0.Completeness-want))
		}
		t.Logf("model %d: %d/%d within %.3f with the random intercept; max error %.4f (mean %.4f); without it max error %.4f",
			m, within, len(cases), tol, maxWith, sumWith/float64(len(cases)), maxWithout)
		if !(maxWithout > 2*maxWith) {
			t.Errorf("model %d: random intercepts do not improve the fit (%.4f vs %.4f)", m, maxWith, maxWithout)
		}
	}
}

// TestAdairLopezCoefficientsMatchOracle checks the Go table against the oracle JSON copy of the
// paper's coefficients, so a transcription slip cannot hide.
func TestAdairLopezCoefficientsMatchOracle(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "oracles", "completeness_adair_lopez_2018_coefficients.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Fixed      map[string]map[string]*float64 `json:"fixed_effects"`
		Intercepts map[string]map[string]float64  `json:"random_intercepts"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	sexName := map[Sex]string{BothSexes: "both", Male: "males", Female: "females"}
	var n int
	for k, c := range alFixed {
		name := "model" + strconv.Itoa(int(k.model)) + "_" + sexName[k.sex]
		f, ok := o.Fixed[name]
		if !ok {
			t.Fatalf("%s not in the oracle", name)
		}
		get := func(key string) float64 {
			if f[key] == nil {
				return 0
			}
			return *f[key]
		}
		if c.regCDR != get("RegCDR") || c.regCDR2 != get("RegCDRSquared") || c.pct65 != get("pct65+") ||
			c.ln5q0 != get("ln(5q0)") || c.c5q0 != get("C_5q0") || c.year != get("Year") || c.constant != get("Constant") {
			t.Errorf("%s: %+v differs from %v", name, c, f)
		}
		if k.model == ALModel2 && f["C_5q0"] != nil {
			t.Errorf("%s: model 2 has a C_5q0 coefficient in the oracle", name)
		}
		ri := alIntercepts[k]
		if len(ri) != len(o.Intercepts[name]) {
			t.Errorf("%s: %d intercepts, oracle %d", name, len(ri), len(o.Intercepts[name]))
		}
		for country, u := range o.Intercepts[name] {
			if ri[country] != u {
				t.Errorf("%s %s: %v, oracle %v", name, country, ri[country], u)
			}
			n++
		}
	}
	if len(alFixed) != 6 || len(o.Fixed) != 6 {
		t.Errorf("%d fixed-effect sets, oracle %d", len(alFixed), len(o.Fixed))
	}
	t.Logf("%d random intercepts checked", n)
}

// TestAdairLopezCambodia: the paper has no random intercept for Cambodia, so the prediction is
// the population-average one, and it behaves as the model says: completeness rises with the
// registered CDR (over the usual range) and with under-five completeness.
func TestAdairLopezCambodia(t *testing.T) {
	for _, m := range []ALModel{ALModel1, ALModel2} {
		for _, s := range []Sex{Male, Female, BothSexes} {
			if _, ok := AdairLopezIntercept(m, s, "Cambodia"); ok {
				t.Errorf("model %d sex %d: Cambodia has an intercept", m, s)
			}
		}
	}
	if u, ok := AdairLopezIntercept(ALModel1, BothSexes, "sri lanka"); !ok || u != alIntercepts[alKey{ALModel1, BothSexes}]["SriLanka"] {
		t.Errorf("country names should ignore spaces and case: %v %v", u, ok)
	}
	in := AdairLopezInput{Sex: BothSexes, Year: 2019, RegCDR: 3, Pct65: 0.05, Q5: 0.028, U5Completeness: 0.5, Country: "Cambodia"}
	lo, err := AdairLopez(ALModel1, in)
	if err != nil {
		t.Fatal(err)
	}
	if lo.HasRandomIntercept || lo.Completeness <= 0 || lo.Completeness >= 1 {
		t.Fatalf("%+v", lo)
	}
	in.RegCDR = 5
	hi, _ := AdairLopez(ALModel1, in)
	in.U5Completeness = 0.8
	hiU5, _ := AdairLopez(ALModel1, in)
	if !(hi.Completeness > lo.Completeness) || !(hiU5.Completeness > hi.Completeness) {
		t.Errorf("completeness %v → %v (CDR 3→5) → %v (C5q0 0.5→0.8)", lo.Completeness, hi.Completeness, hiU5.Completeness)
	}
	t.Logf("Cambodia-like 2019 (RegCDR 3, 65+ 5%%, 5q0 0.028, C5q0 0.5): model 1 %.3f", lo.Completeness)
	// Model 2 ignores under-five completeness.
	a, _ := AdairLopez(ALModel2, in)
	in.U5Completeness = 0
	b, err := AdairLopez(ALModel2, in)
	if err != nil || a.Completeness != b.Completeness {
		t.Errorf("model 2 depends on C5q0: %v vs %v (%v)", a.Completeness, b.Completeness, err)
	}
}

func TestAdairLopezErrors(t *testing.T) {
	good := AdairLopezInput{Sex: Male, Year: 2015, RegCDR: 4, Pct65: 0.05, Q5: 0.03, U5Completeness: 0.7}
	if _, err := AdairLopez(ALModel1, good); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		m ALModel
		f func(*AdairLopezInput)
	}{
		"model 3":             {3, func(*AdairLopezInput) {}},
		"no sex":              {ALModel1, func(in *AdairLopezInput) { in.Sex = 0 }},
		"CDR NaN":             {ALModel1, func(in *AdairLopezInput) { in.RegCDR = math.NaN() }},
		"CDR negative":        {ALModel2, func(in *AdairLopezInput) { in.RegCDR = -1 }},
		"pct65 in percent":    {ALModel1, func(in *AdairLopezInput) { in.Pct65 = 5 }},
		"5q0 per 1000":        {ALModel2, func(in *AdairLopezInput) { in.Q5 = 30 }},
		"5q0 zero":            {ALModel1, func(in *AdairLopezInput) { in.Q5 = 0 }},
		"C5q0 in percent":     {ALModel1, func(in *AdairLopezInput) { in.U5Completeness = 70 }},
		"C5q0 NaN":            {ALModel1, func(in *AdairLopezInput) { in.U5Completeness = math.NaN() }},
		"year as an offset":   {ALModel1, func(in *AdairLopezInput) { in.Year = 15 }},
		"infinite pct65":      {ALModel2, func(in *AdairLopezInput) { in.Pct65 = math.Inf(1) }},
		"negative C5q0 model": {ALModel1, func(in *AdairLopezInput) { in.U5Completeness = -0.1 }},
	} {
		in := good
		c.f(&in)
		if r, err := AdairLopez(c.m, in); err == nil {
			t.Errorf("%s: no error, completeness %v", name, r.Completeness)
		}
	}
}
