-- Denominators from a site's file (NIS projections or census): one row per year,
-- province (or district), sex and abridged age group. district_code may be empty
-- for province-level rows. Read with fixed types: a bad value fails the build
-- with the file's line.
create or replace table ref_population as
with source as (
    select *
    from read_csv(
        getvariable('population_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'year': 'integer',
            'province_code': 'varchar',
            'district_code': 'varchar',
            'sex': 'varchar',
            'age_group': 'varchar',
            'population': 'double'
        }
    )
),

final as (
    select
        year,
        province_code,
        nullif(district_code, '') as district_code,
        sex,
        age_group,
        population
    from source
)

select * from final;
