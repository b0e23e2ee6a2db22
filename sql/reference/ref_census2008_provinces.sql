-- ref_census2008_provinces: 2008 General Population Census indicators (NIS) for the 24 provinces of 2008,
-- from refdata cambodia/population/census2008_provinces.csv. One row per province, 2008 codes
-- (no Tboung Khmum): join to the 2024 gazetteer on province_code only with care.
-- child_woman_ratio is as published (presumably children 0-4 per 1,000 women 15-49).
-- Needs: set variable ref_census2008_provinces_path = '<path of the CSV>';
create or replace table ref_census2008_provinces as
with source as (
    select *
    from read_csv(
        getvariable('ref_census2008_provinces_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'province_code_2008': 'varchar',
            'province_name_2008': 'varchar',
            'households_total': 'integer',
            'households_regular': 'integer',
            'pop_total': 'integer',
            'pop_male': 'integer',
            'pop_female': 'integer',
            'sex_ratio_m_per_100f': 'double',
            'density_per_km2': 'double',
            'urban_pct': 'double',
            'avg_household_size': 'double',
            'female_headed_hh_pct': 'double',
            'male_0_14': 'integer',
            'male_15_64': 'integer',
            'male_65plus': 'integer',
            'female_0_14': 'integer',
            'female_15_64': 'integer',
            'female_65plus': 'integer',
            'male_10_19': 'integer',
            'female_10_19': 'integer',
            'female_15_49': 'integer',
            'median_age_total': 'double',
            'median_age_male': 'double',
            'median_age_female': 'double',
            'dependency_ratio': 'double',
            'child_woman_ratio': 'double',
            'smam_male': 'double',
            'smam_female': 'double',
            'pct_never_married_total': 'double',
            'pct_married_total': 'double',
            'pct_widowed_total': 'double',
            'pct_div_sep_total': 'double',
            'pct_never_married_female': 'double',
            'pct_married_female': 'double',
            'pct_widowed_female': 'double',
            'pct_div_sep_female': 'double',
            'literacy_15plus_pct': 'double',
            'area_km2': 'double'
        }
    )
),

final as (
    select * from source
)

select * from final order by province_code_2008;
