package nowcast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The CDF by the incomplete beta against the PMF summed term by term, and
// the quantile against the definition, across small and large means and
// sizes.
func TestNBCDFAndQuantile(t *testing.T) {
	for _, c := range []struct{ mu, size float64 }{
		{0.3, 0.5}, {4, 1}, {25, 3}, {120, 40}, {800, 1000}, {3000, 0.1},
	} {
		cum := 0.0
		kmax := int(c.mu + 12*math.Sqrt(c.mu+c.mu*c.mu/c.size) + 20)
		if kmax > 200000 {
			kmax = 200000
		}
		for k := 0; k <= kmax; k++ {
			cum += math.Exp(nbLogPMF(float64(k), c.mu, c.size))
			if k%7 == 0 || k == kmax {
				if got := nbCDF(float64(k), c.mu, c.size); math.Abs(got-cum) > 1e-9 {
					t.Fatalf("NB(%g, %g): CDF(%d) = %.12f, summed PMF %.12f", c.mu, c.size, k, got, cum)
				}
			}
		}
		for _, p := range []float64{0.025, 0.5, 0.975} {
			q := nbQuantile(p, c.mu, c.size)
			if nbCDF(q, c.mu, c.size) < p || (q > 0 && nbCDF(q-1, c.mu, c.size) >= p) {
				t.Errorf("NB(%g, %g): quantile %g = %g is not the smallest k with CDF ≥ p", c.mu, c.size, p, q)
			}
		}
	}
	// Values from R's qnbinom (R 4, run once by hand; R is not needed by the
	// tests): qnbinom(c(0.025, 0.975), mu = 100, size = 10) = 45 174,
	// qnbinom(0.975, mu = 100, size = 1000) = 121 (qpois gives 120),
	// qnbinom(c(0.025, 0.5, 0.975), mu = 3000, size = 0.1) = 0 18 29338.
	for _, c := range []struct{ p, mu, size, want float64 }{
		{0.025, 100, 10, 45}, {0.975, 100, 10, 174}, {0.975, 100, 1000, 121},
		{0.025, 3000, 0.1, 0}, {0.5, 3000, 0.1, 18}, {0.975, 3000, 0.1, 29338},
	} {
		if got := nbQuantile(c.p, c.mu, c.size); got != c.want {
			t.Errorf("qnbinom(%g, mu=%g, size=%g) = %g, want %g", c.p, c.mu, c.size, got, c.want)
		}
	}
	// pnbinom(150, mu = 120, size = 40) = 0.911962609437168 in R.
	if got := nbCDF(150, 120, 40); math.Abs(got-0.911962609437168) > 1e-12 {
		t.Errorf("pnbinom(150, mu=120, size=40) = %.15f", got)
	}
}

// The size fit recovers the size data were drawn with.
func TestFitNBDispersion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []float64{2, 20} {
		n := 4000
		obs, mu := make([]float64, n), make([]float64, n)
		for i := range obs {
			mu[i] = 20 + float64(i%50)
			obs[i] = nbDraw(rng, mu[i], size)
		}
		got := FitNBDispersion(obs, mu)
		if math.Abs(got-size)/size > 0.15 {
			t.Errorf("size %g: fitted %g", size, got)
		}
		// Mean and variance of the draws match NB(mu, size).
		m, v := 0.0, 0.0
		for i := range obs {
			m += obs[i] - mu[i]
			v += (obs[i]-mu[i])*(obs[i]-mu[i]) - (mu[i] + mu[i]*mu[i]/size)
		}
		if math.Abs(m/float64(n)) > 1 || math.Abs(v/float64(n))/(45+45*45/size) > 0.15 {
			t.Errorf("size %g: draws' mean error %g, variance error %g", size, m/float64(n), v/float64(n))
		}
	}
	// Poisson data push the size to the upper bound.
	obs := []float64{10, 10, 10, 10}
	if got := FitNBDispersion(obs, []float64{10, 10, 10, 10}); got < 900 {
		t.Errorf("no overdispersion: size %g, want near 1000", got)
	}
}
