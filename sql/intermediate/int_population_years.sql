-- materialize: table
-- Denominators for every year from the first to the last year given, by the
-- finest area given. A year missing between two given years is interpolated
-- geometrically (constant growth rate between them); years outside the range
-- get no denominator, so their rates are null rather than extrapolated.
with population as (
    select * from stg_ref__population
),

cells as (
    select province_code, district_code, sex, age_group, age_start,
           min(year) as first_year, max(year) as last_year
    from population
    group by all
),

years as (
    select c.*, y.year
    from cells as c, range(c.first_year, c.last_year + 1) as y(year)
),

bracketed as (
    select y.province_code, y.district_code, y.sex, y.age_group, y.age_start, y.year,
           max(p.year) filter (where p.year <= y.year) as y0,
           min(p.year) filter (where p.year >= y.year) as y1
    from years as y
    join population as p
        on p.province_code = y.province_code
       and p.district_code is not distinct from y.district_code
       and p.sex = y.sex and p.age_group = y.age_group
    group by all
),

final as (
    select b.year, b.province_code, b.district_code, b.sex, b.age_group, b.age_start,
           case
               when b.y0 = b.y1 then p0.population
               when p0.population > 0 and p1.population > 0
                   then p0.population * pow(p1.population / p0.population, (b.year - b.y0) / (b.y1 - b.y0))
               else p0.population + (p1.population - p0.population) * (b.year - b.y0) / (b.y1 - b.y0)
           end as population,
           b.y0 <> b.y1 as interpolated
    from bracketed as b
    join population as p0
        on p0.year = b.y0 and p0.province_code = b.province_code
       and p0.district_code is not distinct from b.district_code
       and p0.sex = b.sex and p0.age_group = b.age_group
    join population as p1
        on p1.year = b.y1 and p1.province_code = b.province_code
       and p1.district_code is not distinct from b.district_code
       and p1.sex = b.sex and p1.age_group = b.age_group
)

select * from final
