-- Summary measures of the life tables by year, area, sex and basis: life
-- expectancy at birth (e0) and at 60 (e60), the probability of dying between
-- 15 and 60 (45q15), and 1q0 and 5q0 from the tables, each with a 95% CI.
-- Rows of a withheld table have NULL values (see life_table).
with summary as (
    select * from int_life_summary
),

final as (
    select
        year, area_code, sex, basis, measure,
        case when measure in ('e0', 'e60') then 'years' else 'probability' end as unit,
        round(deaths)::bigint as numerator,
        null::double as denominator,
        value,
        -- probabilities and years are not negative (greatest would turn a NULL into 0)
        case when value - 1.959964 * se < 0 then 0 else value - 1.959964 * se end as ci_low,
        value + 1.959964 * se as ci_high,
        flags
    from summary
)

select * from final
