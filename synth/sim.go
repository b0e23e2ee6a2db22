package synth

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// sim is one run of the simulation at one population scale. The counting
// pass runs it with no outputs to learn how many records a scale gives.
type sim struct {
	w     *world
	r     rng
	scale float64
	out   *outputs // nil in the counting pass
	acc   *accum

	kid     kidc
	seedMix uint64   // the seed, scrambled: identities' names and codes derive from it
	twin    birthCtx // the first of twins, while the second is simulated
	buf     [32]byte
	nextID  [5]int64
	records int64 // source records written (or that would be)

	cell [][2][maxAge + 1]int32 // people simulated by cell, by commune, sex, age at mid-year
	u5   [][][2][6]int32        // children simulated one by one: year, commune, sex, age 0-5 at mid-year

	distCommunes [][]int // commune indexes by district

	// shocks are the world's mortality shocks, nil in the counting pass (the
	// population scale is that of the world without them); shockR draws
	// their deaths and records.
	shocks []shockPlan
	shockR rng
}

// Table indexes for ids and counts.
const (
	tBirth = iota
	tDeath
	tFetal
	tMarriage
	tNotification
)

var eventNames = [5]string{"birth", "death", "fetal_death", "marriage", "notification"}

func newSim(w *world, seed uint64, scale float64, out *outputs) *sim {
	s := &sim{w: w, r: newRNG(seed, 1), scale: scale, out: out, acc: newAccum(w), seedMix: mix64(seed ^ 0x6e616d6573), shockR: newRNG(seed, 2)}
	s.cell = make([][2][maxAge + 1]int32, len(w.communes))
	s.u5 = make([][][2][6]int32, len(w.years)+6)
	for i := range s.u5 {
		s.u5[i] = make([][2][6]int32, len(w.communes))
	}
	for ci := range w.communes {
		for sx := range 2 {
			for a := range maxAge + 1 {
				s.cell[ci][sx][a] = int32(s.r.round(w.basePop[ci][sx][a] * scale))
			}
		}
	}
	s.distCommunes = make([][]int, len(w.districts))
	for ci, c := range w.communes {
		s.distCommunes[c.district] = append(s.distCommunes[c.district], ci)
	}
	for t := range s.nextID {
		s.nextID[t] = int64(t+1) * 100_000_000_000
	}
	return s
}

// run simulates every year from the burn-in to LastYear.
func (s *sim) run(ctx context.Context, progress func(int64)) error {
	w := s.w
	var pop [2][maxAge + 1]int32
	for yi, yr := range w.years {
		emit := yr.year >= w.p.FirstYear
		for ci := range w.communes {
			c := &w.communes[ci]
			pv := &w.provinces[c.province]
			cell := &s.cell[ci]
			u5 := &s.u5[yi][ci]
			for sx := range 2 {
				cell[sx][5] += u5[sx][5] // children turning five join the cell model
			}
			// Births, each simulated to age five. Mothers are all in the cell
			// model, and births before 1 July count in this mid-year's
			// population, so they come first.
			nBirths := 0
			var motherAges []int
			for a := 10; a < 55; a++ {
				rate := yr.asfr[a] * pv.fert
				women := cell[1][a]
				if rate == 0 || women == 0 {
					continue
				}
				if emit {
					s.acc.fertilityExposure(yr.year, a, float64(women), rate)
				}
				// Deliveries, a share of them twins: births are as many as the
				// rate says, in expectation.
				n := s.r.poisson(float64(women) * rate / (1 + w.p.TwinShare))
				for range n {
					plural := single
					if s.r.bernoulli(w.p.TwinShare) {
						plural = firstTwin
					}
					mom := s.motherOf(ci, yr.year, a, int(women))
					if err := s.birth(yi, ci, a, mom, plural, emit); err != nil {
						return err
					}
					motherAges = append(motherAges, a)
					nBirths++
					if plural == firstTwin {
						if err := s.birth(yi, ci, a, mom, secondTwin, emit); err != nil {
							return err
						}
						motherAges = append(motherAges, a)
						nBirths++
					}
				}
			}
			for sx := range 2 {
				for a := range maxAge + 1 {
					pop[sx][a] = cell[sx][a]
					if a < 5 {
						pop[sx][a] += u5[sx][a]
					}
				}
			}
			if emit {
				s.acc.population(yr.year, c, &pop)
			}
			// Deaths of people in the cell model.
			for sx := range 2 {
				sch := &yr.sched[sx]
				for a := range maxAge + 1 {
					n := int(cell[sx][a])
					m := s.cellRate(sch, pv, a)
					if emit && a >= 5 {
						// The truth's rates include the shocks' expected deaths.
						s.acc.mortalityExposure(yr.year, sx, a, float64(n), m*(1+s.shockMean(yi, c.province, a)))
					}
					if n == 0 {
						continue
					}
					d := min(s.r.poisson(float64(n)*m), n)
					cell[sx][a] -= int32(d)
					if emit {
						for range d {
							if err := s.adultDeath(yi, ci, sx, a); err != nil {
								return err
							}
						}
					}
					if a >= 15 && a < 40 && yr.netMig > 0 {
						cell[sx][a] -= int32(s.r.binomial(int(cell[sx][a]), yr.netMig))
					}
					if emit && s.shocks != nil {
						if err := s.shockDeaths(yi, ci, sx, a, n, m); err != nil {
							return err
						}
					}
				}
				if emit {
					for a := 1; a < 5; a++ {
						s.acc.mortalityExposure(yr.year, sx, a, float64(u5[sx][a]), s.childRate(sch, pv, a))
					}
				}
			}
			if emit {
				if err := s.fetalDeaths(yi, ci, nBirths, motherAges); err != nil {
					return err
				}
				if err := s.marriages(yi, ci, &pop); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(1)
			}
			// Age the cell population by one year.
			for sx := range 2 {
				cell[sx][maxAge] += cell[sx][maxAge-1]
				for a := maxAge - 1; a > 0; a-- {
					cell[sx][a] = cell[sx][a-1]
				}
				cell[sx][0] = 0
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// cellRate is the death rate of the cell model at age a; below five it only
// applies to the burn-in's initial children.
func (s *sim) cellRate(sch *schedule, pv *province, a int) float64 {
	switch {
	case a == 0:
		return -math.Log(1-sch.q0) * pv.childMort
	case a < 5:
		return sch.m[a] * pv.childMort
	}
	return sch.m[a] * pv.adultMort
}

func (s *sim) childRate(sch *schedule, pv *province, a int) float64 { return sch.m[a] * pv.childMort }

// birth simulates one live birth in year index yi to a mother aged a in
// commune ci, the child's survival to age five, and the records.
func (s *sim) birth(yi, ci, motherAge int, mom mother, plural int, emit bool) error {
	w := s.w
	yr := &w.years[yi]
	pv := &w.provinces[w.communes[ci].province]
	dob := ymd(yr.year, 1, 1) + day(s.r.IntN(daysIn(yr.year)))
	if plural == secondTwin {
		dob = s.twin.dob
	}
	sx := 1
	if s.r.bernoulli(w.p.SexRatioAtBirth / (1 + w.p.SexRatioAtBirth)) {
		sx = 0
	}
	// Survival: the infant death probability, then yearly rates at 1-4, each
	// from the schedule of the calendar year the child is at that age.
	deathAge := day(-1) // age at death in days, -1 if alive at five
	q0 := 1 - math.Pow(1-yr.sched[sx].q0, pv.childMort)
	if emit {
		s.acc.infantRisk(yr.year, sx, q0)
	}
	if s.r.bernoulli(q0) {
		deathAge = s.infantDeathAge()
	} else {
		for a := 1; a < 5 && deathAge < 0; a++ {
			ys := w.years[min(yi+a, len(w.years)-1)]
			if s.r.bernoulli(qx(s.childRate(&ys.sched[sx], pv, a))) {
				deathAge = day(float64(a)*365.25 + s.r.Float64()*365)
			}
		}
	}
	// Mid-year counts of the child while under five (and at five, when it
	// joins the cell model).
	for k := 0; k <= 6 && yi+k < len(s.u5); k++ {
		mid := ymd(w.firstSim+yi+k, 7, 1)
		if mid < dob {
			continue
		}
		age := int(float64(mid-dob) / 365.25)
		if deathAge >= 0 && mid-dob >= deathAge {
			break
		}
		if age <= 5 {
			s.u5[yi+k][ci][sx][age]++
		}
		if age >= 5 {
			break
		}
	}
	var b *Birth
	if emit {
		var err error
		if b, err = s.birthRecords(yi, ci, sx, dob, motherAge, mom, plural); err != nil {
			return err
		}
	} else if plural == firstTwin {
		s.twin = birthCtx{dob: dob}
	}
	// A child born in the burn-in may still die within the years written.
	if deathAge >= 0 {
		dod := dob + deathAge
		if y := dod.year(); y >= w.p.FirstYear && y <= w.p.LastYear && dod <= w.asOf {
			return s.childDeath(ci, sx, dob, dod, b)
		}
	}
	return nil
}

// infantDeathAge draws an infant's age at death in days.
func (s *sim) infantDeathAge() day {
	if s.r.bernoulli(s.w.p.NeonatalShare) {
		return day(s.r.pick(infantDayCum))
	}
	m := s.r.pick(infantMonthCum) + 1
	return day(float64(m)*30.44 + s.r.Float64()*30.44)
}

func daysIn(y int) int { return int(ymd(y+1, 1, 1) - ymd(y, 1, 1)) }

// id issues the next record id of a table.
func (s *sim) id(t int) int64 { s.nextID[t]++; return s.nextID[t] }

func (s *sim) issueKIDC() string { return s.kid.issue(s.buf[:]) }

// regNo is the registration number printed on a certificate.
func regNo(prefix byte, commune string, year int, id int64) string {
	return string(prefix) + "-" + commune + "-" + strconv.Itoa(year) + "-" + strconv.FormatInt(id%100_000_000_000, 10)
}

func (s *sim) checkScale() error {
	if s.scale <= 0 || math.IsInf(s.scale, 0) || math.IsNaN(s.scale) {
		return fmt.Errorf("population scale %g is not usable", s.scale)
	}
	return nil
}
