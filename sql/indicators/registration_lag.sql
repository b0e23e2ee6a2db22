-- The distribution of the registration lag (days from the event to its
-- registration) of births and deaths by year of occurrence and area (usual
-- residence): median and 90th percentile, and the shares registered within
-- 7, 30, 90 and 365 days. scope as in timeliness: 'current' = ICT
-- registrations, 'all' = with the digitized paper backlog. Every cell of the frame
-- (the years, the nation and the provinces of int_frame_areas) has its rows: no
-- quantile and shares of 0 where nothing was registered. Events whose residence is
-- not stated count in 'KH' only.
with events as (
    select event_type, year, province_code, provenance, lag_days
    from int_registrations_timeliness
),

-- single-day counts first, in one pass over the events: the quantiles and
-- their intervals are read off the cumulative distribution of this small
-- table instead of sorting events
days as materialized (
    select event_type, year, province_code, provenance = 'ict' as current, lag_days, count(*) as n
    from events
    group by all
),

lags as (
    select *, 'all' as scope from days
    union all
    select *, 'current' from days where current
),

cell_lags as (
    select
        event_type,
        year,
        scope,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        lag_days,
        sum(n)::bigint as n
    from lags
    group by grouping sets ((event_type, year, scope, lag_days), (event_type, year, scope, province_code, lag_days))
),

cumulative as (
    select *,
           sum(n) over (partition by event_type, year, scope, area_code order by lag_days
                        rows between unbounded preceding and current row)::bigint as below,
           sum(n) over (partition by event_type, year, scope, area_code)::bigint as total
    from cell_lags
    where area_code is not null
),

-- the quantile p is the lag of rank ceil(p n); its distribution-free 95%
-- interval runs between the ranks n p -/+ 1.96 sqrt(n p (1 - p)) (rounded
-- outwards, the upper one plus one)
ranks as (
    select *,
           ceil(0.5 * total) as median_rank,
           greatest(1, floor(0.5 * total - 1.959964 * sqrt(total * 0.25))) as median_low_rank,
           least(total, ceil(0.5 * total + 1.959964 * sqrt(total * 0.25)) + 1) as median_high_rank,
           ceil(0.9 * total) as p90_rank,
           greatest(1, floor(0.9 * total - 1.959964 * sqrt(total * 0.09))) as p90_low_rank,
           least(total, ceil(0.9 * total + 1.959964 * sqrt(total * 0.09)) + 1) as p90_high_rank
    from cumulative
),

stats as (
    select
        event_type,
        year,
        scope,
        area_code,
        any_value(total) as registered,
        min(lag_days) filter (where below >= median_rank) as median_days,
        min(lag_days) filter (where below >= median_low_rank) as median_low,
        min(lag_days) filter (where below >= median_high_rank) as median_high,
        min(lag_days) filter (where below >= p90_rank) as p90_days,
        min(lag_days) filter (where below >= p90_low_rank) as p90_low,
        min(lag_days) filter (where below >= p90_high_rank) as p90_high,
        coalesce(sum(n) filter (where lag_days <= 7), 0) as within_7d,
        coalesce(sum(n) filter (where lag_days <= 30), 0) as within_30d,
        coalesce(sum(n) filter (where lag_days <= 90), 0) as within_90d,
        coalesce(sum(n) filter (where lag_days <= 365), 0) as within_365d
    from ranks
    group by event_type, year, scope, area_code
),

measures as (
    select event_type, year, area_code, scope, 'median_days' as measure, 'days' as unit,
           null::hugeint as numerator, registered as denominator, median_days::double as value,
           median_low::double as ci_low, median_high::double as ci_high
    from stats
    union all
    select event_type, year, area_code, scope, 'p90_days', 'days',
           null, registered, p90_days, p90_low, p90_high
    from stats
    union all
    select event_type, year, area_code, scope, 'within_' || w.days || 'd', 'share',
           w.events, registered, w.events / registered,
           wilson_low(w.events, registered), wilson_high(w.events, registered)
    from stats,
         unnest([{'days': 7, 'events': within_7d}, {'days': 30, 'events': within_30d},
                 {'days': 90, 'events': within_90d}, {'days': 365, 'events': within_365d}]) as u(w)
),

frame as (
    select e.event_type, f.year, f.area_code, s.scope, m.measure, m.unit
    from int_frame_areas as f
    cross join (values ('birth'), ('death')) as e(event_type)
    cross join (values ('all'), ('current')) as s(scope)
    cross join (values ('median_days', 'days'), ('p90_days', 'days'), ('within_7d', 'share'), ('within_30d', 'share'),
                       ('within_90d', 'share'), ('within_365d', 'share')) as m(measure, unit)
    where f.level <> 'district'
),

final as (
    select event_type, year, area_code, scope, measure, coalesce(frame.unit, m.unit) as unit,
           case when coalesce(frame.unit, m.unit) = 'share' then coalesce(m.numerator, 0) end as numerator,
           coalesce(m.denominator, 0) as denominator,
           m.value, m.ci_low, m.ci_high,
           small_flags(coalesce(m.denominator, 0)) as flags
    -- every cell of the frame, and the cells outside it that have events
    from frame
    full join (select * from measures where area_code is not null) as m using (event_type, year, area_code, scope, measure)
)

select * from final
