-- materialize: table
-- How much of each year's eventual registrations had arrived by as_of, by
-- event type, year of occurrence and area (KH and provinces of usual
-- residence), from the registration lags of earlier years whose window has
-- closed (docs/methods.md section 3, "Provisional years").
--
-- F(t), the share of eventual registrations made within t days of the event,
-- comes from the reference cohort: events of the five years whose
-- registration horizon (1,826 days) had closed by as_of; "eventual" means
-- within the horizon. A province with fewer than 500 registrations in its
-- reference cohort takes the national F, and an event type with fewer than
-- 500 in the nation (fetal deaths) the F of all event types together. The expected share of a year that
-- has arrived is the mean over its days d of F(as_of - d), days after as_of
-- counting 0 (their events have not happened). Without a reference cohort
-- of at least 500 events (a lake younger than the horizon), F is unknown and
-- a year that ended less than the horizon before as_of counts as not arrived.
with params as (
    select getvariable('as_of')::date as as_of, 1826 as horizon, 500 as min_reference
),

events as (
    select 'birth' as event_type, year, province_code, date_of_birth as event_date, registration_date
    from int_births_current
    union all
    select 'death', year, province_code, date_of_death, registration_date from int_deaths_current
    union all
    select 'fetal_death', year, province_code, date_of_delivery, registration_date from int_fetal_deaths_current
    union all
    select 'marriage', year, bride_residence_province, date_of_marriage, registration_date from int_marriages_current
),

-- one pass over the events: counts by event type, province and year, with
-- the lag kept for the reference cohort (events whose horizon had closed, of
-- the five years before); registrations beyond the horizon are not waited for
counted as (
    select e.event_type, e.province_code, e.year,
           case when e.event_date <= p.as_of - to_days(p.horizon)
                 and e.event_date > p.as_of - to_days(p.horizon) - interval 5 year
                 and e.registration_date >= e.event_date
                 and datediff('day', e.event_date, e.registration_date) <= p.horizon
                then datediff('day', e.event_date, e.registration_date) end as lag,
           count(*) as n
    from events as e, params as p
    group by all
),

lags as (
    select case when grouping(event_type) = 1 then 'all' else event_type end as event_type,
           case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
           lag, sum(n) as n
    from counted
    where lag is not null
    group by grouping sets ((lag), (event_type, lag), (event_type, province_code, lag))
),

cohorts as (
    select event_type, area_code, sum(n) as reference_events
    from lags where area_code is not null group by all
),

-- F(t) on every day 0..horizon, for the areas with a reference cohort large enough
days as (
    select unnest(range(0, (select horizon from params) + 1)) as t
),

cdf as (
    select c.event_type, c.area_code, d.t,
           sum(coalesce(l.n, 0)) over (partition by c.event_type, c.area_code order by d.t) / c.reference_events as f
    from cohorts as c
    cross join days as d
    left join lags as l on l.event_type = c.event_type and l.area_code = c.area_code and l.lag = d.t
    where c.reference_events >= (select min_reference from params)
),

-- registered events by year and area: KH, and the provinces
registered as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
           sum(n) as registered
    from counted
    group by grouping sets ((event_type, year), (event_type, year, province_code))
),

-- the frame: every event type, year from the first event to as_of, and area
-- (a year or a province without a registration yet is still a year to flag)
counts as (
    select f.event_type, f.year, f.area_code, coalesce(r.registered, 0) as registered
    from (
        select t.event_type, y.year, a.area_code
        from (values ('birth'), ('death'), ('fetal_death'), ('marriage')) as t(event_type)
        cross join (select unnest(range((select min(year) from counted), year((select as_of from params)) + 1)) as year) as y
        cross join (select 'KH' as area_code union all select province_code from ref_provinces) as a
    ) as f
    left join registered as r using (event_type, year, area_code)
),

-- the F each cell uses: its own; else the nation's for the event type; else
-- the nation's for all event types together (a rare event); else none
estimable as (
    select distinct event_type, area_code from cdf
),

cells as (
    select n.event_type, n.year, n.area_code, n.registered,
           case when own.area_code is not null then n.event_type
                when nat.area_code is not null then n.event_type
                when pooled.area_code is not null then 'all' end as f_event_type,
           case when own.area_code is not null then n.area_code
                when nat.area_code is not null or pooled.area_code is not null then 'KH' end as f_area
    from counts as n
    left join estimable as own on own.event_type = n.event_type and own.area_code = n.area_code
    left join estimable as nat on nat.event_type = n.event_type and nat.area_code = 'KH'
    left join estimable as pooled on pooled.event_type = 'all' and pooled.area_code = 'KH'
    where n.area_code is not null
),

year_days as (
    select c.event_type, c.year, c.area_code, c.f_event_type, c.f_area,
           unnest(range(make_date(c.year, 1, 1), make_date(c.year + 1, 1, 1), interval 1 day))::date as day
    from cells as c, params as p
    -- a year whose last day is a horizon or more before as_of has arrived whole
    where make_date(c.year, 12, 31) > p.as_of - to_days(p.horizon)
),

shares as (
    select y.event_type, y.year, y.area_code,
           avg(case when y.day > p.as_of then 0.0
                    when datediff('day', y.day, p.as_of) >= p.horizon then 1.0
                    else coalesce(f.f, 0.0) end) as arrived_share
    from year_days as y
    cross join params as p
    left join cdf as f on f.event_type = y.f_event_type and f.area_code = y.f_area
                      and f.t = datediff('day', y.day, p.as_of)
    group by all
),

final as (
    select c.event_type, c.year, c.area_code, c.registered,
           coalesce(s.arrived_share, 1.0) as arrived_share,
           c.f_event_type, c.f_area,
           r.reference_events
    from cells as c
    left join shares as s using (event_type, year, area_code)
    left join cohorts as r on r.event_type = c.f_event_type and r.area_code = c.f_area
)

select * from final
