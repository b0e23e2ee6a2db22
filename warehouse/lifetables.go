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

// The bases of a life table: registered deaths, and registered deaths at 5
// and over divided by their GGB-SEG completeness.
const (
	basisRegistered = "registered"
	basisAdjusted   = "adjusted_ggb_seg"
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
		needs: []string{"int_ddm_completeness", "int_deaths_current", "int_deaths_by_age", "int_births_counts", "int_population_areas"}})
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
	adjust, err := readAdultCompleteness(ctx, conn)
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
		err = w.all(keys, cells, minDeaths, adjust)
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
	for h := 0; h <= 2; h++ {
		sum := &ltCounts{deaths: make([]float64, len(cells[k].deaths)), population: make([]float64, len(cells[k].deaths))}
		whole := true
		for y := k.year - h; y <= k.year+h; y++ {
			c := cells[lifeTableKey{y, k.area, k.sex}]
			if c == nil {
				whole = false
				break
			}
			sum.add(c)
		}
		if whole && sum.total() >= minDeaths {
			return sum, 2*h + 1
		}
	}
	return nil, 0
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

// lifeTableOf computes the table of counts c for sex, with the exposures at
// ages 5 and over multiplied by the completeness adj (1 for registered
// deaths): the rates are then registered deaths / (completeness × person-
// years), and Chiang's variances and the Gompertz fit see the deaths
// actually registered. It returns a withheld reason instead of a table when
// the counts do not make one. Without withSE the standard errors are left
// out (the tables that only give a derivative).
func lifeTableOf(groups []demog.Group, c *ltCounts, sex demog.Sex, adj float64, withSE bool) (*ltResult, string, error) {
	n := len(groups)
	expo := slices.Clone(c.population)
	for i, g := range groups {
		if !(expo[i] > 0) {
			return nil, "no_population", nil
		}
		if g.Start >= 5 {
			expo[i] *= adj
		}
	}
	r := &ltResult{deaths: slices.Clone(c.deaths)}
	opt := demog.Options{Sex: sex, Rule: demog.AxUN}
	// q0 = registered infant deaths / registered births (the imr of
	// mortality_rates, as the US Census Bureau's PAS does).
	if c.births > c.infants {
		opt.IMR = c.infants / c.births
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

// addCompletenessVariance adds to every ex and summary measure of r the
// variance that the completeness estimate carries, (∂θ/∂c)²·var(c), with the
// derivative by central differences (c ± 1%).
func addCompletenessVariance(r *ltResult, groups []demog.Group, c *ltCounts, sex demog.Sex, a adultCompleteness) error {
	h := 0.01 * a.c
	lo, _, err := lifeTableOf(groups, c, sex, a.c-h, false)
	if err != nil || lo == nil {
		return fmt.Errorf("completeness %v - %v: %v", a.c, h, err)
	}
	hi, _, err := lifeTableOf(groups, c, sex, a.c+h, false)
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

func (w ltWriter) all(keys []lifeTableKey, cells map[lifeTableKey]*ltCounts, minDeaths float64, adjust map[lifeTableKey]adultCompleteness) error {
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
		if a, ok := adjust[k]; ok {
			if err := w.one(k, basisAdjusted, pooled, sex, &a, append(slices.Clone(base), "adjusted_5plus", "under5_unadjusted")); err != nil {
				return err
			}
		}
	}
	return nil
}

// one computes and appends one table (pooled nil: too few deaths).
func (w ltWriter) one(k lifeTableKey, basis string, pooled *ltCounts, sex demog.Sex, a *adultCompleteness, flags []string) error {
	if pooled == nil {
		return w.withheld(k, basis, []string{"few_deaths"}, nil)
	}
	adj := 1.0
	if a != nil {
		adj = a.c
	}
	r, reason, err := lifeTableOf(w.groups, pooled, sex, adj, true)
	if err != nil {
		return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basis, err)
	}
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
	if a != nil {
		if err := addCompletenessVariance(r, w.groups, pooled, sex, *a); err != nil {
			return fmt.Errorf("life table %d %s %s %s: %w", k.year, k.area, k.sex, basis, err)
		}
	}
	if a != nil {
		return w.adjusted(k, basis, r, pooled, flags)
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

// adjusted appends an adjusted table. Its deaths under five stay as
// registered (the death-distribution methods say nothing of them), and
// infant deaths are the least registered of all: on the default synthetic
// registry that alone puts e0 2-3 years too high. So what depends on
// mortality under five is withheld (reason under5_unadjusted): the rows of
// the table (their lx, nLx and ex at 0 and 1 carry it) and e0, 1q0 and 5q0;
// e60 and 45q15, conditional on survival to 60 and 15, are published.
func (w ltWriter) adjusted(k lifeTableKey, basis string, r *ltResult, pooled *ltCounts, flags []string) error {
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
