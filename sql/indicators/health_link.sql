-- The health-civil registration link for births and deaths by year of
-- occurrence and area (usual residence): the share of health-facility
-- notifications whose event was registered (a current registration carries
-- the notification's link_key), the share of registrations that were
-- notified, and the days from notification to registration (median).
-- Records without a link_key (no identity code on one side) cannot be
-- matched: they are left out of both shares and counted apart (unlinkable).
-- Every cell of the frame (the years of int_frame_areas from the first
-- notification of the event type, in every area) has its rows, 0 of 0 where
-- nothing was notified or registered. A record whose residence is not stated
-- counts in 'KH' only.
with notifications as (
    select event_type, year, province_code, district_code, link_key, notified_at::date as notified_on
    from stg_lake__notifications
),

registrations as (
    select * from int_registrations_linkable
),

-- one row per link_key: twins of one sex share a key, and each side counts
-- as matched if any record on the other side has its key
registered_keys as (
    select event_type, link_key, min(registration_date) as registration_date
    from registrations
    where link_key is not null
    group by all
),

notified_keys as (
    select event_type, link_key, min(notified_on) as notified_on
    from notifications
    where link_key is not null
    group by all
),

-- the link started when the first notification of the event type arrived:
-- earlier registrations could not have been notified
link_start as (
    select event_type, min(year) as first_year from notifications group by all
),

notified as (
    select n.*, r.registration_date, r.link_key is not null as matched,
           datediff('day', n.notified_on, r.registration_date) as lag_days
    from notifications as n
    left join registered_keys as r on r.event_type = n.event_type and r.link_key = n.link_key
),

registered as (
    select g.*, k.link_key is not null as matched
    from registrations as g
    join link_start as s on s.event_type = g.event_type and g.year >= s.first_year
    left join notified_keys as k on k.event_type = g.event_type and k.link_key = g.link_key
),

notified_cells as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           count(*) filter (where link_key is not null) as linkable,
           count(*) filter (where matched) as matched,
           count(*) filter (where link_key is null) as unlinkable,
           quantile_disc(lag_days, 0.5) as median_lag,
           count(lag_days) as pairs
    from notified
    group by grouping sets ((event_type, year), (event_type, year, province_code),
                            (event_type, year, province_code, district_code))
),

registered_cells as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           count(*) filter (where link_key is not null) as linkable,
           count(*) filter (where matched) as matched,
           count(*) filter (where link_key is null) as unlinkable
    from registered
    group by grouping sets ((event_type, year), (event_type, year, province_code),
                            (event_type, year, province_code, district_code))
),

measures as (
    select event_type, year, area_code, 'notified_registered' as measure, 'share' as unit,
           matched as numerator, linkable as denominator, matched / nullif(linkable, 0) as value,
           wilson_low(matched, linkable) as ci_low, wilson_high(matched, linkable) as ci_high,
           unlinkable
    from notified_cells
    union all
    select event_type, year, area_code, 'registered_notified', 'share',
           matched, linkable, matched / nullif(linkable, 0),
           wilson_low(matched, linkable), wilson_high(matched, linkable), unlinkable
    from registered_cells
    union all
    select event_type, year, area_code, 'notification_to_registration_days', 'days',
           pairs, null, median_lag, null, null, null
    from notified_cells
),

frame as (
    select s.event_type, f.year, f.area_code, m.measure, m.unit
    from int_frame_areas as f
    join link_start as s on f.year >= s.first_year
    cross join (values ('notified_registered', 'share'), ('registered_notified', 'share'),
                       ('notification_to_registration_days', 'days')) as m(measure, unit)
),

final as (
    select event_type, year, area_code, measure, coalesce(frame.unit, m.unit) as unit,
           coalesce(m.numerator, 0) as numerator,
           case when coalesce(frame.unit, m.unit) = 'share' then coalesce(m.denominator, 0) end as denominator,
           m.value, m.ci_low, m.ci_high,
           case when coalesce(frame.unit, m.unit) = 'share' then coalesce(m.unlinkable, 0) end as unlinkable,
           case when coalesce(frame.unit, m.unit) = 'days' then small_flags(coalesce(m.numerator, 0))
                else small_flags(coalesce(m.denominator, 0)) end as flags
    -- every cell of the frame, and the cells outside it that have records
    from frame
    full join (select * from measures where area_code is not null) as m using (event_type, year, area_code, measure)
)

select * from final
