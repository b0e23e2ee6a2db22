-- ref_igme: UN IGME 2024 infant (imr), under-five (u5mr) and neonatal (nmr) mortality for Cambodia, per 1,000
-- live births, both sexes (T), median with 90% uncertainty bounds (NULL where a site's file leaves them out),
-- from refdata cambodia/vital_rates/igme_child_mortality_cambodia.csv (or a site's file; refdata.LoadIGME checks
-- it first). CC BY 3.0 IGO, UN Inter-agency Group for Child Mortality Estimation.
-- Needs: set variable ref_igme_path = '<path of the CSV>';
create or replace table ref_igme as
with source as (
    select *
    from read_csv(
        getvariable('ref_igme_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'year': 'integer',
            'indicator': 'varchar',
            'sex': 'varchar',
            'value': 'double',
            'lower': 'double',
            'upper': 'double',
            'source_note': 'varchar'
        }
    )
),

final as (
    select * from source
)

select * from final order by indicator, year;
