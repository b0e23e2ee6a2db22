-- Death registrations as they stand in the lake, every version.
with source as (
    select * from raw_death
),

final as (
    select
        event_id,
        version,
        status,
        source,
        provenance,
        dup_group,
        link_key,
        event_date as date_of_death,
        registration_date,
        occurrence_year as year,
        registration_commune,
        residence_province as province_code,
        residence_district as district_code,
        residence_commune,
        place_commune,
        facility_type,
        sex,
        date_of_birth,
        age_value,
        age_unit,
        age_years,
        age_days,
        marital_status,
        underlying_cause_icd10 as underlying_cause,
        cause_a,
        cause_b,
        cause_c,
        cause_d,
        cause_part2,
        certification,
        manner,
        pregnancy_status,
        flags
    from source
)

select * from final
