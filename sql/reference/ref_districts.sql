-- ref_districts: the 210 districts, municipalities and khans of the 2024 NCDD gazetteer, from refdata
-- cambodia/admin/districts.csv. One row per district; codes keep their leading zeros.
-- Needs: set variable ref_districts_path = '<path of the CSV>';
create or replace table ref_districts as
with source as (
    select *
    from read_csv(
        getvariable('ref_districts_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'district_code': 'varchar',
            'province_code': 'varchar',
            'type_km': 'varchar',
            'type_latin': 'varchar',
            'type_en': 'varchar',
            'name_km': 'varchar',
            'name_latin': 'varchar',
            'reference_km': 'varchar',
            'official_note_km': 'varchar'
        }
    )
),

final as (
    select
        district_code,
        province_code,
        type_km,
        type_latin,
        type_en,
        name_km,
        name_latin,
        reference_km,
        official_note_km
    from source
)

select * from final order by district_code;
