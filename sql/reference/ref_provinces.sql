-- ref_provinces: the 25 provinces (and the capital) of the 2024 NCDD gazetteer, from refdata
-- cambodia/admin/provinces.csv. One row per province; province_code keeps its leading zero.
-- Needs: set variable ref_provinces_path = '<path of the CSV>';
create or replace table ref_provinces as
with source as (
    select *
    from read_csv(
        getvariable('ref_provinces_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'province_code': 'varchar',
            'iso_3166_2': 'varchar',
            'name_en': 'varchar',
            'name_km': 'varchar',
            'type': 'varchar',
            'n_districts': 'integer',
            'n_communes': 'integer',
            'n_villages': 'integer'
        }
    )
),

final as (
    select
        province_code,
        iso_3166_2,
        name_en,
        name_km,
        type as province_type,
        n_districts,
        n_communes,
        n_villages
    from source
)

select * from final order by province_code;
