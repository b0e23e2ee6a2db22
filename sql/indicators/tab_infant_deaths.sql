-- Annual report tabulation: infant deaths (under one year, the same test as mortality_rates' imr)
-- by year of occurrence, the deceased's usual residence (KH, the provinces, '99' = province not
-- known), sex (M, F, U = not stated, T) and age at death, classified as mortality_rates' nmr and
-- pnmr are (int_deaths_current.infant_age): by days where the age in days is known, 0d (under one
-- day), 1-6d, 7-27d, 28-364d (28 days to 11 months); neonatal_day_unknown (reported as 0 months:
-- under 28 days, the day not stated); an age reported as 1-11 months is 28-364d; unknown (age 0
-- in years and nothing finer); total. Counts only, each death once. Every cell of the frame (the
-- years and provinces of int_frame_areas, '99', 'KH' x every sex and age at death) has a row, 0
-- when no infant died; the margins are rows ('KH', 'T', 'total').
with infants as (
    select year, province_code, sex, age_days, infant_age from int_deaths_current
    where infant
),

-- one pass over the infant deaths to the finest cells: the cube below adds up this small table
cells as (
    select
        year,
        coalesce(province_code, '99') as province_code,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
        case
            when infant_age = 'post_neonatal' then '28-364d'
            when infant_age = 'unknown' then 'unknown'
            when age_days is null then 'neonatal_day_unknown'
            when age_days < 1 then '0d'
            when age_days < 7 then '1-6d'
            else '7-27d'
        end as age_at_death,
        count(*) as deaths
    from infants
    group by all
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(age_at_death) = 1 then 'total' else age_at_death end as age_at_death,
        sum(deaths)::bigint as deaths
    from cells
    group by year, cube (province_code, sex, age_at_death)
),

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

frame as (
    select a.year, a.area_code, s.sex, g.age_at_death
    from areas as a
    cross join (values ('M'), ('F'), ('U'), ('T')) as s(sex)
    cross join (values ('0d'), ('1-6d'), ('7-27d'), ('neonatal_day_unknown'), ('28-364d'), ('unknown'), ('total')) as g(age_at_death)
),

final as (
    select
        year,
        area_code,
        sex,
        age_at_death,
        coalesce(c.deaths, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.deaths, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.deaths, 0)) as flags
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join counts as c using (year, area_code, sex, age_at_death)
)

select * from final
