-- materialize: table
-- Registration completeness against the reference: registered events (each
-- once, by year of occurrence and usual residence) / expected events
-- (int_expected_events), by event type, age band of the deceased ('0' infant,
-- '1-4', '5+' and 'all'; births 'all'), area (KH, provinces, districts), year
-- and window (within: 'all' registrations so far, or those within the legal
-- limit, a year, five years). Deaths of unknown age count in 'all' and are
-- spread pro rata over the bands of their year, area and window. Every area
-- and year of the denominators has its rows, registrations or not; the nation
-- and each province sum the expected events of their districts.
with events as (
    select event_type, year, province_code, district_code, lag_days, limit_days,
           case when event_type = 'birth' then 'all' else coalesce(age_band, 'unknown') end as age_band
    from int_registrations_timeliness
),

counted as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           age_band,
           count(*) as n_all,
           count(*) filter (where lag_days <= limit_days) as n_legal,
           count(*) filter (where lag_days <= 365) as n_1y,
           count(*) filter (where lag_days <= 1826) as n_5y
    from events
    group by grouping sets ((event_type, year, age_band), (event_type, year, province_code, age_band),
                            (event_type, year, province_code, district_code, age_band))
),

reported as (
    select event_type, year, area_code, age_band,
           case name when 'n_all' then 'all' when 'n_legal' then 'legal' when 'n_1y' then '1y' else '5y' end as within,
           n
    from (unpivot (select * from counted where area_code is not null)
          on n_all, n_legal, n_1y, n_5y into name name value n)
),

totals as (
    select event_type, year, area_code, within,
           sum(n) as n_total,
           sum(n) filter (where age_band <> 'unknown') as n_known
    from reported
    group by all
),

-- the bands of deaths (unknown ages spread pro rata: factor = all / known), and every total
registered as (
    select r.event_type, r.year, r.area_code, r.within, r.age_band, r.n as reported,
           t.n_total / t.n_known as factor
    from reported as r
    join totals as t using (event_type, year, area_code, within)
    where r.event_type = 'death' and r.age_band <> 'unknown'
    union all
    select event_type, year, area_code, within, 'all', n_total, 1.0
    from totals
),

expected_bands as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           age_band,
           sum(expected) as expected,
           -- the reference's error is common to every area: standard errors add up, not their squares
           sum(expected * log_se) / sum(expected) as log_se,
           max(basis) as basis
    from int_expected_events
    group by grouping sets ((event_type, year, age_band), (event_type, year, province_code, age_band),
                            (event_type, year, province_code, district_code, age_band))
),

expected as (
    select event_type, year, area_code, age_band, expected, log_se, basis
    from expected_bands
    where area_code is not null
    union all
    select event_type, year, area_code, 'all',
           case when count(expected) = 3 then sum(expected) end,
           sum(expected * log_se) / sum(expected),
           max(basis) filter (where age_band = '0')
    from expected_bands
    where area_code is not null and event_type = 'death'
    group by all
),

frame as (
    select e.*, w.within
    from expected as e
    cross join (values ('all'), ('legal'), ('1y'), ('5y')) as w(within)
),

as_of as (
    select getvariable('as_of')::date as as_of
),

final as (
    select
        coalesce(f.event_type, r.event_type) as event_type,
        coalesce(f.age_band, r.age_band) as age_band,
        coalesce(f.year, r.year) as year,
        coalesce(f.area_code, r.area_code) as area_code,
        coalesce(f.within, r.within) as within,
        case coalesce(f.event_type, r.event_type) when 'birth' then 'reference_asfr' else 'reference_rates' end as method,
        coalesce(r.reported, 0) as reported,
        case when r.reported is null then 0 else r.reported * r.factor end as registered,
        f.expected,
        f.log_se,
        f.basis,
        f.year is not null as has_population
    from frame as f
    full join registered as r
        on r.event_type = f.event_type and r.year = f.year and r.area_code = f.area_code
       and r.within = f.within and r.age_band = f.age_band
)

select
    c.event_type, c.age_band, c.year, c.area_code, c.within, c.method,
    c.reported, c.registered, c.expected,
    c.registered / c.expected as value,
    ratio_low(c.reported, c.registered / nullif(c.reported, 0), c.expected, c.log_se) as ci_low,
    ratio_high(c.reported, c.registered / nullif(c.reported, 0), c.expected, c.log_se) as ci_high,
    case when c.reported > 0 and c.expected > 0 then sqrt(1.0 / c.reported + pow(coalesce(c.log_se, 0), 2)) end as log_se,
    list_concat(
        small_flags(c.reported),
        case when not c.has_population then ['no_denominator']
             when c.expected is null then ['no_reference'] else [] end,
        case when c.within <> 'all' and
                  make_date(c.year, 12, 31) + to_days(case c.within when 'legal' then case c.event_type when 'birth' then 30 else 15 end
                                                                when '1y' then 365 else 1826 end) > a.as_of
             then ['window_open'] else [] end,
        case when c.registered > c.expected then ['over_100_percent'] else [] end,
        case when c.reported > 0 and c.registered is null then ['ages_unknown'] else [] end,
        case when c.age_band in ('0', '1-4', 'all') and c.event_type = 'death' and c.basis = 'reference_wpp2024'
             then ['reference_without_igme'] else [] end
    ) as flags
from final as c
cross join as_of as a
