-- materialize: table
-- Each death once: the latest version of each registration, cancelled ones
-- dropped, and one record per duplicate group (the first registered);
-- int_deaths_excluded says which records go and why.
with deaths as (
    select * from stg_lake__deaths
),

-- one join does both: rows set aside have a reason other than 'kept', and
-- the kept record of a duplicate group carries the group's size
marks as (
    select event_id, version, reason, records_in_group from int_deaths_excluded
),

final as (
    -- only the columns statistics use
    select
        d.event_id, d.year, d.date_of_death, d.registration_date, d.provenance, d.digitized_at,
        case when d.provenance = 'ict' then 'ict' else 'paper' end as regime,
        datediff('day', d.date_of_death, d.registration_date) as lag_days,
        d.registration_commune, d.province_code, d.district_code, d.residence_commune,
        d.facility_type, d.sex, d.date_of_birth, d.age_years, d.age_days, d.marital_status,
        d.underlying_cause, d.certification, d.manner, d.pregnancy_status, d.link_key, d.flags,
        coalesce(g.records_in_group, 1) as records_in_group,
        abridged_group(d.age_years) as age_group,
        abridged_start(d.age_years) as age_start,
        -- under one year: by completed years, or by days when only days are known
        coalesce(d.age_years = 0, d.age_days < 365) as infant,
        -- neonatal, post_neonatal or unknown, by the finest age reported (the
        -- reported unit itself is not carried: nothing else reads it)
        infant_age(coalesce(d.age_years = 0, d.age_days < 365), d.age_days, d.age_unit, d.age_value) as infant_age
    from deaths as d
    left join marks as g on g.event_id = d.event_id and g.version = d.version
    where g.reason is null or g.reason = 'kept'
)

select * from final
