-- Annual report tabulation: live births by year of occurrence, the mother's usual residence
-- (KH, the provinces, '99' = province not known), sex (M, F, U = not stated, T) and place of
-- delivery (the facility types of the registration: public_hospital, health_centre, private,
-- home, other; unknown; total). Counts only, each birth once; every cell of the frame (the years
-- and provinces of int_frame_areas, '99', 'KH' x every sex and place) has a row, 0 when no birth
-- happened; the margins are rows ('KH', 'T', 'total').
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

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
    union all
    select distinct year, '99' from int_frame_areas
),

sexes as (
    select * from (values ('M'), ('F'), ('U'), ('T')) as s(sex)
),

places as (
    select * from (values ('public_hospital'), ('health_centre'), ('private'), ('home'), ('other'), ('unknown'),
                          ('total')) as p(place_of_delivery)
),

frame as (
    select a.year, a.area_code, s.sex, p.place_of_delivery from areas as a cross join sexes as s cross join places as p
),

final as (
    select
        year,
        area_code,
        sex,
        place_of_delivery,
        coalesce(c.births, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.births, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        small_flags(coalesce(c.births, 0)) as flags
    -- every cell of the frame, and the cells outside it that have births
    from frame
    full join counts as c using (year, area_code, sex, place_of_delivery)
)

select * from final
