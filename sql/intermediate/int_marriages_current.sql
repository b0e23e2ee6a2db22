-- materialize: table
-- Each marriage once (latest version, not cancelled, one per duplicate group).
-- A table (temporary unless kept), since events_by_month and tab_marriages
-- both read it and its two windows over every marriage cost more than a
-- copy; a narrow one (the columns statistics use), since copying columns
-- is most of that copy's time at national scale.
with marriages as (
    select * from stg_lake__marriages
),

latest as (
    select * from marriages
    qualify row_number() over (partition by event_id order by version desc) = 1
),

final as (
    select
        year, date_of_marriage, registration_date, provenance,
        bride_age, groom_age, bride_prev_status, groom_prev_status,
        bride_residence_province, bride_residence_district, groom_residence_province, groom_residence_district
    from latest
    where status <> 'cancelled'
    qualify row_number() over (partition by coalesce(dup_group, event_id) order by registration_date, event_id) = 1
)

select * from final
