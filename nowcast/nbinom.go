package nowcast

import (
	"math"
	"math/rand/v2"
)

// The negative binomial in R's (mu, size) form: mean mu, variance
// mu + mu²/size. size → ∞ is the Poisson.

// nbLogPMF is log P(X = x) for X ~ NB(mu, size), x ≥ 0 an integer.
func nbLogPMF(x, mu, size float64) float64 {
	if mu <= 0 {
		if x == 0 {
			return 0
		}
		return math.Inf(-1)
	}
	lg1, _ := math.Lgamma(x + size)
	lg2, _ := math.Lgamma(size)
	lg3, _ := math.Lgamma(x + 1)
	// size·log(size/(size+mu)) written with log1p: exact when mu ≪ size.
	l := lg1 - lg2 - lg3 - size*math.Log1p(mu/size)
	if x > 0 {
		l += x * (math.Log(mu) - math.Log(size+mu))
	}
	return l
}

// nbCDF is P(X ≤ k) = I_p(size, k+1), p = size/(size+mu), the regularized
// incomplete beta function.
func nbCDF(k, mu, size float64) float64 {
	if k < 0 {
		return 0
	}
	if mu <= 0 {
		return 1
	}
	return regIncBeta(size, math.Floor(k)+1, size/(size+mu))
}

// nbQuantile is the smallest integer k with P(X ≤ k) ≥ p (R's qnbinom).
func nbQuantile(p, mu, size float64) float64 {
	if mu <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return math.Inf(1)
	}
	// Bracket from a normal guess, then bisect on the integers.
	sd := math.Sqrt(mu + mu*mu/size)
	hi := math.Ceil(mu + 6*sd + 10)
	for nbCDF(hi, mu, size) < p {
		hi *= 2
	}
	lo := -1.0 // P(X ≤ lo) < p
	for hi-lo > 1 {
		m := math.Floor((lo + hi) / 2)
		if nbCDF(m, mu, size) >= p {
			hi = m
		} else {
			lo = m
		}
	}
	return hi
}

// nbDraw draws from NB(mu, size) by inverting its CDF: exact, and needs no
// Poisson or gamma sampler.
func nbDraw(rng *rand.Rand, mu, size float64) float64 {
	u := rng.Float64()
	for u == 0 {
		u = rng.Float64()
	}
	return nbQuantile(u, mu, size)
}

// regIncBeta is I_x(a, b) by the continued fraction of Numerical Recipes
// (§6.4), evaluated with Lentz's method on whichever side of the mean
// converges fast.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	lfront := la - lb - lc + a*math.Log(x) + b*math.Log1p(-x)
	if x < (a+1)/(a+b+2) {
		return math.Exp(lfront) * betaCF(a, b, x) / a
	}
	return 1 - math.Exp(lfront)*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const (
		eps   = 1e-15
		tiny  = 1e-300
		maxIt = 100000
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIt; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// Bounds of the dispersion (size) fit: baselinenowcast's fit_nb optimizes
// over [0.1, 1000], and adds 0.001 to every expectation so that a zero
// expectation does not make the likelihood undefined.
const (
	minSize   = 0.1
	maxSize   = 1000
	muPadding = 0.001
)

// FitNBDispersion is the maximum-likelihood size of NB(mu[i], size) for the
// observations obs[i] (baselinenowcast's fit_nb), within [0.1, 1000]. An
// expectation below 0 (a negative PMF entry) is taken as 0. The optimizer is a
// scan of 200 points on log(size) followed by a golden-section search between
// the neighbours of the best one; R's optimize (Brent) on the same interval
// finds the same maximum when the likelihood is unimodal in size, as it is
// here in practice.
func FitNBDispersion(obs, mu []float64) float64 {
	nll := func(size float64) float64 {
		s := 0.0
		for i, x := range obs {
			s -= nbLogPMF(x, math.Max(mu[i], 0)+muPadding, size)
		}
		return s
	}
	lo, hi := math.Log(minSize), math.Log(maxSize)
	const ngrid = 200
	step := (hi - lo) / ngrid
	best, bestV := 0, math.Inf(1)
	for i := 0; i <= ngrid; i++ {
		if v := nll(math.Exp(lo + float64(i)*step)); v < bestV {
			best, bestV = i, v
		}
	}
	a := lo + float64(max(best-1, 0))*step
	b := lo + float64(min(best+1, ngrid))*step
	g := (math.Sqrt(5) - 1) / 2
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := nll(math.Exp(c)), nll(math.Exp(d))
	for b-a > 1e-9 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = nll(math.Exp(c))
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = nll(math.Exp(d))
		}
	}
	return math.Exp((a + b) / 2)
}
