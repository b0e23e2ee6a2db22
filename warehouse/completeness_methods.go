package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"math"

	"github.com/duckdb/duckdb-go/v2"

	"vitalstats/warehouse/demog"
)

// The death-distribution methods (GGB, SEG, GGB-SEG) compare registered
// deaths with two population counts; Adair-Lopez predicts completeness from
// the registered CDR, the age structure and child mortality. Both are
// computed in Go (demog) from aggregates SQL prepares.

func init() {
	methods = append(methods,
		model{name: "int_ddm_completeness", layer: layerMethods, method: buildDDM,
			needs: []string{"int_deaths_by_age", "int_population_areas"}},
		model{name: "int_adair_lopez", layer: layerMethods, method: buildAdairLopez,
			needs: []string{"int_reference_rates", "int_deaths_by_age", "int_population_areas"}},
	)
}

// ddmInput gives, for each pair of consecutive census years (ref_census_years)
// and sex, the population of each five-year group (0-4 … 80-84, 85+) at both
// counts (mid-year) and the registered deaths between them: half of each end
// year's deaths and all of the years between.
const ddmInput = `
with censuses as (
    select year, lead(year) over (order by year) as next_year from ref_census_years
),
pairs as (
    select year as y1, next_year as y2 from censuses where next_year is not null
),
population as (
    select year, area_code, sex, case when age_start < 5 then 0 else age_start end as age5, sum(population) as population
    from int_population_areas
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2)
    group by all
),
deaths as (
    select year, area_code, sex, case when age_start < 5 then 0 else age_start end as age5, sum(deaths) as deaths
    from int_deaths_by_age
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2)
    group by all
),
interval_deaths as (
    select p.y1, p.y2, d.area_code, d.sex, d.age5,
           sum(case when d.year in (p.y1, p.y2) then 0.5 else 1.0 end * d.deaths) as deaths,
           count(distinct d.year) as years_seen
    from pairs as p
    join deaths as d on d.year between p.y1 and p.y2
    group by all
)
select p.y1, p.y2, a.area_code, a.sex, a.age5, a.population as pop1, b.population as pop2,
       coalesce(d.deaths, 0) as deaths, coalesce(d.years_seen, 0) as years_seen
from pairs as p
join population as a on a.year = p.y1
join population as b on b.year = p.y2 and b.area_code = a.area_code and b.sex = a.sex and b.age5 = a.age5
left join interval_deaths as d on d.y1 = p.y1 and d.area_code = a.area_code and d.sex = a.sex and d.age5 = a.age5
order by p.y1, a.area_code, a.sex, a.age5`

// bgbInput gives, for each census year, the population of each five-year
// group and the deaths registered that year, for the Brass growth balance.
const bgbInput = `
with population as (
    select year, area_code, sex, case when age_start < 5 then 0 else age_start end as age5, sum(population) as population
    from int_population_areas
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2) and year in (select year from ref_census_years)
    group by all
),
deaths as (
    select year, area_code, sex, case when age_start < 5 then 0 else age_start end as age5, sum(deaths) as deaths
    from int_deaths_by_age
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2) and year in (select year from ref_census_years)
    group by all
)
select p.year, p.area_code, p.sex, p.age5, p.population, coalesce(d.deaths, 0)
from population as p
join (select distinct year from deaths) as seen using (year)
left join deaths as d using (year, area_code, sex, age5)
order by p.year, p.area_code, p.sex, p.age5`

type ddmKey struct {
	y1, y2 int
	area   string
	sex    string
}

// buildDDM writes int_ddm_completeness: completeness of registered deaths at
// ages 5 and over by GGB (ages 5-80), SEG (25-60) and GGB-SEG, for each
// intercensal period, area and sex; and by the Brass growth balance (ages
// 5-65) at each census year.
func buildDDM(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `create or replace table int_ddm_completeness (
		period_start integer, period_end integer, area_code varchar, sex varchar, method varchar,
		deaths double, completeness double, k1_over_k2 double, slope double, intercept double,
		age_min integer, age_max integer, rmse double, se double, flags varchar[])`); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, ddmInput)
	if err != nil {
		return err
	}
	var keys []ddmKey
	in := map[ddmKey]*demog.Intercensal{}
	complete := map[ddmKey]bool{}
	for rows.Next() {
		var k ddmKey
		var age, seen int
		var p1, p2, d float64
		if err := rows.Scan(&k.y1, &k.y2, &k.area, &k.sex, &age, &p1, &p2, &d, &seen); err != nil {
			rows.Close()
			return err
		}
		ic := in[k]
		if ic == nil {
			ic = &demog.Intercensal{Years: float64(k.y2 - k.y1)}
			in[k] = ic
			keys = append(keys, k)
			complete[k] = true
		}
		if seen > 0 && seen < k.y2-k.y1+1 {
			complete[k] = false // a year without deaths data in the interval
		}
		ic.AgeStart = append(ic.AgeStart, age)
		ic.Pop1 = append(ic.Pop1, p1)
		ic.Pop2 = append(ic.Pop2, p2)
		ic.Deaths = append(ic.Deaths, d)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	minDeaths, err := minDeathsOf(ctx, conn)
	if err != nil {
		return err
	}
	single, singleKeys, err := readBGBInput(ctx, conn)
	if err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_ddm_completeness")
		if err != nil {
			return err
		}
		for _, k := range keys {
			ic := in[k]
			var total float64
			for i, a := range ic.AgeStart {
				if a >= 5 {
					total += ic.Deaths[i]
				}
			}
			if !complete[k] || total < minDeaths {
				continue // too few deaths, or years missing: no estimate rather than a wild one
			}
			flags := []any{}
			if total < 1000 {
				flags = append(flags, "lt1000_deaths")
			}
			sex := demog.Male
			if k.sex == "F" {
				sex = demog.Female
			}
			row := func(method string, completeness, k12, slope, intercept float64, lo, hi int, rmse, se float64) error {
				return app.AppendRow(int32(k.y1), int32(k.y2), k.area, k.sex, method, total,
					nullNaN(completeness), nullNaN(k12), nullNaN(slope), nullNaN(intercept), int32(lo), int32(hi), nullNaN(rmse), nullNaN(se), flags)
			}
			g, gerr := demog.GeneralGrowthBalance(*ic, demog.GGBOptions{})
			if gerr == nil {
				if err := row("ggb", g.Completeness, g.K1OverK2, g.Slope, g.Intercept, g.MinAge, g.MaxAge, g.RMSE, math.NaN()); err != nil {
					app.Close()
					return err
				}
			}
			s, serr := demog.SyntheticExtinctGenerations(*ic, demog.SEGOptions{Sex: sex})
			if serr == nil {
				if err := row("seg", s.Completeness, math.NaN(), math.NaN(), math.NaN(), s.MinAge, s.MaxAge, math.NaN(), math.NaN()); err != nil {
					app.Close()
					return err
				}
			}
			gsOpt := demog.GGBSEGOptions{SEG: demog.SEGOptions{Sex: sex}}
			gs, gserr := demog.GGBSEG(*ic, gsOpt)
			if gserr == nil {
				// The adjusted life tables carry this uncertainty; a bootstrap
				// the method cannot run leaves it unknown (NULL), and no
				// adjusted table is made.
				se, err := demog.GGBSEGStdErr(*ic, gsOpt, ddmBootstrapReps, ddmSeed(k))
				if err != nil {
					se = math.NaN()
				}
				if err := row("ggb_seg", gs.CompletenessVsBetterCount, gs.GGB.K1OverK2, math.NaN(), math.NaN(), gs.SEG.MinAge, gs.SEG.MaxAge, math.NaN(), se); err != nil {
					app.Close()
					return err
				}
			}
		}
		for _, k := range singleKeys {
			pd := single[k]
			var total float64
			for i, a := range pd.AgeStart {
				if a >= 5 {
					total += pd.Deaths[i]
				}
			}
			if total < minDeaths {
				continue
			}
			res, err := demog.BrassGrowthBalance(*pd, demog.BGBOptions{})
			if err != nil {
				continue // a population the method cannot fit (no deaths at some age): no estimate
			}
			flags := []any{"one_year_of_deaths"}
			if err := app.AppendRow(int32(k.y1), int32(k.y1), k.area, k.sex, "bgb", total, nullNaN(res.Completeness), nil,
				nullNaN(res.Slope), nullNaN(res.GrowthRate), int32(res.MinAge), int32(res.MaxAge), nullNaN(res.RMSE), nil, flags); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// ddmSeed is the bootstrap's seed for a period, area and sex: the same
// inputs give the same standard error in every build.
func ddmSeed(k ddmKey) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d-%d-%s-%s", k.y1, k.y2, k.area, k.sex)
	return h.Sum64()
}

// adairLopezInput: by year, area (nation and provinces) and sex, the
// registered deaths, CDR per 1,000 and the share aged 65 and over, with 5q0
// of the reference life table of the year and sex (UN IGME's, or WPP's where
// IGME has no estimate) and its basis.
const adairLopezInput = `
with deaths as (
    select year, area_code, sex, sum(deaths) as deaths, sum(population) as population,
           sum(population) filter (where age_start >= 65) as pop65
    from int_deaths_by_age
    where sex in ('M', 'F') and (area_code = 'KH' or length(area_code) = 2)
    group by all
),
reference as (
    select year, sex, 1 - max(lx) filter (where age_start = 5) / max(lx) filter (where age_start = 0) as q5,
           max(basis) filter (where age_start = 0) as basis
    from int_reference_rates
    group by all
)
select d.year, d.area_code, d.sex, d.deaths, 1000 * d.deaths / d.population, d.pop65 / d.population, r.q5, r.basis
from deaths as d
join reference as r using (year, sex)
where d.population > 0 and d.deaths >= getvariable('life_table_min_deaths')
order by all`

// buildAdairLopez writes int_adair_lopez: the completeness of death
// registration (all ages) predicted by Adair & Lopez (2018) model 2, without a
// country random intercept (Cambodia has none). 5q0 comes from the reference
// (never from the registry, whose missing child deaths would make
// registration look complete); q5_basis names it. Years the reference does
// not cover, and areas and sexes with fewer deaths than a life table needs,
// get no estimate.
func buildAdairLopez(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `create or replace table int_adair_lopez (
		year integer, area_code varchar, sex varchar, deaths double, reg_cdr double, pct65 double, q5 double,
		q5_basis varchar, completeness double, flags varchar[])`); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, adairLopezInput)
	if err != nil {
		return err
	}
	type rec struct {
		year                   int
		area, sex, basis       string
		deaths, cdr, pct65, q5 float64
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.year, &r.area, &r.sex, &r.deaths, &r.cdr, &r.pct65, &r.q5, &r.basis); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "int_adair_lopez")
		if err != nil {
			return err
		}
		for _, r := range recs {
			sex := demog.Male
			if r.sex == "F" {
				sex = demog.Female
			}
			res, err := demog.AdairLopez(demog.ALModel2, demog.AdairLopezInput{Sex: sex, Year: r.year, RegCDR: r.cdr, Pct65: r.pct65, Q5: r.q5})
			if err != nil {
				app.Close()
				return fmt.Errorf("adair-lopez %d %s %s: %w", r.year, r.area, r.sex, err)
			}
			flags := []any{}
			if r.deaths < lifeTableSmallDeaths {
				flags = append(flags, "lt1000_deaths")
			}
			if err := app.AppendRow(int32(r.year), r.area, r.sex, r.deaths, r.cdr, r.pct65, r.q5, r.basis, res.Completeness, flags); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// readBGBInput reads one count and one year of deaths per census year, area
// and sex.
func readBGBInput(ctx context.Context, conn *sql.Conn) (map[ddmKey]*demog.PopDeaths, []ddmKey, error) {
	rows, err := conn.QueryContext(ctx, bgbInput)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[ddmKey]*demog.PopDeaths{}
	var keys []ddmKey
	for rows.Next() {
		var k ddmKey
		var age int
		var pop, deaths float64
		if err := rows.Scan(&k.y1, &k.area, &k.sex, &age, &pop, &deaths); err != nil {
			return nil, nil, err
		}
		k.y2 = k.y1
		pd := out[k]
		if pd == nil {
			pd = &demog.PopDeaths{}
			out[k] = pd
			keys = append(keys, k)
		}
		pd.AgeStart = append(pd.AgeStart, age)
		pd.Pop = append(pd.Pop, pop)
		pd.Deaths = append(pd.Deaths, deaths)
	}
	return out, keys, rows.Err()
}
