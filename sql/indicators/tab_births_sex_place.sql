-- Annual report tabulation: live births by year of occurrence, the mother's usual residence
-- (KH, the provinces, '99' = province not known), sex (M, F, U = not stated, T) and place of
-- delivery (the facility types of the registration: public_hospital, health_centre, private,
-- home, other; unknown; total). Counts only, each birth once; only cells with at least one birth
-- appear (a missing row is a zero); the margins are rows ('KH', 'T', 'total').
with births as (
    select year, province_code, sex, facility_type from int_births_current
),

-- one pass over the births to the finest cells: the cube below adds up this small table
cells as (
    select
        year,
        coalesce(province_code, '99') as province_code,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
        coalesce(facility_type, 'unknown') as place_of_delivery,
        count(*) as births
    from births
    group by all
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(place_of_delivery) = 1 then 'total' else place_of_delivery end as place_of_delivery,
        sum(births)::bigint as births
    from cells
    group by year, cube (province_code, sex, place_of_delivery)
),

final as (
    select
        year,
        area_code,
        sex,
        place_of_delivery,
        births as numerator,
        null::bigint as denominator,
        births::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(births) as flags
    from counts
)

select * from final
