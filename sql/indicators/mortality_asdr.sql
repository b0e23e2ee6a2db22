-- Age-specific death rates per 1,000 by year, area, sex and abridged age group, from
-- registered deaths (basis 'registered'); every cell of int_deaths_by_age's frame, 0
-- where no death.
with deaths as (
    select * from int_deaths_by_age
),

final as (
    select year, area_code, sex, 'registered' as basis, age_group,
           round(deaths, 3) as numerator,
           population as denominator,
           1000 * deaths / nullif(population, 0) as value,
           1000 * poisson_low(deaths_reported) * pro_rata / nullif(population, 0) as ci_low,
           1000 * poisson_high(deaths_reported) * pro_rata / nullif(population, 0) as ci_high,
           small_flags(deaths_reported) as flags,
           age_start
    from deaths
)

select * from final
