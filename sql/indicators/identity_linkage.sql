-- How each birth and death record is known to be one person's one event, by
-- year of occurrence and province of usual residence (of the record itself),
-- among current records (latest version, not cancelled) before
-- deduplication. One row per cell and measure:
--   id_code      records that carry the person's identity code (KIDC)
--   linked       records in a cluster of two or more that the identity code
--                alone does not explain (probabilistic linkage or an analyst)
--   alone        records that are the only record of their cluster
--   dup_id_code  records excluded as duplicates of a cluster whose records
--                all carry one identity code
--   dup_linked   records excluded as duplicates of any other cluster
--   established  of the backlog (digitized paper records), those whose
--                uniqueness is settled: no pair of theirs waits for review
-- The denominator is the cell's records (the backlog's, for established).
with current_records as (
    select 'birth' as event_type, b.event_id, b.year, b.province_code, b.provenance, b.dup_group,
           b.has_id_code, b.person_id_hash, x.reason
    from stg_lake__births as b
    left join int_births_excluded as x on x.event_id = b.event_id and x.version = b.version
    where coalesce(x.reason, '') not in ('superseded', 'cancelled')
    union all
    select 'death', d.event_id, d.year, d.province_code, d.provenance, d.dup_group,
           d.has_id_code, d.person_id_hash, x.reason
    from stg_lake__deaths as d
    left join int_deaths_excluded as x on x.event_id = d.event_id and x.version = d.version
    where coalesce(x.reason, '') not in ('superseded', 'cancelled')
),

clusters as (
    select *,
           count(*) over w as in_cluster,
           count(*) over w = count(person_id_hash) over w
               and count(distinct person_id_hash) over w = 1 as by_id_code
    from current_records
    -- a record with no group is a group of its own
    window w as (partition by event_type, coalesce(dup_group, event_id))
),

decided as (
    select event_type, least(a, b) as a, greatest(a, b) as b from raw_link_decision group by all
),

-- pairs still waiting for an analyst: scored for review, never decided, and
-- not in one cluster since
waiting as (
    select p.event_type, p.a as event_id from raw_link_pair as p
    anti join decided as d on d.event_type = p.event_type and d.a = least(p.a, p.b) and d.b = greatest(p.a, p.b)
    where p.decision = 'review'
    union
    select p.event_type, p.b from raw_link_pair as p
    anti join decided as d on d.event_type = p.event_type and d.a = least(p.a, p.b) and d.b = greatest(p.a, p.b)
    where p.decision = 'review'
),

records as (
    select c.*, w.event_id is not null as waiting
    from clusters as c
    left join (select distinct event_type, event_id from waiting) as w using (event_type, event_id)
),

cells as (
    select
        event_type,
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        count(*) as records,
        count(*) filter (where has_id_code) as id_code,
        count(*) filter (where in_cluster > 1 and not by_id_code) as linked,
        count(*) filter (where in_cluster = 1) as alone,
        count(*) filter (where reason = 'duplicate' and by_id_code) as dup_id_code,
        count(*) filter (where reason = 'duplicate' and not by_id_code) as dup_linked,
        count(*) filter (where provenance = 'digitized') as backlog,
        count(*) filter (where provenance = 'digitized' and not waiting) as established
    from records
    group by grouping sets ((event_type, year), (event_type, year, province_code))
),

frame as (
    select e.event_type, f.year, f.area_code
    from int_frame_areas as f
    cross join (values ('birth'), ('death')) as e(event_type)
    where f.level <> 'district'
),

filled as (
    select frame.event_type, frame.year, frame.area_code,
           coalesce(records, 0) as records, coalesce(id_code, 0) as id_code, coalesce(linked, 0) as linked,
           coalesce(alone, 0) as alone, coalesce(dup_id_code, 0) as dup_id_code, coalesce(dup_linked, 0) as dup_linked,
           coalesce(backlog, 0) as backlog, coalesce(established, 0) as established
    from frame
    left join (select * from cells where area_code is not null) as c using (event_type, year, area_code)
),

long as (
    unpivot filled on id_code, linked, alone, dup_id_code, dup_linked, established
    into name measure value numerator
),

final as (
    select
        event_type,
        year,
        area_code,
        measure,
        numerator,
        case when measure = 'established' then backlog else records end as denominator,
        numerator / nullif(denominator, 0) as value,
        wilson_low(numerator, denominator) as ci_low,
        wilson_high(numerator, denominator) as ci_high,
        small_flags(denominator) as flags
    from long
)

select * from final
