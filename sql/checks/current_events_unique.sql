-- Each record of the lake is either counted (in the current table) or set
-- aside once (superseded, cancelled or a duplicate), and each duplicate
-- group keeps exactly one record.
with counts as (
    select 'birth' as event_type,
           (select count(*) from stg_lake__births) as lake_rows,
           (select count(*) from int_births_current) as counted,
           (select count(*) from int_births_excluded where reason <> 'kept') as set_aside,
           (select count(*) from (select distinct event_id, version from int_births_excluded where reason <> 'kept')) as set_aside_distinct
    union all
    select 'death',
           (select count(*) from stg_lake__deaths),
           (select count(*) from int_deaths_current),
           (select count(*) from int_deaths_excluded where reason <> 'kept'),
           (select count(*) from (select distinct event_id, version from int_deaths_excluded where reason <> 'kept'))
),

unbalanced as (
    select event_type, format('{} lake rows, {} counted, {} set aside ({} distinct)', lake_rows, counted, set_aside, set_aside_distinct) as problem
    from counts
    where lake_rows <> counted + set_aside or set_aside <> set_aside_distinct
),

kept as (
    select event_type, format('duplicate group {} keeps {} records', dup_group, count(*) filter (where reason = 'kept')) as problem
    from (select 'birth' as event_type, * from int_births_excluded union all select 'death', * from int_deaths_excluded)
    where dup_group is not null
    group by event_type, dup_group
    having count(*) filter (where reason = 'kept') <> 1
)

select * from unbalanced
union all
select * from kept
