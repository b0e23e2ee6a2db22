-- Annual report tabulation: fetal deaths as reported, by year of occurrence (delivery), the
-- mother's usual residence (KH, the provinces, '99' = province not known), sex of the fetus (M, F,
-- U = undetermined or not stated, T) and completed weeks of gestation (<28, 28-31, 32-36, 37-41,
-- 42+, unknown, total). The stillbirths of mortality_rates are the rows from 28 weeks on. Counts
-- only, each fetal death once; every cell of the frame (the years and provinces of int_frame_areas,
-- '99', 'KH' x every sex and gestation) has a row, 0 when none happened; the margins are rows ('KH',
-- 'T', 'total').
with fetal as (
    select year, province_code, sex, gestation_weeks from int_fetal_deaths_current
),

-- one pass over the fetal deaths to the finest cells: the cube below adds up this small table
cells as (
    select
        year,
        coalesce(province_code, '99') as province_code,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
        case
            when gestation_weeks is null then 'unknown'
            when gestation_weeks < 28 then '<28'
            when gestation_weeks < 32 then '28-31'
            when gestation_weeks < 37 then '32-36'
            when gestation_weeks < 42 then '37-41'
            else '42+'
        end as gestation,
        count(*) as fetal_deaths
    from fetal
    group by all
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(gestation) = 1 then 'total' else gestation end as gestation,
        sum(fetal_deaths)::bigint as fetal_deaths
    from cells
    group by year, cube (province_code, sex, gestation)
),

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

sexes as (
    select * from (values ('M'), ('F'), ('U'), ('T')) as s(sex)
),

gestations as (
    select * from (values ('<28'), ('28-31'), ('32-36'), ('37-41'), ('42+'), ('unknown'), ('total')) as g(gestation)
),

frame as (
    select a.year, a.area_code, s.sex, g.gestation from areas as a cross join sexes as s cross join gestations as g
),

final as (
    select
        year,
        area_code,
        sex,
        gestation,
        coalesce(c.fetal_deaths, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.fetal_deaths, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.fetal_deaths, 0)) as flags
    -- every cell of the frame, and the cells outside it that have fetal deaths
    from frame
    full join counts as c using (year, area_code, sex, gestation)
)

select * from final
