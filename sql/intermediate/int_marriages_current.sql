-- A view: nothing reads it yet; exports of marriages (issue 6) will.
-- Each marriage once (latest version, not cancelled, one per duplicate group).
with marriages as (
    select * from stg_lake__marriages
),

latest as (
    select * from marriages
    qualify row_number() over (partition by event_id order by version desc) = 1
),

final as (
    select * from latest
    where status <> 'cancelled'
    qualify row_number() over (partition by coalesce(dup_group, event_id) order by registration_date, event_id) = 1
)

select * from final
