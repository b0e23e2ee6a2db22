-- materialize: table
-- Every record of the probable duplicate groups of births and deaths that had
-- more than one current record (latest version, not cancelled), with the one
-- kept for statistics marked. int_*_excluded found the groups and carries
-- what is shown of their records.
with members as (
    select 'birth' as event_type, event_id, dup_group, reason, records_in_group,
           source, provenance, registration_date, year, province_code
    from int_births_excluded where dup_group is not null
    union all
    select 'death', event_id, dup_group, reason, records_in_group,
           source, provenance, registration_date, year, province_code
    from int_deaths_excluded where dup_group is not null
),

final as (
    select
        event_type,
        dup_group,
        event_id,
        reason = 'kept' as kept,
        source,
        provenance,
        registration_date,
        -- the statistics count the group once, in the kept record's cell
        max(case when reason = 'kept' then year end) over grp as year,
        max(case when reason = 'kept' then province_code end) over grp as province_code,
        records_in_group
    from members
    window grp as (partition by event_type, dup_group)
)

select * from final
