-- Health-facility notifications of births and deaths.
with source as (
    select * from raw_notification
),

final as (
    select
        event_id,
        notification_id,
        source,
        facility_id,
        facility_type,
        event_type,
        event_date,
        notified_at,
        occurrence_year as year,
        sex,
        link_key,
        mother_age,
        age_years,
        residence_province as province_code,
        residence_district as district_code,
        flags
    from source
)

select * from final
