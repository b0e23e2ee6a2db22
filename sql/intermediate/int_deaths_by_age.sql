-- materialize: table
-- Deaths and mid-year population by year, area ('KH', provinces, districts),
-- sex ('M', 'F', 'T') and abridged age group, deaths of unknown age
-- distributed pro rata over the known ages of the same year, area and sex.
-- The ground of age-specific and age-standardised death rates.
-- The frame: every area, sex and age group of the population in every year
-- from the first to the last with a registered death; a cell without deaths
-- has 0. Deaths of sex not stated count in 'T' only, those whose residence
-- is not known in 'KH' only (no denominator holds them by sex or province).
with deaths as (
    select year, province_code, district_code, sex, coalesce(age_group, 'unknown') as age_group
    from int_deaths_current
),

by_area as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           age_group,
           count(*) as deaths
    from deaths
    group by grouping sets ((year, age_group), (year, sex, age_group),
                            (year, province_code, age_group), (year, province_code, sex, age_group),
                            (year, province_code, district_code, age_group),
                            (year, province_code, district_code, sex, age_group))
),

cells as (
    select * from by_area where area_code is not null and sex in ('M', 'F', 'T')
),

totals as (
    select year, area_code, sex, sum(deaths) as all_deaths,
           sum(deaths) filter (where age_group <> 'unknown') as known_deaths
    from cells group by all
),

frame as (
    select p.*
    from int_population_areas as p
    where p.year between (select min(year) from int_deaths_current) and (select max(year) from int_deaths_current)
),

final as (
    select p.year, p.area_code, p.sex, p.age_group, p.age_start, p.population,
           coalesce(d.deaths, 0) as deaths_reported,
           coalesce(d.deaths * t.all_deaths / t.known_deaths, 0) as deaths,
           -- the factor of the pro rata share (1 where every age is known)
           coalesce(t.all_deaths / t.known_deaths, 1.0) as pro_rata
    from frame as p
    left join totals as t using (year, area_code, sex)
    left join cells as d using (year, area_code, sex, age_group)
)

select * from final
