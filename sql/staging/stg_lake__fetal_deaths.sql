-- Fetal death reports as they stand in the lake, every version.
with source as (
    select * from raw_fetal_death
),

final as (
    select
        event_id,
        version,
        status,
        source,
        provenance,
        dup_group,
        event_date as date_of_delivery,
        registration_date,
        occurrence_year as year,
        residence_province as province_code,
        residence_district as district_code,
        sex,
        mother_age,
        gestation_weeks,
        birth_weight_g,
        facility_type,
        cause_icd10 as cause,
        flags
    from source
)

select * from final
