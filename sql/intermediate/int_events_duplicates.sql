-- materialize: table
-- Every record of the probable duplicate groups of births and deaths that had
-- more than one current record (latest version, not cancelled), with the one
-- kept for statistics marked. The groups come from int_*_excluded; only
-- their records are read back from staging, in one pass.
with members as (
    select 'birth' as event_type, event_id, version, dup_group, reason, records_in_group
    from int_births_excluded where dup_group is not null
    union all
    select 'death', event_id, version, dup_group, reason, records_in_group
    from int_deaths_excluded where dup_group is not null
),

details as (
    select 'birth' as event_type, s.event_id, s.version, s.source, s.provenance, s.registration_date, s.year, s.province_code
    from stg_lake__births as s
    semi join (select event_id, version from int_births_excluded where dup_group is not null) as m
        on m.event_id = s.event_id and m.version = s.version
    union all
    select 'death', s.event_id, s.version, s.source, s.provenance, s.registration_date, s.year, s.province_code
    from stg_lake__deaths as s
    semi join (select event_id, version from int_deaths_excluded where dup_group is not null) as m
        on m.event_id = s.event_id and m.version = s.version
),

joined as (
    select m.*, d.source, d.provenance, d.registration_date, d.year, d.province_code
    from members as m
    join details as d using (event_type, event_id, version)
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
    from joined
    window grp as (partition by event_type, dup_group)
)

select * from final
