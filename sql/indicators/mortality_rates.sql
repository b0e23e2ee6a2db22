-- Summary mortality rates by year of death, area (usual residence) and sex.
-- See mortality_rates.toml for each measure's definition.
with deaths as (
    select * from int_deaths_classified
),

death_counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           count(*) as deaths,
           count(*) filter (where infant) as infant,
           count(*) filter (where infant and neonatal is not null) as infant_days_known,
           count(*) filter (where neonatal) as neonatal,
           count(*) filter (where age_days < 7) as early_neonatal,
           count(*) filter (where maternal) as maternal,
           count(*) filter (where road_traffic) as road_traffic,
           count(*) filter (where suicide) as suicide,
           count(*) filter (where homicide) as homicide
    from deaths
    where sex in ('M', 'F')
    group by grouping sets ((year), (year, sex), (year, province_code), (year, province_code, sex),
                            (year, province_code, district_code), (year, province_code, district_code, sex))
),

birth_counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           sum(births) as births
    from int_births_counts
    where sex in ('M', 'F')
    group by grouping sets ((year), (year, sex), (year, province_code), (year, province_code, sex),
                            (year, province_code, district_code), (year, province_code, district_code, sex))
),

fetal_counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           'T' as sex,
           count(*) filter (where gestation_weeks >= 28) as stillbirths
    from int_fetal_deaths_current
    group by grouping sets ((year), (year, province_code), (year, province_code, district_code))
),

population as (
    select year, area_code, sex, sum(population) as population
    from int_population_areas group by all
),

by_age as (
    select * from int_deaths_by_age
),

-- WHO world standard population on our groups: 0 and 1-4 share 0-4 by years of age; 85+ takes 85-100+.
standard as (
    select g.age_group,
           case when g.age_group = '0' then 0.2 * w.weight
                when g.age_group = '1-4' then 0.8 * w.weight
                else w.weight end as weight
    from (select distinct age_group, age_start from int_population_areas) as g
    join (select case when age_start >= 85 then 85 else age_start end as start, sum(weight) as weight
          from ref_who_standard_population group by 1) as w
        on w.start = case when g.age_start < 5 then 0 else g.age_start end
),

asdr as (
    select a.year, a.area_code, a.sex,
           sum(a.deaths_reported) as deaths,
           sum(s.weight * a.deaths / a.population) as rate,
           sum(s.weight * s.weight * a.deaths / (a.population * a.population)) as var
    from by_age as a join standard as s using (age_group)
    where a.population > 0
    group by all
),

ncd as (
    select year,
           case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           age_group, count(*) as deaths
    from deaths
    where ncd4 and age_years between 30 and 69 and sex in ('M', 'F')
    group by grouping sets ((year, age_group), (year, sex, age_group), (year, province_code, age_group),
                            (year, province_code, sex, age_group))
),

sdg341 as (
    select p.year, p.area_code, p.sex,
           sum(coalesce(n.deaths, 0)) as deaths,
           -- 5q is capped at 1: a tiny population can have a rate above 0.4
           1 - product(1 - least(1.0, 5 * coalesce(n.deaths, 0) / p.population
                                      / (1 + 2.5 * coalesce(n.deaths, 0) / p.population))) as value
    from int_population_areas as p
    left join ncd as n using (year, area_code, sex, age_group)
    where p.age_start between 30 and 65 and (p.area_code = 'KH' or length(p.area_code) = 2)
    group by all
    having count(*) = 8
),

m as (
    select d.year, d.area_code, d.sex, d.*  exclude (year, area_code, sex),
           b.births, f.stillbirths, p.population,
           p14.population as pop_1_4, a14.deaths as deaths_1_4
    from death_counts as d
    left join birth_counts as b using (year, area_code, sex)
    left join fetal_counts as f using (year, area_code, sex)
    left join population as p using (year, area_code, sex)
    left join (select year, area_code, sex, population from int_population_areas where age_group = '1-4') as p14
        using (year, area_code, sex)
    left join (select year, area_code, sex, deaths from int_deaths_by_age where age_group = '1-4') as a14
        using (year, area_code, sex)
    where d.area_code is not null
),

measures as (
    select year, area_code, sex, 'cdr' as measure, 'per 1,000 population' as unit,
           deaths::double as numerator, population as denominator, 1000.0 as scale
    from m
    union all
    select year, area_code, sex, 'imr', 'per 1,000 live births', infant, births, 1000.0 from m
    -- neonatal deaths among infants with the age in days known, scaled to all infant deaths
    union all
    select year, area_code, sex, 'nmr', 'per 1,000 live births',
           neonatal * infant / nullif(infant_days_known, 0), births, 1000.0 from m
    union all
    select year, area_code, sex, 'pnmr', 'per 1,000 live births',
           infant - coalesce(neonatal * infant / nullif(infant_days_known, 0), 0), births, 1000.0 from m
    union all
    select year, area_code, 'T', 'stillbirth_rate', 'per 1,000 total births',
           coalesce(stillbirths, 0), births + coalesce(stillbirths, 0), 1000.0 from m where sex = 'T'
    union all
    select year, area_code, 'T', 'perinatal_mortality', 'per 1,000 total births',
           coalesce(stillbirths, 0) + early_neonatal, births + coalesce(stillbirths, 0), 1000.0 from m where sex = 'T'
    union all
    select year, area_code, 'T', 'mmr', 'per 100,000 live births', maternal, births, 100000.0 from m where sex = 'T'
    union all
    select year, area_code, sex, 'road_traffic', 'per 100,000 population', road_traffic, population, 100000.0 from m
    union all
    select year, area_code, sex, 'suicide', 'per 100,000 population', suicide, population, 100000.0 from m
    union all
    select year, area_code, sex, 'homicide', 'per 100,000 population', homicide, population, 100000.0 from m
),

final as (
    select year, area_code, sex, measure, unit,
           round(numerator, 3) as numerator, denominator,
           scale * numerator / denominator as value,
           scale * poisson_low(numerator) / denominator as ci_low,
           scale * poisson_high(numerator) / denominator as ci_high,
           list_concat(small_flags(numerator), case when denominator is null then ['no_denominator'] else [] end) as flags
    from measures
    union all
    -- U5MR = 1 - (1 - q0)(1 - 4q1): q0 = infant deaths / births, 4q1 from the 1-4 death rate with 4a1 = 1.5
    select year, area_code, sex, 'u5mr', 'per 1,000 live births',
           infant + deaths_1_4, births,
           1000 * (1 - (1 - infant / births) * (1 - 4 * (deaths_1_4 / pop_1_4) / (1 + 2.5 * deaths_1_4 / pop_1_4))),
           null, null,
           list_concat(small_flags(infant + deaths_1_4), case when births is null then ['no_denominator'] else [] end)
    from m where births > 0 and pop_1_4 > 0
    union all
    select year, area_code, sex, 'asdr_who', 'per 100,000 population (WHO world standard)',
           deaths, null, 100000 * rate,
           100000 * (rate - 1.959964 * sqrt(var)), 100000 * (rate + 1.959964 * sqrt(var)), small_flags(deaths)
    from asdr
    union all
    select year, area_code, sex, 'sdg_3_4_1', 'probability', deaths, null, value, null, null, small_flags(deaths)
    from sdg341
)

select year, area_code, sex, measure, unit, numerator, denominator, value, case when ci_low < 0 then 0 else ci_low end as ci_low, ci_high, flags
from final
