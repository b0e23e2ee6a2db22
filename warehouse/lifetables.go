package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/warehouse/demog"
)

// Life tables are built in Go (demog) from the deaths, person-years, infant
// deaths and births that SQL aggregates: the separation factors, the
// closeout, the plausibility gates and Chiang's standard errors are
// recursions and fits that SQL expresses badly. docs/methods.md section 7
// gives every rule and threshold below with its source.
const (
	defaultLifeTableMinDeaths = 200 // deaths (all ages) a table needs, after pooling years
	lifeTableSmallDeaths      = 1000
	lifeTableOpenAge          = 85
	// An open group with fewer deaths closes with a Gompertz fit to the
	// rates of 60-64 … 80-84 instead of 1/M: the standard error of 1/M,
	// e85/√D, exceeds about 0.35 years, the size of a Gompertz model's error
	// at 85+.
	lifeTableFewOpenDeaths           = 200
	lifeTableFitFrom, lifeTableFitTo = 60, 85
	// Death rates must not fall significantly (one-sided 1%) from one group
	// to the next from 30-34 on.
	lifeTableRiseFrom = 30
	lifeTableRiseZ    = 2.326
	// e0 must lie inside these bounds: no national e0 ever observed is above
	// 88.1 (Hong Kong females 2023) and none in UN WPP 2024 for 2024 is below 53.
	lifeTableE0Min, lifeTableE0Max = 40.0, 90.0
	// Replicates of the parametric bootstrap of the GGB-SEG completeness.
	ddmBootstrapReps = 200
)

// The bases of a life table: registered deaths; registered deaths at 5 and
// over divided by their GGB-SEG completeness; registered deaths at every age
// divided by the best completeness of their age band (int_completeness_best).
const (
	basisRegistered   = "registered"
	basisGGBSEG       = "adjusted_ggb_seg"
	basisCompleteness = "adjusted_completeness"
)

// lifeTableInput reads, by area (nation and provinces), sex, year (the years
// with registered deaths) and abridged age group: the mid-year population,
// the registered deaths (unknown ages pro rata, int_deaths_by_age), and the
// year's registered infant deaths and live births (the imr of
// mortality_rates). Every year, area and sex with a population is a row.
const lifeTableInput = `
with years as (
    select min(year) as first_year, max(year) as last_year from int_deaths_current
),
frame as (
    select p.year, p.area_code, p.sex, p.age_start, p.population
    from int_population_areas as p, years as y
    where p.sex in ('M', 'F') and (p.area_code = 'KH' or length(p.area_code) = 2)
      and p.year between y.first_year and y.last_year
),
deaths as (
    select year, area_code, sex, age_start, deaths
    from int_deaths_by_age
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2)
),
infants as (
    select year, case when grouping(province_code) = 1 then 'KH' else province_code end as area_code, sex,
           count(*) filter (where infant) as infant_deaths
    from int_deaths_current
    where sex in ('M', 'F')
    group by grouping sets ((year, sex), (year, province_code, sex))
),
births as (
    select year, case when grouping(province_code) = 1 then 'KH' else province_code end as area_code, sex,
           sum(births) as births
    from int_births_counts
    where sex in ('M', 'F')
    group by grouping sets ((year, sex), (year, province_code, sex))
)
select f.area_code, f.sex, f.year, f.age_start, f.population::double,
       coalesce(d.deaths, 0)::double, coalesce(i.infant_deaths, 0)::double, coalesce(b.births, 0)::double
from frame as f
left join deaths as d using (year, area_code, sex, age_start)
left join infants as i using (year, area_code, sex)
left join births as b using (year, area_code, sex)
order by f.area_code, f.sex, f.year, f.age_start`

type lifeTableKey struct {
	year int
	area string
	sex  string
}

// ltCounts are the counts behind one table: one year's, or the sum of a
// window of years.
type ltCounts struct {
	deaths, population []float64 // by abridged group
	infants, births    float64
}

func (c *ltCounts) add(o *ltCounts) {
	for i := range c.deaths {
		c.deaths[i] += o.deaths[i]
		c.population[i] += o.population[i]
	}
	c.infants += o.infants
	c.births += o.births
}

func (c *ltCounts) total() float64 {
	var s float64
	for _, d := range c.deaths {
		s += d
	}
	return s
}

// adultCompleteness is the GGB-SEG completeness of deaths at 5 and over that
// applies to a year, with its standard error.
type adultCompleteness struct{ c, se float64 }

func init() {
	methods = append(methods, model{name: "int_life_tables", layer: layerMethods, method: buildLifeTables,
		needs: []string{"int_ddm_completeness", "int_completeness_best", "int_expected_events", "int_deaths_current", "int_deaths_by_age",
			"int_births_counts", "int_population_areas"}})
}

// buildLifeTables writes int_life_tables (one row per age group) and
// int_life_summary (e0, e60, 45q15, 1q0, 5q0 with standard errors) for every
// year, area and sex of the frame: registered, and adjusted where a GGB-SEG
// completeness applies. A table that fails a gate keeps its rows with every
// value NULL and the flags withheld and withheld_<reason>.
func buildLifeTables(ctx context.Context, conn *sql.Conn) error {
	groups, err := demog.AbridgedGroups(lifeTableOpenAge)
	if err != nil {
		return err
	}
	cells, keys, err := readLifeTableInput(ctx, conn, groups)
	if err != nil {
		return err
	}
	minDeaths, err := minDeathsOf(ctx, conn)
	if err != nil {
		return err
	}
	ggbSeg, err := readAdultCompleteness(ctx, conn)
	if err != nil {
		return err
	}
	bands, err := readBandCompleteness(ctx, conn)
	if err != nil {
		return err
	}
	// The appender takes the flags as text, split into lists afterwards: a
	// list value per row through cgo is most of the method's time.
	for _, q := range []string{
		`create or replace temp table int_life_tables_text (year integer, area_code varchar, sex varchar, basis varchar, age_group varchar,
			age_start integer, width integer, deaths double, population double, mx double, ax double, qx double,
			lx double, dx double, nlx double, tx double, ex double, ex_se double, flags varchar)`,
		`create or replace temp table int_life_summary_text (year integer, area_code varchar, sex varchar, basis varchar, measure varchar,
			deaths double, value double, se double, flags varchar)`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	err = conn.Raw(func(dc any) error {
		tables, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_life_tables_text")
		if err != nil {
			return err
		}
		summary, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_life_summary_text")
		if err != nil {
			tables.Close()
			return err
		}
		w := ltWriter{groups: groups, tables: tables, summary: summary}
		err = w.all(keys, cells, minDeaths, ggbSeg, bands)
		for _, a := range []*duckdb.Appender{tables, summary} {
			if cerr := a.Close(); err == nil {
				err = cerr
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, t := range []string{"int_life_tables", "int_life_summary"} {
		q := fmt.Sprintf(`create or replace table %[1]s as
			select * replace (case when flags = '' then []::varchar[] else string_split(flags, ' ') end as flags) from %[1]s_text;
			drop table %[1]s_text`, t)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// readLifeTableInput returns the counts of every year, area and sex, and the
// keys in the order read (area, sex, year).
func readLifeTableInput(ctx context.Context, conn *sql.Conn, groups []demog.Group) (map[lifeTableKey]*ltCounts, []lifeTableKey, error) {
	rows, err := conn.QueryContext(ctx, lifeTableInput)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cells := map[lifeTableKey]*ltCounts{}
	var keys []lifeTableKey
	for rows.Next() {
		var k lifeTableKey
		var age int
		var pop, deaths, infants, births float64
		if err := rows.Scan(&k.area, &k.sex, &k.year, &age, &pop, &deaths, &infants, &births); err != nil {
			return nil, nil, err
		}
		c := cells[k]
		if c == nil {
			c = &ltCounts{infants: infants, births: births}
			cells[k] = c
			keys = append(keys, k)
		}
		if i := len(c.deaths); i >= len(groups) || groups[i].Start != age {
			return nil, nil, fmt.Errorf("life table %d %s %s: population age group starting at %d out of order (want the groups %v)",
				k.year, k.area, k.sex, age, groups)
		}
		c.deaths = append(c.deaths, deaths)
		c.population = append(c.population, pop)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		if len(cells[k].deaths) != len(groups) {
			return nil, nil, fmt.Errorf("life table %d %s %s: %d population age groups, want %d", k.year, k.area, k.sex,
				len(cells[k].deaths), len(groups))
		}
	}
	return cells, keys, nil
}

// poolYears returns the counts of the shortest centred window of 1, 3 or 5
// years around k whose deaths reach minDeaths, and its length; 0 when none
// does (or the window runs past the years there are).
func poolYears(k lifeTableKey, cells map[lifeTableKey]*ltCounts, minDeaths float64) (*ltCounts, int) {
	for years := 1; years <= 5; years += 2 {
		if sum := windowCounts(k, years, cells); sum != nil && sum.total() >= minDeaths {
			return sum, years
		}
	}
	return nil, 0
}

// windowCounts sums the counts of the centred window of years around k; nil
// when it runs past the years there are.
func windowCounts(k lifeTableKey, years int, cells map[lifeTableKey]*ltCounts) *ltCounts {
	n := len(cells[k].deaths)
	sum := &ltCounts{deaths: make([]float64, n), population: make([]float64, n)}
	for y := k.year - years/2; y <= k.year+years/2; y++ {
		c := cells[lifeTableKey{y, k.area, k.sex}]
		if c == nil {
			return nil
		}
		sum.add(c)
	}
	return sum
}

// ltResult is one computed table: the life table, the standard errors of ex,
// and the summary measures (ltMeasures) with theirs.
type ltResult struct {
	lt                 *demog.LifeTable
	deaths             []float64 // the registered deaths behind each row (infant deaths at 0 when q0 comes from births)
	se                 []float64
	summary, summarySE [len(ltMeasures)]float64
	flags              []string
}

var ltMeasures = [...]string{"e0", "e60", "45q15", "1q0", "5q0"}

// ltAdjust adjusts a table's registered counts for their completeness: each
// group's person-years are multiplied by the completeness of its deaths (so
// the rates are registered deaths / (completeness × person-years), and
// Chiang's variances and the Gompertz fit see the deaths actually
// registered), and q0 from births by birth completeness / infant death
// completeness.
type ltAdjust struct {
	expo []float64 // by group
	q0   float64
}

// lifeTableOf computes the table of counts c for sex, adjusted by adj (nil:
// registered). It returns a withheld reason instead of a table when the
// counts do not make one. Without withSE the standard errors are left out
// (the tables that only give a derivative).
func lifeTableOf(groups []demog.Group, c *ltCounts, sex demog.Sex, adj *ltAdjust, withSE bool) (*ltResult, string, error) {
	n := len(groups)
	expo := slices.Clone(c.population)
	for i := range groups {
		if !(expo[i] > 0) {
			return nil, "no_population", nil
		}
		if adj != nil {
			expo[i] *= adj.expo[i]
		}
	}
	r := &ltResult{deaths: slices.Clone(c.deaths)}
	opt := demog.Options{Sex: sex, Rule: demog.AxUN}
	// q0 = registered infant deaths / registered births (the imr of
	// mortality_rates, as the US Census Bureau's PAS does).
	if c.births > c.infants {
		opt.IMR = c.infants / c.births
		if adj != nil {
			opt.IMR *= adj.q0
		}
		if !(opt.IMR < 1) {
			return nil, "q0_out_of_range", nil
		}
		r.deaths[0] = c.infants
	} else {
		r.flags = append(r.flags, "q0_from_death_rate")
	}
	var openVar float64
	if open := c.deaths[n-1]; open < lifeTableFewOpenDeaths {
		g, err := demog.FitGompertz(groups, c.deaths, expo, lifeTableFitFrom, lifeTableFitTo)
		if err != nil {
			return nil, "open_age", nil
		}
		opt.OpenEx = g.LifeExpectancy(lifeTableOpenAge)
		if withSE {
			openVar = g.LifeExpectancyVar(lifeTableOpenAge)
		}
		r.flags = append(r.flags, "closeout_gompertz")
	} else {
		m := open / expo[n-1]
		openVar = 1 / (m * m * open) // Chiang II
	}
	lt, err := demog.LifeTableFromDeaths(groups, c.deaths, expo, opt)
	if err != nil {
		return nil, "", err
	}
	r.se = make([]float64, n)
	if withSE {
		if r.se, err = lt.ChiangSEOpen(r.deaths, openVar); err != nil {
			return nil, "", err
		}
	}
	r.lt = lt
	idx := map[int]int{}
	for i, g := range groups {
		idx[g.Start] = i
	}
	r.summary[0], r.summarySE[0] = lt.Ex[0], r.se[0]
	r.summary[1], r.summarySE[1] = lt.Ex[idx[60]], r.se[idx[60]]
	for k, span := range [][2]int{{15, 60}, {0, 1}, {0, 5}} {
		q, v := spanProbability(lt, r.deaths, idx[span[0]], idx[span[1]])
		r.summary[2+k], r.summarySE[2+k] = q, math.Sqrt(v)
	}
	r.summary[3] = lt.Qx[0] // 1q0 itself, not 1 − (1 − q0): the imr to the last bit
	return r, "", nil
}

// addCompletenessVariance adds to every ex and summary measure of r, a table
// adjusted by GGB-SEG, the variance that the completeness estimate carries,
// (∂θ/∂c)²·var(c), with the derivative by central differences (c ± 1%).
func addCompletenessVariance(r *ltResult, groups []demog.Group, c *ltCounts, sex demog.Sex, a adultCompleteness) error {
	h := 0.01 * a.c
	lo, _, err := lifeTableOf(groups, c, sex, ggbSegAdjust(groups, a.c-h), false)
	if err != nil || lo == nil {
		return fmt.Errorf("completeness %v - %v: %v", a.c, h, err)
	}
	hi, _, err := lifeTableOf(groups, c, sex, ggbSegAdjust(groups, a.c+h), false)
	if err != nil || hi == nil {
		return fmt.Errorf("completeness %v + %v: %v", a.c, h, err)
	}
	grow := func(se, up, down float64) float64 {
		d := (up - down) / (2 * h)
		return math.Sqrt(se*se + d*d*a.se*a.se)
	}
	for i := range r.se {
		r.se[i] = grow(r.se[i], hi.lt.Ex[i], lo.lt.Ex[i])
	}
	for k := range r.summarySE {
		r.summarySE[k] = grow(r.summarySE[k], hi.summary[k], lo.summary[k])
	}
	return nil
}

// ggbSegAdjust divides the deaths at 5 and over by their GGB-SEG
// completeness c (capped at 1 by readAdultCompleteness).
func ggbSegAdjust(groups []demog.Group, c float64) *ltAdjust {
	adj := &ltAdjust{expo: make([]float64, len(groups)), q0: 1}
	for i, g := range groups {
		adj.expo[i] = 1
		if g.Start >= 5 {
			adj.expo[i] = c
		}
	}
	return adj
}

// The bands of int_completeness_best that adjust a table: deaths under one
// year, at 1-4 and at 5 and over, and live births (q0's denominator).
const (
	bandInfant = iota
	bandChild
	bandAdult
	bandBirths
	nBands
)

// bandOf is the death band of an age group.
func bandOf(g demog.Group) int {
	switch {
	case g.Start == 0:
		return bandInfant
	case g.Start < 5:
		return bandChild
	}
	return bandAdult
}

// bandCompleteness is the best completeness estimate of one band, as sums
// over the years of a table so that pooled windows add up: Σ expected,
// Σ expected × completeness, Σ registered, and Σ expected × the standard
// error of the log of the completeness beyond the registrations' own Poisson
// noise (all of it where the estimate does not count them).
type bandCompleteness struct {
	ok                                    bool
	expected, weighted, registered, refSE float64
	// shared: the estimate is registered / expected events (the reference-
	// based methods), so it counts the very registrations the table counts.
	shared bool
}

func (b *bandCompleteness) add(o bandCompleteness) {
	b.shared = o.shared && (b.shared || !b.ok)
	b.ok = true
	b.expected += o.expected
	b.weighted += o.weighted
	b.registered += o.registered
	b.refSE += o.refSE
}

// value is the completeness of the pooled years: their expected-weighted
// mean (registered / expected for the reference-based estimate).
func (b bandCompleteness) value() float64 { return b.weighted / b.expected }

// logSE is the standard error of log completeness beyond the registrations'
// Poisson noise. The years' errors are taken as one (the reference's error
// is common to neighbouring years): they average instead of adding up in
// squares.
func (b bandCompleteness) logSE() float64 { return b.refSE / b.expected }

type areaYear struct {
	year int
	area string
}

// ayCompleteness is what adjusts the tables of a year (or window) and area:
// the best completeness estimate of each band, both sexes, and the expected
// deaths of each sex (M, F) by death band, which split it by sex.
type ayCompleteness struct {
	best     [nBands]bandCompleteness
	expected [2][bandBirths]float64
}

// completenessAdjust divides the deaths of each band and sex by the
// completeness of their registration and multiplies q0 by birth
// completeness / infant death completeness of the sex. The sex's
// completeness is the band's best estimate (both sexes) times the sex's
// registered / expected deaths relative to both sexes':
// c_s = c × (R_s / E_s) / ((R_M + R_F) / (E_M + E_F)), which is R_s / E_s for
// the reference-based estimate (deaths of sex not stated spread pro rata).
// R counts infant deaths as q0 does. own and other are the registered counts
// of the sex and of the other sex over the same years. False when a band
// cannot be adjusted (no registered death of the sex in it, or no expected
// deaths).
func completenessAdjust(groups []demog.Group, b ayCompleteness, sex int, own, other *ltCounts) (*ltAdjust, bool) {
	rs, ro := bandDeaths(groups, own), bandDeaths(groups, other)
	var c [nBands]float64
	c[bandBirths] = b.best[bandBirths].value()
	for band := range bandBirths {
		es, eo := b.expected[sex][band], b.expected[1-sex][band]
		if !(rs[band] > 0 && es > 0 && eo > 0) {
			return nil, false
		}
		c[band] = b.best[band].value() * (rs[band] / es) / ((rs[band] + ro[band]) / (es + eo))
	}
	adj := &ltAdjust{expo: make([]float64, len(groups)), q0: c[bandBirths] / c[bandInfant]}
	for i, g := range groups {
		adj.expo[i] = c[bandOf(g)]
	}
	return adj, true
}

// bandDeaths are the registered deaths of the death bands: infant deaths, as
// q0 counts them, and the deaths of the groups 1-4 and 5 and over.
func bandDeaths(groups []demog.Group, c *ltCounts) [bandBirths]float64 {
	var r [bandBirths]float64
	for i, g := range groups {
		if b := bandOf(g); b != bandInfant {
			r[b] += c.deaths[i]
		}
	}
	r[bandInfant] = c.infants
	return r
}

// completenessTable computes the table of own (sex s) adjusted by the
// completeness of each band (completenessAdjust), without standard errors.
func completenessTable(groups []demog.Group, b ayCompleteness, s int, sex demog.Sex, own, other *ltCounts) (*ltResult, string, error) {
	adj, ok := completenessAdjust(groups, b, s, own, other)
	if !ok {
		return nil, "no_completeness", nil
	}
	return lifeTableOf(groups, own, sex, adj, false)
}

// completenessVariance sets the standard errors of a table adjusted by
// completeness by the delta method on everything it is computed from: each
// group's registered deaths (Poisson, var(log D) = 1/D) and the infant
// deaths (binomial on the births, as Chiang's var(q0): (1 − q0)/I), each
// moved with the completeness that counts it (for the reference-based
// estimate, c = R / E moves with R), and each band's completeness by its own
// error beyond those counts (the reference's; all of var(log c) for an
// estimate that does not count them), the reference's errors under five
// moving together (int_reference_rates: 4q1 takes the error of 5q0). The
// derivatives by central differences (± 1%). Births are held fixed, as
// Chiang's variance of q0 holds them.
func completenessVariance(r *ltResult, groups []demog.Group, b ayCompleteness, s int, sex demog.Sex, own, other *ltCounts) error {
	const h = 0.01
	type part struct {
		scale    func(f float64) (ayCompleteness, *ltCounts)
		variance float64
	}
	var parts []part
	count := func(set func(c *ltCounts, f float64), band int, n, variance float64) {
		parts = append(parts, part{variance: variance, scale: func(f float64) (ayCompleteness, *ltCounts) {
			c := &ltCounts{deaths: slices.Clone(own.deaths), population: own.population, infants: own.infants, births: own.births}
			set(c, f)
			bb := b
			if bb.best[band].shared {
				bb.best[band].weighted += n * (f - 1)
				bb.best[band].registered += n * (f - 1)
			}
			return bb, c
		}})
	}
	if q0 := own.infants / own.births; own.births > own.infants && own.infants > 0 {
		count(func(c *ltCounts, f float64) { c.infants *= f }, bandInfant, own.infants, (1-q0)/own.infants)
	}
	for i, g := range groups {
		// with q0 from births, the deaths at 0 enter the table only as the infant deaths
		if d := own.deaths[i]; d > 0 && (g.Start > 0 || own.births <= own.infants) {
			count(func(c *ltCounts, f float64) { c.deaths[i] *= f }, bandOf(g), d, 1/d)
		}
	}
	first := len(parts)
	for band := range nBands {
		se := b.best[band].logSE()
		parts = append(parts, part{variance: se * se, scale: func(f float64) (ayCompleteness, *ltCounts) {
			bb := b
			bb.best[band].weighted *= f
			return bb, own
		}})
	}
	var under5 float64 // the covariance of the reference's errors under five
	if b.best[bandInfant].shared && b.best[bandChild].shared {
		under5 = b.best[bandInfant].logSE() * b.best[bandChild].logSE()
	}
	varEx := make([]float64, len(r.se))
	var varSum, dInfant, dChild [len(ltMeasures)]float64
	dInfantEx, dChildEx := make([]float64, len(r.se)), make([]float64, len(r.se))
	for k, p := range parts {
		var t [2]*ltResult
		for j, f := range []float64{1 - h, 1 + h} {
			bb, c := p.scale(f)
			res, reason, err := completenessTable(groups, bb, s, sex, c, other)
			if err != nil || res == nil {
				return fmt.Errorf("part %d × %v: %v %v", k, f, reason, err)
			}
			t[j] = res
		}
		for i := range varEx {
			d := (t[1].lt.Ex[i] - t[0].lt.Ex[i]) / (2 * h)
			varEx[i] += d * d * p.variance
			switch k {
			case first + bandInfant:
				dInfantEx[i] = d
			case first + bandChild:
				dChildEx[i] = d
			}
		}
		for m := range varSum {
			d := (t[1].summary[m] - t[0].summary[m]) / (2 * h)
			varSum[m] += d * d * p.variance
			switch k {
			case first + bandInfant:
				dInfant[m] = d
			case first + bandChild:
				dChild[m] = d
			}
		}
	}
	for i := range varEx {
		r.se[i] = math.Sqrt(varEx[i] + 2*dInfantEx[i]*dChildEx[i]*under5)
	}
	for m := range varSum {
		r.summarySE[m] = math.Sqrt(varSum[m] + 2*dInfant[m]*dChild[m]*under5)
	}
	return nil
}

// completenessFlags: level_from_reference where a band's completeness is
// registered / expected events, so that the adjusted deaths of the band add
// up to the reference's expected deaths and the registry gives only their
// distribution by age (within 5 and over) and area.
func completenessFlags(b ayCompleteness) []string {
	for _, c := range b.best {
		if c.shared {
			return []string{"level_from_reference"}
		}
	}
	return nil
}

// pooledCompleteness sums the completeness of the years of a table (a
// centred window of the given length); false when a band lacks an estimate
// or expected deaths in one of them.
func pooledCompleteness(k lifeTableKey, years int, bands map[areaYear]*ayCompleteness) (ayCompleteness, bool) {
	var sum ayCompleteness
	for y := k.year - years/2; y <= k.year+years/2; y++ {
		b := bands[areaYear{y, k.area}]
		if b == nil {
			return sum, false
		}
		for i := range sum.best {
			if !b.best[i].ok {
				return sum, false
			}
			sum.best[i].add(b.best[i])
		}
		for s := range sum.expected {
			for band := range sum.expected[s] {
				if !(b.expected[s][band] > 0) {
					return sum, false
				}
				sum.expected[s][band] += b.expected[s][band]
			}
		}
	}
	return sum, true
}

// gates returns the withheld reasons of a computed table: rates falling with
// age from 30 beyond Poisson noise, e0 outside its bounds.
func gates(r *ltResult, groups []demog.Group, c *ltCounts) ([]string, error) {
	var reasons []string
	falls, err := demog.RateFalls(groups, c.deaths, c.population, lifeTableRiseFrom, lifeTableRiseZ)
	if err != nil {
		return nil, err
	}
	if len(falls) > 0 {
		reasons = append(reasons, "rates_not_rising")
	}
	if e0 := r.lt.Ex[0]; !(e0 >= lifeTableE0Min && e0 <= lifeTableE0Max) {
		reasons = append(reasons, "e0_out_of_bounds")
	}
	return reasons, nil
}

// ltWriter appends the rows of the tables.
type ltWriter struct {
	groups          []demog.Group
	tables, summary *duckdb.Appender
}

func (w ltWriter) all(keys []lifeTableKey, cells map[lifeTableKey]*ltCounts, minDeaths float64,
	ggbSeg map[lifeTableKey]adultCompleteness, bands map[areaYear]*ayCompleteness) error {
	for _, k := range keys {
		sex := demog.Male
		if k.sex == "F" {
			sex = demog.Female
		}
		pooled, years := poolYears(k, cells, minDeaths)
		var base []string
		switch years {
		case 3:
			base = append(base, "pooled_3y")
		case 5:
			base = append(base, "pooled_5y")
		}
		if err := w.one(k, basisRegistered, pooled, sex, nil, base); err != nil {
			return err
		}
		if a, ok := ggbSeg[k]; ok {
			if err := w.one(k, basisGGBSEG, pooled, sex, &a, append(slices.Clone(base), "adjusted_5plus", "under5_unadjusted")); err != nil {
				return err
			}
		}
		if err := w.completeness(k, pooled, years, sex, cells, bands, base); err != nil {
			return err
		}
	}
	return nil
}

// completeness computes and appends the table of k adjusted by the
// completeness of each band (see completenessAdjust).
func (w ltWriter) completeness(k lifeTableKey, pooled *ltCounts, years int, sex demog.Sex, cells map[lifeTableKey]*ltCounts,
	bands map[areaYear]*ayCompleteness, flags []string) error {
	if pooled == nil {
		return w.one(k, basisCompleteness, nil, sex, nil, nil)
	}
	s, o := 0, "F"
	if k.sex == "F" {
		s, o = 1, "M"
	}
	b, ok := pooledCompleteness(k, years, bands)
	other := windowCounts(lifeTableKey{k.year, k.area, o}, years, cells)
	if ok && other != nil {
		_, ok = completenessAdjust(w.groups, b, s, pooled, other)
	}
	if !ok || other == nil {
		return w.withheld(k, basisCompleteness, []string{"no_completeness"}, flags)
	}
	flags = append(slices.Clone(flags), completenessFlags(b)...)
	r, reason, err := completenessTable(w.groups, b, s, sex, pooled, other)
	if err != nil {
		return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basisCompleteness, err)
	}
	return w.publish(k, basisCompleteness, r, reason, pooled, flags, func(r *ltResult) error {
		return completenessVariance(r, w.groups, b, s, sex, pooled, other)
	})
}

// one computes and appends one table (pooled nil: too few deaths).
func (w ltWriter) one(k lifeTableKey, basis string, pooled *ltCounts, sex demog.Sex, ggbSeg *adultCompleteness, flags []string) error {
	if pooled == nil {
		return w.withheld(k, basis, []string{"few_deaths"}, nil)
	}
	var adj *ltAdjust
	if ggbSeg != nil {
		adj = ggbSegAdjust(w.groups, ggbSeg.c)
	}
	r, reason, err := lifeTableOf(w.groups, pooled, sex, adj, true)
	if err != nil {
		return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basis, err)
	}
	var variance func(*ltResult) error
	if ggbSeg != nil {
		variance = func(r *ltResult) error { return addCompletenessVariance(r, w.groups, pooled, sex, *ggbSeg) }
	}
	return w.publish(k, basis, r, reason, pooled, flags, variance)
}

// publish appends a computed table, or withholds it (r nil: for reason; or
// when it fails a gate). variance, when not nil, sets the standard errors of
// a table that passes.
func (w ltWriter) publish(k lifeTableKey, basis string, r *ltResult, reason string, pooled *ltCounts, flags []string,
	variance func(*ltResult) error) error {
	if r == nil {
		return w.withheld(k, basis, []string{reason}, flags)
	}
	flags = append(flags, r.flags...)
	if pooled.total() < lifeTableSmallDeaths {
		flags = append(flags, "lt1000_deaths")
	}
	reasons, err := gates(r, w.groups, pooled)
	if err != nil {
		return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basis, err)
	}
	if len(reasons) > 0 {
		return w.withheld(k, basis, reasons, flags)
	}
	if variance != nil {
		if err := variance(r); err != nil {
			return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basis, err)
		}
	}
	if basis == basisGGBSEG {
		return w.ggbSeg(k, basis, r, pooled, flags)
	}
	fl := flagText(flags)
	if err := w.rows(k, basis, r, pooled, fl); err != nil {
		return err
	}
	for m, name := range ltMeasures {
		if err := w.summary.AppendRow(int32(k.year), k.area, k.sex, basis, name, pooled.total(),
			nullNaN(r.summary[m]), nullNaN(r.summarySE[m]), fl); err != nil {
			return err
		}
	}
	return nil
}

// rows appends the age groups of a computed table.
func (w ltWriter) rows(k lifeTableKey, basis string, r *ltResult, pooled *ltCounts, fl string) error {
	lt := r.lt
	for i, g := range w.groups {
		if err := w.tables.AppendRow(int32(k.year), k.area, k.sex, basis, ageLabel(g), int32(g.Start), int32(g.Width),
			r.deaths[i], pooled.population[i], nullNaN(lt.Mx[i]), nullNaN(lt.Ax[i]), nullNaN(lt.Qx[i]), nullNaN(lt.Lx[i]),
			nullNaN(lt.Dx[i]), nullNaN(lt.NLx[i]), nullNaN(lt.Tx[i]), nullNaN(lt.Ex[i]), nullNaN(r.se[i]), fl); err != nil {
			return err
		}
	}
	return nil
}

// ggbSeg appends a table adjusted by GGB-SEG. Its deaths under five stay as
// registered (the death-distribution methods say nothing of them), and
// infant deaths are the least registered of all: on the default synthetic
// registry that alone puts e0 2-3 years too high. So what depends on
// mortality under five is withheld (reason under5_unadjusted): the rows of
// the table (their lx, nLx and ex at 0 and 1 carry it) and e0, 1q0 and 5q0;
// e60 and 45q15, conditional on survival to 60 and 15, are published (the
// table adjusted by completeness at every age gives e0).
func (w ltWriter) ggbSeg(k lifeTableKey, basis string, r *ltResult, pooled *ltCounts, flags []string) error {
	held := flagText(append(slices.Clone(flags), "withheld", "withheld_under5_unadjusted"))
	if err := w.withheldRows(k, basis, held); err != nil {
		return err
	}
	for m, name := range ltMeasures {
		value, se, fl := any(nil), any(nil), held
		deaths := any(nil)
		if name == "e60" || name == "45q15" {
			value, se, fl, deaths = nullNaN(r.summary[m]), nullNaN(r.summarySE[m]), flagText(flags), pooled.total()
		}
		if err := w.summary.AppendRow(int32(k.year), k.area, k.sex, basis, name, deaths, value, se, fl); err != nil {
			return err
		}
	}
	return nil
}

// withheld appends the rows of a table that is not published: the grain, the
// flags, and NULL in every value column.
func (w ltWriter) withheld(k lifeTableKey, basis string, reasons, flags []string) error {
	fl := slices.Clone(flags)
	fl = append(fl, "withheld")
	for _, r := range reasons {
		fl = append(fl, "withheld_"+r)
	}
	af := flagText(fl)
	if err := w.withheldRows(k, basis, af); err != nil {
		return err
	}
	for _, name := range ltMeasures {
		if err := w.summary.AppendRow(int32(k.year), k.area, k.sex, basis, name, nil, nil, nil, af); err != nil {
			return err
		}
	}
	return nil
}

// withheldRows appends the age groups of a table with NULL values.
func (w ltWriter) withheldRows(k lifeTableKey, basis string, fl string) error {
	for _, g := range w.groups {
		if err := w.tables.AppendRow(int32(k.year), k.area, k.sex, basis, ageLabel(g), int32(g.Start), int32(g.Width),
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, fl); err != nil {
			return err
		}
	}
	return nil
}

// flagText is the flags as the appender takes them (see buildLifeTables).
func flagText(s []string) string { return strings.Join(s, " ") }

// spanProbability is the probability of dying between the starts of groups
// i and j, 1 − l(j)/l(i), with its variance by the delta method on the
// group probabilities (var q = q²(1−q)/D, as in Chiang's method).
func spanProbability(lt *demog.LifeTable, deaths []float64, i, j int) (q, variance float64) {
	p := 1.0
	var rel float64
	for g := i; g < j; g++ {
		p *= lt.Px[g]
		if deaths[g] > 0 && lt.Px[g] > 0 {
			vq := lt.Qx[g] * lt.Qx[g] * (1 - lt.Qx[g]) / deaths[g]
			rel += vq / (lt.Px[g] * lt.Px[g])
		}
	}
	return 1 - p, p * p * rel
}

func ageLabel(g demog.Group) string {
	switch {
	case g.Width == 0:
		return fmt.Sprintf("%d+", g.Start)
	case g.Width == 1:
		return fmt.Sprint(g.Start)
	}
	return fmt.Sprintf("%d-%d", g.Start, g.Start+g.Width-1)
}

func nullNaN(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// minDeathsOf reads the build's threshold of deaths for a life table.
func minDeathsOf(ctx context.Context, conn *sql.Conn) (float64, error) {
	var n float64
	if err := conn.QueryRowContext(ctx, "select getvariable('life_table_min_deaths')").Scan(&n); err != nil {
		return 0, fmt.Errorf("life_table_min_deaths: %w", err)
	}
	return n, nil
}

// readAdultCompleteness is the GGB-SEG completeness of deaths at 5+ that
// applies to each year, area and sex: that of the intercensal period holding
// the year (the later period where two meet), capped at 1, with its
// bootstrap standard error.
func readAdultCompleteness(ctx context.Context, conn *sql.Conn) (map[lifeTableKey]adultCompleteness, error) {
	rows, err := conn.QueryContext(ctx, `select y.year, d.area_code, d.sex, least(d.completeness, 1.0), d.se
		from int_ddm_completeness as d, range(d.period_start, d.period_end + 1) as y(year)
		where d.method = 'ggb_seg' and d.completeness > 0 and d.se is not null
		qualify row_number() over (partition by y.year, d.area_code, d.sex order by d.period_start desc) = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[lifeTableKey]adultCompleteness{}
	for rows.Next() {
		var k lifeTableKey
		var a adultCompleteness
		if err := rows.Scan(&k.year, &k.area, &k.sex, &a.c, &a.se); err != nil {
			return nil, err
		}
		out[k] = a
	}
	return out, rows.Err()
}

// readBandCompleteness reads the best completeness estimate of deaths by age
// band and of births, by year and area (the nation and provinces), and the
// expected deaths of each sex behind it.
func readBandCompleteness(ctx context.Context, conn *sql.Conn) (map[areaYear]*ayCompleteness, error) {
	out := map[areaYear]*ayCompleteness{}
	at := func(k areaYear) *ayCompleteness {
		if out[k] == nil {
			out[k] = &ayCompleteness{}
		}
		return out[k]
	}
	rows, err := conn.QueryContext(ctx, `select year, area_code,
			case when event_type = 'birth' then ? when age_band = '0' then ? when age_band = '1-4' then ? else ? end,
			value, numerator, denominator, log_se, method in ('reference_rates', 'reference_asfr')
		from int_completeness_best
		where ((event_type = 'birth' and age_band = 'all') or (event_type = 'death' and age_band in ('0', '1-4', '5+')))
		  and (area_code = 'KH' or length(area_code) = 2)`, bandBirths, bandInfant, bandChild, bandAdult)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k areaYear
		var band int
		var value, registered, expected, logSE sql.NullFloat64
		var shared bool
		if err := rows.Scan(&k.year, &k.area, &band, &value, &registered, &expected, &logSE, &shared); err != nil {
			return nil, err
		}
		// no estimate (no reference, or no registrations to measure): the band stays not ok
		if value.Float64 > 0 && expected.Float64 > 0 && registered.Float64 > 0 && logSE.Valid {
			se := logSE.Float64
			if shared {
				se = math.Sqrt(math.Max(se*se-1/registered.Float64, 0))
			}
			at(k).best[band] = bandCompleteness{ok: true, expected: expected.Float64, weighted: expected.Float64 * value.Float64,
				registered: registered.Float64, refSE: expected.Float64 * se, shared: shared}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `select year, case when grouping(province_code) = 1 then 'KH' else province_code end,
			case sex when 'M' then 0 else 1 end, case age_band when '0' then ? when '1-4' then ? else ? end,
			coalesce(sum(expected), 0)
		from int_expected_events
		where event_type = 'death' and sex in ('M', 'F')
		group by grouping sets ((year, sex, age_band), (year, province_code, sex, age_band))`, bandInfant, bandChild, bandAdult)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k areaYear
		var sex, band int
		var expected float64
		if err := rows.Scan(&k.year, &k.area, &sex, &band, &expected); err != nil {
			return nil, err
		}
		at(k).expected[sex][band] = expected
	}
	return out, rows.Err()
}
