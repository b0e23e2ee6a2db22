-- materialize: table
-- The frame of the indicator tables: every year and area with a population
-- denominator (the nation 'KH', the provinces and, where the population file
-- gives them, the districts), up to the year of the as-of date (a later year
-- of a projection has no events yet: zero rows for it would read as counts).
-- A table built on it has a row for each of its cells, with 0 where no event
-- happened, not a missing row; cells outside it (an event before the first
-- year of the population) keep the rows they have.
with population as (
    select distinct year, area_code from int_population_areas
),

as_of as (
    select year(getvariable('as_of')::date) as last_year
),

final as (
    select
        -- the events' type: the tables join on it
        p.year::integer as year,
        p.area_code,
        case when p.area_code = 'KH' then 'nation'
             when length(p.area_code) = 2 then 'province'
             else 'district' end as level,
        case when p.area_code <> 'KH' then left(p.area_code, 2) end as province_code
    from population as p
    cross join as_of as a
    where p.year <= a.last_year
)

select * from final
