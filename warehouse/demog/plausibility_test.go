package demog_test

import (
	"slices"
	"testing"

	"vitalstats/warehouse/demog"
)

// TestRateFalls: a fall of the death rate from one group to the next is reported only when
// it exceeds the Poisson noise of the two counts (one-sided, z = 2.326).
func TestRateFalls(t *testing.T) {
	groups, _ := demog.AbridgedGroups(85)
	n := len(groups)
	expo := make([]float64, n)
	rising := make([]float64, n)
	for i := range groups {
		expo[i] = 10000
		rising[i] = float64(10 + 5*i) // rates rise with age everywhere
	}
	fall := func(i int, d float64) []float64 { v := slices.Clone(rising); v[i] = d; return v }
	at := func(age int) int {
		for i, g := range groups {
			if g.Start == age {
				return i
			}
		}
		t.Fatalf("no group at %d", age)
		return 0
	}
	i70 := at(70) // 70-74 holds 10+5·15 = 85 deaths, 65-69 holds 80
	for _, c := range []struct {
		name   string
		deaths []float64
		want   []demog.Group
	}{
		{"rising", rising, nil},
		// 80 then 40: ln 2 = 0.69 against 2.326·√(1/80.5+1/40.5) = 0.45: a fall.
		{"70-74 halves", fall(i70, 40), []demog.Group{groups[i70]}},
		// 80 then 70: ln(80.5/70.5) = 0.13 < 0.37: noise.
		{"70-74 slightly lower", fall(i70, 70), nil},
		// Below 30 rates may fall (childhood, the accident hump): not tested.
		{"20-24 falls", fall(at(20), 1), nil},
		// The open group counts: 95 then 10.
		{"85+ collapses", fall(n-1, 10), []demog.Group{groups[n-1]}},
		// A group without deaths after 85 deaths: ln(85.5/0.5) = 5.1 > 2.326·√(1/85.5+2) = 3.3.
		{"80-84 empty", fall(n-2, 0), []demog.Group{groups[n-2]}},
	} {
		got, err := demog.RateFalls(groups, c.deaths, expo, 30, 2.326)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: falls at %v, want %v", c.name, got, c.want)
		}
	}
	// The group after the empty one rises from nothing: not a fall, though the empty one is.
	got, _ := demog.RateFalls(groups, fall(n-2, 0), expo, 30, 2.326)
	if slices.Contains(got, groups[n-1]) {
		t.Error("85+ after an empty 80-84 reported as a fall")
	}
	expo[at(50)] = 0
	if _, err := demog.RateFalls(groups, rising, expo, 30, 2.326); err == nil {
		t.Error("no exposure at 50-54: no error")
	}
}
