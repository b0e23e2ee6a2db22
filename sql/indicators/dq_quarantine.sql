-- Records the ETL refused (quarantined), by event type, source route,
-- reason and field, as a share of the records read from that source: lake
-- rows (every version) plus quarantined records. reason and field 'all'
-- count each quarantined record once, whatever its number of problems.
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

read as (
    select event, source, coalesce(l.rows, 0) + r.records as records_read
    from by_reason as r
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
        r.records / t.records_read as value,
        wilson_low(r.records, t.records_read) as ci_low,
        wilson_high(r.records, t.records_read) as ci_high,
        small_flags(r.records) as flags
    from by_reason as r
    join read as t using (event, source)
)

select * from final
