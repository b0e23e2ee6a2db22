package demog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The fertility functions take closed, contiguous age groups and age-specific fertility
// rates per woman-year (not per 1000), one per group.

func checkFertility(groups []Group, asfr []float64) error {
	if err := checkAgeGroups(groups, false); err != nil {
		return err
	}
	return checkNonNegative("asfr", asfr, len(groups))
}

// TFR returns the total fertility rate Σ width·ASFR: 5·ΣASFR for 5-year groups, ΣASFR for
// single years.
func TFR(groups []Group, asfr []float64) (float64, error) {
	if err := checkFertility(groups, asfr); err != nil {
		return 0, fmt.Errorf("tfr: %w", err)
	}
	tfr := 0.0
	for i, g := range groups {
		tfr += float64(g.Width) * asfr[i]
	}
	return tfr, nil
}

// SubRange returns the groups lying in [from, to) and their values. Both ages must be group
// boundaries of groups (to may be the end of the last group).
func SubRange(groups []Group, values []float64, from, to int) ([]Group, []float64, error) {
	if err := checkAgeGroups(groups, false); err != nil {
		return nil, nil, fmt.Errorf("age range %d-%d: %w", from, to, err)
	}
	if len(values) != len(groups) {
		return nil, nil, fmt.Errorf("age range %d-%d: %d values for %d age groups", from, to, len(values), len(groups))
	}
	if to <= from {
		return nil, nil, fmt.Errorf("age range %d-%d is empty", from, to)
	}
	lo, hi := -1, -1
	for i, g := range groups {
		if g.Start == from {
			lo = i
		}
		if g.Start+g.Width == to {
			hi = i + 1
		}
	}
	if lo < 0 || hi < 0 {
		return nil, nil, fmt.Errorf("age range %d-%d: %d or %d is not a boundary of the groups %v … %v",
			from, to, from, to, groups[0], groups[len(groups)-1])
	}
	return groups[lo:hi], values[lo:hi], nil
}

// PartialTFR returns Σ width·ASFR over the ages [from, to), e.g. the contribution of 10-19.
func PartialTFR(groups []Group, asfr []float64, from, to int) (float64, error) {
	g, f, err := SubRange(groups, asfr, from, to)
	if err != nil {
		return 0, fmt.Errorf("partial tfr: %w", err)
	}
	return TFR(g, f)
}

// FemaleShareAtBirth returns 1/(1+SRB), SRB being male births per female birth (e.g. 1.05).
// SRB 0 gives 1: the rates are then taken to count daughters only.
func FemaleShareAtBirth(srb float64) (float64, error) {
	if math.IsNaN(srb) || math.IsInf(srb, 0) || srb < 0 {
		return 0, fmt.Errorf("sex ratio at birth %v is not a non-negative number", srb)
	}
	return 1 / (1 + srb), nil
}

// GRR returns the gross reproduction rate TFR/(1+SRB).
func GRR(groups []Group, asfr []float64, srb float64) (float64, error) {
	tfr, err := TFR(groups, asfr)
	if err != nil {
		return 0, fmt.Errorf("grr: %w", err)
	}
	share, err := FemaleShareAtBirth(srb)
	if err != nil {
		return 0, fmt.Errorf("grr: %w", err)
	}
	return tfr * share, nil
}

// netMaternity returns ASFR·nLx/l0/(1+SRB) per group: daughters born per newborn girl.
func netMaternity(groups []Group, asfr, nLx []float64, l0, srb float64) ([]float64, error) {
	if err := checkFertility(groups, asfr); err != nil {
		return nil, err
	}
	if err := checkNonNegative("nLx", nLx, len(groups)); err != nil {
		return nil, err
	}
	if !(l0 > 0) || math.IsInf(l0, 0) {
		return nil, fmt.Errorf("radix l0 %v is not a positive number", l0)
	}
	share, err := FemaleShareAtBirth(srb)
	if err != nil {
		return nil, err
	}
	phi := make([]float64, len(groups))
	for i := range groups {
		phi[i] = asfr[i] * nLx[i] / l0 * share
	}
	return phi, nil
}

// NRR returns the net reproduction rate Σ ASFR·nLx/(1+SRB) with the female person-years nLx
// divided by the table's radix l0 (pass l0 = 1 for a radix-1 table). nLx covers the same
// groups as asfr, so a 5-year nLx is about 5 and no width factor enters. SRB 0 means asfr
// already counts daughters only (a maternity function).
func NRR(groups []Group, asfr, nLx []float64, l0, srb float64) (float64, error) {
	phi, err := netMaternity(groups, asfr, nLx, l0, srb)
	if err != nil {
		return 0, fmt.Errorf("nrr: %w", err)
	}
	s := 0.0
	for _, p := range phi {
		s += p
	}
	return s, nil
}

// femaleNLx picks the nLx of a female life table for the fertility groups, which must be
// groups of the table.
func femaleNLx(groups []Group, lt *LifeTable) ([]float64, error) {
	nLx := make([]float64, len(groups))
	for i, g := range groups {
		j, err := lt.groupAt(g.Start)
		if err != nil {
			return nil, err
		}
		if lt.Groups[j] != g {
			return nil, fmt.Errorf("fertility group %v is not a group of the life table (%v)", g, lt.Groups[j])
		}
		nLx[i] = lt.NLx[j]
	}
	return nLx, nil
}

// NRRFromLifeTable is NRR with nLx taken from a female life table whose groups include the
// fertility groups.
func NRRFromLifeTable(groups []Group, asfr []float64, female *LifeTable, srb float64) (float64, error) {
	nLx, err := femaleNLx(groups, female)
	if err != nil {
		return 0, fmt.Errorf("nrr: %w", err)
	}
	return NRR(groups, asfr, nLx, female.Radix, srb)
}

// MeanAgeAtChildbearing returns Σ mid·B/ΣB with B = width·ASFR and mid = start + width/2:
// Σ(x+2.5)f/Σf for 5-year groups, and HFD's mean age at birth Σ(x+0.5)f/Σf for single years
// (see HFDAgeGroups for its open end groups).
func MeanAgeAtChildbearing(groups []Group, asfr []float64) (float64, error) {
	if err := checkFertility(groups, asfr); err != nil {
		return 0, fmt.Errorf("mean age at childbearing: %w", err)
	}
	var num, den float64
	for i, g := range groups {
		w := float64(g.Width)
		num += (float64(g.Start) + w/2) * w * asfr[i]
		den += w * asfr[i]
	}
	if den == 0 {
		return 0, fmt.Errorf("mean age at childbearing: all rates are 0")
	}
	return num / den, nil
}

// HFDAgeGroups parses Human Fertility Database age labels ("12-", "13", …, "54", "55+") into
// single-year groups. HFD computes its mean ages with "12-" counted as age 12 and "55+" as
// age 55, so both become one-year groups 12 and 55; a label with a minus must come first and
// one with a plus last.
func HFDAgeGroups(labels []string) ([]Group, error) {
	groups := make([]Group, len(labels))
	for i, s := range labels {
		t := strings.TrimSpace(s)
		switch {
		case strings.HasSuffix(t, "-"):
			if i != 0 {
				return nil, fmt.Errorf("hfd ages: %q is not the first label", s)
			}
			t = strings.TrimSuffix(t, "-")
		case strings.HasSuffix(t, "+"):
			if i != len(labels)-1 {
				return nil, fmt.Errorf("hfd ages: %q is not the last label", s)
			}
			t = strings.TrimSuffix(t, "+")
		}
		x, err := strconv.Atoi(t)
		if err != nil {
			return nil, fmt.Errorf("hfd ages: label %q: %w", s, err)
		}
		groups[i] = Group{x, 1}
	}
	if err := checkAgeGroups(groups, false); err != nil {
		return nil, fmt.Errorf("hfd ages: %w", err)
	}
	return groups, nil
}

// IntrinsicGrowthRate returns Lotka's intrinsic rate r, the root of
// Σ exp(−r·mid)·ASFR·nLx/l0/(1+SRB) = 1 with mid the group midpoints, found by Newton
// iteration from r = ln(NRR)/mean age (the left side falls and is convex in r, so the
// iteration converges). Arguments are as for NRR.
func IntrinsicGrowthRate(groups []Group, asfr, nLx []float64, l0, srb float64) (float64, error) {
	phi, err := netMaternity(groups, asfr, nLx, l0, srb)
	if err != nil {
		return 0, fmt.Errorf("intrinsic growth rate: %w", err)
	}
	var nrr, am float64
	mid := make([]float64, len(groups))
	for i, g := range groups {
		mid[i] = float64(g.Start) + float64(g.Width)/2
		nrr += phi[i]
		am += mid[i] * phi[i]
	}
	if !(nrr > 0) {
		return 0, fmt.Errorf("intrinsic growth rate: net reproduction rate is 0")
	}
	r := math.Log(nrr) / (am / nrr)
	for range 100 {
		var f, df float64
		for i, p := range phi {
			e := math.Exp(-r*mid[i]) * p
			f += e
			df -= mid[i] * e
		}
		step := (f - 1) / df
		r -= step
		if math.Abs(step) < 1e-14 {
			return r, nil
		}
	}
	return 0, fmt.Errorf("intrinsic growth rate: no convergence after 100 iterations (r ≈ %v)", r)
}
