-- materialize: table
-- Expected live births and deaths by year and the finest area of the
-- denominators: births = sum over age groups of reference ASFR x women x the
-- province's fertility index; deaths = reference CDR x population.
with population as (
    select * from int_population_years
),

births as (
    select p.year, p.province_code, p.district_code,
           sum(a.asfr * p.population * coalesce(f.fertility_index, 1.0)) as expected_births
    from population as p
    join int_reference_asfr as a on a.year = p.year and a.age_group = p.age_group
    left join int_province_fertility_index as f on f.province_code = p.province_code
    where p.sex = 'F'
    group by all
),

deaths as (
    select p.year, p.province_code, p.district_code,
           sum(p.population) * w.cdr_per_1000 / 1000.0 as expected_deaths,
           sum(p.population) as population
    from population as p
    join ref_wpp_annual as w on w.year = p.year
    group by p.year, p.province_code, p.district_code, w.cdr_per_1000
),

final as (
    select d.year, d.province_code, d.district_code, d.population, b.expected_births, d.expected_deaths
    from deaths as d
    left join births as b
        on b.year = d.year and b.province_code = d.province_code
       and b.district_code is not distinct from d.district_code
)

select * from final
