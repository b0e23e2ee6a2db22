-- Annual report tabulation: marriages by year of occurrence, the bride's usual residence (KH, the
-- provinces, '99' = province not known; as events_by_month), the bride's age group and the
-- groom's age group (<15, 15-19, 20-24, 25-29, 30-34, 35-39, 40-49, 50+, unknown, total). Counts
-- only, each marriage once; every cell of the frame (the years and provinces of int_frame_areas,
-- '99', 'KH' x every pair of age groups) has a row, 0 when no marriage happened; the margins are
-- rows ('KH', 'total').
with marriages as (
    select year, bride_residence_province as province_code, bride_age, groom_age
    from int_marriages_current
),

-- one pass over the marriages to (year, province, single years of age of both)
ages as (
    select year, coalesce(province_code, '99') as province_code, bride_age, groom_age, count(*) as marriages
    from marriages
    group by all
),

cells as (
    select
        year,
        province_code,
        case
            when bride_age is null then 'unknown' when bride_age < 15 then '<15'
            when bride_age >= 50 then '50+' when bride_age >= 40 then '40-49'
            else ((bride_age // 5) * 5)::varchar || '-' || ((bride_age // 5) * 5 + 4)::varchar
        end as bride_age_group,
        case
            when groom_age is null then 'unknown' when groom_age < 15 then '<15'
            when groom_age >= 50 then '50+' when groom_age >= 40 then '40-49'
            else ((groom_age // 5) * 5)::varchar || '-' || ((groom_age // 5) * 5 + 4)::varchar
        end as groom_age_group,
        marriages
    from ages
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(bride_age_group) = 1 then 'total' else bride_age_group end as bride_age_group,
        case when grouping(groom_age_group) = 1 then 'total' else groom_age_group end as groom_age_group,
        sum(marriages)::bigint as marriages
    from cells
    group by year, cube (province_code, bride_age_group, groom_age_group)
),

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

age_groups as (
    select * from (values ('<15'), ('15-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'), ('40-49'), ('50+'),
                          ('unknown'), ('total')) as g(age_group)
),

frame as (
    select a.year, a.area_code, b.age_group as bride_age_group, g.age_group as groom_age_group
    from areas as a cross join age_groups as b cross join age_groups as g
),

final as (
    select
        year,
        area_code,
        bride_age_group,
        groom_age_group,
        coalesce(c.marriages, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.marriages, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.marriages, 0)) as flags
    -- every cell of the frame, and the cells outside it that have marriages
    from frame
    full join counts as c using (year, area_code, bride_age_group, groom_age_group)
)

select * from final
