-- materialize: table
-- Each live birth once: the latest version of each registration, cancelled
-- ones dropped, and one record per duplicate group (the first registered).
with births as (
    select * from stg_lake__births
),

latest as (
    select *
    from births
    qualify row_number() over (partition by event_id order by version desc) = 1
),

live as (
    select * from latest where status <> 'cancelled'
),

ranked as (
    select *,
           count(*) over (partition by coalesce(dup_group, event_id)) as records_in_group,
           row_number() over (partition by coalesce(dup_group, event_id) order by registration_date, event_id) as rank_in_group
    from live
),

final as (
    select
        * exclude (rank_in_group),
        case when provenance = 'ict' then 'ict' else 'paper' end as regime,
        datediff('day', date_of_birth, registration_date) as lag_days,
        asfr_group(mother_age) as mother_age_group
    from ranked
    where rank_in_group = 1
)

select * from final
