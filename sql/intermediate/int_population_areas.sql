-- materialize: table
-- Denominators by area: the nation ('KH'), each province and, where the source
-- gives them, each district; by year, sex ('M', 'F', and 'T' for both) and
-- abridged age group.
with population as (
    select * from int_population_years
),

by_sex as (
    select year, 'KH' as area_code, sex, age_group, age_start, sum(population) as population
    from population group by all
    union all
    select year, province_code, sex, age_group, age_start, sum(population)
    from population group by all
    union all
    select year, district_code, sex, age_group, age_start, sum(population)
    from population where district_code is not null group by all
),

final as (
    select * from by_sex
    union all
    select year, area_code, 'T', age_group, age_start, sum(population)
    from by_sex group by all
)

select * from final
