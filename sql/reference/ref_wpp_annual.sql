-- ref_wpp_annual: UN World Population Prospects 2024, Cambodia, 2000-2030 (estimates to 2023, medium variant
-- after), from refdata cambodia/vital_rates/wpp2024_annual_2000_2030.csv. One row per year. Rates per 1,000
-- except growth_rate_pct; srb is males per female (a WPP model value). CC BY 3.0 IGO, UN DESA Population Division.
-- Needs: set variable ref_wpp_annual_path = '<path of the CSV>';
create or replace table ref_wpp_annual as
with source as (
    select *
    from read_csv(
        getvariable('ref_wpp_annual_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'year': 'integer',
            'variant': 'varchar',
            'births_thousands': 'double',
            'cbr_per_1000': 'double',
            'deaths_thousands': 'double',
            'cdr_per_1000': 'double',
            'rate_natural_change_per_1000': 'double',
            'growth_rate_pct': 'double',
            'net_migration_rate_per_1000': 'double',
            'tfr': 'double',
            'e0_male': 'double',
            'e0_female': 'double',
            'e0_both': 'double',
            'srb_males_per_female': 'double'
        }
    )
),

final as (
    select * from source
)

select * from final order by year;
