-- materialize: table
-- Each fetal death once (latest version, not cancelled, one per duplicate group).
with fetal as (
    select * from stg_lake__fetal_deaths
),

latest as (
    select * from fetal
    qualify row_number() over (partition by event_id order by version desc) = 1
),

final as (
    select * from latest
    where status <> 'cancelled'
    qualify row_number() over (partition by coalesce(dup_group, event_id) order by registration_date, event_id) = 1
)

select * from final
