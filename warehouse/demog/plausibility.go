package demog

import (
	"fmt"
	"math"
)

// RateFalls returns the groups from age `from` on whose death rate is significantly below the
// rate of the group before: adult death rates rise with age, so such a fall means bad data (old
// deaths unregistered, ages misreported, a wrong denominator), not chance. A fall counts when
//
//	ln(M_prev / M_g) > z · √(1/(D_prev + ½) + 1/(D_g + ½)),  M = (D + ½)/E,
//
// a one-sided test of two Poisson rates on the log scale; the ½ (Haldane-Anscombe) keeps groups
// without deaths finite. z = 2.326 is the 1% level. The open group is compared too. A group
// without exposure is an error.
func RateFalls(groups []Group, deaths, exposures []float64, from int, z float64) ([]Group, error) {
	if err := checkAgeGroups(groups, true); err != nil {
		return nil, fmt.Errorf("rate falls: %w", err)
	}
	if err := checkNonNegative("deaths", deaths, len(groups)); err != nil {
		return nil, fmt.Errorf("rate falls: %w", err)
	}
	if err := checkNonNegative("exposures", exposures, len(groups)); err != nil {
		return nil, fmt.Errorf("rate falls: %w", err)
	}
	var out []Group
	for i := 1; i < len(groups); i++ {
		if groups[i-1].Start < from {
			continue
		}
		if !(exposures[i-1] > 0 && exposures[i] > 0) {
			return nil, fmt.Errorf("rate falls: group %v or %v has no exposure", groups[i-1], groups[i])
		}
		dp, dg := deaths[i-1]+0.5, deaths[i]+0.5
		fall := math.Log(dp/exposures[i-1]) - math.Log(dg/exposures[i])
		if fall > z*math.Sqrt(1/dp+1/dg) {
			out = append(out, groups[i])
		}
	}
	return out, nil
}
