-- ref_who_standard_population: the WHO world standard population 2000-2025 (Ahmad et al. 2001, GPE Discussion
-- Paper 31), from refdata who/who_world_standard_population.csv. One row per age group 0-4 … 95-99, 100+
-- (age_end null). weight_per_100000 is as published: the 21 weights sum to 100,035 because of rounding;
-- weight is the same normalised to sum to exactly 1 (use it for age-standardised rates).
-- Needs: set variable ref_who_standard_population_path = '<path of the CSV>';
create or replace table ref_who_standard_population as
with source as (
    select *
    from read_csv(
        getvariable('ref_who_standard_population_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'age_group': 'varchar',
            'age_start': 'integer',
            'age_end': 'integer',
            'weight_per_100000': 'integer'
        }
    )
),

final as (
    select
        age_group,
        age_start,
        age_end,
        weight_per_100000,
        cast(weight_per_100000 as double) / sum(weight_per_100000) over () as weight
    from source
)

select * from final order by age_start;
