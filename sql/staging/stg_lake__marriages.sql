-- Marriage registrations as they stand in the lake, every version.
with source as (
    select * from raw_marriage
),

final as (
    select
        event_id,
        version,
        status,
        source,
        provenance,
        dup_group,
        event_date as date_of_marriage,
        registration_date,
        occurrence_year as year,
        groom_age,
        bride_age,
        groom_residence_province,
        groom_residence_district,
        bride_residence_province,
        bride_residence_district,
        groom_prev_status,
        bride_prev_status,
        flags
    from source
)

select * from final
