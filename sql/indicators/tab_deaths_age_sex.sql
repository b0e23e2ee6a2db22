-- Annual report tabulation: deaths by year of occurrence, the deceased's usual residence (KH, the
-- provinces, '99' = province not known), sex (M, F, U = not stated, T) and abridged age group at
-- death (0, 1-4, 5-9 ... 80-84, 85+, unknown, total). Counts only, each death once: unlike
-- mortality_asdr nothing is spread pro rata. Only cells with at least one death appear (a missing
-- row is a zero); the margins are rows ('KH', 'T', 'total').
with deaths as (
    select year, province_code, sex, age_group from int_deaths_current
),

-- one pass over the deaths to the finest cells: the cube below adds up this small table
cells as (
    select
        year,
        coalesce(province_code, '99') as province_code,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
        coalesce(age_group, 'unknown') as age_group,
        count(*) as deaths
    from deaths
    group by all
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(age_group) = 1 then 'total' else age_group end as age_group,
        sum(deaths)::bigint as deaths
    from cells
    group by year, cube (province_code, sex, age_group)
),

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        deaths as numerator,
        null::bigint as denominator,
        deaths::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(deaths) as flags
    from counts
)

select * from final
