package synth

import (
	"math"
	"math/rand/v2"
)

// rng wraps one seeded PCG stream: every draw of a run comes from it, in a
// fixed order, so the same seed gives the same registry.
type rng struct{ *rand.Rand }

func newRNG(seed uint64, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15))}
}

func (r rng) bernoulli(p float64) bool { return r.Float64() < p }

// poisson draws from Poisson(lam): inversion for small means, Hörmann's
// transformed rejection (PTRS) for large ones.
func (r rng) poisson(lam float64) int {
	switch {
	case lam <= 0:
		return 0
	case lam < 10:
		l := math.Exp(-lam)
		k, p := 0, r.Float64()
		for p > l {
			k++
			p *= r.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(lam), math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return int(k)
		}
	}
}

// binomial draws from Binomial(n, p) by a Poisson approximation when p is
// small and by the normal approximation otherwise; n is a cell count and p a
// yearly probability, where both are accurate far beyond sampling error.
func (r rng) binomial(n int, p float64) int {
	if n <= 0 || p <= 0 {
		return 0
	}
	if n < 40 {
		k := 0
		for range n {
			if r.Float64() < p {
				k++
			}
		}
		return k
	}
	var k int
	if p < 0.05 {
		k = r.poisson(float64(n) * p)
	} else {
		k = int(math.Round(float64(n)*p + r.NormFloat64()*math.Sqrt(float64(n)*p*(1-p))))
	}
	return min(max(k, 0), n)
}

// round rounds x up or down at random so that the expectation is x.
func (r rng) round(x float64) int {
	f := math.Floor(x)
	if r.Float64() < x-f {
		return int(f) + 1
	}
	return int(f)
}

// pick returns an index drawn from cumulative weights normalised to 1.
func (r rng) pick(cum []float64) int {
	u := r.Float64()
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

func logit(p float64) float64    { return math.Log(p / (1 - p)) }
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
