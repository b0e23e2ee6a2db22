-- Age-specific fertility rates per 1,000 women by year, area and five-year age
-- group of the mother: births (unknown ages distributed pro rata) / mid-year
-- women of the group. CI from the Poisson count of reported births.
with births as (
    select * from int_births_by_mother_age
),

women as (
    select year, area_code, age_group, population
    from int_population_areas
    where sex = 'F'
),

final as (
    select
        b.year,
        b.area_code,
        b.age_group,
        round(b.births, 3) as numerator,
        w.population as denominator,
        1000 * b.births / w.population as value,
        1000 * poisson_low(b.births_reported) * b.births / nullif(b.births_reported, 0) / w.population as ci_low,
        1000 * poisson_high(b.births_reported) * b.births / nullif(b.births_reported, 0) / w.population as ci_high,
        list_concat(small_flags(b.births_reported),
                    case when w.population is null then ['no_denominator'] else [] end) as flags
    from births as b
    left join women as w using (year, area_code, age_group)
)

select * from final
