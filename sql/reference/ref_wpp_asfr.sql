-- ref_wpp_asfr: WPP 2024 age pattern of fertility for Cambodia by five-year period (2000-2005 … 2025-2030),
-- from refdata cambodia/vital_rates/wpp2024_asfr_5yr_2000_2030.csv. One row per period and age group 15-19 … 45-49.
-- asfr_per_1000_derived = tfr_period × pct_of_tfr / 100 / 5 × 1000 (derived in the file). WPP's period 2000-2005
-- runs from mid-2000 to mid-2005, so first_year..last_year (2000..2004) are the calendar years it stands for.
-- Needs: set variable ref_wpp_asfr_path = '<path of the CSV>';
create or replace table ref_wpp_asfr as
with source as (
    select *
    from read_csv(
        getvariable('ref_wpp_asfr_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'period': 'varchar',
            'age_group': 'varchar',
            'pct_of_tfr': 'double',
            'tfr_period': 'double',
            'asfr_per_1000_derived': 'double',
            'variant': 'varchar'
        }
    )
),

final as (
    select
        period,
        cast(split_part(period, '-', 1) as integer) as first_year,
        cast(split_part(period, '-', 2) as integer) - 1 as last_year,
        age_group,
        cast(split_part(age_group, '-', 1) as integer) as age_start,
        cast(split_part(age_group, '-', 2) as integer) as age_end,
        pct_of_tfr,
        tfr_period,
        asfr_per_1000_derived,
        variant
    from source
)

select * from final order by first_year, age_start;
