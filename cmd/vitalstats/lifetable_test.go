package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// An independent abridged life table, written in this test from the rules of
// docs/methods.md section 7 (not with warehouse/demog), to recompute e0 from
// what the generator simulated: its deaths by age (truth.json) over its
// population (truth_population.csv). With complete registration the
// warehouse must give the same e0 to sampling noise of the one death in
// 100,000 the generator leaves unregistered; a wrong separation factor
// (Coale-Demeny's n/2 above 15, or 0.5 everywhere) moves e0 by 0.02-0.05
// years, which this comparison sees.

var (
	ltStarts = []int{0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85}
	ltLabels = []string{"0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
		"50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+"}
)

// truthPopulation sums truth_population.csv by year, sex and age group.
func truthPopulation(t *testing.T, dir string) map[string]map[string][]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "truth_population.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	for i, l := range ltLabels {
		idx[l] = i
	}
	out := map[string]map[string][]float64{}
	for _, r := range recs[1:] { // year, province_code, district_code, sex, age_group, population
		if out[r[0]] == nil {
			out[r[0]] = map[string][]float64{"M": make([]float64, 19), "F": make([]float64, 19)}
		}
		n, err := strconv.ParseFloat(r[5], 64)
		if err != nil {
			t.Fatal(err)
		}
		out[r[0]][r[3]][idx[r[4]]] += n
	}
	return out
}

// ltSummary holds the summary measures of an abridged table.
type ltSummary struct{ e0, e60, q45x15 float64 }

// independentTable is the abridged table of deaths d over mid-year
// population p (19 groups), with q0 = infant deaths / births, a0 and 4a1 by
// Coale-Demeny West on q0, 2.5 at 5-14, Greville from 15, and the open group
// closed by 1/M, or by a Gompertz hazard fitted to 60-84 when it holds fewer
// than 200 deaths.
func independentTable(male bool, d, p []float64, births float64) ltSummary {
	m := make([]float64, 19)
	for i := range m {
		m[i] = d[i] / p[i]
	}
	q0 := d[0] / births
	a0, a1 := 0.05+3*q0, 1.524-1.627*q0
	if male {
		a0, a1 = 0.0425+2.875*q0, 1.653-3.013*q0
	}
	e85 := 1 / m[18]
	if d[18] < 200 {
		e85 = gompertzE85(d[13:18], p[13:18])
		m[18] = 1 / e85
	}
	l, total := 1.0, 0.0
	lx, lived := make([]float64, 19), make([]float64, 19) // survivors to, and years lived above, each group's start
	for i := 0; i < 18; i++ {
		lx[i], lived[i] = l, total
		n, a := 5.0, 2.5
		switch {
		case i == 0:
			n, a = 1, a0
		case i == 1:
			n, a = 4, a1
		case ltStarts[i] >= 15:
			if g := n/2 - n*n/12*(m[i]-math.Log(m[i+1]/m[i-1])/(2*n)); g > 0 && g < n {
				a = g
			}
		}
		q := n * m[i] / (1 + (n-a)*m[i])
		if i == 0 {
			q = q0
		}
		total += n*l*(1-q) + a*l*q
		l *= 1 - q
	}
	total += l * e85
	return ltSummary{e0: total, e60: (total - lived[13]) / lx[13], q45x15: 1 - lx[13]/lx[4]}
}

// gompertzE85 fits ln μ = A + B·x to five groups 60-64 … 80-84 (midpoints)
// by Poisson maximum likelihood (iteratively reweighted least squares) and
// returns the expectation of life at 85, (1/B)·e^c·E1(c) with c = μ(85)/B.
func gompertzE85(d, p []float64) float64 {
	var sd, sp float64
	for i := range d {
		sd += d[i]
		sp += p[i]
	}
	a, b := math.Log(sd/sp), 0.0
	for range 100 {
		var sw, swx, swxx, swz, swxz float64
		for i := range d {
			x := 62.5 + 5*float64(i)
			mu := p[i] * math.Exp(a+b*x)
			z := a + b*x + (d[i]-mu)/mu
			sw, swx, swxx, swz, swxz = sw+mu, swx+mu*x, swxx+mu*x*x, swz+mu*z, swxz+mu*x*z
		}
		det := sw*swxx - swx*swx
		a, b = (swxx*swz-swx*swxz)/det, (sw*swxz-swx*swz)/det
	}
	c := math.Exp(a+85*b) / b
	// E1(c) by its series
	s, term := 0.0, 1.0
	for k := 1; k < 120; k++ {
		term *= -c / float64(k)
		s += term / float64(k)
	}
	return math.Exp(c) * (-0.5772156649015329 - math.Log(c) - s) / b
}
