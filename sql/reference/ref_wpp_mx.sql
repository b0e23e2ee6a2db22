-- ref_wpp_mx: UN World Population Prospects 2024, Cambodia, central death rates nMx by sex and abridged
-- age group (0, 1-4, 5-9 … 95-99, 100+) for the legacy five-year periods 1995-2000 … 2030-2035, from refdata
-- cambodia/vital_rates/wpp2024_mx_5yr_1995_2035.csv (or a site's file of the same columns; refdata.LoadWPPMx
-- checks it first). A period runs from mid-year period_start to mid-year period_end; age_end is inclusive and
-- NULL for the open group. CC BY 3.0 IGO, UN DESA Population Division.
-- Needs: set variable ref_wpp_mx_path = '<path of the CSV>';
create or replace table ref_wpp_mx as
with source as (
    select *
    from read_csv(
        getvariable('ref_wpp_mx_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'period_start': 'integer',
            'period_end': 'integer',
            'sex': 'varchar',
            'age_start': 'integer',
            'age_end': 'integer',
            'mx': 'double'
        }
    )
),

final as (
    select * from source
)

select * from final order by sex, period_start, age_start;
