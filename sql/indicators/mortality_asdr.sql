-- Age-specific death rates per 1,000 by year, area, sex and abridged age group.
with deaths as (
    select * from int_deaths_by_age
),

final as (
    select year, area_code, sex, age_group,
           round(deaths, 3) as numerator,
           population as denominator,
           1000 * deaths / population as value,
           1000 * poisson_low(deaths_reported) * deaths / nullif(deaths_reported, 0) / population as ci_low,
           1000 * poisson_high(deaths_reported) * deaths / nullif(deaths_reported, 0) / population as ci_high,
           small_flags(deaths_reported) as flags,
           age_start
    from deaths
)

select * from final
