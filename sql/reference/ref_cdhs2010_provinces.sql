-- ref_cdhs2010_provinces: Cambodia DHS 2010 neonatal and under-five mortality per 1,000 live births by province
-- (2008 codes), from refdata cambodia/vital_rates/cdhs2010_province_nmr_u5mr.csv. Some provinces were reported
-- in pairs (identical values): use for relative variation only.
-- Needs: set variable ref_cdhs2010_provinces_path = '<path of the CSV>';
create or replace table ref_cdhs2010_provinces as
with source as (
    select *
    from read_csv(
        getvariable('ref_cdhs2010_provinces_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'province_code_2008': 'varchar',
            'province_name': 'varchar',
            'neonatal_mortality_per_1000': 'double',
            'under5_mortality_per_1000': 'double'
        }
    )
),

final as (
    select * from source
)

select * from final order by province_code_2008;
