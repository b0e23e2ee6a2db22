-- Denominators as given (file) or derived (reference data), with the start age of each group.
with source as (
    select * from ref_population
),

final as (
    select
        year,
        province_code,
        district_code,
        sex,
        age_group,
        case age_group when '0' then 0 when '1-4' then 1 when '85+' then 85
            else split_part(age_group, '-', 1)::integer end as age_start,
        population
    from source
)

select * from final
