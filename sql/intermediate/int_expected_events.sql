-- materialize: table
-- Expected live births and deaths by year, the finest area of the denominators
-- and, for deaths, the age band of the deceased ('0', '1-4', '5+') and sex
-- ('M', 'F'; births 'T'; the life tables adjusted by completeness take each
-- sex's):
--   births 'all' = sum over the groups 15-19 … 45-49 of reference ASFR x women
--                  x the province's fertility index;
--   deaths '0'   = reference 1q0 x expected births, by sex (births split by
--                  WPP's sex ratio at birth): infant deaths follow the births
--                  of the year, as the IMR does, not the population at age 0;
--   deaths '1-4', '5+' = sum over the abridged groups of reference nMx x
--                  population, by sex.
-- The reference is int_reference_rates (WPP 2024, under five scaled to UN
-- IGME); log_se is the standard error of log(expected) from the reference's
-- own uncertainty (IGME's bounds under five; 0 where WPP gives none). A year
-- the reference does not cover has a row with expected NULL (no_reference),
-- never an extrapolated one. Every area and year of the denominators has its
-- rows, so areas add up to the nation.
with population as (
    select * from int_population_years
),

reference as (
    select * from int_reference_rates
),

sex_ratio as (
    select year, srb_males_per_female as srb from ref_wpp_annual
),

areas as (
    select distinct year, province_code, district_code from population
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

-- 1.05 where WPP's annual series has no sex ratio for the year (its value for Cambodia throughout)
births_by_sex as (
    select b.year, b.province_code, b.district_code, s.sex,
           b.expected_births * case s.sex when 'M' then coalesce(r.srb, 1.05) else 1.0 end / (1 + coalesce(r.srb, 1.05)) as births
    from births as b
    cross join (values ('M'), ('F')) as s(sex)
    left join sex_ratio as r on r.year = b.year
),

infant as (
    select b.year, b.province_code, b.district_code, 'death' as event_type, '0' as age_band, b.sex,
           sum(b.births * q.qx) as expected,
           max(q.log_se) as log_se,
           max(q.basis) as basis
    from births_by_sex as b
    join reference as q on q.year = b.year and q.sex = b.sex and q.age_start = 0
    group by all
),

older as (
    select p.year, p.province_code, p.district_code, 'death' as event_type,
           case when p.age_start = 1 then '1-4' else '5+' end as age_band, p.sex,
           sum(r.mx * p.population) as expected,
           max(r.log_se) as log_se,
           max(r.basis) as basis
    from population as p
    join reference as r on r.year = p.year and r.sex = p.sex and r.age_start = p.age_start
    where p.sex in ('M', 'F') and p.age_start >= 1
    group by all
),

computed as (
    select year, province_code, district_code, 'birth' as event_type, 'all' as age_band, 'T' as sex,
           expected_births as expected, 0.0 as log_se,
           case when (select site from ref_files where table_name = 'ref_wpp_asfr') then 'reference_site'
                else 'reference_wpp2024' end as basis
    from births
    union all
    select * from infant
    union all
    select * from older
),

frame as (
    select a.year, a.province_code, a.district_code, k.event_type, k.age_band, k.sex
    from areas as a
    cross join (values ('birth', 'all', 'T'), ('death', '0', 'M'), ('death', '0', 'F'), ('death', '1-4', 'M'),
                       ('death', '1-4', 'F'), ('death', '5+', 'M'), ('death', '5+', 'F')) as k(event_type, age_band, sex)
),

final as (
    select f.year, f.province_code, f.district_code, f.event_type, f.age_band, f.sex,
           c.expected, c.log_se, c.basis
    from frame as f
    left join computed as c
        on c.year = f.year and c.province_code = f.province_code
       and c.district_code is not distinct from f.district_code
       and c.event_type = f.event_type and c.age_band = f.age_band and c.sex = f.sex
)

select * from final
