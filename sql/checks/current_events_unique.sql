-- Each event is counted once: no event twice among the current births and
-- deaths, no record set aside as a duplicate or an older version among them,
-- and exactly one record kept per duplicate group.
with current as (
    select 'birth' as event_type, event_id from int_births_current
    union all
    select 'death', event_id from int_deaths_current
),

excluded as (
    select 'birth' as event_type, * from int_births_excluded
    union all
    select 'death', * from int_deaths_excluded
),

twice as (
    select event_type, event_id, 'counted twice' as problem from current group by all having count(*) > 1
),

leaked as (
    select x.event_type, x.event_id, 'excluded as ' || x.reason || ' but counted'
    from excluded as x
    semi join current as c on c.event_type = x.event_type and c.event_id = x.event_id
    where x.reason = 'duplicate'
       or (x.reason = 'cancelled'
           and not exists (select 1 from excluded as k where k.event_type = x.event_type and k.event_id = x.event_id and k.reason = 'kept'))
),

kept as (
    select event_type, dup_group, count(*) filter (where reason = 'kept') || ' kept' as problem
    from excluded where dup_group is not null group by all having count(*) filter (where reason = 'kept') <> 1
)

select * from twice
union all
select * from leaked
union all
select * from kept
