package synth

import (
	"math"
	"strconv"
)

// accum gathers the truth as the simulation runs, for years FirstYear to
// LastYear: exposures with the expected numbers of events (the profile's
// rates) and the realised counts.
type accum struct {
	w     *world
	first int
	n     int

	womenExp  [][7]float64 // woman-years by 5-year group
	expBirths [][7]float64 // expected births by group
	births    [][2]int64
	byMother  [][9]int64 // 10-14, 15-19 … 45-49, 50+

	exposure  [][2][maxAge + 1]float64 // person-years at 1+, weighted as expDeaths
	expDeaths [][2][maxAge + 1]float64
	q0Risk    [][2]float64 // sum over births of q0
	deaths    [][2]int64
	deathsAge [][2][19]int64 // by abridged age group
	dcOcc     [3]int64       // deaths under 1, 1-4, 5+: occurred
	dcAvl     [3]int64       // and registered in a source
	infant    []int64
	neonatal  []int64
	underFive []int64

	occurred [][5]int64
	birthOcc [][]int64 // year, province
	birthAvl [][]int64
	deathOcc [][]int64
	deathAvl [][]int64
	popTotal []int64
	popDist  [][][2][19]int64 // year, district, sex, abridged age group
	events   [5]EventCounts
	defects  map[string]int64
	illDef   int64
	coded    int64

	deathsMonth    map[string]int64     // all deaths by YYYY-MM of death
	excess         map[excessCell]int64 // deaths caused by the shocks
	excessExpected float64              // their expectation
}

func newAccum(w *world) *accum {
	n := w.p.LastYear - w.p.FirstYear + 1
	np := len(w.provinces)
	a := &accum{w: w, first: w.p.FirstYear, n: n, defects: map[string]int64{}, deathsMonth: map[string]int64{}}
	a.womenExp = make([][7]float64, n)
	a.expBirths = make([][7]float64, n)
	a.births = make([][2]int64, n)
	a.byMother = make([][9]int64, n)
	a.exposure = make([][2][maxAge + 1]float64, n)
	a.expDeaths = make([][2][maxAge + 1]float64, n)
	a.q0Risk = make([][2]float64, n)
	a.deaths = make([][2]int64, n)
	a.deathsAge = make([][2][19]int64, n)
	a.infant = make([]int64, n)
	a.neonatal = make([]int64, n)
	a.underFive = make([]int64, n)
	a.occurred = make([][5]int64, n)
	a.popTotal = make([]int64, n)
	a.popDist = make([][][2][19]int64, n)
	for _, p := range []*[][]int64{&a.birthOcc, &a.birthAvl, &a.deathOcc, &a.deathAvl} {
		*p = make([][]int64, n)
		for i := range *p {
			(*p)[i] = make([]int64, np)
		}
	}
	for i := range a.popDist {
		a.popDist[i] = make([][2][19]int64, len(w.districts))
	}
	return a
}

func (a *accum) yi(year int) int { return year - a.first }

// duplicate counts a second record of an event, by route.
func (a *accum) duplicate(t int, route string) {
	ev := &a.events[t]
	ev.Duplicates++
	if ev.DuplicateRoutes == nil {
		ev.DuplicateRoutes = map[string]int64{}
	}
	ev.DuplicateRoutes[route]++
}

func (a *accum) population(year int, c *commune, pop *[2][maxAge + 1]int32) {
	y := a.yi(year)
	for sx := range 2 {
		for age, n := range pop[sx] {
			a.popDist[y][c.district][sx][popAgeGroup(age)] += int64(n)
			a.popTotal[y] += int64(n)
		}
	}
}

func (a *accum) fertilityExposure(year, age int, women, rate float64) {
	y := a.yi(year)
	if age >= 15 && age < 50 {
		a.womenExp[y][(age-15)/5] += women + 1e-6
		a.expBirths[y][(age-15)/5] += (women + 1e-6) * rate
	}
}

func (a *accum) mortalityExposure(year, sx, age int, n, m float64) {
	y := a.yi(year)
	// A tiny weight keeps the expected rate defined where a small run has
	// nobody at an age.
	a.exposure[y][sx][age] += n + 1e-6
	a.expDeaths[y][sx][age] += (n + 1e-6) * m
}

func (a *accum) infantRisk(year, sx int, q0 float64) { a.q0Risk[a.yi(year)][sx] += q0 }

func (a *accum) birth(year, sx, motherAge, prov int) {
	y := a.yi(year)
	a.births[y][sx]++
	g := 0
	switch {
	case motherAge >= 50:
		g = 8
	case motherAge >= 15:
		g = 1 + (motherAge-15)/5
	}
	a.byMother[y][g]++
	a.occurred[y][tBirth]++
	a.birthOcc[y][prov]++
}

func (a *accum) death(year, sx, prov int, ageYears int, ageDays, dod day) {
	y := a.yi(year)
	a.deaths[y][sx]++
	a.occurred[y][tDeath]++
	a.deathOcc[y][prov]++
	a.deathsAge[y][sx][popAgeGroup(ageYears)]++
	a.deathsMonth[monthLabel(dod)]++
	a.dcOcc[deathAgeClass(ageYears)]++
	if ageYears < 5 {
		a.underFive[y]++
	}
	if ageYears == 0 {
		a.infant[y]++
		if ageDays < 28 {
			a.neonatal[y]++
		}
	}
}

func (a *accum) defect(kind string) { a.defects[kind]++ }

// deathAgeClass splits deaths where registration differs most: infants,
// children 1-4, everyone else.
func deathAgeClass(ageYears int) int { return min(ageYears, 1) + min(max(ageYears-4, 0), 1) }

var deathAgeClasses = [3]string{"0", "1-4", "5+"}

// truth turns the sums into rates.
func (a *accum) truth() *Truth {
	t := &Truth{
		TFR: map[string]float64{}, ASFR: map[string]map[string]float64{}, E0: map[string]map[string]float64{},
		IMR: map[string]float64{}, U5MR: map[string]float64{},
		BirthCompleteness: map[string]map[string]float64{}, DeathCompleteness: map[string]map[string]float64{},
		Population: map[string]int64{}, Events: map[string]*EventCounts{}, Defects: a.defects,
		SRB: a.w.p.SexRatioAtBirth,
		Units: map[string]string{
			"tfr": "births per woman", "asfr": "births per woman-year", "e0": "years",
			"imr": "deaths under 1 per 1,000 live births", "u5mr": "deaths under 5 per 1,000 live births",
			"birth_completeness": "share of live births of the year registered by as_of and in a source",
			"death_completeness": "share of deaths of the year registered by as_of and in a source",
			"population":         "simulated mid-year population",
		},
	}
	t.Observed = Observed{
		BirthsByMotherAge: map[string]map[string]int64{}, Births: map[string][2]int64{},
		InfantDeaths: map[string]int64{}, NeonatalDeaths: map[string]int64{}, UnderFiveDeaths: map[string]int64{},
		Deaths: map[string][2]int64{}, DeathsByAge: map[string]map[string]map[string]int64{},
		IllDefined: a.illDef, Coded: a.coded, DeathsByMonth: a.deathsMonth,
	}
	t.Excess = a.excessTruth(a.w.p.Shocks)
	t.DeathCompletenessByAge = map[string]float64{}
	for i, lab := range deathAgeClasses {
		if a.dcOcc[i] > 0 {
			t.DeathCompletenessByAge[lab] = round6(float64(a.dcAvl[i]) / float64(a.dcOcc[i]))
		}
	}
	labels := append([]string{"10-14"}, append(append([]string{}, ageGroups5...), "50+")...)
	for y := range a.n {
		ys := strconv.Itoa(a.first + y)
		asfr := map[string]float64{}
		tfr := 0.0
		for g, lab := range ageGroups5 {
			v := a.expBirths[y][g] / a.womenExp[y][g]
			asfr[lab] = round6(v)
			tfr += 5 * v
		}
		t.ASFR[ys], t.TFR[ys] = asfr, round6(tfr)
		var e0 [2]float64
		var u5 float64
		births := float64(a.births[y][0] + a.births[y][1])
		for sx := range 2 {
			var sch schedule
			sch.q0 = a.q0Risk[y][sx] / float64(a.births[y][sx])
			for age := 1; age <= maxAge; age++ {
				sch.m[age] = a.expDeaths[y][sx][age] / a.exposure[y][sx][age]
			}
			lt := lifeTableOf(sch, a.w.a0)
			e0[sx] = lt.e0
			u5 += (1 - lt.l[5]) * float64(a.births[y][sx]) / births
		}
		t.E0[ys] = map[string]float64{"male": round6(e0[0]), "female": round6(e0[1])}
		t.IMR[ys] = round6(1000 * (a.q0Risk[y][0] + a.q0Risk[y][1]) / births)
		t.U5MR[ys] = round6(1000 * u5)
		t.Population[ys] = a.popTotal[y]
		mother := map[string]int64{}
		for g, lab := range labels {
			mother[lab] = a.byMother[y][g]
		}
		t.Observed.BirthsByMotherAge[ys] = mother
		t.Observed.Births[ys] = a.births[y]
		t.Observed.Deaths[ys] = a.deaths[y]
		bySex := map[string]map[string]int64{}
		for sx, sex := range []string{"male", "female"} {
			byAge := map[string]int64{}
			for g := range 19 {
				byAge[popAgeLabel(g)] = a.deathsAge[y][sx][g]
			}
			bySex[sex] = byAge
		}
		t.Observed.DeathsByAge[ys] = bySex
		t.Observed.InfantDeaths[ys] = a.infant[y]
		t.Observed.NeonatalDeaths[ys] = a.neonatal[y]
		t.Observed.UnderFiveDeaths[ys] = a.underFive[y]
		for p, pv := range a.w.provinces {
			for _, c := range []struct {
				m        map[string]map[string]float64
				occ, avl [][]int64
			}{{t.BirthCompleteness, a.birthOcc, a.birthAvl}, {t.DeathCompleteness, a.deathOcc, a.deathAvl}} {
				if c.m[pv.code] == nil {
					c.m[pv.code] = map[string]float64{}
				}
				if c.occ[y][p] > 0 {
					c.m[pv.code][ys] = round6(float64(c.avl[y][p]) / float64(c.occ[y][p]))
				}
			}
		}
	}
	for i := range a.events {
		ev := a.events[i]
		for y := range a.n {
			ev.Occurred += a.occurred[y][i]
		}
		t.Events[eventNames[i]] = &ev
	}
	return t
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
