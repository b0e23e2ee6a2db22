-- Annual report tabulation: infant deaths (under one year, the same test as mortality_rates' imr)
-- by year of occurrence, the deceased's usual residence (KH, the provinces, '99' = province not
-- known), sex (M, F, U = not stated, T) and age at death in days: 0d (under one day), 1-6d, 7-27d,
-- 28-364d (28 days to 11 months), unknown (an infant whose age in days is not known: age reported
-- as 0 years or in months), total. Counts only, each death once; only cells with at least one
-- death appear (a missing row is a zero); the margins are rows ('KH', 'T', 'total').
with infants as (
    select year, province_code, sex, age_days from int_deaths_current
    where infant
),

-- one pass over the infant deaths to the finest cells: the cube below adds up this small table
cells as (
    select
        year,
        coalesce(province_code, '99') as province_code,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
        case
            when age_days is null then 'unknown'
            when age_days < 1 then '0d'
            when age_days < 7 then '1-6d'
            when age_days < 28 then '7-27d'
            else '28-364d'
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

final as (
    select
        year,
        area_code,
        sex,
        age_at_death,
        deaths as numerator,
        null::bigint as denominator,
        deaths::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(deaths) as flags
    from counts
)

select * from final
