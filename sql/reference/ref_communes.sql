-- ref_communes: the 1,652 communes (khum) and quarters (sangkat) of the 2024 NCDD gazetteer, from refdata
-- cambodia/admin/communes.csv. One row per commune; codes keep their leading zeros ('010201').
-- Needs: set variable ref_communes_path = '<path of the CSV>';
create or replace table ref_communes as
with source as (
    select *
    from read_csv(
        getvariable('ref_communes_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'commune_code': 'varchar',
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
        commune_code,
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

select * from final order by commune_code;
