-- materialize: table
-- Each marriage once (latest version, not cancelled, one per duplicate group:
-- the first registered). A table (temporary unless kept), since
-- events_by_month and tab_marriages both read it; a narrow one (the columns
-- statistics use), since copying columns is most of its time at national
-- scale. The records to leave out are found as int_births_excluded finds
-- them, without sorting every marriage: only events with a second version or
-- a cancellation, and only duplicate groups of more than one record, are
-- looked at closely (two windows over every marriage took three times as
-- long). keys is read again by each step that needs it: materialising it
-- copied every key.
with keys as not materialized (
    select event_id, version, status, dup_group, registration_date from stg_lake__marriages
),

changed as (
    select distinct event_id from keys where version > 1 or status = 'cancelled'
),

versions as (
    select k.event_id, k.version, k.status, max(k.version) over (partition by k.event_id) as latest
    from keys as k
    semi join changed as c on c.event_id = k.event_id
),

-- older versions, and the latest when it cancels the event
superseded as (
    select event_id, version from versions where version < latest or status = 'cancelled'
),

candidate_groups as (
    select hash(dup_group) as h from keys where dup_group is not null group by 1 having count(*) > 1
),

members as (
    select k.event_id, k.version, k.dup_group, k.registration_date
    from keys as k
    semi join candidate_groups as g on g.h = hash(k.dup_group)
    anti join superseded as s on s.event_id = k.event_id and s.version = k.version
),

duplicates as (
    select event_id, version from members
    qualify row_number() over (partition by dup_group order by registration_date, event_id) > 1
),

excluded as (
    select event_id, version from superseded
    union all
    select event_id, version from duplicates
),

final as (
    select
        m.year, m.date_of_marriage, m.registration_date, m.provenance,
        m.bride_age, m.groom_age, m.bride_prev_status, m.groom_prev_status,
        m.bride_residence_province, m.bride_residence_district, m.groom_residence_province, m.groom_residence_district
    from stg_lake__marriages as m
    anti join excluded as x on x.event_id = m.event_id and x.version = m.version
)

select * from final
