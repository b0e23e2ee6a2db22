-- Records the ETL refused (quarantined), by event type, source route,
-- reason and field, as a share of the records read from that source: lake
-- rows (every version) plus quarantined records. reason and field 'all'
-- count each quarantined record once, whatever its number of problems. Every
-- event type and route has its 'all' row, 0 when nothing was quarantined; the
-- reasons and fields appear when they occurred (they are not a closed frame).
with quarantine as (
    select event, source, source_ref, reason, case when field = '' then '(row)' else field end as field
    from stg_lake__quarantine
),

loaded as (
    select 'birth' as event, source, count(*) as rows from stg_lake__births group by all
    union all
    select 'death', source, count(*) from stg_lake__deaths group by all
    union all
    select 'fetal_death', source, count(*) from stg_lake__fetal_deaths group by all
    union all
    select 'marriage', source, count(*) from stg_lake__marriages group by all
    union all
    select 'notification', source, count(*) from stg_lake__notifications group by all
),

by_reason as (
    select event, source,
           case when grouping(reason) = 1 then 'all' else reason end as reason,
           case when grouping(field) = 1 then 'all' else field end as field,
           count(distinct source_ref) as records,
           count(*) as problems
    from quarantine
    group by grouping sets ((event, source), (event, source, reason, field))
),

-- the frame: every event type from every route, nothing quarantined where no row says so
routes as (
    select e.event, s.source, 'all' as reason, 'all' as field, 0::bigint as records, 0::bigint as problems
    from (values ('birth'), ('death'), ('fetal_death'), ('marriage'), ('notification')) as e(event)
    cross join (values ('registry'), ('file')) as s(source)
    anti join by_reason as r on r.event = e.event and r.source = s.source and r.reason = 'all'
),

counts as (
    select * from by_reason
    union all by name
    select * from routes
),

read as (
    select event, source, coalesce(l.rows, 0) + r.records as records_read
    from counts as r
    left join loaded as l using (event, source)
    where r.reason = 'all'
),

final as (
    select
        r.event,
        r.source,
        r.reason,
        r.field,
        r.problems,
        r.records as numerator,
        t.records_read as denominator,
        r.records / nullif(t.records_read, 0) as value,
        wilson_low(r.records, t.records_read) as ci_low,
        wilson_high(r.records, t.records_read) as ci_high,
        small_flags(r.records) as flags
    from counts as r
    join read as t using (event, source)
)

select * from final
