-- The national count of registered events equals the current events of the
-- year, and the provinces never add up to more than the nation.
with national as (
    select event_type, year, numerator from completeness where area_code = 'KH' and within = 'all'
),

provinces as (
    select event_type, year, sum(numerator) as numerator
    from completeness where length(area_code) = 2 and area_code <> 'KH' and within = 'all' group by all
),

events as (
    select 'birth' as event_type, year, count(*) as n from int_births_current group by all
    union all
    select 'death', year, count(*) from int_deaths_current group by all
)

select e.event_type, e.year, e.n, n.numerator as national, p.numerator as provinces
from events as e
left join national as n using (event_type, year)
left join provinces as p using (event_type, year)
where n.numerator is distinct from e.n or p.numerator > n.numerator
