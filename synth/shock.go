package synth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Shock is a wave of excess mortality, an epidemic or a heat wave: from Start
// to End the death hazard of people aged AgeFrom to AgeTo living in Provinces
// is multiplied by 1 + Peak·shape(t), where shape rises from 0 to 1 at the
// middle of the window and back (triangular, gaussian) or stays at 1 (flat).
// Several shocks add their excess hazards.
//
// The shock acts on the cell model, that is on ages 5 and over: children
// under five are simulated one by one from birth and keep their baseline.
type Shock struct {
	Name      string   `toml:"name" json:"name"`           // a label, for the truth
	Start     string   `toml:"start" json:"start"`         // first day, YYYY-MM-DD
	End       string   `toml:"end" json:"end"`             // last day, YYYY-MM-DD, at most as_of
	Shape     string   `toml:"shape" json:"shape"`         // "flat", "triangular" or "gaussian" (sd a sixth of the window)
	Peak      float64  `toml:"peak" json:"peak"`           // excess hazard at the peak: 0.6 is +60%
	AgeFrom   int      `toml:"age_from" json:"age_from"`   // completed years, 5 or more
	AgeTo     int      `toml:"age_to" json:"age_to"`       // inclusive; 100 is the open group 100+
	Provinces []string `toml:"provinces" json:"provinces"` // 2-digit codes of residence; empty: every province
}

// DefaultShocks is the demo's epidemic: a respiratory wave among the elderly
// of Phnom Penh and three provinces around it in the second half of 2023, a
// year the demo's registrations have mostly arrived for (not provisional).
// At its peak in mid-August deaths at 60+ there are 60% above baseline; over
// the five months, 30%.
func DefaultShocks() []Shock {
	return []Shock{{
		Name: "respiratory wave 2023", Start: "2023-06-01", End: "2023-10-31", Shape: "triangular",
		Peak: 0.6, AgeFrom: 60, AgeTo: maxAge, Provinces: []string{"08", "12", "14", "21"},
	}}
}

// shockShape is the wave's relative height at u, the position in the window
// from 0 (start) to 1 (end).
func shockShape(shape string, u float64) float64 {
	switch shape {
	case "flat":
		return 1
	case "triangular":
		return 1 - math.Abs(2*u-1)
	case "gaussian":
		z := (u - 0.5) * 6 // the window is ±3 standard deviations
		return math.Exp(-z * z / 2)
	}
	return 0
}

// validateShock checks what can be checked without the gazetteer; the
// province codes are checked when the world is built. A window outside the
// simulated days (first_year to the end of last_year or as_of) is no error, as an ICT pilot that
// starts after last_year is none: the days outside are not simulated, and
// Generate logs it. A profile that moves the years need not restate the
// default shock.
func (p Profile) validateShock(i int, sh Shock) error {
	name := fmt.Sprintf("profile shocks[%d]", i)
	start, err := parseDay("shocks.start", sh.Start)
	if err != nil {
		return err
	}
	end, err := parseDay("shocks.end", sh.End)
	if err != nil {
		return err
	}
	switch {
	case end.Before(start):
		return fmt.Errorf("%s: end %s is before start %s", name, sh.End, sh.Start)
	case shockShape(sh.Shape, 0.5) == 0:
		return fmt.Errorf("%s: shape %q must be flat, triangular or gaussian", name, sh.Shape)
	case !(sh.Peak > 0 && sh.Peak <= 50):
		return fmt.Errorf("%s: peak %g must be an excess hazard above 0 (and at most 50)", name, sh.Peak)
	case sh.AgeFrom < 5 || sh.AgeTo > maxAge || sh.AgeFrom > sh.AgeTo:
		return fmt.Errorf("%s: ages %d-%d must lie within 5-%d (children under five are simulated from birth, without shocks)", name, sh.AgeFrom, sh.AgeTo, maxAge)
	}
	return nil
}

// shockPlan is a shock made ready for the simulation.
type shockPlan struct {
	name           string
	clipped        bool // part of the window lies outside the simulated days
	active         bool // some of it lies inside
	ageFrom, ageTo int
	prov           []bool      // by province index
	years          []shockYear // by index of world.years
}

// shockYear is a shock's part in one calendar year: the mean excess hazard
// over the year's days, and where in the year its deaths fall.
type shockYear struct {
	mean  float64   // Σ over the year's days of the excess hazard ÷ days in the year
	first day       // first day of the window in the year
	cum   []float64 // cumulative share of the year's shock deaths by day from first
}

// buildShocks turns the profile's shocks into plans.
func (w *world) buildShocks() error {
	provIdx := map[string]int{}
	for i, pv := range w.provinces {
		provIdx[pv.code] = i
	}
	for i, sh := range w.p.Shocks {
		pl := shockPlan{name: sh.Name, ageFrom: sh.AgeFrom, ageTo: sh.AgeTo, prov: make([]bool, len(w.provinces)), years: make([]shockYear, len(w.years))}
		for _, code := range sh.Provinces {
			pi, ok := provIdx[code]
			if !ok {
				return fmt.Errorf("profile shocks[%d]: province %q is not in the gazetteer", i, code)
			}
			pl.prov[pi] = true
		}
		if len(sh.Provinces) == 0 {
			for pi := range pl.prov {
				pl.prov[pi] = true
			}
		}
		s, _ := parseDay("shocks.start", sh.Start)
		e, _ := parseDay("shocks.end", sh.End)
		first, last := dayOf(s), dayOf(e)
		n := float64(last - first + 1)
		// The shape spans the whole window; only its simulated days count.
		from, to := max(first, ymd(w.p.FirstYear, 1, 1)), min(last, w.asOf, ymd(w.p.LastYear, 12, 31))
		pl.clipped, pl.active = from > first || to < last, from <= to
		for d := from; d <= to; d++ {
			ys := &pl.years[w.yearIndex(d.year())]
			if ys.cum == nil {
				ys.first = d
			}
			h := sh.Peak * shockShape(sh.Shape, (float64(d-first)+0.5)/n)
			ys.mean += h
			ys.cum = append(ys.cum, ys.mean)
		}
		for yi := range pl.years {
			ys := &pl.years[yi]
			if ys.mean == 0 {
				ys.cum = nil
				continue
			}
			for k := range ys.cum {
				ys.cum[k] /= ys.mean
			}
			ys.mean /= float64(daysIn(w.years[yi].year))
		}
		w.shocks = append(w.shocks, pl)
	}
	return nil
}

// shockMean is the mean excess hazard of the year for a province and age:
// the factor by which the shocks raise the year's expected deaths there.
func (s *sim) shockMean(yi, prov, age int) float64 {
	var m float64
	for k := range s.shocks {
		pl := &s.shocks[k]
		if pl.prov[prov] && age >= pl.ageFrom && age <= pl.ageTo {
			m += pl.years[yi].mean
		}
	}
	return m
}

// shockDeaths adds the deaths the shocks cause in one cell (commune, sex,
// age) in year index yi, where n people were alive at the start of the year
// with the baseline death rate m. They are drawn after the cell's baseline
// deaths and emigration, from an RNG stream of their own (records included),
// so that the rest of the year is drawn exactly as without the shock: the
// shock's deaths are the excess over the same simulation without it.
func (s *sim) shockDeaths(yi, ci, sx, a, n int, m float64) error {
	prov := s.w.communes[ci].province
	for k := range s.shocks {
		pl := &s.shocks[k]
		ys := &pl.years[yi]
		if ys.mean == 0 || !pl.prov[prov] || a < pl.ageFrom || a > pl.ageTo {
			continue
		}
		lam := float64(n) * m * ys.mean
		s.acc.excessExpected += lam
		d := min(s.shockR.poisson(lam), int(s.cell[ci][sx][a]))
		s.cell[ci][sx][a] -= int32(d)
		main := s.r
		s.r = s.shockR
		for range d {
			dod := ys.first + day(s.r.pick(ys.cum))
			s.acc.excessDeath(dod, prov, sx, a)
			if err := s.adultDeathOn(ci, sx, a, dod); err != nil {
				s.r = main
				return err
			}
		}
		s.r = main // rng wraps a pointer: the shock stream has advanced
	}
	return nil
}

// excessCell is one day, province, sex and abridged age group of the excess.
type excessCell struct {
	d              day
	prov, sx, ageG int
}

func (a *accum) excessDeath(d day, prov, sx, age int) {
	if a.excess == nil {
		a.excess = map[excessCell]int64{}
	}
	a.excess[excessCell{d, prov, sx, popAgeGroup(age)}]++
}

// ExcessTruth is the true excess mortality the shocks caused.
type ExcessTruth struct {
	Definition string           `json:"definition"`
	Shocks     []Shock          `json:"shocks"`
	Deaths     int64            `json:"deaths"`      // realised excess deaths, all shocks
	Expected   float64          `json:"expected"`    // their expectation (the Poisson mean of Deaths)
	ByMonth    map[string]int64 `json:"by_month"`    // YYYY-MM of death -> excess deaths
	ByWeek     map[string]int64 `json:"by_week"`     // ISO week YYYY-Www of death -> excess deaths
	ByProvince map[string]int64 `json:"by_province"` // province of residence
	ByAge      map[string]int64 `json:"by_age"`      // abridged age group at death
	BySex      map[string]int64 `json:"by_sex"`      // male, female
}

// excessDefinition says what the numbers are, in truth.json itself.
const excessDefinition = "Deaths caused by the profile's shocks: in each cell (commune, sex, age) and year the " +
	"simulation draws its baseline deaths, then, from a separate random stream, Poisson(n × m × mean excess hazard) " +
	"deaths more, dated by the shock's shape. Every other draw of the shock's year is the same as in the run " +
	"without shocks, so the deaths of that year exceed it by exactly these counts; later years differ by " +
	"sampling noise and by the deaths the shock brought forward (its victims are not there to die later)."

// excessTruth sums the excess for truth.json; nil when there are no shocks.
func (a *accum) excessTruth(shocks []Shock) *ExcessTruth {
	if len(shocks) == 0 {
		return nil
	}
	t := &ExcessTruth{
		Definition: excessDefinition, Shocks: shocks, Expected: round6(a.excessExpected),
		ByMonth: map[string]int64{}, ByWeek: map[string]int64{}, ByProvince: map[string]int64{},
		ByAge: map[string]int64{}, BySex: map[string]int64{},
	}
	for c, n := range a.excess {
		t.Deaths += n
		t.ByMonth[monthLabel(c.d)] += n
		t.ByWeek[weekLabel(c.d)] += n
		t.ByProvince[a.w.provinces[c.prov].code] += n
		t.ByAge[popAgeLabel(c.ageG)] += n
		t.BySex[[2]string{"male", "female"}[c.sx]] += n
	}
	return t
}

func monthLabel(d day) string { return d.time().Format("2006-01") }

func weekLabel(d day) string {
	y, w := d.time().ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// writeExcess writes truth_excess.csv: excess deaths by month and by ISO week
// of death, province of residence, sex and abridged age group, non-zero cells
// only (the header alone when there is no shock).
func (a *accum) writeExcess(path string) error {
	f, err := createCSV(path, "time_unit,period,province_code,sex,age_group,excess_deaths")
	if err != nil {
		return err
	}
	type key struct {
		unit, period string
		prov, sx, g  int
	}
	sums := map[key]int64{}
	for c, n := range a.excess {
		sums[key{"month", monthLabel(c.d), c.prov, c.sx, c.ageG}] += n
		sums[key{"week", weekLabel(c.d), c.prov, c.sx, c.ageG}] += n
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	less := func(x, y key) int {
		switch {
		case x.unit != y.unit:
			return strings.Compare(y.unit, x.unit) // months first
		case x.period != y.period:
			return strings.Compare(x.period, y.period)
		case x.prov != y.prov:
			return strings.Compare(a.w.provinces[x.prov].code, a.w.provinces[y.prov].code)
		case x.sx != y.sx:
			return x.sx - y.sx
		}
		return x.g - y.g
	}
	slices.SortFunc(keys, less)
	for _, k := range keys {
		f.line(k.unit, k.period, a.w.provinces[k.prov].code, [2]string{"M", "F"}[k.sx], popAgeLabel(k.g), strconv.FormatInt(sums[k], 10))
	}
	return f.close()
}
