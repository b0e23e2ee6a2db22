-- materialize: table
-- Dual-system (Chandra Sekar-Deming) estimate of the births and deaths that
-- occurred in health facilities, by event type, year and area (KH, provinces,
-- districts of residence), from the years of the health-CR link: list 1 = the
-- facilities' notifications, list 2 = the current registrations of events
-- whose place of occurrence is a health facility and that carry a link_key
-- (only those can be matched). Chapman's estimator and variance:
--   N = (n1 + 1)(n2k + 1) / (m + 1) - 1,
--   var N = (n1 + 1)(n2k + 1)(n1 - m)(n2k - m) / ((m + 1)^2 (m + 2)),
-- with m the notifications whose link_key matches a current registration.
-- Completeness of registration among facility events = registered facility
-- events (with or without a key) / N; its interval is N's on the log scale.
-- Assumptions (docs/methods.md section 4): notification and registration are
-- independent; the registrations that carry the identity code are as likely
-- to have been notified as those without it; a notification carries the same
-- code as its registration; both lists cover facility events only.
with notifications as (
    select event_type, year, province_code, district_code, link_key
    from stg_lake__notifications
),

registrations as (
    select event_type, year, province_code, district_code, link_key
    from int_registrations_linkable
    where facility_type in ('public_hospital', 'health_centre', 'private')
),

registered_keys as (
    select distinct event_type, link_key from int_registrations_linkable where link_key is not null
),

notified as (
    select n.event_type, n.year, n.province_code, n.district_code, k.link_key is not null as matched
    from notifications as n
    left join registered_keys as k on k.event_type = n.event_type and k.link_key = n.link_key
),

notified_cells as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           count(*) as n1,
           count(*) filter (where matched) as m
    from notified
    group by grouping sets ((event_type, year), (event_type, year, province_code),
                            (event_type, year, province_code, district_code))
),

registered_cells as (
    select event_type, year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           count(*) as n2,
           count(link_key) as n2k
    from registrations
    group by grouping sets ((event_type, year), (event_type, year, province_code),
                            (event_type, year, province_code, district_code))
),

cells as (
    select n.event_type, n.year, n.area_code, n.n1, n.m,
           coalesce(r.n2, 0) as n2, coalesce(r.n2k, 0) as n2k
    from notified_cells as n
    left join registered_cells as r using (event_type, year, area_code)
    where n.area_code is not null
),

estimates as (
    select *,
           case when n2k > 0 then (n1 + 1.0) * (n2k + 1) / (m + 1) - 1 end as occurred,
           case when n2k > 0 then (n1 + 1.0) * (n2k + 1) * (n1 - m) * greatest(n2k - m, 0) / ((m + 1.0) * (m + 1) * (m + 2)) end as occurred_var
    from cells
),

final as (
    select event_type, year, area_code, n1 as notified, m as matched, n2 as registered, n2k as registered_linkable,
           occurred, sqrt(occurred_var) as occurred_se,
           registered / nullif(occurred, 0) as value,
           sqrt(occurred_var) / nullif(occurred, 0) as log_se,
           list_concat(small_flags(m),
                       case when n2k = 0 then ['no_linkable_registrations'] else [] end) as flags
    from estimates
)

select *,
       value * exp(-1.959964 * log_se) as ci_low,
       value * exp(1.959964 * log_se) as ci_high
from final
