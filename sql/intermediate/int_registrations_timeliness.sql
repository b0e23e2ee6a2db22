-- Births and deaths with the legal limit in force at the event date for their
-- registration regime, and their timeliness bucket: on time (within the
-- limit), late (after it, within a year) or delayed (more than a year).
-- Digitized backlog records keep their paper registration date: they are
-- marked so that current timeliness figures can leave them out. Deaths carry
-- the age band of completeness ('0' infant, '1-4', '5+'; NULL if unknown).
with births as (
    select 'birth' as event_type, null::varchar as event_id, year, date_of_birth as event_date, registration_date,
           province_code, district_code, sex,
           case when provenance = 'ict' then 'ict' else 'paper' end as regime, provenance,
           datediff('day', date_of_birth, registration_date) as lag_days,
           null::varchar as age_band
    from int_births_current
),

deaths as (
    select 'death', event_id, year, date_of_death, registration_date,
           province_code, district_code, sex, regime, provenance, lag_days,
           case when infant then '0' when age_years between 1 and 4 then '1-4' when age_years >= 5 then '5+' end
    from int_deaths_current
),

events as (
    select * from births
    union all
    select * from deaths
),

final as (
    select
        e.*,
        r.limit_days,
        case
            when r.limit_days is null then 'no_rule'
            when e.lag_days <= r.limit_days then 'on_time'
            when e.lag_days <= 365 then 'late'
            else 'delayed'
        end as timeliness
    from events as e
    left join ref_registration_limits as r
        on r.event_type = e.event_type
       and r.regime = e.regime
       and e.event_date >= r.valid_from
       and (r.valid_to is null or e.event_date < r.valid_to)
)

select * from final
