-- materialize: table
-- Each death once: the latest version of each registration, cancelled ones
-- dropped, and one record per duplicate group (the first registered).
with deaths as (
    select * from stg_lake__deaths
),

latest as (
    select *
    from deaths
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
        datediff('day', date_of_death, registration_date) as lag_days,
        abridged_group(age_years) as age_group,
        abridged_start(age_years) as age_start,
        -- under one year: by completed years, or by days when only days are known
        coalesce(age_years = 0, age_days < 365) as infant,
        case when age_days is not null then age_days < 28 end as neonatal
    from ranked
    where rank_in_group = 1
)

select * from final
