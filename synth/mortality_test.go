package synth

import (
	"math"
	"testing"
)

func TestSolveLevelHitsTarget(t *testing.T) {
	a0 := infantMeanAge(0.55)
	if a0 < 0.05 || a0 > 0.3 {
		t.Fatalf("a0 = %.3f, want a plausible infant mean age at death", a0)
	}
	for sex, targets := range [][]float64{{57.3, 67.5, 72}, {61.5, 72.6, 78}} {
		for _, target := range targets {
			k, err := solveLevel(silerShapes[sex], target, a0)
			if err != nil {
				t.Fatal(err)
			}
			s := newSchedule(silerShapes[sex], k)
			lt := lifeTableOf(s, a0)
			if math.Abs(lt.e0-target) > 1e-6 {
				t.Errorf("sex %d: e0 = %.6f, want %.2f", sex, lt.e0, target)
			}
			u5 := 1 - lt.l[5]
			t.Logf("sex %d e0 %.1f: k %.3f q0 %.4f 5q0 %.4f 45q15 %.3f", sex, target, k, s.q0, u5, 1-lt.l[60]/lt.l[15])
			if s.q0 < 0.005 || s.q0 > 0.15 || u5 < s.q0 {
				t.Errorf("implausible child mortality q0 %.4f 5q0 %.4f", s.q0, u5)
			}
		}
	}
	if _, err := solveLevel(silerShapes[0], 0.2, a0); err == nil {
		t.Error("an unreachable e0 must be an error")
	}
}
