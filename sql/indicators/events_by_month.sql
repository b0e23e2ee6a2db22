-- Vital events by calendar month, of occurrence and of registration, for
-- the nation, the provinces and the districts (usual residence: the mother's for births
-- and fetal deaths, the deceased's for deaths, the bride's for marriages; '99' the
-- residence not stated), each event counted once. Every month of the frame (the years
-- and areas of int_frame_areas, up to the as-of date) has a row, 0 without events.
with events as (
    select 'birth' as event_type, date_of_birth as event_date, registration_date,
           coalesce(province_code, '99') as province_code, district_code
    from int_births_current
    union all
    select 'death', date_of_death, registration_date, coalesce(province_code, '99'), district_code
    from int_deaths_current
    union all
    select 'fetal_death', date_of_delivery, registration_date, coalesce(province_code, '99'), district_code
    from int_fetal_deaths_current
    union all
    select 'marriage', date_of_marriage, registration_date, coalesce(bride_residence_province, '99'), bride_residence_district
    from int_marriages_current
),

-- one pass over the events to the finest cells of each month, the two sets
-- apart (a row of one set has the other month NULL): crossing the month of
-- occurrence with that of registration made ten times the cells; the
-- measures and areas below add up this small table
cells as materialized (
    select
        event_type,
        province_code,
        district_code,
        date_trunc('month', event_date)::date as occurred,
        date_trunc('month', registration_date)::date as registered,
        count(*) as events
    from events
    group by grouping sets ((event_type, province_code, district_code, occurred),
                            (event_type, province_code, district_code, registered))
),

-- unpivot leaves out a NULL month: an event without the date is not counted
-- in that measure
long as (
    unpivot cells
    on occurred, registered
    into name measure value month
),

counts as (
    select
        event_type,
        measure,
        month,
        case when grouping(province_code) = 1 then 'KH'
             when grouping(district_code) = 1 then province_code
             else district_code end as area_code,
        sum(events)::bigint as events
    from long
    group by grouping sets ((event_type, measure, month), (event_type, measure, month, province_code),
                            (event_type, measure, month, province_code, district_code))
),

as_of as (
    select getvariable('as_of')::date as as_of
),

-- the frame: every month of the frame's years up to the as-of date, in
-- every area of the year and '99'
areas as (
    select year, area_code from int_frame_areas
    union all
    select distinct year, '99' from int_frame_areas
),

frame as (
    select t.event_type, s.measure, make_date(a.year, m.range::integer, 1) as month, a.area_code
    from areas as a
    cross join range(1, 13) as m
    cross join (values ('birth'), ('death'), ('fetal_death'), ('marriage')) as t(event_type)
    cross join (values ('occurred'), ('registered')) as s(measure)
    where make_date(a.year, m.range::integer, 1) <= getvariable('as_of')::date
),

final as (
    select
        event_type,
        measure,
        month,
        area_code,
        coalesce(c.events, 0) as numerator,
        null::bigint as denominator,
        coalesce(c.events, 0)::double as value,
        null::double as ci_low,
        null::double as ci_high,
        list_concat(
            small_flags(coalesce(c.events, 0)),
            -- a month's registrations are complete once it has ended; its
            -- events keep being registered late for a year after (as in timeliness)
            case when last_day(month) + to_days(case measure when 'occurred' then 365 else 0 end) > a.as_of
                 then ['window_open'] else [] end
        ) as flags
    -- every cell of the frame, and the cells outside it that have events
    from frame
    full join (select * from counts where area_code is not null) as c using (event_type, measure, month, area_code)
    cross join as_of as a
)

select * from final
