package synth

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"vitalstats/refdata"
)

// world is everything fixed before the simulation starts: geography, the
// per-province factors and the yearly rates. It holds expected values at the
// full national scale; a run scales them.
type world struct {
	p         Profile
	asOf      day
	digStart  day
	notStart  day
	kidcFrom  day // paper records registered before carry no KIDC
	firstSim  int // first simulated year: five years of burn-in before FirstYear
	a0        float64
	provinces []province
	districts []string
	communes  []commune
	years     []yearRates
	causes    *causeTable
	shocks    []shockPlan
	basePop   [][2][maxAge + 1]float64 // expected initial population by commune, sex, age
	ageShare  [][2][maxAge + 1]float64 // by province: share of the province's population
}

type province struct {
	code      string
	fert      float64 // fertility relative to national
	childMort float64 // child mortality relative to national
	adultMort float64
	regShift  float64 // logit shift of registration probability
}

type commune struct {
	code     string
	district int
	province int
	ictFrom  day // 0: paper only
}

type yearRates struct {
	year     int
	tfr      float64
	asfr     [maxAge + 1]float64 // by single year of mother's age
	asfr5    [7]float64          // by 5-year group 15-19..45-49, the profile's values
	e0       [2]float64
	sched    [2]schedule
	netMig   float64 // emigration per person-year at ages 15-39
	facBirth float64
	facDeath float64
	regBirth float64 // logit of national eventual registration probability
	regDeath float64
}

// wppPopulation derives WPP's total population from births and the crude
// birth rate (the file has no population column).
func wppPopulation(y refdata.WPPYear) float64 { return y.BirthsThousands * 1e6 / y.CBR }

func newWorld(p Profile, ref refdata.Source) (*world, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	w := &world{p: p, firstSim: p.FirstYear - 5, causes: newCauseTable(), a0: infantMeanAge(p.NeonatalShare)}
	asOf, _ := p.asOf()
	w.asOf = dayOf(asOf)
	ds, _ := parseDay("digitization_start", p.Registration.DigitizationStart)
	ns, _ := parseDay("notification_start", p.Registration.NotificationStart)
	w.digStart, w.notStart = dayOf(ds), dayOf(ns)
	w.kidcFrom = math.MaxInt32
	if p.Registration.PaperKIDCFrom != "" {
		kf, _ := parseDay("paper_kidc_from", p.Registration.PaperKIDCFrom)
		w.kidcFrom = dayOf(kf)
	}

	gaz, err := ref.LoadGazetteer()
	if err != nil {
		return nil, err
	}
	provs8, dists8, err := ref.LoadCensus2008()
	if err != nil {
		return nil, err
	}
	cdhs, err := ref.LoadCDHS2010()
	if err != nil {
		return nil, err
	}
	wpp, err := ref.LoadWPPAnnual()
	if err != nil {
		return nil, err
	}
	asfr, err := ref.LoadWPPASFR()
	if err != nil {
		return nil, err
	}
	if err := w.buildGeography(gaz, provs8, dists8, cdhs); err != nil {
		return nil, err
	}
	if err := w.buildYears(wpp, asfr); err != nil {
		return nil, err
	}
	if err := w.buildPopulation(gaz, provs8, dists8, wpp); err != nil {
		return nil, err
	}
	if err := w.buildShocks(); err != nil {
		return nil, err
	}
	return w, nil
}

// census2008Code maps a 2024 province to the 2008 census province that held
// it: Tboung Khmum (25) was part of Kampong Cham (03) until 2013.
func census2008Code(code string) string {
	if code == "25" {
		return "03"
	}
	return code
}

func (w *world) buildGeography(gaz *refdata.Gazetteer, provs8 []refdata.Census2008Province, _ []refdata.Census2008District, cdhs []refdata.ProvinceU5) error {
	u5 := map[string]float64{}
	for _, r := range cdhs {
		u5[r.Code] = r.U5MR
	}
	cwr := map[string]float64{}
	pop := map[string]float64{}
	var cwrNat, popNat float64
	for _, r := range provs8 {
		cwr[r.Code] = r.ChildWomanRatio
		pop[r.Code] = float64(r.PopTotal)
		cwrNat += r.ChildWomanRatio * float64(r.PopTotal)
		popNat += float64(r.PopTotal)
	}
	cwrNat /= popNat
	var lu5 []float64
	for _, pr := range gaz.Provinces {
		v, ok := u5[census2008Code(pr.Code)]
		if !ok {
			return fmt.Errorf("reference data: no CDHS 2010 child mortality for province %s", pr.Code)
		}
		lu5 = append(lu5, math.Log(v))
	}
	mean, sd := meanSD(lu5)
	// Child mortality relative to the national level, weighted by population
	// so the national level stays WPP's.
	var wsum, fsum float64
	for i, pr := range gaz.Provinces {
		c8 := census2008Code(pr.Code)
		c, ok := cwr[c8]
		if !ok {
			return fmt.Errorf("reference data: no 2008 census row for province %s", pr.Code)
		}
		z := (lu5[i] - mean) / sd
		w.provinces = append(w.provinces, province{
			code:      pr.Code,
			fert:      c / cwrNat,
			childMort: math.Exp(0.35 * z),
			regShift:  -w.p.Registration.ProvinceSpread * z,
		})
		wsum += pop[c8]
		fsum += pop[c8] * math.Exp(0.35*z)
	}
	for i := range w.provinces {
		pv := &w.provinces[i]
		pv.childMort /= fsum / wsum
		pv.adultMort = math.Sqrt(pv.childMort)
	}
	provIdx := map[string]int{}
	for i, pr := range gaz.Provinces {
		provIdx[pr.Code] = i
	}
	distIdx := map[string]int{}
	for i, d := range gaz.Districts {
		distIdx[d.Code] = i
		w.districts = append(w.districts, d.Code)
	}
	for _, c := range gaz.Communes {
		w.communes = append(w.communes, commune{code: c.Code, district: distIdx[c.DistrictCode], province: provIdx[c.ProvinceCode]})
	}
	// ICT pilots: the first N communes of a province, by code.
	for _, pilot := range w.p.ICT {
		from, _ := parseDay("ict.from", pilot.From)
		n := 0
		for i := range w.communes {
			if w.communes[i].code[:2] == pilot.Province && n < pilot.Communes {
				w.communes[i].ictFrom = dayOf(from)
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("profile ict: province %q has no communes", pilot.Province)
		}
	}
	return nil
}

func meanSD(x []float64) (float64, float64) {
	var s, ss float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}

func lerp(a [2]float64, f float64) float64 { return a[0] + (a[1]-a[0])*f }

func (w *world) buildYears(wpp []refdata.WPPYear, asfr []refdata.WPPASFR) error {
	byYear := map[int]refdata.WPPYear{}
	for _, y := range wpp {
		byYear[y.Year] = y
	}
	span := float64(max(w.p.LastYear-w.p.FirstYear, 1))
	for y := w.firstSim; y <= w.p.LastYear; y++ {
		src, ok := byYear[max(y, 2000)]
		if !ok {
			return fmt.Errorf("reference data: WPP 2024 has no year %d", max(y, 2000))
		}
		yr := yearRates{year: y, tfr: src.TFR * w.p.TFRScale}
		// The age pattern of the 5-year period holding the year.
		var pct [7]float64
		found := 0
		for _, r := range asfr {
			if max(y, 2000) >= r.FirstYear && max(y, 2000) <= r.LastYear && r.AgeStart >= 15 && r.AgeStart <= 45 {
				pct[(r.AgeStart-15)/5] = r.PctOfTFR
				found++
			}
		}
		if found != 7 {
			return fmt.Errorf("reference data: WPP 2024 age pattern of fertility incomplete for %d", y)
		}
		for g := range 7 {
			yr.asfr5[g] = yr.tfr * pct[g] / 100 / 5
			for a := 15 + 5*g; a < 20+5*g; a++ {
				yr.asfr[a] = yr.asfr5[g]
			}
		}
		for a := 10; a < 15; a++ {
			yr.asfr[a] = w.p.ASFR10to14
		}
		for s, e0 := range []float64{src.E0Male, src.E0Female} {
			yr.e0[s] = e0 + w.p.E0Shift
			k, err := solveLevel(silerShapes[s], yr.e0[s], w.a0)
			if err != nil {
				return fmt.Errorf("year %d: %w", y, err)
			}
			yr.sched[s] = newSchedule(silerShapes[s], k)
		}
		// Net migration is negative for Cambodia: emigration of young adults
		// (ages 15-39 hold about 45% of the population).
		yr.netMig = max(-src.NetMigrationRate, 0) / 1000 / 0.45
		f := min(max(float64(y-w.p.FirstYear)/span, 0), 1)
		yr.facBirth = lerp(w.p.FacilityBirths, f)
		yr.facDeath = lerp(w.p.FacilityDeaths, f)
		rb, rd := w.p.Registration.Birth, w.p.Registration.Death
		yr.regBirth = logit(rb[0]) + (logit(rb[1])-logit(rb[0]))*f
		yr.regDeath = logit(rd[0]) + (logit(rd[1])-logit(rd[0]))*f
		w.years = append(w.years, yr)
	}
	return nil
}

// normName folds a district name for matching 2008 and 2024 names.
func normName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// buildPopulation spreads the 2008 census over the 2024 communes and scales
// it to WPP's total for the first simulated year. Districts whose name is
// unchanged since 2008 keep their census population; the rest of a province
// is shared equally among its other communes. Single years of age follow a
// stable population (the first year's female life table, 2% growth) fitted
// to the census's broad age groups by sex and province.
func (w *world) buildPopulation(gaz *refdata.Gazetteer, provs8 []refdata.Census2008Province, dists8 []refdata.Census2008District, wpp []refdata.WPPYear) error {
	var total float64
	for _, y := range wpp {
		if y.Year == 2000 {
			total = wppPopulation(y) * math.Pow(1.016, float64(w.firstSim-2000))
		}
	}
	if total == 0 {
		return fmt.Errorf("reference data: WPP 2024 has no year 2000")
	}
	byCode8 := map[string]refdata.Census2008Province{}
	var census float64
	for _, r := range provs8 {
		byCode8[r.Code] = r
		census += float64(r.PopTotal)
	}
	// Stable age shape, then per province fitted to the broad groups.
	lt := lifeTableOf(w.years[0].sched[1], w.a0)
	var shape [maxAge + 1]float64
	for a := range shape {
		shape[a] = lt.l[a] * math.Exp(-0.02*(float64(a)+0.5))
	}
	groups := [][2]int{{0, 14}, {15, 64}, {65, maxAge}}
	w.ageShare = make([][2][maxAge + 1]float64, len(w.provinces))
	for i, pv := range w.provinces {
		r := byCode8[census2008Code(pv.code)]
		counts := [2][3]int{
			{r.Male0_14, r.Male15_64, r.Male65plus},
			{r.Female0_14, r.Female15_64, r.Female65plus},
		}
		for s := range 2 {
			for g, rg := range groups {
				var sum float64
				for a := rg[0]; a <= rg[1]; a++ {
					sum += shape[a]
				}
				for a := rg[0]; a <= rg[1]; a++ {
					w.ageShare[i][s][a] = float64(counts[s][g]) * shape[a] / sum / float64(r.PopTotal)
				}
			}
		}
	}
	// Commune weights from district census populations matched by name.
	dist8 := map[string]map[string]float64{} // 2008 province -> normalized name -> pop
	for _, d := range dists8 {
		if dist8[d.ProvinceCode] == nil {
			dist8[d.ProvinceCode] = map[string]float64{}
		}
		dist8[d.ProvinceCode][normName(d.Name)] += float64(d.PopTotal)
	}
	nComm := map[string]int{}
	for _, c := range gaz.Communes {
		nComm[c.DistrictCode]++
	}
	weight := make([]float64, len(w.communes))
	for p8, r := range byCode8 {
		var matched float64
		var unmatched []int
		for ci, c := range w.communes {
			if census2008Code(w.provinces[c.province].code) != p8 {
				continue
			}
			d := gaz.Districts[c.district]
			if pop, ok := dist8[p8][normName(d.NameLatin)]; ok {
				weight[ci] = pop / float64(nComm[d.Code])
				matched += weight[ci]
			} else {
				unmatched = append(unmatched, ci)
			}
		}
		rest := float64(r.PopTotal) - matched
		if rest < 0 {
			rest = 0
		}
		for _, ci := range unmatched {
			weight[ci] = rest / float64(len(unmatched))
		}
	}
	w.basePop = make([][2][maxAge + 1]float64, len(w.communes))
	for ci, c := range w.communes {
		share := &w.ageShare[c.province]
		for s := range 2 {
			for a := range maxAge + 1 {
				w.basePop[ci][s][a] = weight[ci] * share[s][a] * total / census
			}
		}
	}
	return nil
}

// provinceCodes lists the province codes in gazetteer order.
func (w *world) provinceCodes() []string {
	codes := make([]string, len(w.provinces))
	for i, p := range w.provinces {
		codes[i] = p.code
	}
	sort.Strings(codes)
	return codes
}

// yearIndex is the index of year y in w.years.
func (w *world) yearIndex(y int) int { return y - w.firstSim }
