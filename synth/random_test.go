package synth

import (
	"math"
	"testing"
)

func TestPoissonMoments(t *testing.T) {
	r := newRNG(1, 1)
	for _, lam := range []float64{0.3, 5, 9.9, 10, 15, 50, 200, 5000} {
		const n = 200_000
		var s, ss float64
		for range n {
			k := float64(r.poisson(lam))
			s += k
			ss += k * k
		}
		mean := s / n
		v := ss/n - mean*mean
		if math.Abs(mean-lam) > 4*math.Sqrt(lam/n) || math.Abs(v/lam-1) > 0.03 {
			t.Errorf("Poisson(%g): mean %.4f variance %.4f", lam, mean, v)
		}
	}
}
