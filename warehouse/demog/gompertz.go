package demog

import (
	"fmt"
	"math"
)

// Gompertz is a force of mortality μ(x) = exp(A + B·x) fitted to the death rates of a range of
// age groups. Life tables close their open group with it when that group holds too few deaths
// for 1/M to be stable (Gompertz 1825; the model HMD and most national offices extrapolate old-age
// rates with, or a variant of it).
type Gompertz struct {
	A, B float64
	// Cov is the covariance of (A, B): the inverse of the Fisher information of the Poisson
	// likelihood at the fit.
	Cov [2][2]float64
}

// FitGompertz fits ln μ = A + B·x by Poisson maximum likelihood (Newton-Raphson on the
// log-linear model) to the closed groups starting at from … to-1, each group's rate taken as
// the hazard at its midpoint. Deaths are the counts observed; exposures the person-years,
// which may be scaled (an adjusted table passes the registered deaths with exposures × the
// completeness, which gives the adjusted rates and the information the registered deaths carry).
// It fails when the groups hold no deaths or the fitted rates do not rise with age (B ≤ 0).
func FitGompertz(groups []Group, deaths, exposures []float64, from, to int) (Gompertz, error) {
	if err := checkAgeGroups(groups, true); err != nil {
		return Gompertz{}, fmt.Errorf("gompertz fit: %w", err)
	}
	if err := checkNonNegative("deaths", deaths, len(groups)); err != nil {
		return Gompertz{}, fmt.Errorf("gompertz fit: %w", err)
	}
	if err := checkNonNegative("exposures", exposures, len(groups)); err != nil {
		return Gompertz{}, fmt.Errorf("gompertz fit: %w", err)
	}
	var x, d, e []float64
	for i, g := range groups {
		if g.Open() || g.Start < from || g.Start >= to {
			continue
		}
		if !(exposures[i] > 0) {
			return Gompertz{}, fmt.Errorf("gompertz fit: group %v has no exposure", g)
		}
		x = append(x, float64(g.Start)+float64(g.Width)/2)
		d = append(d, deaths[i])
		e = append(e, exposures[i])
	}
	var sd, se, sx float64
	for i := range x {
		sd += d[i]
		se += e[i]
		sx += x[i] * d[i]
	}
	if len(x) < 2 || !(sd > 0) {
		return Gompertz{}, fmt.Errorf("gompertz fit: ages %d-%d hold %d groups and %v deaths; need 2 groups and deaths", from, to-1, len(x), sd)
	}
	// Start from a flat rate at the deaths' mean age with a typical adult slope.
	g := Gompertz{B: 0.09}
	g.A = math.Log(sd/se) - g.B*sx/sd
	var h00, h01, h11 float64
	for iter := 0; ; iter++ {
		var g0, g1 float64
		h00, h01, h11 = 0, 0, 0
		for i := range x {
			mu := e[i] * math.Exp(g.A+g.B*x[i])
			g0 += d[i] - mu
			g1 += (d[i] - mu) * x[i]
			h00 += mu
			h01 += mu * x[i]
			h11 += mu * x[i] * x[i]
		}
		det := h00*h11 - h01*h01
		if !(det > 0) {
			return Gompertz{}, fmt.Errorf("gompertz fit: singular information at A=%v B=%v", g.A, g.B)
		}
		da, db := (h11*g0-h01*g1)/det, (h00*g1-h01*g0)/det
		g.A, g.B = g.A+da, g.B+db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-12 {
			break
		}
		if iter == 100 || math.IsNaN(g.A) || math.IsNaN(g.B) {
			return Gompertz{}, fmt.Errorf("gompertz fit: no convergence (A=%v B=%v)", g.A, g.B)
		}
	}
	if !(g.B > 0) {
		return Gompertz{}, fmt.Errorf("gompertz fit: rates of ages %d-%d do not rise with age (slope %.4g)", from, to-1, g.B)
	}
	det := h00*h11 - h01*h01
	g.Cov = [2][2]float64{{h11 / det, -h01 / det}, {-h01 / det, h00 / det}}
	return g, nil
}

// Hazard is μ(x).
func (g Gompertz) Hazard(x float64) float64 { return math.Exp(g.A + g.B*x) }

// LifeExpectancy is the expectation of life at exact age x under the fitted hazard,
// ∫₀^∞ exp(−(μ(x)/B)(e^{Bt} − 1)) dt, by Simpson's rule in steps of 0.1 year (the survival
// curve bends over about 1/B ≈ 10 years: the error is below 1e-8 years) until the survivors
// fall below 1e-12.
func (g Gompertz) LifeExpectancy(x float64) float64 {
	c := g.Hazard(x) / g.B
	s := func(t float64) float64 { return math.Exp(-c * math.Expm1(g.B*t)) }
	const h = 0.1
	sum := s(0)
	t := 0.0
	for {
		a, b := s(t+h), s(t+2*h)
		sum += 4*a + b
		t += 2 * h
		if b < 1e-12 {
			break
		}
		sum += b
	}
	return sum * h / 3
}

// LifeExpectancyVar is the variance of LifeExpectancy(x) by the delta method on Cov, with the
// gradient by central differences.
func (g Gompertz) LifeExpectancyVar(x float64) float64 {
	const ha, hb = 1e-4, 1e-6
	da := (Gompertz{A: g.A + ha, B: g.B}.LifeExpectancy(x) - Gompertz{A: g.A - ha, B: g.B}.LifeExpectancy(x)) / (2 * ha)
	db := (Gompertz{A: g.A, B: g.B + hb}.LifeExpectancy(x) - Gompertz{A: g.A, B: g.B - hb}.LifeExpectancy(x)) / (2 * hb)
	return da*da*g.Cov[0][0] + 2*da*db*g.Cov[0][1] + db*db*g.Cov[1][1]
}
