-- materialize: table
-- Live births by year, area ('KH', province, district), and the mother's age
-- group for fertility rates (15-19 ... 45-49, with under-15s in 15-19 and 50+
-- in 45-49), with births of unknown maternal age distributed pro rata over
-- the known ages of the same year and area (DESIGN.md section 4). Also the
-- adolescent groups 10-14 and 15-19 as reported (age_10_14, age_15_19).
with births as (
    select * from int_births_counts
),

by_area as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH'
             when grouping(district_code) = 1 then province_code
             else district_code end as area_code,
        coalesce(mother_age_group, 'unknown') as age_group,
        sum(births) as births,
        sum(births_10_14) as births_10_14,
        sum(births_15_19) as births_15_19
    from births
    group by grouping sets ((year, age_group), (year, province_code, age_group),
                            (year, province_code, district_code, age_group))
),

totals as (
    select year, area_code,
           sum(births) as all_births,
           sum(births) filter (where age_group <> 'unknown') as known_births
    from by_area
    where area_code is not null
    group by all
),

final as (
    select b.year, b.area_code, b.age_group,
           b.births as births_reported,
           b.births * t.all_births / t.known_births as births,
           b.births_10_14,
           b.births_15_19
    from by_area as b
    join totals as t using (year, area_code)
    where b.area_code is not null and b.age_group <> 'unknown' and t.known_births > 0
)

select * from final
