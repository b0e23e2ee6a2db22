-- Annual report tabulation: live births by year of occurrence, the mother's usual residence
-- (KH, the provinces, '99' = province not known) and the mother's age group (<15, 15-19 ... 45-49,
-- 50+, unknown, total). Counts only, each birth once, so that disclosure control can suppress
-- small cells: unlike fertility_asfr nothing is spread pro rata. Every cell of the frame (the
-- years and provinces of int_frame_areas, '99', 'KH' x every age group) has a row, 0 when no
-- birth happened; the margins are rows ('KH', 'total').
with births as (
    select year, province_code, mother_age from int_births_current
),

-- one pass over the births to (year, province, single year of age): the cube below adds up
-- this small table
ages as (
    select year, coalesce(province_code, '99') as province_code, mother_age, count(*) as births
    from births
    group by all
),

cells as (
    select
        year,
        province_code,
        case
            when mother_age is null then 'unknown'
            when mother_age < 15 then '<15'
            when mother_age >= 50 then '50+'
            else ((mother_age // 5) * 5)::varchar || '-' || ((mother_age // 5) * 5 + 4)::varchar
        end as mother_age_group,
        births
    from ages
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(mother_age_group) = 1 then 'total' else mother_age_group end as mother_age_group,
        sum(births)::bigint as births
    from cells
    group by year, cube (province_code, mother_age_group)
),

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

groups as (
    select * from (values ('<15'), ('15-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'), ('40-44'), ('45-49'),
                          ('50+'), ('unknown'), ('total')) as g(mother_age_group)
),

frame as (
    select a.year, a.area_code, g.mother_age_group from areas as a cross join groups as g
),

final as (
    select
        year,
        area_code,
        mother_age_group,
        coalesce(c.births, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.births, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.births, 0)) as flags
    -- every cell of the frame, and the cells outside it that have births
    from frame
    full join counts as c using (year, area_code, mother_age_group)
)

select * from final
