package demog

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGGBSEGStdErrMatchesSampling: deaths drawn as Poisson counts around a synthetic world's
// registered deaths (completeness 0.4, about 1,700 deaths between the counts) give GGB-SEG
// estimates whose spread the bootstrap standard error of one draw reproduces.
func TestGGBSEGStdErrMatchesSampling(t *testing.T) {
	world := ddmTestWorld.intercensal(11, 1, 1, 0.4, 85)
	for i := range world.Pop1 {
		world.Pop1[i] *= 1e-3
		world.Pop2[i] *= 1e-3
		world.Deaths[i] *= 1e-3
	}
	opt := GGBSEGOptions{SEG: SEGOptions{Sex: Male}}
	rng := rand.New(rand.NewPCG(5, 6))
	draw := world
	draw.Deaths = make([]float64, len(world.Deaths))
	const reps = 300
	var sum, sum2, seSum float64
	for r := range reps {
		for i, d := range world.Deaths {
			draw.Deaths[i] = poisson(rng, d)
		}
		res, err := GGBSEG(draw, opt)
		if err != nil {
			t.Fatal(err)
		}
		c := res.CompletenessVsBetterCount
		sum += c
		sum2 += c * c
		if r < 10 {
			se, err := GGBSEGStdErr(draw, opt, 200, uint64(r))
			if err != nil {
				t.Fatal(err)
			}
			seSum += se
		}
	}
	sd := math.Sqrt(sum2/reps - (sum/reps)*(sum/reps))
	se := seSum / 10
	t.Logf("GGB-SEG over %d draws: mean %.4f, SD %.4f; bootstrap SE (mean of 10) %.4f", reps, sum/reps, sd, se)
	if math.Abs(se/sd-1) > 0.2 {
		t.Errorf("bootstrap SE %.4f vs sampling SD %.4f", se, sd)
	}
	// The same seed gives the same answer.
	a, _ := GGBSEGStdErr(world, opt, 50, 9)
	b, _ := GGBSEGStdErr(world, opt, 50, 9)
	if a != b || a == 0 {
		t.Errorf("seed 9 gave %v then %v", a, b)
	}
}
