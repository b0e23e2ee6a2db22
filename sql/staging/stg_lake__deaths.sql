-- Death registrations as they stand in the lake, every version, each in
-- the duplicate group of its linkage cluster.
-- Sex not stated (NULL in the lake, flag sex_not_stated) is 'U'; a residence
-- not stated (missing, or a commune the gazetteer does not know) has NULL
-- province_code and district_code.
with source as (
    select * from raw_death
),

-- a linked record's duplicate group is its cluster; a record the linkage
-- never saw (cancelled) keeps the group its identity code gave it
clusters as (
    select event_id, cluster_id from stg_lake__link_clusters where event_type = 'death'
),

final as (
    select
        event_id,
        version,
        status,
        source,
        provenance,
        coalesce(c.cluster_id, s.dup_group) as dup_group,
        deceased_id_hash is not null as has_id_code,
        deceased_id_hash as person_id_hash,
        link_key,
        event_date as date_of_death,
        registration_date,
        digitized_at,
        occurrence_year as year,
        registration_commune,
        residence_province as province_code,
        residence_district as district_code,
        residence_commune,
        place_commune,
        facility_type,
        case when sex in ('M', 'F') then sex else 'U' end as sex,
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
    from source as s
    left join clusters as c using (event_id)
)

select * from final
