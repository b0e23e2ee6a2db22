-- Summary mortality rates by year of death, area (usual residence) and sex, from registered
-- deaths (basis 'registered'). See mortality_rates.toml for each measure's definition.
-- The frame: every area and sex of the population in every year from the first to the last
-- with a registered death, and every cell with deaths; a cell without deaths has its rows,
-- with 0. Deaths and births of sex not stated count in 'T' only, those whose residence is not
-- known in 'KH' only: rates by sex and province have no denominator for them.
with deaths as (
    select * from int_deaths_classified
),

death_years as (
    select min(year) as first_year, max(year) as last_year from deaths
),

death_counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           count(*) as deaths,
           count(*) filter (where infant) as infant,
           -- infants by the finest age reported (int_deaths_current.infant_age)
           count(*) filter (where infant_age = 'neonatal') as neonatal_known,
           count(*) filter (where infant_age = 'post_neonatal') as post_neonatal_known,
           count(*) filter (where infant_age = 'neonatal' and age_days is not null) as neonatal_days_known,
           count(*) filter (where early_neonatal) as early_neonatal_known,
           count(*) filter (where age_years between 1 and 4) as child,
           count(*) filter (where maternal) as maternal,
           count(*) filter (where late_maternal) as late_maternal,
           count(*) filter (where pregnancy_related) as pregnancy_related,
           count(*) filter (where road_traffic) as road_traffic,
           count(*) filter (where suicide) as suicide,
           count(*) filter (where homicide) as homicide
    from deaths
    group by grouping sets ((year), (year, sex), (year, province_code), (year, province_code, sex),
                            (year, province_code, district_code), (year, province_code, district_code, sex))
),

-- rates by sex and area have no denominator for sex 'U' or an unknown area
death_cells as (
    select * from death_counts where area_code is not null and sex in ('M', 'F', 'T')
),

birth_counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           case when grouping(sex) = 1 then 'T' else sex end as sex,
           sum(births) as births
    from int_births_counts
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

-- read three times: computed once (0.5 s instead of 1.0 s on the 200k demo)
frame as materialized (
    select p.year, p.area_code, p.sex
    from population as p, death_years as y
    where p.year between y.first_year and y.last_year
    union
    select year, area_code, sex from death_cells
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
    where ncd4 and age_years between 30 and 69
    group by grouping sets ((year, age_group), (year, sex, age_group), (year, province_code, age_group),
                            (year, province_code, sex, age_group))
),

sdg341 as (
    select p.year, p.area_code, p.sex,
           sum(coalesce(n.deaths, 0)) as deaths,
           -- 5q is capped at 1: a tiny population can have a rate above 0.4
           1 - product(1 - least(1.0, q_from_m(5, coalesce(n.deaths, 0) / p.population, 2.5))) as value
    from int_population_areas as p
    join frame as f using (year, area_code, sex)
    left join ncd as n using (year, area_code, sex, age_group)
    where p.age_start between 30 and 65 and (p.area_code = 'KH' or length(p.area_code) = 2)
    group by all
    having count(*) = 8
),

m as (
    select f.year, f.area_code, f.sex,
           coalesce(d.deaths, 0) as deaths,
           coalesce(d.infant, 0) as infant,
           coalesce(d.neonatal_known, 0) as neonatal_known,
           coalesce(d.post_neonatal_known, 0) as post_neonatal_known,
           coalesce(d.neonatal_days_known, 0) as neonatal_days_known,
           coalesce(d.early_neonatal_known, 0) as early_neonatal_known,
           coalesce(d.child, 0) as child,
           coalesce(d.maternal, 0) as maternal,
           coalesce(d.late_maternal, 0) as late_maternal,
           coalesce(d.pregnancy_related, 0) as pregnancy_related,
           coalesce(d.road_traffic, 0) as road_traffic,
           coalesce(d.suicide, 0) as suicide,
           coalesce(d.homicide, 0) as homicide,
           coalesce(b.births, 0) as births,
           coalesce(fd.stillbirths, 0) as stillbirths,
           p.population,
           p14.population as pop_1_4, a14.deaths as deaths_1_4
    from frame as f
    left join death_cells as d using (year, area_code, sex)
    left join birth_counts as b using (year, area_code, sex)
    left join fetal_counts as fd using (year, area_code, sex)
    left join population as p using (year, area_code, sex)
    left join (select year, area_code, sex, population from int_population_areas where age_group = '1-4') as p14
        using (year, area_code, sex)
    left join (select year, area_code, sex, deaths from int_deaths_by_age where age_group = '1-4') as a14
        using (year, area_code, sex)
),

-- Infant deaths whose age within the first year is not known (age 0 in years, nothing
-- finer) are shared between neonatal and post-neonatal as those whose age is known, and
-- deaths under 7 days among neonatal deaths as those whose age in days is known.
infants as (
    select *,
           case when infant = 0 then 0.0
                else neonatal_known * infant / nullif(neonatal_known + post_neonatal_known, 0) end as neonatal,
           infant / nullif(births, 0) as q0
    from m
),

child as (
    select *,
           case when neonatal = 0 then 0.0
                else early_neonatal_known * neonatal / nullif(neonatal_days_known, 0) end as early_neonatal,
           q_from_m(4, deaths_1_4 / nullif(pop_1_4, 0), cd_west_4a1(q0, sex)) as q1_4
    from infants
),

measures as (
    select year, area_code, sex, 'cdr' as measure, 'per 1,000 population' as unit,
           deaths::double as numerator, population as denominator, 1000.0 as scale, deaths as event_count
    from child
    union all
    select year, area_code, sex, 'imr', 'per 1,000 live births', infant, births, 1000.0, infant from child
    union all
    select year, area_code, sex, 'nmr', 'per 1,000 live births', neonatal, births, 1000.0, neonatal_known from child
    union all
    select year, area_code, sex, 'pnmr', 'per 1,000 live births', infant - neonatal, births, 1000.0, post_neonatal_known
    from child
    union all
    select year, area_code, 'T', 'stillbirth_rate', 'per 1,000 total births',
           stillbirths, births + stillbirths, 1000.0, stillbirths from child where sex = 'T'
    union all
    select year, area_code, 'T', 'perinatal_mortality', 'per 1,000 total births',
           stillbirths + early_neonatal, births + stillbirths, 1000.0, stillbirths + early_neonatal_known
    from child where sex = 'T'
    union all
    select year, area_code, 'T', 'mmr', 'per 100,000 live births', maternal, births, 100000.0, maternal
    from child where sex = 'T'
    union all
    select year, area_code, 'T', 'late_maternal', 'per 100,000 live births', late_maternal, births, 100000.0, late_maternal
    from child where sex = 'T'
    union all
    select year, area_code, 'T', 'pregnancy_related', 'per 100,000 live births', pregnancy_related, births, 100000.0,
           pregnancy_related
    from child where sex = 'T'
    union all
    select year, area_code, sex, 'road_traffic', 'per 100,000 population', road_traffic, population, 100000.0, road_traffic
    from child
    union all
    select year, area_code, sex, 'suicide', 'per 100,000 population', suicide, population, 100000.0, suicide from child
    union all
    select year, area_code, sex, 'homicide', 'per 100,000 population', homicide, population, 100000.0, homicide from child
),

final as (
    select year, area_code, sex, measure, unit,
           round(numerator, 3) as numerator, denominator,
           scale * numerator / nullif(denominator, 0) as value,
           scale * poisson_low(numerator) / nullif(denominator, 0) as ci_low,
           scale * poisson_high(numerator) / nullif(denominator, 0) as ci_high,
           list_concat(small_flags(numerator), case when coalesce(denominator, 0) = 0 then ['no_denominator'] else [] end) as flags,
           event_count
    from measures
    union all
    -- U5MR = 1 - (1 - q0)(1 - 4q1): q0 = infant deaths / births, 4q1 from the 1-4 death rate
    -- with 4a1 by the Coale-Demeny West rule on q0, as in the life tables
    select year, area_code, sex, 'u5mr', 'per 1,000 live births',
           round(infant + coalesce(deaths_1_4, child), 3), births,
           1000 * (1 - (1 - q0) * (1 - q1_4)),
           null, null,
           list_concat(small_flags(infant + coalesce(deaths_1_4, child)), case when q0 is null or q1_4 is null then ['no_denominator'] else [] end),
           infant + child
    from child
    union all
    -- the numerator: every death of the cell, those of unknown age being in the rate pro rata
    select c.year, c.area_code, c.sex, 'asdr_who', 'per 100,000 population (WHO world standard)',
           c.deaths, null, 100000 * a.rate,
           100000 * (a.rate - 1.959964 * sqrt(a.var)), 100000 * (a.rate + 1.959964 * sqrt(a.var)),
           list_concat(small_flags(c.deaths), case when a.rate is null then ['no_denominator'] else [] end),
           c.deaths
    from child as c
    left join asdr as a using (year, area_code, sex)
    union all
    select year, area_code, sex, 'sdg_3_4_1', 'probability', deaths, null, value, null, null, small_flags(deaths), deaths
    from sdg341
),

-- The reference's child mortality, for the nation (docs/methods.md section 4): IMR, U5MR and NMR of
-- both sexes as UN IGME publishes them (its 90% bounds carried to a 95% interval on the log scale),
-- and IMR and U5MR by sex from the reference life tables (IGME split by WPP's sex ratio); where IGME
-- has no year, the reference life tables' both-sexes values (births weighted 1.05 : 1).
reference_sex as (
    select r.year, r.sex, min(r.basis) filter (where r.age_start = 0) as basis,
           1000 * max(r.qx) filter (where r.age_start = 0) as imr,
           1000 * (1 - max(r.lx) filter (where r.age_start = 5)) as u5mr,
           max(r.log_se) filter (where r.age_start = 0) as log_se,
           max(r.log_se) filter (where r.age_start = 1) as u5mr_log_se -- 4q1 carries the error of 5q0
    from int_reference_rates as r
    where r.year between (select first_year from death_years) and (select last_year from death_years)
    group by r.year, r.sex
),

reference as (
    -- the basis the reference tables give the year (reference_site where a site replaced IGME's file)
    select i.year, 'KH' as area_code, 'T' as sex, coalesce(b.basis, 'reference_igme2024') as basis, i.indicator as measure,
           i.value, ln(i.upper / i.lower) / (2 * 1.644854) as log_se
    from ref_igme as i
    left join (select year, min(basis) as basis from reference_sex group by year) as b using (year)
    where i.sex = 'T' and i.indicator in ('imr', 'u5mr', 'nmr')
      and i.year between (select first_year from death_years) and (select last_year from death_years)
    union all
    select year, 'KH', sex, basis, unnest(['imr', 'u5mr']), unnest([imr, u5mr]), unnest([log_se, u5mr_log_se])
    from reference_sex
    union all
    select year, 'KH', 'T', min(basis), unnest(['imr', 'u5mr']),
           unnest([sum(imr * case sex when 'M' then 1.05 else 1 end) / 2.05, sum(u5mr * case sex when 'M' then 1.05 else 1 end) / 2.05]),
           max(log_se)
    from reference_sex
    where year not in (select year from ref_igme where sex = 'T')
    group by year
)

select year, area_code, sex, 'registered' as basis, measure, unit, numerator, denominator, value,
       case when ci_low < 0 then 0 else ci_low end as ci_low, ci_high, flags, event_count::bigint as event_count
from final
union all
-- WPP publishes no uncertainty: no interval rather than one of no width
select year, area_code, sex, basis, measure, 'per 1,000 live births', null, null, value,
       case when log_se > 0 then value * exp(-1.959964 * log_se) end,
       case when log_se > 0 then value * exp(1.959964 * log_se) end, []::varchar[], null
from reference
