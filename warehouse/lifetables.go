package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"slices"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/warehouse/demog"
)

// Life tables are built in Go (demog) from the deaths and person-years that
// SQL aggregates: the separation factors and Chiang's standard errors are
// recursions that SQL expresses badly.

// Thresholds for computing a life table of a year, area and sex: below them
// the table is too noisy to publish and is not computed.
const (
	defaultLifeTableMinDeaths = 200 // registered deaths of all ages
	lifeTableSmallDeaths      = 1000
	lifeTableOpenAge          = 85
	lifeTableGroupsPerSide    = 19 // 0, 1-4, 5-9 … 80-84, 85+
)

// lifeTableInput reads deaths (unknown ages pro rata) and mid-year population
// by year, area (nation and provinces), sex and abridged age group.
const lifeTableInput = `
with deaths as (
    select year,
           case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
           sex, coalesce(age_start, -1) as age_start, count(*) as deaths
    from int_deaths_current
    where sex in ('M', 'F')
    group by grouping sets ((year, sex, age_start), (year, province_code, sex, age_start))
),
known as (
    select year, area_code, sex,
           sum(deaths) as all_deaths,
           sum(deaths) filter (where age_start >= 0) as known_deaths
    from deaths where area_code is not null group by all
),
population as (
    select year, area_code, sex, age_start, population
    from int_population_areas
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2)
)
select p.year, p.area_code, p.sex, p.age_start, p.population,
       coalesce(d.deaths, 0) as deaths,
       coalesce(d.deaths * k.all_deaths / k.known_deaths, 0) as deaths_adj
from population as p
join known as k using (year, area_code, sex)
left join deaths as d using (year, area_code, sex, age_start)
order by p.year, p.area_code, p.sex, p.age_start`

type lifeTableKey struct {
	year int
	area string
	sex  string
}

type lifeTableCell struct {
	ageStart            int
	population          float64
	deaths, deathsAdjed float64
}

func init() {
	methods = append(methods, model{name: "int_life_tables", layer: layerMethods, method: buildLifeTables,
		needs: []string{"int_ddm_completeness", "int_deaths_current", "int_population_areas"}})
}

// buildLifeTables writes int_life_tables (one row per age group) and
// int_life_summary (e0, e60, 45q15, 1q0, 5q0 with standard errors) for every
// year, area and sex with at least life_table_min_deaths deaths.
func buildLifeTables(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, lifeTableInput)
	if err != nil {
		return err
	}
	var keys []lifeTableKey
	cells := map[lifeTableKey][]lifeTableCell{}
	for rows.Next() {
		var k lifeTableKey
		var c lifeTableCell
		if err := rows.Scan(&k.year, &k.area, &k.sex, &c.ageStart, &c.population, &c.deaths, &c.deathsAdjed); err != nil {
			rows.Close()
			return err
		}
		if _, ok := cells[k]; !ok {
			keys = append(keys, k)
		}
		cells[k] = append(cells[k], c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	minDeaths, err := minDeathsOf(ctx, conn)
	if err != nil {
		return err
	}
	adjust, err := adultCompleteness(ctx, conn)
	if err != nil {
		return err
	}
	for _, q := range []string{
		`create or replace table int_life_tables (year integer, area_code varchar, sex varchar, variant varchar, age_group varchar,
			age_start integer, width integer, deaths double, population double, mx double, ax double, qx double,
			lx double, dx double, nlx double, tx double, ex double, ex_se double, flags varchar[])`,
		`create or replace table int_life_summary (year integer, area_code varchar, sex varchar, variant varchar, measure varchar,
			deaths double, value double, se double, flags varchar[])`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return conn.Raw(func(dc any) error {
		tables, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_life_tables")
		if err != nil {
			return err
		}
		summary, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_life_summary")
		if err != nil {
			tables.Close()
			return err
		}
		err = appendLifeTables(keys, cells, minDeaths, adjust, tables, summary)
		for _, a := range []*duckdb.Appender{tables, summary} {
			if cerr := a.Close(); err == nil {
				err = cerr
			}
		}
		return err
	})
}

func appendLifeTables(keys []lifeTableKey, cells map[lifeTableKey][]lifeTableCell, minDeaths float64, adjust map[lifeTableKey]float64,
	tables, summary *duckdb.Appender) error {
	groups, err := demog.AbridgedGroups(lifeTableOpenAge)
	if err != nil {
		return err
	}
	for _, k := range keys {
		cs := cells[k]
		if err := appendLifeTable(k, variantRegistered, cs, groups, minDeaths, nil, tables, summary); err != nil {
			return err
		}
		c, ok := adjust[k]
		if !ok {
			continue
		}
		// Deaths at 5 and over divided by their estimated completeness; the
		// death-distribution methods say nothing of child deaths.
		adj := slices.Clone(cs)
		for i := range adj {
			if adj[i].ageStart >= 5 {
				adj[i].deathsAdjed /= c
			}
		}
		if err := appendLifeTable(k, variantAdjusted, adj, groups, minDeaths, []any{"adjusted_5plus", "under5_unadjusted"}, tables, summary); err != nil {
			return err
		}
	}
	return nil
}

// The variants of a life table: from registered deaths, and with adult
// deaths adjusted for incomplete registration (GGB-SEG).
const (
	variantRegistered = "registered"
	variantAdjusted   = "adjusted_ggb_seg"
)

func appendLifeTable(k lifeTableKey, variant string, cs []lifeTableCell, groups []demog.Group, minDeaths float64, extra []any,
	tables, summary *duckdb.Appender) error {
	lt, deaths, ok, err := lifeTableOf(k, cs, groups, minDeaths)
	if err != nil {
		return fmt.Errorf("life table %d %s %s: %w", k.year, k.area, k.sex, err)
	}
	if !ok {
		return nil
	}
	var total float64
	for _, d := range deaths {
		total += d
	}
	flags := slices.Clone(extra)
	if flags == nil {
		flags = []any{}
	}
	if total < lifeTableSmallDeaths {
		flags = append(flags, "lt1000_deaths")
	}
	se, err := lt.ChiangSE(deaths, demog.ChiangII)
	if err != nil {
		return fmt.Errorf("life table %d %s %s: %w", k.year, k.area, k.sex, err)
	}
	for i, g := range groups {
		if err := tables.AppendRow(int32(k.year), k.area, k.sex, variant, ageLabel(g), int32(g.Start), int32(g.Width),
			deaths[i], cs[i].population, nullNaN(lt.Mx[i]), nullNaN(lt.Ax[i]), nullNaN(lt.Qx[i]), nullNaN(lt.Lx[i]),
			nullNaN(lt.Dx[i]), nullNaN(lt.NLx[i]), nullNaN(lt.Tx[i]), nullNaN(lt.Ex[i]), nullNaN(se[i]), flags); err != nil {
			return err
		}
	}
	idx := map[int]int{}
	for i, g := range groups {
		idx[g.Start] = i
	}
	add := func(measure string, value, se float64) error {
		return summary.AppendRow(int32(k.year), k.area, k.sex, variant, measure, total, nullNaN(value), nullNaN(se), flags)
	}
	if err := add("e0", lt.Ex[0], se[0]); err != nil {
		return err
	}
	if err := add("e60", lt.Ex[idx[60]], se[idx[60]]); err != nil {
		return err
	}
	for _, span := range []struct {
		name     string
		from, to int
	}{{"45q15", 15, 60}, {"1q0", 0, 1}, {"5q0", 0, 5}} {
		q, v := spanProbability(lt, deaths, idx[span.from], idx[span.to])
		if err := add(span.name, q, math.Sqrt(v)); err != nil {
			return err
		}
	}
	return nil
}

// lifeTableOf builds the table of one year, area and sex, or reports (ok =
// false) that the counts do not allow one: too few deaths, no deaths in the
// open group, or a group without population.
func lifeTableOf(k lifeTableKey, cs []lifeTableCell, groups []demog.Group, minDeaths float64) (lt *demog.LifeTable, deaths []float64, ok bool, err error) {
	if len(cs) != len(groups) {
		return nil, nil, false, nil // an incomplete set of denominators
	}
	deaths = make([]float64, len(groups))
	expo := make([]float64, len(groups))
	var total float64
	for i, c := range cs {
		if c.ageStart != groups[i].Start {
			return nil, nil, false, fmt.Errorf("age group %d where %v was expected", c.ageStart, groups[i])
		}
		if !(c.population > 0) {
			return nil, nil, false, nil
		}
		deaths[i], expo[i] = c.deathsAdjed, c.population
		total += c.deathsAdjed
	}
	if total < minDeaths || !(deaths[len(deaths)-1] > 0) {
		return nil, nil, false, nil
	}
	sex := demog.Male
	if k.sex == "F" {
		sex = demog.Female
	}
	lt, err = demog.LifeTableFromDeaths(groups, deaths, expo, demog.Options{Sex: sex, Rule: demog.AxUN})
	if err != nil {
		return nil, nil, false, err
	}
	return lt, deaths, true, nil
}

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

// adultCompleteness is the GGB-SEG completeness of deaths at 5+ that applies
// to each year, area and sex: that of the intercensal period holding the
// year (the later period where two meet), capped at 1.
func adultCompleteness(ctx context.Context, conn *sql.Conn) (map[lifeTableKey]float64, error) {
	rows, err := conn.QueryContext(ctx, `select y.year, d.area_code, d.sex, least(d.completeness, 1.0)
		from int_ddm_completeness as d, range(d.period_start, d.period_end + 1) as y(year)
		where d.method = 'ggb_seg' and d.completeness > 0
		qualify row_number() over (partition by y.year, d.area_code, d.sex order by d.period_start desc) = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[lifeTableKey]float64{}
	for rows.Next() {
		var k lifeTableKey
		var c float64
		if err := rows.Scan(&k.year, &k.area, &k.sex, &c); err != nil {
			return nil, err
		}
		out[k] = c
	}
	return out, rows.Err()
}
