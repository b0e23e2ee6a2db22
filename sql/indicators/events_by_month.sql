-- Vital events by calendar month, of occurrence and of registration, for
-- the nation, the provinces and the districts (usual residence: the mother's for births
-- and fetal deaths, the deceased's for deaths, the bride's for marriages),
-- each event counted once. Months without events have no row.
with events as (
    select 'birth' as event_type, date_of_birth as event_date, registration_date, province_code, district_code
    from int_births_current
    union all
    select 'death', date_of_death, registration_date, province_code, district_code
    from int_deaths_current
    union all
    select 'fetal_death', date_of_delivery, registration_date, province_code, district_code
    from int_fetal_deaths_current
    union all
    select 'marriage', date_of_marriage, registration_date, bride_residence_province, bride_residence_district
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

final as (
    select
        c.event_type,
        c.measure,
        c.month,
        c.area_code,
        c.events as numerator,
        null::bigint as denominator,
        c.events::double as value,
        null::double as ci_low,
        null::double as ci_high,
        list_concat(
            small_flags(c.events),
            -- a month's registrations are complete once it has ended; its
            -- events keep being registered late for a year after (as in timeliness)
            case when last_day(c.month) + to_days(case c.measure when 'occurred' then 365 else 0 end) > a.as_of
                 then ['window_open'] else [] end
        ) as flags
    from counts as c
    cross join as_of as a
    where c.area_code is not null
)

select * from final
