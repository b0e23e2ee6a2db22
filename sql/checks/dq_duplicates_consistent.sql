-- The duplicate listing agrees with the deduplication of the current tables:
-- each group lists as many records as the current table counted, with
-- exactly one kept, and the excluded records add up to dq_duplicates.
with listed as (
    select event_type, dup_group, count(*) as records, count(*) filter (where kept) as kept,
           any_value(records_in_group) as records_in_group
    from int_events_duplicates
    group by all
),

bad_groups as (
    select event_type, dup_group as key, records, kept
    from listed
    where records <> records_in_group or kept <> 1
),

totals as (
    select l.event_type, l.excluded, d.excluded as reported
    from (select event_type, sum(records - 1) as excluded from listed group by all) as l
    full join (select event_type, sum(numerator) as excluded from dq_duplicates where area_code = 'KH' group by all) as d
        using (event_type)
    where l.excluded is distinct from d.excluded and coalesce(l.excluded, 0) + coalesce(d.excluded, 0) > 0
)

select event_type, key, records, kept, null::hugeint as excluded, null::hugeint as reported from bad_groups
union all
select event_type, null, null, null, excluded, reported from totals
