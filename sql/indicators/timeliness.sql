-- Registration timeliness of births and deaths by year of occurrence, area
-- (usual residence) and registration regime: the shares registered on time
-- (within the legal limit in force at the event date for the regime), late
-- (after it, within a year) and delayed (more than a year after the event).
-- scope 'current' keeps the electronic (ICT) registrations only: digitized
-- paper records keep their original registration date and feed historical
-- statistics, not current timeliness; scope 'all' counts every registration.
-- Events with no legal limit in force (before the sub-decree) are 'no_rule'.
-- Every cell of the frame (the years and areas of int_frame_areas) has its rows,
-- 0 of 0 where nothing was registered; events whose residence is not stated count
-- in 'KH' only.
with events as (
    select event_type, year, province_code, district_code, regime, provenance, timeliness
    from int_registrations_timeliness
),

-- one pass over the events to the finest cell; the totals below add up
-- this small table
cells as materialized (
    select event_type, year, province_code, district_code, regime, provenance = 'ict' as current,
           count(*) as registered,
           count(*) filter (where timeliness = 'on_time') as on_time,
           count(*) filter (where timeliness = 'late') as late,
           count(*) filter (where timeliness = 'delayed') as delayed,
           count(*) filter (where timeliness = 'no_rule') as no_rule
    from events
    group by all
),

scoped as (
    select *, 'all' as scope from cells
    union all
    select *, 'current' from cells where current
),

counts as (
    select
        event_type,
        year,
        scope,
        case when grouping(regime) = 1 then 'all' else regime end as regime,
        case when grouping(province_code) = 1 then 'KH'
             when grouping(district_code) = 1 then province_code
             else district_code end as area_code,
        sum(registered) as registered,
        sum(on_time) as on_time,
        sum(late) as late,
        sum(delayed) as delayed,
        sum(no_rule) as no_rule
    from scoped
    group by grouping sets (
        (event_type, year, scope, regime), (event_type, year, scope),
        (event_type, year, scope, regime, province_code), (event_type, year, scope, province_code),
        (event_type, year, scope, regime, province_code, district_code),
        (event_type, year, scope, province_code, district_code))
),

long as (
    unpivot counts
    on on_time, late, delayed, no_rule
    into name timeliness value events
),

as_of as (
    select getvariable('as_of')::date as as_of
),

cells_kept as (
    select * from long
    where area_code is not null
      -- the current scope is the ICT regime: no paper rows, no 'all' repeat
      and not (scope = 'current' and regime <> 'ict')
),

-- the frame (no_rule only where it happened)
frame as (
    select e.event_type, f.year, f.area_code, s.scope, s.regime, t.timeliness
    from int_frame_areas as f
    cross join (values ('birth'), ('death')) as e(event_type)
    cross join (values ('all', 'ict'), ('all', 'paper'), ('all', 'all'), ('current', 'ict')) as s(scope, regime)
    cross join (values ('on_time'), ('late'), ('delayed')) as t(timeliness)
),

final as (
    select
        event_type,
        year,
        area_code,
        scope,
        regime,
        timeliness,
        coalesce(l.events, 0)::bigint as numerator,
        coalesce(l.registered, 0)::bigint as denominator,
        l.events / l.registered as value,
        wilson_low(l.events, l.registered) as ci_low,
        wilson_high(l.events, l.registered) as ci_high,
        list_concat(
            small_flags(coalesce(l.registered, 0)),
            -- a year's late and delayed registrations keep arriving for a
            -- year after its last event: its shares are not final yet
            case when make_date(year, 12, 31) + interval 365 day > a.as_of then ['window_open'] else [] end
        ) as flags
    -- every cell of the frame, and the cells outside it that have events
    from frame
    full join (select * from cells_kept where not (timeliness = 'no_rule' and events = 0)) as l
        using (event_type, year, area_code, scope, regime, timeliness)
    cross join as_of as a
)

select * from final
