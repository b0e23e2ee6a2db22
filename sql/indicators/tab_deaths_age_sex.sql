-- Annual report tabulation: deaths by year of occurrence, the deceased's usual residence (KH, the
-- provinces, '99' = province not known), sex (M, F, U = not stated, T) and abridged age group at
-- death (0, 1-4, 5-9 ... 80-84, 85+, unknown, total). Counts only, each death once: unlike
-- mortality_asdr nothing is spread pro rata. Every cell of the frame (the years and provinces of
-- int_frame_areas, '99', 'KH' x every sex and age group) has a row, 0 when no death happened; the
-- margins are rows ('KH', 'T', 'total').
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

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

sexes as (
    select * from (values ('M'), ('F'), ('U'), ('T')) as s(sex)
),

ages as (
    select * from (values ('0'), ('1-4'), ('5-9'), ('10-14'), ('15-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'), ('40-44'),
                          ('45-49'), ('50-54'), ('55-59'), ('60-64'), ('65-69'), ('70-74'), ('75-79'), ('80-84'), ('85+'),
                          ('unknown'), ('total')) as g(age_group)
),

frame as (
    select a.year, a.area_code, s.sex, g.age_group from areas as a cross join sexes as s cross join ages as g
),

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        coalesce(c.deaths, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.deaths, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.deaths, 0)) as flags
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join counts as c using (year, area_code, sex, age_group)
)

select * from final
