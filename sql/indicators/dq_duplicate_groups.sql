-- The probable duplicate groups of births and deaths for review: one row per
-- group that had more than one current record, with its records, the one
-- kept for statistics and those excluded.
with members as (
    select * from int_events_duplicates
),

final as (
    select
        event_type,
        dup_group,
        any_value(year) as year,
        any_value(province_code) as province_code,
        count(*) as records,
        any_value(event_id) filter (where kept) as kept_event_id,
        list(event_id order by event_id) as event_ids,
        list(source || '/' || provenance order by event_id) as origins,
        min(registration_date) as first_registered,
        max(registration_date) as last_registered
    from members
    group by event_type, dup_group
)

select * from final
