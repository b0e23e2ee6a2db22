-- materialize: table
-- The death records that statistics leave out, found without sorting all the
-- deaths: older versions of corrected events, cancelled events, and every
-- member of a duplicate group but the first registered. Only events with a
-- second version or a cancellation, and only duplicate groups with more than
-- one record, are looked at closely; grouping by a 64-bit hash of dup_group
-- finds the candidate groups (a hash collision only adds a candidate, which
-- the exact ranking then keeps whole). int_births_excluded is the same query:
-- as a table macro over query_table() it ran twice as slowly (no column
-- pruning), so the two copies stay.
with keys as not materialized (
    select event_id, version, status, dup_group, registration_date, source, provenance, year, province_code
    from stg_lake__deaths
),

changed as (
    select distinct event_id from keys where version > 1 or status = 'cancelled'
),

versions as (
    select k.event_id, k.version, k.status,
           max(k.version) over (partition by k.event_id) as latest
    from keys as k
    semi join changed as c on c.event_id = k.event_id
),

superseded as (
    select event_id, version, 'superseded' as reason from versions where version < latest
    union all
    select event_id, version, 'cancelled' from versions where version = latest and status = 'cancelled'
),

candidate_groups as (
    select hash(dup_group) as h from keys where dup_group is not null group by 1 having count(*) > 1
),

members as (
    select k.event_id, k.version, k.dup_group, k.registration_date, k.source, k.provenance, k.year, k.province_code
    from keys as k
    semi join candidate_groups as g on g.h = hash(k.dup_group)
    anti join superseded as s on s.event_id = k.event_id and s.version = k.version
),

ranked as (
    select *,
           row_number() over (partition by dup_group order by registration_date, event_id) as rank_in_group,
           count(*) over (partition by dup_group) as records_in_group
    from members
),

-- the members of duplicate groups carry what int_events_duplicates shows of
-- them, so that it need not read every record again to find them
final as (
    select event_id, version, reason, null::varchar as dup_group, null::bigint as records_in_group,
           null as registration_date, null as source, null as provenance, null as year, null as province_code
    from superseded
    union all
    select event_id, version, case when rank_in_group = 1 then 'kept' else 'duplicate' end, dup_group, records_in_group,
           registration_date, source, provenance, year, province_code
    from ranked
    where records_in_group > 1
)

select * from final
