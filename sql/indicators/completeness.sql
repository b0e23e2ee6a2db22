-- Registration completeness of births and deaths by year of occurrence and area
-- (usual residence): events registered (and in the lake) / expected events.
-- within: 'all' counts every registration so far; 'legal', '1y' and '5y' count
-- those registered within the legal limit, a year and five years of the event
-- (cohort completeness); a window that has not closed by the extraction date
-- is flagged 'window_open'.
with events as (
    select event_type, year, province_code, district_code, lag_days, limit_days, event_date
    from int_registrations_timeliness
),

counted as (
    select e.event_type, e.year,
           case when grouping(e.province_code) = 1 then 'KH'
                when grouping(e.district_code) = 1 then e.province_code
                else e.district_code end as area_code,
           count(*) as n_all,
           count(*) filter (where e.lag_days <= e.limit_days) as n_legal,
           count(*) filter (where e.lag_days <= 365) as n_1y,
           count(*) filter (where e.lag_days <= 1826) as n_5y
    from events as e
    group by grouping sets ((e.event_type, e.year), (e.event_type, e.year, e.province_code),
                            (e.event_type, e.year, e.province_code, e.district_code))
),

registered as (
    select event_type, year, area_code,
           case name when 'n_all' then 'all' when 'n_legal' then 'legal' when 'n_1y' then '1y' else '5y' end as within,
           registered
    from (unpivot counted on n_all, n_legal, n_1y, n_5y into name name value registered)
),

expected_long as (
    select year, province_code, district_code, 'birth' as event_type, expected_births as expected from int_expected_events
    union all
    select year, province_code, district_code, 'death', expected_deaths from int_expected_events
),

expected as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           sum(expected) as expected
    from expected_long
    group by grouping sets ((event_type, year), (event_type, year, province_code),
                            (event_type, year, province_code, district_code))
),

as_of as (
    select getvariable('as_of')::date as as_of
),

final as (
    select
        r.event_type,
        r.year,
        r.area_code,
        r.within,
        case r.event_type when 'birth' then 'reference_asfr' else 'reference_cdr' end as method,
        r.registered as numerator,
        e.expected as denominator,
        r.registered / e.expected as value,
        poisson_low(r.registered) / e.expected as ci_low,
        poisson_high(r.registered) / e.expected as ci_high,
        list_concat(
            small_flags(r.registered),
            case when e.expected is null then ['no_denominator'] else [] end,
            case when r.within <> 'all' and
                      make_date(r.year, 12, 31) + to_days(case r.within when 'legal' then case r.event_type when 'birth' then 30 else 15 end
                                                                       when '1y' then 365 else 1826 end) > a.as_of
                 then ['window_open'] else [] end,
            case when r.registered > e.expected then ['over_100_percent'] else [] end
        ) as flags
    from registered as r
    left join expected as e using (event_type, year, area_code)
    cross join as_of as a
    where r.area_code is not null
)

select * from final order by event_type, year, area_code, within
