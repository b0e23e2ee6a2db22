package demog

import (
	"fmt"
	"math"
)

// ChiangVariant says how the open age group enters the variance of life expectancy.
type ChiangVariant uint8

const (
	// ChiangII (the default) adds the variance of the open group's life expectancy 1/M,
	// var(1/M) = 1/(M²·D) under Poisson deaths (Silcocks, Jenner & Reza 2001; recommended by
	// Eayres & Williams 2004 for small populations, where deaths in the open group are few).
	ChiangII ChiangVariant = iota
	// ChiangI is Chiang's (1984) original formula: the open group has qx = 1 and contributes
	// no variance, which understates the error of e60 and above when the open group is wide.
	ChiangI
)

func (v ChiangVariant) String() string {
	switch v {
	case ChiangII:
		return "Chiang II"
	case ChiangI:
		return "Chiang I"
	}
	return fmt.Sprintf("ChiangVariant(%d)", uint8(v))
}

// ChiangSE returns the standard error of ex for every group, by Chiang (1984):
//
//	var(ex) = Σ_{i≥x} l_i² · [(n_i − a_i) + e_{i+1}]² · var(q_i) / l_x²,  var(q_i) = q_i²(1−q_i)/D_i
//
// with D the observed deaths per group (the counts behind Mx). A closed group without deaths
// contributes nothing. Under ChiangII the open group adds l_ω²/(M_ω²·D_ω)/l_x² and must have
// deaths. The SE is NaN where lx is 0.
func (lt *LifeTable) ChiangSE(deaths []float64, v ChiangVariant) ([]float64, error) {
	n := len(lt.Groups)
	if err := checkNonNegative("deaths", deaths, n); err != nil {
		return nil, fmt.Errorf("chiang standard errors: %w", err)
	}
	if v > ChiangI {
		return nil, fmt.Errorf("chiang standard errors: unknown variant %d", v)
	}
	open := n - 1
	openVar := 0.0
	if v == ChiangII {
		if !(deaths[open] > 0) {
			return nil, fmt.Errorf("chiang standard errors: Chiang II needs deaths in the open group %v", lt.Groups[open])
		}
		m := lt.Mx[open]
		openVar = 1 / (m * m * deaths[open])
	}
	return lt.ChiangSEOpen(deaths, openVar)
}

// ChiangSEOpen is ChiangSE with the variance of the open group's life expectancy given:
// 1/(M²·D) is Chiang II; a model closeout passes its own (Gompertz.LifeExpectancyVar).
func (lt *LifeTable) ChiangSEOpen(deaths []float64, openVar float64) ([]float64, error) {
	n := len(lt.Groups)
	if err := checkNonNegative("deaths", deaths, n); err != nil {
		return nil, fmt.Errorf("chiang standard errors: %w", err)
	}
	if math.IsNaN(openVar) || math.IsInf(openVar, 0) || openVar < 0 {
		return nil, fmt.Errorf("chiang standard errors: open-group variance %v is not a non-negative number", openVar)
	}
	open := n - 1
	// acc is Σ_{i≥x} l_i²·[…]²·var(q_i), accumulated from the top down.
	acc := lt.Lx[open] * lt.Lx[open] * openVar
	se := make([]float64, n)
	se[open] = math.NaN()
	if lt.Lx[open] > 0 {
		se[open] = math.Sqrt(acc) / lt.Lx[open]
	}
	for i := open - 1; i >= 0; i-- {
		l, q := lt.Lx[i], lt.Qx[i]
		if l > 0 && deaths[i] > 0 && q > 0 {
			varQ := q * q * (1 - q) / deaths[i]
			// e_{i+1} is NaN when nobody survives the group; then q = 1 and varQ = 0 anyway.
			next := 0.0
			if lt.Lx[i+1] > 0 {
				next = lt.Ex[i+1]
			}
			w := float64(lt.Groups[i].Width) - lt.Ax[i] + next
			acc += l * l * w * w * varQ
		}
		if l > 0 {
			se[i] = math.Sqrt(acc) / l
		} else {
			se[i] = math.NaN()
		}
	}
	return se, nil
}

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// CI95 returns the normal-approximation 95% interval est ± 1.96·se.
func CI95(est, se float64) (lo, hi float64) {
	return est - Z95*se, est + Z95*se
}
