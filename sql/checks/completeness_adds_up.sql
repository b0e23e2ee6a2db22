-- The national count of registered events equals the current events of the
-- year, the provinces never add up to more than the nation, and the nation's
-- expected events are the sum of the provinces' (reference methods).
with reference as (
    select * from completeness where within = 'all' and method <> 'dual_system'
),

national as (
    select event_type, age_band, year, numerator, denominator from reference where area_code = 'KH'
),

provinces as (
    select event_type, age_band, year, sum(numerator) as numerator, sum(denominator) as denominator
    from reference where length(area_code) = 2 and area_code <> 'KH' group by all
),

events as (
    select 'birth' as event_type, year, count(*) as n from int_births_current group by all
    union all
    select 'death', year, count(*) from int_deaths_current group by all
)

select e.event_type, e.year, e.n, n.numerator as national, p.numerator as provinces,
       n.denominator as national_expected, p.denominator as provinces_expected
from events as e
left join national as n on n.event_type = e.event_type and n.year = e.year and n.age_band = 'all'
left join provinces as p on p.event_type = n.event_type and p.year = n.year and p.age_band = n.age_band
where n.numerator is distinct from e.n or p.numerator > n.numerator
   or abs(n.denominator - p.denominator) > 1e-6 * n.denominator
